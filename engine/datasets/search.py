"""Search and filter a whole split, not its first page: Arrow compute over the memory-mapped data, batch by batch.

The result is the row positions that match; `dataset.select(positions)` is then a view of the split (an indices
mapping, no copy of the data) that pages, exports and charts like any split.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasets import ClassLabel, Dataset

from engine.common.errors import NotFoundError, StudioError
from engine.datasets.sources import require_single_values

BATCH_ROWS = 100_000  # Arrow compute is vectorised: big batches, yet memory stays bounded by one batch


@dataclass(frozen=True)
class RowFilter:
    """What rows to keep; every given condition must hold.

    Args:
        query: text to find (a substring), in `column` or, without one, in any text column.
        column: the column to search and measure; None searches every text column.
        case_sensitive: match `query` with its case.
        label: keep rows of this label (a `ClassLabel` name, or the value as text).
        label_column: the column holding the label.
        min_chars / max_chars: keep rows whose `column` has this many characters (inclusive).
    """

    query: str = ""
    column: str | None = None
    case_sensitive: bool = False
    label: str | None = None
    label_column: str | None = None
    min_chars: int | None = None
    max_chars: int | None = None

    def __post_init__(self) -> None:
        for name in ("min_chars", "max_chars"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise StudioError(f"{name} must be 0 or more, not {value}")
        if self.min_chars is not None and self.max_chars is not None and self.min_chars > self.max_chars:
            raise StudioError(f"min_chars ({self.min_chars}) is larger than max_chars ({self.max_chars})")
        if (self.min_chars is not None or self.max_chars is not None) and not self.column:
            raise StudioError("a length filter needs the column whose length to measure")
        if self.label and not self.label_column:
            raise StudioError("a label filter needs the label column")
        if not (self.query or self.label or self.min_chars is not None or self.max_chars is not None):
            raise StudioError("nothing to search for: give a text, a label or a length range")


@dataclass
class SearchResult:
    """The positions of the matching rows in the split, in split order."""

    positions: np.ndarray
    scanned: int  # rows looked at: always the whole split

    @property
    def total(self) -> int:
        return len(self.positions)


def _text_columns(dataset: Dataset) -> list[str]:
    return [
        name
        for name, feature in dataset.features.items()
        if getattr(feature, "dtype", None) in ("string", "large_string")
    ]


def _check_columns(dataset: Dataset, row_filter: RowFilter) -> None:
    names = dataset.column_names
    for role, column in (("search", row_filter.column), ("label", row_filter.label_column)):
        if column and column not in names:
            raise NotFoundError(f"{role} column {column!r} not found; columns are {', '.join(names)}")
        if column:
            require_single_values(dataset, column, role)
    if row_filter.query and not row_filter.column and not _text_columns(dataset):
        raise StudioError(f"no text column to search; columns are {', '.join(names)}")


def _label_value(dataset: Dataset, row_filter: RowFilter) -> object:
    feature = dataset.features[row_filter.label_column]
    if isinstance(feature, ClassLabel):
        if row_filter.label not in feature.names:
            raise NotFoundError(f"no label {row_filter.label!r}; labels are {', '.join(feature.names)}")
        return feature.str2int(row_filter.label)
    return row_filter.label


def _as_text(array: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    return (
        array
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
        else pc.cast(array, pa.string())
    )


def _batch_mask(table: pa.Table, row_filter: RowFilter, search_columns: list[str], label_value: object) -> pa.Array:
    mask = pa.array(np.ones(table.num_rows, dtype=bool))
    if row_filter.query:
        found = None
        for column in search_columns:
            hit = pc.match_substring(
                _as_text(table[column]), row_filter.query, ignore_case=not row_filter.case_sensitive
            )
            found = hit if found is None else pc.or_(found, hit)
        mask = pc.and_(mask, pc.fill_null(found, False))
    if row_filter.label:
        column = table[row_filter.label_column]
        if not isinstance(label_value, int):
            column = _as_text(column)
        mask = pc.and_(mask, pc.fill_null(pc.equal(column, label_value), False))
    if row_filter.min_chars is not None or row_filter.max_chars is not None:
        lengths = pc.fill_null(pc.utf8_length(_as_text(table[row_filter.column])), 0)
        if row_filter.min_chars is not None:
            mask = pc.and_(mask, pc.greater_equal(lengths, row_filter.min_chars))
        if row_filter.max_chars is not None:
            mask = pc.and_(mask, pc.less_equal(lengths, row_filter.max_chars))
    return mask


def filter_rows(dataset: Dataset, row_filter: RowFilter) -> SearchResult:
    """Find the rows of the whole split that match a filter.

    Raises:
        StudioError: an unknown column or label.
    """
    _check_columns(dataset, row_filter)
    search_columns = [row_filter.column] if row_filter.column else _text_columns(dataset)
    label_value = _label_value(dataset, row_filter) if row_filter.label else None
    found: list[np.ndarray] = []
    start = 0
    for table in dataset.with_format("arrow").iter(batch_size=BATCH_ROWS):
        mask = _batch_mask(table, row_filter, search_columns, label_value)
        found.append(np.flatnonzero(mask.to_numpy(zero_copy_only=False)) + start)
        start += table.num_rows
    positions = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
    return SearchResult(positions=positions, scanned=start)


def filtered_view(dataset: Dataset, result: SearchResult) -> Dataset:
    """The matching rows as a dataset (an indices mapping over the same Arrow data)."""
    return dataset.select(result.positions)
