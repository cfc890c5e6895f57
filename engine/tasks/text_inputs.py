"""The input side shared by the tasks that read one text or a pair of texts per row (single- and multi-label
classification, regression): the column roles, the tokenization and the corpus."""

from collections.abc import Mapping
from typing import Any

from datasets import Dataset
from transformers import DataCollatorWithPadding, PreTrainedTokenizerBase

from engine.tasks.base import ColumnRole, TaskSetup, Tokenization

TEXT_ROLE = ColumnRole("text", ("text", "sentence", "sentence1", "question1"), "the text to read")
PAIR_ROLE = ColumnRole("text_pair", ("sentence2", "question2"), "the second text of a pair (optional)", optional=True)


def text_pair_columns(columns: Mapping[str, str]) -> tuple[str, str | None]:
    return columns["text"], columns.get("text_pair")


def tokenize_texts(
    split: Dataset,
    tokenizer: PreTrainedTokenizerBase,
    setup: TaskSetup,
    tokenization: Tokenization,
    labels: list[Any],
    label_feature: Any = None,
) -> Dataset:
    """Tokenize the text (and pair) column with truncation and no padding (the collator pads each batch), with
    `labels` (one per row, already encoded by the task) as the `labels` column, of type `label_feature` when given."""
    text, pair = text_pair_columns(setup.columns)

    def encode(batch: dict[str, list]) -> dict[str, list]:
        return tokenizer(
            batch[text], batch[pair] if pair else None, truncation=True, max_length=tokenization.max_length
        )

    encoded = split.map(encode, batched=True, remove_columns=split.column_names)
    return encoded.add_column("labels", labels, feature=label_feature)


def text_corpus(split: Dataset, setup: TaskSetup) -> list[str]:
    text, pair = text_pair_columns(setup.columns)
    return [str(value) for value in split[text]] + ([str(value) for value in split[pair]] if pair else [])


def padding_collator(tokenizer: PreTrainedTokenizerBase) -> DataCollatorWithPadding:
    return DataCollatorWithPadding(tokenizer)
