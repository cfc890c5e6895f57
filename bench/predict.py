"""Prediction speed: one prediction's latency with a cached model, and file prediction against a bare batched loop.

Issue 6 ("Speed") asks for:

- a single prediction with a cached `scratch:small` classifier: server-side p95 under 30 ms on CPU;
- file prediction at least 90% of the throughput of a bare batched `model(**batch)` loop over the same data and
  batch size.

The classifier is `scratch:small` with a classification head for `sample:sentiment`'s two labels, saved once
(untrained: speed does not depend on the weights' values). "Server-side" is what the app's handler runs once
the request has arrived: `ui.try_actions.classify` (prediction, tokens and the plotly chart), and the engine's
`predict_one` inside it, both timed here in-process, so that network and browser time are left out.

File prediction: `engine.inference.predict_file.predict_file` on a CSV of N rows (read, predict, write the CSV with the
probability columns) against the bare loop: the same texts in file order, `tokenizer(batch, padding=True,
truncation=True)` then `model(**batch)` under `torch.inference_mode()`, batch after batch, results thrown away.
The two are interleaved (app, bare, app, bare, ...) and each one's median is compared.

Run from the repository root: `python bench/predict.py [--rows 2000] [--repeats 5] [--calls 200]`.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # `python bench/predict.py` puts bench/ on the path, not the repository

import pandas as pd  # noqa: E402
import torch  # noqa: E402

from bench.padding import machine_jiffies, others_load  # noqa: E402

GOAL_P95_MS, GOAL_FILE_SHARE = 30.0, 0.9
SENTENCE = "The soup was cold, but the staff made up for it with a lovely dessert."


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (0.95 for p95), nearest rank: the value at least that share of calls stayed under."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


def build_classifier(folder: Path) -> str:
    """`scratch:small` with a two-label head for `sample:sentiment`, saved with save_pretrained; return its path."""
    from transformers import AutoTokenizer

    from engine.datasets.sources import load_raw
    from engine.models.scratch import build_scratch_model
    from engine.training.recipe import classifier_model

    scratch = str(build_scratch_model("small", load_raw("sample:sentiment")["train"]["text"]))
    classifier_model(scratch, ["negative", "positive"]).save_pretrained(folder)
    AutoTokenizer.from_pretrained(scratch).save_pretrained(folder)
    return str(folder)


def time_calls(function, calls: int) -> list[float]:
    """Milliseconds of each of `calls` calls, after 5 untimed ones (the first pays for loading)."""
    for _ in range(5):
        function()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def bare_loop(model_path: str, texts: list[str], batch_size: int) -> None:
    """The baseline: batches in file order, tokenized and run, nothing else."""
    from engine.models.classifier import load_classifier

    classifier = load_classifier(model_path)  # the same loaded model and tokenizer, so only the loop differs
    for start in range(0, len(texts), batch_size):
        batch = classifier.tokenizer(
            texts[start : start + batch_size],
            padding=True,
            truncation=True,
            max_length=classifier.max_length,
            return_tensors="pt",
        )
        with torch.inference_mode():
            classifier.model(**batch)


def file_rows(rows: int) -> list[str]:
    """`rows` texts from the sentiment sample's train split, repeated as needed, in the file's order."""
    from engine.datasets.sources import load_raw

    texts = load_raw("sample:sentiment")["train"]["text"]
    return [texts[i % len(texts)] for i in range(rows)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows in the predicted file (default 2000)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved runs of file vs bare loop (default 5)")
    parser.add_argument("--calls", type=int, default=200, help="timed single predictions (default 200)")
    parser.add_argument("--batch-size", type=int, default=32, help="rows per forward pass for both (default 32)")
    args = parser.parse_args(argv)
    if min(args.rows, args.repeats, args.calls, args.batch_size) < 1:
        raise SystemExit("--rows, --repeats, --calls and --batch-size must be at least 1")

    from datasets.utils.logging import disable_progress_bar
    from transformers.utils import logging as transformers_logging

    disable_progress_bar()
    transformers_logging.set_verbosity_error()
    with tempfile.TemporaryDirectory(prefix="predict-bench-") as workdir:
        os.environ["STUDIO_DATA_DIR"] = workdir
        from engine.inference.predict import predict_one
        from engine.inference.predict_file import FilePrediction, predict_file
        from engine.training.recipe import describe_hardware
        from ui.try_actions import classify

        model = build_classifier(Path(workdir) / "classifier")
        print(f"scratch:small classifier, {describe_hardware()}, {torch.get_num_threads()} torch threads", flush=True)

        jiffies, cpu = machine_jiffies(), time.process_time()
        engine_ms = time_calls(lambda: predict_one(model, SENTENCE), args.calls)
        handler_ms = time_calls(lambda: classify(model, SENTENCE, ""), args.calls)
        load = others_load(jiffies, machine_jiffies(), time.process_time() - cpu)

        texts = file_rows(args.rows)
        source, output = Path(workdir) / "in.csv", Path(workdir) / "out.csv"
        pd.DataFrame({"text": texts}).to_csv(source, index=False)
        request = FilePrediction(source, "text", output, batch_size=args.batch_size)
        predict_file(request, model)  # untimed warm-up of both paths
        bare_loop(model, texts[: args.batch_size * 2], args.batch_size)
        app_seconds, bare_seconds, loads = [], [], []
        for _ in range(args.repeats):
            jiffies, cpu = machine_jiffies(), time.process_time()
            start = time.perf_counter()
            predict_file(request, model)
            app_seconds.append(time.perf_counter() - start)
            start = time.perf_counter()
            bare_loop(model, texts, args.batch_size)
            bare_seconds.append(time.perf_counter() - start)
            loads.append(others_load(jiffies, machine_jiffies(), time.process_time() - cpu))

    p50, p95 = percentile(engine_ms, 0.5), percentile(engine_ms, 0.95)
    handler_p50, handler_p95 = percentile(handler_ms, 0.5), percentile(handler_ms, 0.95)
    app_rate = args.rows / statistics.median(app_seconds)
    bare_rate = args.rows / statistics.median(bare_seconds)
    load_text = ", ".join("n/a" if value is None else f"{value:.0%}" for value in loads)
    print()
    print("| measure | value | goal |")
    print("|---|---:|---|")
    print(f"| one prediction, engine `predict_one`: p50 / p95 | {p50:.1f} / {p95:.1f} ms | p95 < {GOAL_P95_MS:g} ms |")
    print(f"| one prediction, page handler `classify` (with chart): p50 / p95 | {handler_p50:.1f} / "
          f"{handler_p95:.1f} ms | p95 < {GOAL_P95_MS:g} ms |")  # fmt: skip
    print(f"| file of {args.rows:,} rows, `predict_file` (read, predict, write) | {app_rate:,.0f} rows/s | |")
    print(f"| the same texts, bare `model(**batch)` loop | {bare_rate:,.0f} rows/s | |")
    print(f"| file prediction / bare loop | {app_rate / bare_rate:.2f}× | ≥ {GOAL_FILE_SHARE:g}× |")
    print()
    print(f"others' CPU load: {'n/a' if load is None else f'{load:.0%}'} during the single predictions; "
          f"{load_text} during the file runs")  # fmt: skip
    met_latency, met_file = handler_p95 < GOAL_P95_MS, app_rate / bare_rate >= GOAL_FILE_SHARE
    print(f"{'met' if met_latency else 'NOT met'}: p95 of one prediction (page handler) {handler_p95:.1f} ms")
    print(f"{'met' if met_file else 'NOT met'}: file prediction at {app_rate / bare_rate:.2f}× the bare loop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
