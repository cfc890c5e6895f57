"""What dynamic padding buys: the same model trained on the same data, padded three ways.

- (a) the app's way: tokenize with truncation only, `DataCollatorWithPadding` pads each batch to its longest row,
  and `train_sampling_strategy="group_by_length"` puts rows of similar length in the same batch;
- (b) every row padded to `max_length` when it is tokenized, in random order (the baseline);
- (c) dynamic padding as in (a), in random order (no length grouping).

Each run builds a fresh `Trainer` from the engine's own pieces (`prepare_training_data`, `tokenize_splits`,
`resolve_model`, `compute_metrics`) with the app's training arguments. The variants are interleaved
(a, b, c, a, b, c, ...) so that a noisy machine slows them all alike, and each one's median is reported
relative to (b).

Run from the repository root: `python bench/padding.py [--repeats 3] [--epochs 1]`.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # `python bench/padding.py` puts bench/ on the path, not the repository, and the engine is not installed.
    sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402
from datasets import DatasetDict  # noqa: E402
from datasets.utils.logging import disable_progress_bar  # noqa: E402
from transformers import (  # noqa: E402
    AutoTokenizer,
    DataCollatorWithPadding,
    PreTrainedTokenizerBase,
    PrinterCallback,
    Trainer,
    set_seed,
)
from transformers.utils import logging as transformers_logging  # noqa: E402

from engine.models.loading import resolve_model  # noqa: E402
from engine.models.refs import parse_model_ref  # noqa: E402
from engine.training.config import TrainConfig  # noqa: E402
from engine.training.data import TrainingData, prepare_training_data, tokenize_splits  # noqa: E402
from engine.training.metrics import compute_metrics  # noqa: E402
from engine.training.recipe import classifier_model, training_arguments  # noqa: E402

BASELINE = "b"
WARMUP_STEPS = 5  # an untimed run first, so that one-off costs (metric loading, first kernels) hit no variant


@dataclass(frozen=True)
class Variant:
    """One way of padding and ordering the training rows."""

    key: str
    label: str
    pad_to_max_length: bool
    sampling: str


VARIANTS = (
    Variant("a", "dynamic padding + group_by_length (the app)", pad_to_max_length=False, sampling="group_by_length"),
    Variant("b", "padded to max_length when tokenized", pad_to_max_length=True, sampling="random"),
    Variant("c", "dynamic padding, random order", pad_to_max_length=False, sampling="random"),
)


@dataclass
class RunResult:
    """What one training run measured."""

    variant: str
    train_seconds: float  # wall time of `trainer.train()`
    cpu_seconds: float  # CPU time of this process (all its threads) over the same span
    others_load: float | None  # share of the machine's CPU time used by other processes meanwhile (Linux only)
    positions: int  # rows x padded length, summed over batches: what the model computed
    tokens: int  # positions with attention_mask 1: the real tokens
    batches: int
    train_loss: float
    accuracy: float

    @property
    def padding_fraction(self) -> float:
        return 1 - self.tokens / self.positions


def machine_jiffies() -> tuple[int, int] | None:
    """The machine's busy and total CPU time in clock ticks, from `/proc/stat`; None where there is none."""
    try:
        first_line = Path("/proc/stat").read_text().split("\n", 1)[0]
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal: steal counts as busy, it is time a neighbour took.
    ticks = [int(value) for value in first_line.split()[1:9]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def others_load(before: tuple[int, int] | None, after: tuple[int, int] | None, cpu_seconds: float) -> float | None:
    """The share of all cores that other processes kept busy between two `machine_jiffies()` readings.

    On a shared machine this says how far a run's wall time can be trusted.
    """
    if before is None or after is None or after[1] <= before[1]:
        return None
    busy = after[0] - before[0] - cpu_seconds * os.sysconf("SC_CLK_TCK")
    return max(0.0, busy / (after[1] - before[1]))


class CountingCollator:
    """Wraps a collator and counts, over the batches it builds, the positions computed and the real tokens.

    Counting here rather than by iterating `trainer.get_train_dataloader()` again sees exactly the batches the
    model trained on: a second pass would draw a different random order (and so different batch lengths).
    It relies on `dataloader_num_workers=0` (the default): worker processes would count in their own copies.
    """

    def __init__(self, collator: DataCollatorWithPadding) -> None:
        self.collator = collator
        self.positions = self.tokens = self.batches = 0

    def __call__(self, features: list[dict]) -> dict:
        batch = self.collator(features)
        mask = batch["attention_mask"]
        self.positions += mask.numel()
        self.tokens += int(mask.sum())
        self.batches += 1
        return batch


def pad_to_max_length(tokenized: DatasetDict, tokenizer: PreTrainedTokenizerBase, max_length: int) -> DatasetDict:
    """Pad every row to `max_length`, as `tokenizer(..., padding="max_length")` would at tokenization time.

    Padding the engine's truncated output keeps the token ids identical to (a) and (c): only the padding differs.
    """
    inputs = [name for name in tokenizer.model_input_names if name in tokenized["train"].column_names]

    def pad(batch: dict) -> dict:
        padded = tokenizer.pad({name: batch[name] for name in inputs}, padding="max_length", max_length=max_length)
        return {name: padded[name] for name in inputs}

    return tokenized.map(pad, batched=True, desc="Padding to max_length")


@dataclass
class Setup:
    """What every run shares: the settings, the data tokenized both ways, and the model to start from."""

    config: TrainConfig
    data: TrainingData
    model_path: str
    tokenizer: PreTrainedTokenizerBase
    splits: dict[bool, DatasetDict]  # keyed by `Variant.pad_to_max_length`
    output_dir: Path


def tokenized_both_ways(
    config: TrainConfig,
) -> tuple[TrainingData, str, PreTrainedTokenizerBase, dict[bool, DatasetDict]]:
    """Load and tokenize the dataset once, and build (or find) the model, through the engine's own functions.

    Returns the data, the model folder, its tokenizer, and the splits keyed by "padded to max_length".
    """
    data = prepare_training_data(config)
    model_path = resolve_model(parse_model_ref(config.model), data.train_texts, config.seed)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    dynamic = tokenize_splits(data, tokenizer, config.max_length, ("train", "validation"))
    splits = {False: dynamic, True: pad_to_max_length(dynamic, tokenizer, config.max_length)}
    return data, model_path, tokenizer, splits


def prepare(args: argparse.Namespace, workdir: Path) -> Setup:
    """The shared setup of every run (see `tokenized_both_ways`)."""
    config = TrainConfig(dataset=args.dataset, model=args.model, epochs=args.epochs).with_defaults()
    return Setup(config, *tokenized_both_ways(config), workdir / "checkpoints")


def bench_arguments(config: TrainConfig, variant: Variant, output_dir: Path, max_steps: int = -1):
    """The app's `TrainingArguments`, minus evaluation, saving and logging, with the variant's sampling order."""
    return training_arguments(
        config,
        output_dir,
        total_steps=1,
        max_steps=max_steps,
        eval_strategy="no",
        logging_strategy="no",
        train_sampling_strategy=variant.sampling,
    )


def run_once(variant: Variant, setup: Setup, max_steps: int = -1) -> RunResult:
    """Train one variant from the same starting weights, timing `trainer.train()` alone."""
    set_seed(setup.config.seed)  # the same classifier head and the same data order on every repeat
    labels = setup.data.label_names
    model = classifier_model(setup.model_path, labels)
    splits = setup.splits[variant.pad_to_max_length]
    collator = CountingCollator(DataCollatorWithPadding(setup.tokenizer))
    trainer = Trainer(
        model=model,
        args=bench_arguments(setup.config, variant, setup.output_dir, max_steps),
        train_dataset=splits["train"],
        eval_dataset=splits["validation"],
        processing_class=setup.tokenizer,
        data_collator=collator,
        compute_metrics=compute_metrics,
    )
    trainer.remove_callback(PrinterCallback)  # its per-run metric dicts would bury the progress lines
    jiffies, cpu_start, start = machine_jiffies(), time.process_time(), time.perf_counter()
    output = trainer.train()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    load = others_load(jiffies, machine_jiffies(), cpu_seconds)
    positions, tokens, batches = collator.positions, collator.tokens, collator.batches  # before eval adds its own
    evaluation = trainer.evaluate()
    return RunResult(
        variant=variant.key,
        train_seconds=seconds,
        cpu_seconds=cpu_seconds,
        others_load=load,
        positions=positions,
        tokens=tokens,
        batches=batches,
        train_loss=output.training_loss,
        accuracy=evaluation["eval_accuracy"],
    )


@dataclass
class Summary:
    """The medians of one variant's runs."""

    variant: Variant
    runs: list[RunResult]

    def median(self, field: str) -> float:
        return statistics.median(getattr(run, field) for run in self.runs)


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}×"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def markdown_table(summaries: list[Summary]) -> str:
    """One row per variant: medians, with wall time, CPU time and tokens processed also as ratios to (b)."""
    base = next(s for s in summaries if s.variant.key == BASELINE)
    base_wall, base_cpu = base.median("train_seconds"), base.median("cpu_seconds")
    base_positions = base.median("positions")
    lines = [
        "| variant | train wall time, median (s) | runs (s) | wall vs (b) | CPU time, median (s) | CPU vs (b) "
        "| tokens processed (padded positions) | vs (b) | padding | train loss | val accuracy | others' CPU load |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for summary in summaries:
        wall, cpu, positions = (
            summary.median("train_seconds"),
            summary.median("cpu_seconds"),
            summary.median("positions"),
        )
        runs = ", ".join(f"{run.train_seconds:.1f}" for run in summary.runs)
        loads = [run.others_load for run in summary.runs if run.others_load is not None]
        lines.append(
            f"| ({summary.variant.key}) {summary.variant.label} | {wall:.1f} | {runs} | {ratio(wall, base_wall)} "
            f"| {cpu:.1f} | {ratio(cpu, base_cpu)} | {positions:,.0f} | {ratio(positions, base_positions)} "
            f"| {summary.median('padding_fraction'):.0%} | {summary.median('train_loss'):.4f} "
            f"| {summary.median('accuracy'):.3f} | {percent(statistics.median(loads) if loads else None)} |"
        )
    return "\n".join(lines)


def headline(summaries: list[Summary]) -> list[str]:
    """Sentences such as 'dynamic padding: 0.31× the time of max_length padding'."""
    base = next(s for s in summaries if s.variant.key == BASELINE)
    lines = []
    for summary in summaries:
        if summary is base:
            continue
        wall = summary.median("train_seconds") / base.median("train_seconds")
        cpu = summary.median("cpu_seconds") / base.median("cpu_seconds")
        positions = summary.median("positions") / base.median("positions")
        lines.append(
            f"({summary.variant.key}) {summary.variant.label}: {wall:.2f}× the wall time, {cpu:.2f}× the CPU time "
            f"and {positions:.2f}× the tokens processed of max_length padding"
        )
    return lines


def describe(setup: Setup) -> str:
    """One line naming what is benchmarked, and on what."""
    config = setup.config
    device = "CUDA" if torch.cuda.is_available() else f"CPU, {torch.get_num_threads()} torch threads"
    return (
        f"{config.dataset}: {len(setup.splits[False]['train'])} train rows; {config.model}; "
        f"{config.epochs:g} epoch(s), batch {config.batch_size}, max_length {config.max_length}; {device}"
    )


def describe_run(result: RunResult) -> str:
    """One progress line per run, so that a slow run shows as it happens."""
    return (
        f"{result.train_seconds:.1f} s wall, {result.cpu_seconds:.1f} s CPU, others' load "
        f"{percent(result.others_load)}; {result.batches} batches, {result.positions:,} positions, "
        f"{result.tokens:,} real tokens, {result.padding_fraction:.0%} padding; loss {result.train_loss:.4f}, "
        f"accuracy {result.accuracy:.3f}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each variant, interleaved (default 3)")
    parser.add_argument("--epochs", type=float, default=1.0, help="training epochs per run (default 1)")
    parser.add_argument("--dataset", default="sample:sentiment", help="dataset source (default sample:sentiment)")
    parser.add_argument("--model", default="scratch:small", help="model reference (default scratch:small)")
    return parser.parse_args(argv)


def run_interleaved(setup: Setup, repeats: int) -> list[Summary]:
    """Run a, b, c, a, b, c, ... so that a slow spell on a shared machine hits every variant, not just one."""
    baseline = next(variant for variant in VARIANTS if variant.key == BASELINE)
    run_once(baseline, setup, max_steps=WARMUP_STEPS)  # untimed: the first run pays one-off costs
    results: dict[str, list[RunResult]] = {variant.key: [] for variant in VARIANTS}
    for repeat in range(repeats):
        for variant in VARIANTS:
            result = run_once(variant, setup)
            results[variant.key].append(result)
            print(f"repeat {repeat + 1}/{repeats} ({variant.key}): {describe_run(result)}", flush=True)
    return [Summary(variant, results[variant.key]) for variant in VARIANTS]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    disable_progress_bar()
    # The fresh classifier head's warning and the weight-loading bar, ten times over, would bury the results.
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    previous = os.environ.get("STUDIO_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="padding-bench-") as workdir:
        # The scratch model, dataset caches and checkpoints go here, not into the user's studio-data.
        os.environ["STUDIO_DATA_DIR"] = workdir
        try:
            setup = prepare(args, Path(workdir))
            print(describe(setup), flush=True)
            summaries = run_interleaved(setup, args.repeats)
        finally:
            if previous is None:
                os.environ.pop("STUDIO_DATA_DIR", None)
            else:
                os.environ["STUDIO_DATA_DIR"] = previous
    print()
    print(markdown_table(summaries))
    print()
    for line in headline(summaries):
        print(f"- {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
