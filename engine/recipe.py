"""The fine-tuning recipe: how `Trainer` is set up for a `TrainConfig` (chapter 3 of the Hugging Face course)."""

from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, PreTrainedModel, TrainingArguments

from engine.train_config import TrainConfig

WARMUP_RATIO = 0.1  # BERT-style fine-tunes are unstable without a short warm-up
LOG_POINTS = 50  # about this many loss points per run, whatever its length


def classifier_model(path: str, label_names: list[str]) -> PreTrainedModel:
    """Load `path` with a classification head sized and named for `label_names`."""
    return AutoModelForSequenceClassification.from_pretrained(
        path,
        num_labels=len(label_names),
        id2label=dict(enumerate(label_names)),
        label2id={name: i for i, name in enumerate(label_names)},
        # A model fine-tuned on other labels (job:<id>, a Hub classifier) gets a fresh head of the right size.
        ignore_mismatched_sizes=True,
    )


def training_arguments(config: TrainConfig, output_dir: Path, total_steps: int, **overrides) -> TrainingArguments:
    """The app's `TrainingArguments` for `config`; `overrides` replace any of them (benchmarks use this)."""
    arguments = {
        "output_dir": str(output_dir),
        "num_train_epochs": config.epochs,
        "per_device_train_batch_size": config.batch_size,
        "per_device_eval_batch_size": config.batch_size * 2,
        "learning_rate": config.learning_rate,
        "weight_decay": 0.01,
        "warmup_steps": WARMUP_RATIO,
        "eval_strategy": "epoch",
        "save_strategy": "no",
        "logging_strategy": "steps",
        "logging_steps": max(1, total_steps // LOG_POINTS),
        "report_to": "none",
        "disable_tqdm": True,
        "seed": config.seed,
        "use_cpu": not torch.cuda.is_available(),
        # Batches of similar lengths waste less compute on padding.
        "train_sampling_strategy": "group_by_length",
    }
    return TrainingArguments(**{**arguments, **overrides})
