"""The engine against the course recipe, whole processes: what a user waits for, imports and data included.

Every variant is one fresh process, timed from its start to its exit, on the same model, data and settings
(1 epoch, batch 32, learning rate 5e-5, seed 42, max length 128):

- (engine) `python -m engine train --dataset sample:X --model FOLDER ...`: a job, as the CLI and the app run it (the
  pre-launch check, the queue, `accelerate launch` of the training child, the final scores into the database);
  `--precision` picks the engine's precision (`auto` by default; `--variants` can add `engine-fp32`, `engine-bf16`);
- (course) `bench/course_recipe.py`: chapter 3 of the Hugging Face course, `Trainer` + `DataCollatorWithPadding`,
  one evaluation at the end;
- (padded) the same recipe with every row padded to 128 when tokenized.

The model is a `scratch:minilm` encoder (MiniLM-L6-H384's shape) built once from the bundled samples' text and saved
to a folder that every variant loads. One untimed run of each variant but (padded) first (file caches, the
datasets cache, the engine's prepared data), then the variants interleaved, the order rotating each repeat, so that
a busy spell on a shared machine hits them all; medians, ratios, and the mean validation accuracy of each.

    python bench/whole_process.py [--repeats 3] [--sample sentiment] [--variants engine course padded]
                                  [--epochs 1] [--lr 5e-5]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # `python bench/whole_process.py` puts bench/ on the path, not the repository, and the engine is not installed.
    sys.path.insert(0, str(REPO_ROOT))

from bench.padding import machine_jiffies, others_load  # noqa: E402

SETTINGS = {"epochs": "1", "batch-size": "32", "lr": "5e-5", "seed": "42", "max-length": "128"}
# The goals: the engine's whole-process wall time against the course recipe and the padded recipe.
GOAL_VS_COURSE, GOAL_VS_PADDED, GOAL_ACCURACY_POINTS = 1.5, 3.0, 1.0
ENGINE_PRECISIONS = {"engine": "auto", "engine-fp32": "fp32", "engine-bf16": "bf16"}
LABELS = {
    "engine": "`python -m engine train` (a job, precision auto)",
    "engine-fp32": "`python -m engine train --precision fp32` (a job)",
    "engine-bf16": "`python -m engine train --precision bf16` (a job)",
    "course": "course recipe: `Trainer` + `DataCollatorWithPadding`",
    "padded": "course recipe, rows padded to 128",
}


@dataclass
class Runs:
    """One variant's timed runs."""

    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)  # the process tree's user + system time
    accuracies: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)


def build_model(workdir: Path) -> Path:
    """A `scratch:minilm` encoder from all the bundled training text, saved once into `workdir/minilm`."""
    os.environ["STUDIO_DATA_DIR"] = str(workdir / "build")
    from engine.datasets.sources import load_raw
    from engine.models.scratch import build_scratch_model

    texts = []
    for sample in ("sentiment", "topics", "paraphrase"):
        train = load_raw(f"sample:{sample}", None)["train"]
        texts += [row[c] for row in train for c in ("text", "sentence1", "sentence2") if row.get(c)]
    folder = workdir / "minilm"
    shutil.copytree(build_scratch_model("minilm", texts), folder)
    return folder


class TreeCPU:
    """CPU seconds (user + system) of a process and all its descendants, sampled from `/proc` every 0.2 s.

    `os.times()`'s children times miss the engine's training child: the job's launcher runs in a session of its own
    and is reaped by a thread of the CLI, which may exit first. Each process's last sample counts, so up to 0.2 s of
    CPU per process at its very end is missed. Linux only; elsewhere it reads 0.
    """

    def __init__(self, root: int) -> None:
        self.root, self.seen, self._done = root, {}, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        while not self._done.wait(0.2):
            parents, times = {}, {}
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue  # /proc/self, /proc/cpuinfo...
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue  # not a process, or it just ended
                parents[int(entry.name)] = int(fields[1])
                times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
            tree, grew = {self.root}, True
            while grew:
                children = {pid for pid, parent in parents.items() if parent in tree} - tree
                tree |= children
                grew = bool(children)
            self.seen.update({pid: times[pid] for pid in tree if pid in times})

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return sum(self.seen.values())


def command_for(variant: str, sample: str, model: Path, output: Path) -> list[str]:
    flags = [item for name, value in SETTINGS.items() for item in (f"--{name}", value)]
    if variant in ENGINE_PRECISIONS:
        engine = [sys.executable, "-m", "engine", "train", "--dataset", f"sample:{sample}", "--model", str(model)]
        return engine + flags + ["--precision", ENGINE_PRECISIONS[variant], "--json"]
    recipe = [sys.executable, str(REPO_ROOT / "bench" / "course_recipe.py"), "--data", f"assets/samples/{sample}"]
    recipe += ["--model", str(model), "--output-dir", str(output)] + flags
    return recipe + (["--pad-to-max-length"] if variant == "padded" else [])


