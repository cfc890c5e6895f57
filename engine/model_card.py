"""A model card (README.md) saved beside each fine-tuned model: what it was trained on, how, and how well."""

from pathlib import Path

from engine.train_config import TrainConfig
from engine.train_data import TrainingData


def write_model_card(folder: Path, config: TrainConfig, data: TrainingData, metrics: dict) -> Path:
    """Write `README.md` into a saved model folder and return its path."""
    rows = "\n".join(f"| {name} | {len(split)} |" for name, split in data.splits.items())
    scores = "\n".join(f"| {name} | {value:.4f} |" for name, value in metrics.items() if isinstance(value, float))
    columns = data.columns.text + (f" + {data.columns.text_pair}" if data.columns.text_pair else "")
    subset = f" (config `{config.dataset_config}`)" if config.dataset_config else ""
    notes = "".join(f"\n- {note}" for note in data.notes)
    card = f"""---
library_name: transformers
pipeline_tag: text-classification
---
# Text classifier fine-tuned with Finetune Studio

Fine-tuned from `{config.model}` on `{config.dataset}`{subset} to predict `{data.columns.label}` from `{columns}`.

Labels: {", ".join(data.label_names)}

## Data
| split | rows |
|---|---|
{rows}
{notes}

## Training
epochs {config.epochs}, batch size {config.batch_size}, learning rate {config.learning_rate},
max length {config.max_length} tokens (dynamic padding), seed {config.seed}.

## Validation results
| metric | value |
|---|---|
{scores}

Precision, recall and F1 are macro-averaged over the labels.
"""
    path = Path(folder) / "README.md"
    path.write_text(card)
    return path
