"""What to check before training on a dataset: labels, lengths in characters and tokens, empty values, duplicates.

Character counts, empty values and duplicates cover every row (Arrow compute over the memory-mapped data). Token
lengths need the tokenizer to run over the text, so on a big split they come from a random sample, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasets import ClassLabel, Dataset, DatasetDict

from engine.common.errors import NotFoundError, StudioError
from engine.common.limits import limits, over
from engine.datasets.sources import require_single_values, resolve_columns, resolve_text_columns

if TYPE_CHECKING:  # only for hints: transformers costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase

BATCH_ROWS = 100_000
TOKEN_SAMPLE_ROWS = 20_000  # about 2 s of a fast tokenizer on 2 cores; the percentiles are stable well before that
IMBALANCE_RATIO = 3.0  # largest class / smallest class above which metrics like accuracy start to mislead
HISTOGRAM_BINS = 40


@dataclass(frozen=True)
class StatsOptions:
    """What to measure.

    Args:
        text_column / text_pair_column / label_column: None picks the defaults (`text` or `sentence1` + `sentence2`,
            and `label` when there is one).
        max_length: the truncation length whose cut is drawn and whose truncated share is counted.
        token_sample_rows: the most rows whose tokens are counted per split (a seeded random sample beyond that).
    """

    text_column: str | None = None
    text_pair_column: str | None = None
    label_column: str | None = None
    max_length: int = 128
    token_sample_rows: int = TOKEN_SAMPLE_ROWS
    seed: int = 42

    def __post_init__(self) -> None:
        if self.max_length < 1:
            raise StudioError(f"max_length must be at least 1, not {self.max_length}")
        if self.max_length > (bound := limits().max_length):
            raise over("max_length", self.max_length, bound, "max_length")
        if self.token_sample_rows < 1:
            raise StudioError(f"token_sample_rows must be at least 1, not {self.token_sample_rows}")


@dataclass
class LengthSummary:
    """A length distribution: summary figures and a histogram (`counts[i]` lengths in `edges[i]..edges[i+1]`)."""

    rows: int
    mean: float
    median: float
    p95: float
    min: int
    max: int
    edges: list[float]
    counts: list[int]

    @classmethod
    def of(cls, lengths: np.ndarray) -> LengthSummary:
        if len(lengths) == 0:
            return cls(0, 0.0, 0.0, 0.0, 0, 0, [], [])
        counts, edges = np.histogram(lengths, bins=min(HISTOGRAM_BINS, max(1, int(lengths.max() - lengths.min()) + 1)))
        return cls(
            rows=len(lengths),
            mean=float(lengths.mean()),
            median=float(np.median(lengths)),
            p95=float(np.percentile(lengths, 95)),
            min=int(lengths.min()),
            max=int(lengths.max()),
            edges=[float(e) for e in edges],
            counts=[int(c) for c in counts],
        )


@dataclass
class LabelLengths:
    """Character lengths of one label's rows, as a box plot draws them."""

    label: str
    rows: int
    q1: float
    median: float
    q3: float
    min: int
    max: int


@dataclass
class SplitStats:
    """The checks of one split."""

    rows: int
    label_counts: dict[str, int]
    chars: LengthSummary
    lengths_per_label: list[LabelLengths]
    empty: dict[str, int]  # per column: missing (null) values plus blank strings
    duplicates: int  # rows whose text (or text pair) repeats an earlier row of the split
    tokens: LengthSummary | None = None
    truncated_share: float | None = None  # share of (sampled) rows longer than max_length tokens


@dataclass
class DatasetStats:
    """The checks of every split, leakage between splits, and the warnings they call for."""

    text_columns: list[str]
    label_column: str | None
    max_length: int
    tokenizer: str | None
    splits: dict[str, SplitStats]
    leakage: dict[str, int]  # split -> rows whose text also appears in train
    warnings: list[str] = field(default_factory=list)


