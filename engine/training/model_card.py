"""A model card (README.md) saved beside each fine-tuned model: what it was trained on, how, and how well.

It is a `huggingface_hub.ModelCard`, so the folder can be pushed to the Hub as it is: the metadata block names the
base model and the dataset when they are Hub ids, and holds the validation scores as a `model-index`.
Writing it never touches the network.
"""

import datetime
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from engine.datasets.sources import SAMPLE_PREFIX
from engine.models.refs import HUB, parse_model_ref
from engine.training.config import TrainConfig, resolve_precision
from engine.training.data import TrainingData
from engine.training.metrics import METRIC_NAMES

METRIC_TITLES = {
    "loss": "loss",
    "accuracy": "accuracy",
    "f1": "F1 (macro)",
    "precision": "precision (macro)",
    "recall": "recall (macro)",
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
    """
    card_data = ModelCardData(
        base_model=_hub_model(config),
        datasets=[config.dataset] if _is_hub_dataset(config.dataset) else None,
        library_name="transformers",
        pipeline_tag="text-classification",
        tags=["finetune-studio", "text-classification"],
        metrics=[name for name in METRIC_NAMES if name in metrics],
        model_name=_model_name(config),
        eval_results=_eval_results(config, metrics) or None,
    )
    card = ModelCard(
        f"---\n{card_data.to_yaml()}\n---\n{_body(config, data, metrics, train_seconds, hardware, precision)}"
    )
    path = Path(folder) / "README.md"
    card.save(path)
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


def _eval_results(config: TrainConfig, metrics: dict) -> list[EvalResult]:
    return [
        EvalResult(
            task_type="text-classification",
            task_name="Text Classification",
            dataset_type=_dataset_label(config),
            dataset_name=_dataset_label(config),
            dataset_config=config.dataset_config,
            dataset_split="validation",
            metric_type=name,
            metric_name=METRIC_TITLES[name],
            metric_value=round(float(metrics[name]), 4),
            metric_args=None if name == "accuracy" else {"average": "macro"},
        )
        for name in METRIC_NAMES
        if isinstance(metrics.get(name), int | float)
    ]


def _body(
    config: TrainConfig,
    data: TrainingData,
    metrics: dict,
    train_seconds: float | None,
    hardware: str | None,
    precision: str | None,
) -> str:
    columns = data.columns.text + (f" + {data.columns.text_pair}" if data.columns.text_pair else "")
    subset = f" (config `{config.dataset_config}`)" if config.dataset_config else ""
    rows = "\n".join(f"| {name} | {len(split)} |" for name, split in data.splits.items())
    notes = "".join(f"\n- {note}" for note in data.notes)
    hyperparameters = "\n".join(f"| {name} | {value} |" for name, value in _hyperparameters(config, precision).items())
    scores = "\n".join(
        f"| {METRIC_TITLES.get(name, name)} | {value:.4f} |"
        for name, value in metrics.items()
        if isinstance(value, int | float)
    )
    time_taken = _duration(train_seconds) if train_seconds is not None else "not recorded"
    return f"""
# {config.name or "Text classifier fine-tuned with Finetune Studio"}

Fine-tuned from `{config.model}` on `{_dataset_label(config)}`{subset} to predict `{data.columns.label}` \
from `{columns}`.

Labels: {", ".join(data.label_names)}

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

## Validation results

| metric | value |
|---|---|
{scores}

Precision, recall and F1 are macro-averaged over the labels.

## Use it

```python
from transformers import pipeline

classifier = pipeline("text-classification", model="path/to/this/folder")
```
"""


def _duration(seconds: float) -> str:
    """`43.2 s` for a short run, `1:02:05` (h:mm:ss) for a long one."""
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{datetime.timedelta(seconds=round(seconds))} (h:mm:ss)"


def _hyperparameters(config: TrainConfig, used: str | None) -> dict[str, object]:
    precision = config.precision
    if precision == "auto":  # written on the machine that trained, so this is what it used
        precision = f"auto ({used or resolve_precision('auto')})"
    evaluation = "each epoch" if config.eval_strategy == "epoch" else f"every {config.eval_steps} steps"
    kept = f"best {METRIC_TITLES[config.metric_for_best_model]}" if config.load_best_model_at_end else "last"
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
