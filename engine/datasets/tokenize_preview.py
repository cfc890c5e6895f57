"""Tokenize a split the way training does (course chapter 3.2), and measure what each padding strategy wastes.

Training tokenizes with `map(batched=True)` and truncation only, then `DataCollatorWithPadding` pads each batch to
its longest row. How much of a batch is padding depends on which rows share it: every row padded to `max_length`,
batches of rows in random order (dynamic padding), or batches of similar lengths (`group_by_length`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow.compute as pc
from datasets import Dataset

from engine.common.errors import NotFoundError, StudioError
from engine.common.limits import limits, over
from engine.datasets.cached_map import map_rows

if TYPE_CHECKING:  # hints only: transformers costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase

COLLATED_ROWS = 8


@dataclass(frozen=True)
class PaddingOptions:
    """How batches are formed: the truncation length, the batch size and the seed of the random order."""

    max_length: int = 128
    batch_size: int = 16
    seed: int = 42

    def __post_init__(self) -> None:
        if self.max_length < 1:
            raise StudioError(f"max_length must be at least 1, not {self.max_length}")
        if self.batch_size < 1:
            raise StudioError(f"batch_size must be at least 1, not {self.batch_size}")
        bounds = limits()
        if self.max_length > bounds.max_length:
            raise over("max_length", self.max_length, bounds.max_length, "max_length")
        if self.batch_size > bounds.preview_batch:
            raise over("batch_size", self.batch_size, bounds.preview_batch, "preview_batch")


@dataclass
class PaddingWaste:
    """Over one pass through the split: positions the model computes, and how many of them are padding."""

    strategy: str
    positions: int
    padding: int

    @property
    def share(self) -> float:
        return self.padding / self.positions if self.positions else 0.0


@dataclass
class TokenizePreview:
    """What tokenizing the split adds, what the collator makes of the first rows, and each strategy's padding."""

    rows: int
    new_columns: list[str]
    columns: list[str]
    first_rows: list[dict]  # the new columns of the first rows, as the collator receives them
    batch_shapes: dict[str, list[int]]  # what DataCollatorWithPadding returns for the first 8 rows
    tokens: int  # real tokens after truncation, over the whole split
    truncated_rows: int
    waste: list[PaddingWaste]


def padding_waste(lengths: np.ndarray, options: PaddingOptions) -> list[PaddingWaste]:
    """Positions and padding of three ways of batching rows of these (truncated) token lengths.

    - fixed: every row padded to `max_length` when tokenized;
    - dynamic: batches in a seeded random order, each padded to its longest row (the `Trainer`'s default order);
    - length-grouped: the order `group_by_length` gives (transformers' `get_length_grouped_indices`), each batch
      padded to its longest row.
    """
    tokens = int(lengths.sum())
    size = options.batch_size

    def batched(order: np.ndarray) -> int:
        ordered = lengths[order]
        starts = np.arange(0, len(ordered), size)
        return int(sum(ordered[s : s + size].max() * len(ordered[s : s + size]) for s in starts))

    import torch  # here: the web server imports this module at start, and torch costs seconds
    from transformers.trainer_pt_utils import get_length_grouped_indices

    rng = np.random.default_rng(options.seed)
    generator = torch.Generator().manual_seed(options.seed)
    grouped = np.array(get_length_grouped_indices(lengths.tolist(), size, generator=generator), dtype=np.int64)
    fixed = len(lengths) * options.max_length
    strategies = {
        "fixed max_length": fixed,
        "dynamic (random order)": batched(rng.permutation(len(lengths))),
        "dynamic, length-grouped": batched(grouped),
    }
    return [PaddingWaste(name, positions, positions - tokens) for name, positions in strategies.items()]


def tokenize_preview(
    dataset: Dataset, tokenizer: PreTrainedTokenizerBase, text_columns: list[str], options: PaddingOptions
) -> TokenizePreview:
    """Tokenize the whole split with `map(batched=True)` (truncation, no padding) and describe the result.

    Raises:
        StudioError: a text column that does not exist, or an empty split.
    """
    for column in text_columns:
        if column not in dataset.column_names:
            raise NotFoundError(f"text column {column!r} not found; columns are {', '.join(dataset.column_names)}")
    if len(dataset) == 0:
        raise StudioError("the split has no rows to tokenize")

    def encode(batch: dict) -> dict:
        texts = [["" if t is None else str(t) for t in batch[c]] for c in text_columns]
        encoded = tokenizer(*texts, truncation=True, max_length=options.max_length)
        full = tokenizer(*texts, truncation=False, verbose=False)["input_ids"]
        return dict(encoded) | {"untruncated_length": [len(ids) for ids in full]}

    tokenized = map_rows(dataset, encode, batched=True, desc="Tokenizing")
    new_columns = [c for c in tokenized.column_names if c not in dataset.column_names and c != "untruncated_length"]
    table = tokenized.select_columns(["input_ids", "untruncated_length"]).with_format("arrow")[:]
    lengths = pc.list_value_length(table["input_ids"]).to_numpy()
    truncated = int(pc.sum(pc.greater(table["untruncated_length"], options.max_length)).as_py() or 0)
    first = tokenized.select_columns(new_columns).select(range(min(COLLATED_ROWS, len(tokenized))))
    features = [dict(row) for row in first]
    from transformers import DataCollatorWithPadding

    batch = DataCollatorWithPadding(tokenizer, return_tensors="np")(features)
    return TokenizePreview(
        rows=len(tokenized),
        new_columns=new_columns,
        columns=[c for c in tokenized.column_names if c != "untruncated_length"],
        first_rows=features,
        batch_shapes={name: list(value.shape) for name, value in batch.items()},
        tokens=int(lengths.sum()),
        truncated_rows=truncated,
        waste=padding_waste(lengths, options),
    )
