"""Turning a dataset source into what `Trainer` consumes: encoded labels, a validation split, token ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from datasets import DatasetDict

from engine.common.errors import StudioError
from engine.datasets.cached_map import map_rows
from engine.datasets.sources import Columns, encode_labels, ensure_validation, load_raw, resolve_columns
from engine.training.config import TrainConfig

if TYPE_CHECKING:  # only for hints: transformers costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase


@dataclass
class TrainingData:
    """A dataset ready for training: labels are `ClassLabel`, and there is a validation split."""

    splits: DatasetDict
    columns: Columns
    label_names: list[str]
    notes: list[str]

    def train_texts(self) -> list[str]:
        """The train split's text (both sides of pairs): the corpus for a scratch tokenizer."""
        train = self.splits["train"]
        return [text for column in self.columns.texts for text in train[column] if text]


def prepare_training_data(config: TrainConfig) -> TrainingData:
    """Load `config.dataset` and check it can train a classifier.

    Raises:
        ValueError: unknown columns, non-text columns, one-class labels, too few rows.
        FileNotFoundError / HubUnreachableError: see `engine.datasets.sources.load_raw`.
    """
    splits = load_raw(config.dataset, config.dataset_config)
    first = next(iter(splits.values()))
    columns = resolve_columns(first.column_names, config.text_column, config.text_pair_column, config.label_column)
    for column in columns.texts:
        dtype = getattr(first.features[column], "dtype", None)
        if dtype not in ("string", "large_string"):
            raise StudioError(f"text column {column!r} holds {dtype or 'non-text values'}, not text")
    splits = encode_labels(splits, columns.label)
    splits, note = ensure_validation(splits, columns.label, config.seed)
    label_names = splits["train"].features[columns.label].names
    return TrainingData(splits=splits, columns=columns, label_names=label_names, notes=[note] if note else [])


def tokenize_splits(
    data: TrainingData, tokenizer: PreTrainedTokenizerBase, max_length: int, splits: tuple[str, ...]
) -> DatasetDict:
    """Tokenize with `datasets.map` (batched, cached), truncating but not padding.

    Padding is left to `DataCollatorWithPadding`, per batch: padding every row to `max_length` here would
    make most of each batch padding that the model still has to compute.
    """
    columns = data.columns

    def tokenize(batch: dict) -> dict:
        pair = batch[columns.text_pair] if columns.text_pair else None
        texts = [text or "" for text in batch[columns.text]]
        pairs = [text or "" for text in pair] if pair is not None else None
        return tokenizer(texts, pairs, truncation=True, max_length=max_length)

    chosen = DatasetDict({name: data.splits[name] for name in splits})
    keep = {columns.label}
    tokenized = map_rows(
        chosen,
        tokenize,
        batched=True,
        remove_columns=[c for c in chosen["train"].column_names if c not in keep],
        desc="Tokenizing",
    )
    return tokenized.rename_column(columns.label, "labels")