def _label_names(dataset: Dataset, column: str, values: np.ndarray) -> list[str]:
    feature = dataset.features[column]
    if isinstance(feature, ClassLabel):
        return [feature.int2str(int(v)) if v is not None and v >= 0 else "(none)" for v in values]
    return ["(none)" if v is None else str(v) for v in values]


def _columns(dataset: Dataset, names: list[str]) -> pa.Table:
    """The given columns of the whole split as an Arrow table: zero-copy slices of the memory-mapped data."""
    return dataset.select_columns(names).with_format("arrow")[:]


def _text_key(table: pa.Table, text_columns: list[str]) -> pa.ChunkedArray:
    """The text (or the text pair joined by a separator no text holds) that identifies a row for duplicates."""
    if len(text_columns) == 1:
        return pc.cast(table[text_columns[0]], pa.large_string())
    separator = pa.scalar("\x1f", pa.large_string())
    return pc.binary_join_element_wise(*(pc.cast(table[c], pa.large_string()) for c in text_columns), separator)


def _char_lengths(table: pa.Table, text_columns: list[str]) -> np.ndarray:
    lengths = None
    for column in text_columns:
        counted = pc.fill_null(pc.utf8_length(pc.cast(table[column], pa.large_string())), 0)
        lengths = counted if lengths is None else pc.add(lengths, counted)
    return lengths.to_numpy()


def _empty_counts(dataset: Dataset) -> dict[str, int]:
    empty = {name: 0 for name in dataset.column_names}
    for table in dataset.with_format("arrow").iter(batch_size=BATCH_ROWS):
        for name in dataset.column_names:
            column = table[name]
            blank = 0
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                blank = pc.sum(pc.equal(pc.utf8_trim_whitespace(column), "")).as_py() or 0
            empty[name] += column.null_count + blank
    return empty


def _lengths_per_label(labels: list[str], lengths: np.ndarray) -> list[LabelLengths]:
    result = []
    names = np.array(labels, dtype=object)
    for label in sorted(set(labels)):
        values = lengths[names == label]
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        result.append(
            LabelLengths(label, len(values), float(q1), float(median), float(q3), int(values.min()), int(values.max()))
        )
    return result


def token_lengths(
    dataset: Dataset, tokenizer: PreTrainedTokenizerBase, text_columns: list[str], rows: int, seed: int = 42
) -> np.ndarray:
    """Tokens per row as the model gets them (special tokens included, no truncation), on at most `rows` rows."""
    if len(dataset) > rows:
        picked = np.sort(np.random.default_rng(seed).choice(len(dataset), size=rows, replace=False))
        dataset = dataset.select(picked)
    lengths: list[int] = []
    for batch in dataset.select_columns(text_columns).iter(batch_size=1_000):
        texts = [["" if t is None else str(t) for t in batch[c]] for c in text_columns]
        encoded = tokenizer(*texts, truncation=False, verbose=False)
        lengths.extend(len(ids) for ids in encoded["input_ids"])
    return np.array(lengths, dtype=np.int64)


def _split_stats(
    dataset: Dataset,
    text_columns: list[str],
    label_column: str | None,
    tokenizer: PreTrainedTokenizerBase | None,
    options: StatsOptions,
) -> SplitStats:
    table = _columns(dataset, text_columns + ([label_column] if label_column else []))
    chars = _char_lengths(table, text_columns)
    labels: list[str] = []
    label_counts: dict[str, int] = {}
    if label_column:
        counts = pc.value_counts(table[label_column]).to_pylist()
        names = _label_names(dataset, label_column, np.array([c["values"] for c in counts], dtype=object))
        label_counts = dict(sorted(zip(names, (c["counts"] for c in counts), strict=True)))
        labels = _label_names(dataset, label_column, np.array(table[label_column].to_pylist(), dtype=object))
    key = _text_key(table, text_columns)
    stats = SplitStats(
        rows=len(dataset),
        label_counts=label_counts,
        chars=LengthSummary.of(chars),
        lengths_per_label=_lengths_per_label(labels, chars) if labels else [],
        empty=_empty_counts(dataset),
        duplicates=len(dataset) - len(pc.unique(key)),
    )
    if tokenizer is not None:
        tokens = token_lengths(dataset, tokenizer, text_columns, options.token_sample_rows, options.seed)
        stats.tokens = LengthSummary.of(tokens)
        stats.truncated_share = float((tokens > options.max_length).mean()) if len(tokens) else 0.0
    return stats


