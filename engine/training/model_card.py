"""A model card (README.md) saved beside each fine-tuned model: what it was trained on, how, and how well.

It is a `huggingface_hub.ModelCard`, so the folder can be pushed to the Hub as it is: the metadata block names the
base model and the dataset when they are Hub ids, and holds the validation scores as a `model-index`.
Writing it never touches the network.
"""

import datetime
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from engine.datasets.sources import SAMPLE_PREFIX
from engine.models.refs import HUB, parse_model_ref
from engine.training.config import TrainConfig, resolve_precision
from engine.training.data import TrainingData
from engine.training.recipe import best_model_metric
from engine.training.task_settings import METRIC_TITLES as TASK_METRIC_TITLES
from engine.training.task_settings import metric_title

if TYPE_CHECKING:
    from engine.tasks.base import TaskSetup

METRIC_TITLES = {"loss": "loss", "accuracy": "accuracy", **TASK_METRIC_TITLES["text-classification"]}
MACRO = "(macro)"
# The roles a task learns to predict (single- and multi-label classes, a regression target, tags, answers); a card
# says it predicts these from the other columns.
TARGET_ROLES = ("label", "labels", "tags", "answers")
# What each task's model is for, in a card's "Intended use"; its inputs and outputs are the columns it names.
INTENDED_USE = {
    "text-classification": "Give one label to a text (or a pair of texts), with every label's probability.",
    "multi-label-classification": "Give a text every label that applies (none, one or several): each label gets a "
    "probability (sigmoid), and is predicted at or above its threshold.",
    "regression": "Give a text (or a pair of texts) a number on the scale of the training target, such as a "
    "similarity score or a rating.",
    "token-classification": "Tag each word of a sentence (named entities such as people, organisations and places); "
    "sub-word predictions are grouped back into words and entities.",
    "question-answering": "Find the answer to a question as a span of a given context (extractive: it never writes "
    "an answer the context does not hold); long contexts are read in overlapping windows.",
}


def write_model_card(
    folder: Path,
    config: TrainConfig,
    data: TrainingData,
    metrics: dict,
    *,
    train_seconds: float | None = None,
    hardware: str | None = None,
    precision: str | None = None,
    table: list[dict] | None = None,
    setup: "TaskSetup | None" = None,
) -> Path:
    """Write `README.md` into a saved model folder and return its path.

    Args:
        folder: the model folder.
        config: the run's settings (with `epochs` and `learning_rate` filled in).
        data: the data it trained on (splits, columns, label names, notes).
        metrics: validation scores by name (`loss`, `accuracy`, `f1`, `precision`, `recall`).
        train_seconds: wall time of the training, when known.
        hardware: what it trained on, e.g. `engine.training.recipe.describe_hardware()`.
        precision: what it computed in (`resolve_precision`'s answer), when known.
        table: the task's evaluation table on validation (`EvaluationReport.table`: per label, per entity type).
        setup: the task's setup as saved with the model (tuned thresholds); `data.setup` when None.
    """
    if setup is not None:
        data = replace(data, setup=setup)
    card = data.task.card(data.setup)
    tags = ["finetune-studio", *dict.fromkeys((card.pipeline_tag, data.task.name))]
    card_data = ModelCardData(
        base_model=_hub_model(config),
        datasets=[config.dataset] if _is_hub_dataset(config.dataset) else None,
        library_name="transformers",
        pipeline_tag=card.pipeline_tag,
        tags=tags,
        metrics=[name for name in card.metric_names if name in metrics],
        model_name=_model_name(config),
        eval_results=_eval_results(config, data, metrics) or None,
    )
    model_card = ModelCard(
        f"---\n{card_data.to_yaml()}\n---\n"
        + _body(config, data, metrics, train_seconds, hardware, precision, table or [])
    )
    path = Path(folder) / "README.md"
    model_card.save(path)
    return path


