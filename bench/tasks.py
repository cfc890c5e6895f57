"""The engine's multi-label, regression, token-classification and QA jobs against plain recipes, whole processes.

For each task, two fresh processes on the same model, data and settings, timed from start to exit:

- (engine) `python -m engine train --task TASK --dataset sample:X --model FOLDER ...`: a job, as the CLI and the app
  run it (the check before launch, the queue, `accelerate launch` of the training child, the scores into the
  database);
- (course) `bench/course_multilabel_recipe.py` (multi-hot float labels, `problem_type="multi_label_classification"`,
  `DataCollatorWithPadding`, sigmoid at 0.5), `bench/course_regression_recipe.py` (`num_labels=1`,
  `problem_type="regression"`, float scores as they are), `bench/course_token_recipe.py` (chapter 7.2:
  `align_labels_with_tokens` over `word_ids()`, `DataCollatorForTokenClassification`) or `bench/course_qa_recipe.py`
  (chapter 7.7: overflow windows with a stride, padded to max_length, n-best post-processing).

The engine runs with the recipes' choices where it has others: multi-label with one threshold of 0.5 and no tuning
(`--threshold 0.5 --no-tune-thresholds`), regression on the raw 0-5 score (no `--standardize`).

The model is a `scratch:` encoder (`--size`, `tiny` by default: a run stays within minutes on 2 busy cores; `small`
or `minilm`, MiniLM-L6-H384's shape, take longer) built once from the four samples' text and saved to a folder every
variant loads. The variants run interleaved, the order rotating each repeat; the table gives medians of wall time and
of the process tree's CPU time (from /proc, steadier on a shared machine), the course's over each variant's (above 1:
faster than the course), others' share of the CPU meanwhile, and each variant's validation metric (micro / macro
F1; Pearson / Spearman / RMSE; entity F1; exact match / F1).

    python bench/tasks.py [--repeats 1] [--size tiny] [--tasks multilabel regression token qa] [--epochs 2] [--lr 3e-3]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # `python bench/tasks.py` puts bench/ on the path, not the repository

from bench.padding import machine_jiffies, others_load  # noqa: E402
from bench.whole_process import Runs, TreeCPU  # noqa: E402

TASKS = {  # name -> (engine task, sample, course recipe, metrics reported)
    "multilabel": ("multi-label-classification", "tags", "course_multilabel_recipe.py", ("f1_micro", "f1_macro")),
    "regression": ("regression", "similarity", "course_regression_recipe.py", ("pearson", "spearman", "rmse")),
    "token": ("token-classification", "entities", "course_token_recipe.py", ("f1",)),
    "qa": ("question-answering", "questions", "course_qa_recipe.py", ("exact_match", "f1")),
}
# Both sides: batch 16, seed 42, max_length 128 (and, for QA, the engine's default stride: a quarter, 32).
MAX_LENGTH, STRIDE, BATCH, SEED = 128, 32, 16, 42
# The engine's own choices where a plain recipe has none, set to the recipe's so like is compared with like: a
# multi-label job tunes one threshold per label on validation by default (the recipe keeps 0.5 for every label; the
# job's reported scores are at 0.5 either way, tuning only changes what is saved), and regression learns the raw
# score unless told to standardise it (the recipe learns it raw too).
ENGINE_OPTIONS = {
    "multilabel": ["--threshold", "0.5", "--no-tune-thresholds"],
    "regression": [],
}


def build_model(workdir: Path, size: str) -> Path:
    """A `scratch:<size>` encoder from the texts, sentences, words, questions and contexts of the four samples, saved
    into a folder."""
    os.environ["STUDIO_DATA_DIR"] = str(workdir / "build")
    from engine.datasets.sources import load_raw
    from engine.models.scratch import build_scratch_model

    tags, similarity = load_raw("sample:tags")["train"], load_raw("sample:similarity")["train"]
    entities, questions = load_raw("sample:entities")["train"], load_raw("sample:questions")["train"]
    texts = list(tags["text"]) + list(similarity["sentence1"]) + list(similarity["sentence2"])
    texts += [" ".join(words) for words in entities["tokens"]]
    texts += list(questions["question"]) + list(questions["context"])
    folder = workdir / size
    shutil.copytree(build_scratch_model(size, texts), folder)
    return folder


def command_for(variant: str, task: str, model: Path, output: Path, epochs: str, lr: str) -> list[str]:
    engine_task, sample, recipe, _ = TASKS[task]
    shared = ["--epochs", epochs, "--batch-size", str(BATCH), "--lr", lr, "--seed", str(SEED)]
    shared += ["--max-length", str(MAX_LENGTH)]
    if variant == "engine":
        engine = [sys.executable, "-m", "engine", "train", "--task", engine_task, "--dataset", f"sample:{sample}"]
        return engine + ["--model", str(model), *shared, *ENGINE_OPTIONS.get(task, []), "--json"]
    course = [sys.executable, str(REPO_ROOT / "bench" / recipe), "--data", f"assets/samples/{sample}"]
    course += ["--model", str(model), "--output-dir", str(output), *shared]
    return course + (["--stride", str(STRIDE)] if task == "qa" else [])


def run(variant: str, task: str, model: Path, workdir: Path, epochs: str, lr: str):
    """One whole process: (wall seconds, CPU seconds of its tree, its metrics, others' share of the CPU)."""
    output = Path(tempfile.mkdtemp(prefix=f"{task}-{variant}-", dir=workdir))
    environment = {
        "STUDIO_DATA_DIR": str(workdir / "data"),
        "HF_DATASETS_CACHE": str(workdir / "hf-datasets"),
        "HF_HUB_OFFLINE": "1",
    }
    command = command_for(variant, task, model, output, epochs, lr)
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
    metrics = answer.get("metrics", answer)
    reaped = (done.children_user - children.children_user) + (done.children_system - children.children_system)
    cpu = max(reaped, sampled)
    return seconds, cpu, {name: metrics[name] for name in TASKS[task][3]}, others_load(before, after, cpu)


def table(results: dict[tuple[str, str], Runs], metrics: dict[tuple[str, str], list[dict]]) -> str:
    lines = [
        "| task | variant | wall, median (s) | runs (s) | wall: course / this | CPU, median (s) | CPU: course / this "
        "| validation metric | others' CPU load |",
        "|---|---|---:|---|---:|---:|---:|---|---|",
    ]
    for (task, variant), runs in results.items():
        wall, cpu = statistics.median(runs.seconds), statistics.median(runs.cpu_seconds)
        course = results.get((task, "course"))
        wall_ratio = f"{statistics.median(course.seconds) / wall:.2f}×" if course else "n/a"
        ratio = f"{statistics.median(course.cpu_seconds) / cpu:.2f}×" if course else "n/a"
        scores = ", ".join(
            f"{name} {statistics.mean(m[name] for m in metrics[task, variant]):.3f}" for name in TASKS[task][3]
        )
        loads = ", ".join(f"{load:.0%}" for load in runs.loads) or "n/a"
        lines.append(
            f"| {TASKS[task][0]} | {variant} | {wall:.1f} | {', '.join(f'{s:.1f}' for s in runs.seconds)} "
            f"| {wall_ratio} | {cpu:.1f} | {ratio} | {scores} | {loads} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--size", default="tiny", choices=("tiny", "small", "minilm"))
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    # A model from random weights needs a larger step than a pretrained one (the course's 2e-5) to learn anything.
    parser.add_argument("--epochs", default="2")
    parser.add_argument("--lr", default="3e-3")
    args = parser.parse_args()
    variants = [(task, variant) for task in args.tasks for variant in ("engine", "course")]
    results = {key: Runs() for key in variants}
    metrics: dict[tuple[str, str], list[dict]] = {key: [] for key in variants}
    with tempfile.TemporaryDirectory(prefix="bench-tasks-") as directory:
        workdir = Path(directory)
        model = build_model(workdir, args.size)
        for repeat in range(args.repeats):
            shift = repeat % len(variants)
            for task, variant in variants[shift:] + variants[:shift]:
                seconds, cpu, scores, load = run(variant, task, model, workdir, args.epochs, args.lr)
                runs = results[task, variant]
                runs.seconds.append(seconds)
                runs.cpu_seconds.append(cpu)
                if load is not None:
                    runs.loads.append(load)
                metrics[task, variant].append(scores)
                print(f"repeat {repeat + 1}: {task} {variant} {seconds:.1f} s ({cpu:.1f} s CPU), {scores}", flush=True)
    print(f"\nscratch:{args.size} folder, epochs {args.epochs}, lr {args.lr}, batch {BATCH}, seed {SEED}, "
          f"max_length {MAX_LENGTH}, stride {STRIDE} (QA), multi-label threshold 0.5 untuned, "
          "regression targets unstandardised\n")  # fmt: skip
    print(table(results, metrics))


if __name__ == "__main__":
    main()