def _leakage(splits: DatasetDict, text_columns: list[str]) -> dict[str, int]:
    if "train" not in splits:
        return {}
    train = pc.unique(_text_key(_columns(splits["train"], text_columns), text_columns))
    return {
        name: pc.sum(pc.is_in(_text_key(_columns(split, text_columns), text_columns), value_set=train)).as_py() or 0
        for name, split in splits.items()
        if name != "train"
    }


def _warnings(result: DatasetStats) -> list[str]:
    notes = []
    for name, split in result.splits.items():
        counts = {label: n for label, n in split.label_counts.items() if n > 0}
        if len(counts) >= 2:
            largest, smallest = max(counts, key=counts.get), min(counts, key=counts.get)
            ratio = counts[largest] / counts[smallest]
            if ratio >= IMBALANCE_RATIO:
                notes.append(
                    f"Imbalanced labels in {name}: {largest!r} has {counts[largest]:,} rows, {ratio:.1f}× the "
                    f"{counts[smallest]:,} of {smallest!r}; accuracy will flatter the model (look at macro F1), "
                    "and consider a stratified split or resampling."
                )
        if split.truncated_share:
            notes.append(
                f"{split.truncated_share:.1%} of {name} rows are longer than max_length {result.max_length} tokens "
                "and would be truncated."
            )
        if split.duplicates:
            notes.append(f"{split.duplicates:,} rows of {name} repeat an earlier row's text (exact duplicates).")
        blanks = {column: n for column, n in split.empty.items() if n}
        if blanks:
            listed = ", ".join(f"{column} {n:,}" for column, n in blanks.items())
            notes.append(f"Empty or missing values in {name}: {listed}.")
    for name, rows in result.leakage.items():
        if rows:
            notes.append(
                f"Leakage: {rows:,} rows of {name} have a text that is also in train; scores on {name} will be "
                "too optimistic. Drop them from one side."
            )
    return notes


def dataset_stats(
    splits: DatasetDict, options: StatsOptions, tokenizer: PreTrainedTokenizerBase | None = None
) -> DatasetStats:
    """Check every split: label counts, lengths (characters, and tokens when a tokenizer is given), lengths per
    label, empty values, duplicates within a split and texts of other splits also found in train.

    Raises:
        StudioError: a named column that does not exist, or no text column to measure.
    """
    first = next(iter(splits.values()))
    names = first.column_names
    label = options.label_column or ("label" if "label" in names else None)
    if label and label not in names:
        raise NotFoundError(f"label column {label!r} not found; columns are {', '.join(names)}")
    if label:  # the label must then be no text column too
        text_columns = resolve_columns(names, options.text_column, options.text_pair_column, label).texts
    else:  # the checks work without a label
        text_columns = resolve_text_columns(names, options.text_column, options.text_pair_column)
    for column, role in [(name, "text") for name in text_columns] + ([(label, "label")] if label else []):
        require_single_values(first, column, role)
    result = DatasetStats(
        text_columns=text_columns,
        label_column=label,
        max_length=options.max_length,
        tokenizer=getattr(tokenizer, "name_or_path", None) if tokenizer is not None else None,
        splits={name: _split_stats(split, text_columns, label, tokenizer, options) for name, split in splits.items()},
        leakage=_leakage(splits, text_columns),
    )
    result.warnings = _warnings(result)
    return result