def run(variant: str, sample: str, model: Path, workdir: Path) -> tuple[float, float, float, float | None]:
    """One whole process: (wall seconds, CPU seconds of it and its children, validation accuracy, others' share of
    the CPU meanwhile). On a busy machine the CPU time is the steadier measure: a wait for a core costs none."""
    output = Path(tempfile.mkdtemp(prefix=f"{variant}-", dir=workdir))
    environment = {
        "STUDIO_DATA_DIR": str(workdir / "data"),  # the engine's jobs, prepared data and caches, kept between runs
        "HF_DATASETS_CACHE": str(workdir / "hf-datasets"),  # the recipe's `load_dataset` and `map` caches, likewise
        "HF_HUB_OFFLINE": "1",
    }
    command = command_for(variant, sample, model, output)
    before, children = machine_jiffies(), os.times()
    start = time.perf_counter()
    with subprocess.Popen(
        command, cwd=REPO_ROOT, env={**os.environ, **environment}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        tree = TreeCPU(process.pid)
        stdout, stderr = (stream.decode(errors="replace") for stream in process.communicate())
    seconds = time.perf_counter() - start
    sampled = tree.stop()
    after, done = machine_jiffies(), os.times()
    shutil.rmtree(output, ignore_errors=True)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    answer = json.loads(stdout.strip().splitlines()[-1])
    accuracy = answer["metrics"]["accuracy"] if "metrics" in answer else answer["accuracy"]
    reaped = (done.children_user - children.children_user) + (done.children_system - children.children_system)
    cpu = max(reaped, sampled)
    return seconds, cpu, accuracy, others_load(before, after, cpu)


def table(results: dict[str, Runs]) -> str:
    """One row per variant: median wall and CPU time, the runs, ratios to the course recipes, accuracy."""
    wall = {variant: statistics.median(runs.seconds) for variant, runs in results.items()}
    cpu = {variant: statistics.median(runs.cpu_seconds) for variant, runs in results.items()}

    def versus(medians: dict[str, float], variant: str) -> str:
        return " / ".join(
            f"{medians[base] / medians[variant]:.2f}×" if base in medians else "n/a" for base in ("course", "padded")
        )

    lines = [
        "| variant | wall time, median (s) | runs (s) | wall: speed vs course / padded | CPU time, median (s) "
        "| CPU: speed vs course / padded | validation accuracy | others' CPU load |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for variant, runs in results.items():
        loads = ", ".join(f"{load:.0%}" for load in runs.loads) or "n/a"
        lines.append(
            f"| {LABELS[variant]} | {wall[variant]:.1f} | {', '.join(f'{s:.1f}' for s in runs.seconds)} "
            f"| {versus(wall, variant)} | {cpu[variant]:.1f} | {versus(cpu, variant)} "
            f"| {statistics.mean(runs.accuracies):.3f} | {loads} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", default="sentiment", choices=("sentiment", "topics"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants", nargs="+", default=["engine", "course", "padded"], choices=list(LABELS))
    parser.add_argument("--no-warm-up", action="store_true", help="skip the untimed first run of each variant")
    # One epoch at 5e-5 teaches a scratch encoder nothing (every variant ends at the majority class), so the
    # accuracy goal needs settings a model from random weights learns with, e.g. --epochs 3 --lr 5e-4.
    parser.add_argument("--epochs", default=SETTINGS["epochs"])
    parser.add_argument("--lr", default=SETTINGS["lr"])
    args = parser.parse_args()
    SETTINGS.update(epochs=args.epochs, lr=args.lr)
    with tempfile.TemporaryDirectory(prefix="whole-process-") as directory:
        workdir = Path(directory)
        model = build_model(workdir)
        if not args.no_warm_up:
            for variant in args.variants:
                if variant != "padded":  # the course run warms the recipe's caches; a padded run is minutes
                    run(variant, args.sample, model, workdir)
        results = {variant: Runs() for variant in args.variants}
        for repeat in range(args.repeats):
            shift = repeat % len(args.variants)
            for variant in args.variants[shift:] + args.variants[:shift]:
                seconds, cpu, accuracy, load = run(variant, args.sample, model, workdir)
                runs = results[variant]
                runs.seconds.append(seconds)
                runs.cpu_seconds.append(cpu)
                runs.accuracies.append(accuracy)
                if load is not None:
                    runs.loads.append(load)
                print(f"repeat {repeat + 1}: {variant} {seconds:.1f} s ({cpu:.1f} s CPU), accuracy {accuracy:.3f}")
    print(f"\nsample:{args.sample}, scratch:minilm folder, settings {SETTINGS}\n")
    print(table(results))


if __name__ == "__main__":
    main()