def _hub_model(config: TrainConfig) -> str | None:
    return config.model if parse_model_ref(config.model).kind == HUB else None


def _is_hub_dataset(source: str) -> bool:
    # The run loaded it, so a source that is neither a sample nor a local path came from the Hub.
    return not source.startswith(SAMPLE_PREFIX) and not Path(source).expanduser().exists()


def _dataset_label(config: TrainConfig) -> str:
    """The dataset as the card names it: a Hub id or sample as given, a local path by its last part only."""
    if config.dataset.startswith(SAMPLE_PREFIX) or _is_hub_dataset(config.dataset):
        return config.dataset
    return Path(config.dataset).name


def _model_name(config: TrainConfig) -> str:
    if config.name:
        return config.name
    model = config.model.split("/")[-1].replace(":", "-")
    return f"{model}-finetuned-{_dataset_label(config).split('/')[-1].replace(':', '-')}"


def _eval_results(config: TrainConfig, data: TrainingData, metrics: dict) -> list[EvalResult]:
    card, task = data.task.card(data.setup), data.task.name
    return [
        EvalResult(
            task_type=card.pipeline_tag,
            task_name=card.pipeline_tag.replace("-", " ").title(),
            dataset_type=_dataset_label(config),
            dataset_name=_dataset_label(config),
            dataset_config=config.dataset_config,
            dataset_split="validation",
            metric_type=name,
            metric_name=metric_title(task, name),
            metric_value=round(float(metrics[name]), 4),
            metric_args={"average": "macro"} if metric_title(task, name).endswith(MACRO) else None,
        )
        for name in card.metric_names
        if isinstance(metrics.get(name), int | float)
    ]


def _body(
    config: TrainConfig,
    data: TrainingData,
    metrics: dict,
    train_seconds: float | None,
    hardware: str | None,
    precision: str | None,
    table: list[dict],
) -> str:
    task, setup = data.task, data.setup
    read = " + ".join(column for role, column in setup.columns.items() if role not in TARGET_ROLES)
    predicted = " + ".join(column for role, column in setup.columns.items() if role in TARGET_ROLES)
    subset = f" (config `{config.dataset_config}`)" if config.dataset_config else ""
    rows = "\n".join(f"| {name} | {len(split)} |" for name, split in data.splits.items())
    notes = "".join(f"\n- {note}" for note in data.notes)
    hyperparameters = "\n".join(
        f"| {name} | {value} |" for name, value in _hyperparameters(config, data, precision).items()
    )
    titles = {name: metric_title(task.name, name) for name in metrics}
    scores = "\n".join(
        f"| {titles[name]} | {value:.4f} |" for name, value in metrics.items() if isinstance(value, int | float)
    )
    macro = any(title.endswith(MACRO) for title in titles.values())
    averaged = "\nPrecision, recall and F1 are macro-averaged over the labels.\n" if macro else ""
    labels = f"\nLabels: {', '.join(setup.labels)}\n" if setup.labels else ""
    time_taken = _duration(train_seconds) if train_seconds is not None else "not recorded"
    pipeline_tag = task.card(setup).pipeline_tag
    return f"""
# {config.name or f"{task.title.capitalize()} model fine-tuned with Finetune Studio"}

Fine-tuned from `{config.model}` on `{_dataset_label(config)}`{subset} for {task.title}: to predict `{predicted}` \
from `{read}`.
{labels}
## Data

| split | rows |
|---|---|
{rows}
{notes}

## Training

| setting | value |
|---|---|
{hyperparameters}

Training time: {time_taken}. Hardware: {hardware or "not recorded"}.

## Intended use

{INTENDED_USE.get(task.name, task.title)} Task: `{task.name}`.
{_options_text(setup)}
## Validation results

| metric | value |
|---|---|
{scores}
{averaged}{_evaluation_table(table)}
`task.json` beside the weights holds what the task read from the data (columns, labels, tuned options).

## Use it

```python
from transformers import pipeline

model = pipeline("{pipeline_tag}", model="path/to/this/folder")
```
"""


