"""bf16 autocast against fp32 on this CPU: whole-run wall time and validation accuracy, on every bundled sample.

`precision="auto"` trains in bf16 on a CPU with native bf16 (AVX512-BF16 or AMX). This measures what that buys and
what it costs, the way a user runs it: `python -m engine train --dataset sample:X --model MODEL --precision P
--output-dir DIR` in a fresh process (imports, data, training and the final evaluation all counted). The two
precisions run interleaved (fp32, bf16, bf16, fp32, ...) so that a slow spell on a shared machine hits both.

    python bench/cpu_precision.py [--model scratch:small] [--repeats 1] [--samples sentiment topics paraphrase]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PRECISIONS = ("fp32", "bf16")


def run(sample: str, model: str, precision: str, data_dir: Path) -> tuple[float, float]:
    """One whole training process: (wall seconds, validation accuracy)."""
    with tempfile.TemporaryDirectory() as output:
        command = [sys.executable, "-m", "engine", "train", "--dataset", f"sample:{sample}", "--model", model]
        command += ["--precision", precision, "--output-dir", output, "--json"]
        environment = {"STUDIO_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        start = time.perf_counter()
        result = subprocess.run(
            command, cwd=REPO_ROOT, env={**os.environ, **environment}, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return seconds, json.loads(result.stdout.strip().splitlines()[-1])["metrics"]["accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="scratch:small")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--samples", nargs="+", default=["sentiment", "topics", "paraphrase"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        for sample in args.samples:
            run(sample, args.model, "fp32", Path(data_dir))  # untimed: builds the scratch model and the data cache
            times: dict[str, list[float]] = {p: [] for p in PRECISIONS}
            scores: dict[str, list[float]] = {p: [] for p in PRECISIONS}
            for repeat in range(args.repeats):
                order = PRECISIONS if repeat % 2 == 0 else PRECISIONS[::-1]
                for precision in order:
                    seconds, accuracy = run(sample, args.model, precision, Path(data_dir))
                    times[precision].append(seconds)
                    scores[precision].append(accuracy)
            fp32, bf16 = (statistics.median(times[p]) for p in PRECISIONS)
            accuracy = {p: statistics.mean(scores[p]) for p in PRECISIONS}
            print(
                f"sample:{sample} {args.model}: fp32 {fp32:.1f} s, bf16 {bf16:.1f} s: bf16 {fp32 / bf16:.2f}x; "
                f"accuracy fp32 {accuracy['fp32']:.3f}, bf16 {accuracy['bf16']:.3f} "
                f"({100 * (accuracy['bf16'] - accuracy['fp32']):+.1f} points)",
                flush=True,
            )


if __name__ == "__main__":
    main()