def _evaluation_table(table: list[dict]) -> str:
    """The task's per-label or per-entity-type scores on validation as a Markdown table (nothing when it has none)."""
    if not table:
        return ""
    keys = list(dict.fromkeys(key for row in table for key in row))
    header = f"| {' | '.join(keys)} |\n|{'---|' * len(keys)}\n"
    body = "\n".join("| " + " | ".join(_cell(row.get(key)) for key in keys) + " |" for row in table)
    return f"\n### Per {keys[0]}\n\n{header}{body}\n"


def _cell(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else "" if value is None else str(value)


def _options_text(setup: "TaskSetup") -> str:
    """The task's options that change what the model predicts, said plainly (one line each, or nothing)."""
    lines = []
    if setup.option("standardize"):
        lines.append(
            f"The target was standardised for training (mean {setup.option('mean'):.4g}, standard deviation "
            f"{setup.option('std'):.4g}): the model predicts in those units, and every prediction is mapped back "
            "to the original scale (times the standard deviation, plus the mean)."
        )
    if setup.option("range"):
        low, high = setup.option("range")
        lines.append(f"Training targets ranged from {low:g} to {high:g}; a prediction outside it is extrapolated.")
    if setup.option("thresholds"):
        pairs = ", ".join(
            f"{name} {value:.2f}" for name, value in zip(setup.labels, setup.option("thresholds"), strict=True)
        )
        lines.append(f"Per-label thresholds, tuned on the validation split: {pairs}.")
    elif setup.option("threshold") is not None:
        lines.append(f"A label is predicted at probability {setup.option('threshold'):g} or more.")
    if setup.option("scheme"):
        every = "every sub-word of a word" if setup.option("label_all_subwords") else "the first sub-word of each word"
        lines.append(f"Tagging scheme {setup.option('scheme')}; {every} learnt the word's tag.")
    if setup.option("max_answer_length"):
        lines.append(
            f"Answers of at most {setup.option('max_answer_length')} tokens, chosen from the "
            f"{setup.option('n_best')} best starts and ends of each window."
        )
    return "".join(f"\n{line}\n" for line in lines)


def _duration(seconds: float) -> str:
    """`43.2 s` for a short run, `1:02:05` (h:mm:ss) for a long one."""
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{datetime.timedelta(seconds=round(seconds))} (h:mm:ss)"


def _hyperparameters(config: TrainConfig, data: TrainingData, used: str | None) -> dict[str, object]:
    precision = config.precision
    if precision == "auto":  # written on the machine that trained, so this is what it used
        precision = f"auto ({used or resolve_precision('auto')})"
    evaluation = "each epoch" if config.eval_strategy == "epoch" else f"every {config.eval_steps} steps"
    metric = best_model_metric(config, data.task)[0]
    kept = f"best {metric_title(data.task.name, metric)}" if config.load_best_model_at_end else "last"
    settings = {
        "epochs": config.epochs,
        "batch size (per device)": config.batch_size,
        "gradient accumulation steps": config.gradient_accumulation_steps,
        "learning rate": config.learning_rate,
        "schedule": f"{config.scheduler}, warm-up {config.warmup_ratio:.0%} of the steps",
        "optimizer": f"AdamW, weight decay {config.weight_decay}, gradients clipped at norm {config.max_grad_norm}",
        "max length": f"{config.max_length} tokens (dynamic padding)",
        "precision": precision,
        "evaluation": evaluation,
        "model kept": kept,
        "early stopping": f"after {config.early_stopping_patience} evaluation(s) without improvement"
        if config.early_stopping_patience
        else "no",
        "gradient checkpointing": "yes" if config.gradient_checkpointing else "no",
        "seed": config.seed,
    }
    if config.resume_from_checkpoint:
        settings["resumed from"] = Path(config.resume_from_checkpoint).name
    return settings
