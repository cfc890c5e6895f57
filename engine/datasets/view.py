"""Pages of rows from a split of any size: only the page is read out of the memory-mapped Arrow data."""

from dataclasses import dataclass

from datasets import ClassLabel, Dataset

from engine.common.errors import NotFoundError, StudioError

PAGE_SIZES = (10, 20, 50, 100)
MAX_PAGE_SIZE = 1_000  # a page is materialised as Python objects; more than this belongs in an export


@dataclass
class Page:
    """Rows `offset .. offset + len(rows) - 1` of a split of `total` rows, label ids shown as names."""

    offset: int
    total: int
    columns: list[str]
    rows: list[dict]

    @property
    def description(self) -> str:
        if not self.rows:
            return f"no rows (of {self.total:,})"
        return f"rows {self.offset:,}–{self.offset + len(self.rows) - 1:,} of {self.total:,}"


def readable(feature: object, value: object) -> object:
    """A cell of a column with this feature as a person reads it: a `ClassLabel` id becomes its name (in a list of
    them too), -1 (no label) becomes `(none)`."""
    if isinstance(feature, ClassLabel) and isinstance(value, int):
        return feature.int2str(value) if value >= 0 else "(none)"
    item = getattr(feature, "feature", None)  # a list of class ids (CoNLL-2003's `ner_tags`) reads as its names
    if isinstance(item, ClassLabel) and isinstance(value, list):
        return [readable(item, one) for one in value]
    return value


def read_page(dataset: Dataset, offset: int = 0, limit: int = 20) -> Page:
    """Read one page of rows.

    `dataset[offset:offset + limit]` reads just those rows (through the indices mapping, when the split has been
    shuffled or filtered), so the cost does not grow with the split or the offset.

    Raises:
        StudioError: a negative offset, an offset past the end, or a limit outside 1..1,000.
    """
    total = len(dataset)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise StudioError(f"page size must be 1 to {MAX_PAGE_SIZE:,}, not {limit}")
    if offset < 0:
        raise StudioError(f"row numbers start at 0, not {offset}")
    if offset >= total and total > 0:
        raise StudioError(f"row {offset:,} is past the end: the split has {total:,} rows (0 to {total - 1:,})")
    columns = dataset.column_names
    # `dataset.features` is a deep copy on every access: read once, not per cell (100,000 columns took 20 minutes).
    features = dataset.features
    batch = dataset[offset : offset + limit]
    count = len(batch[columns[0]]) if columns else 0
    rows = [{name: readable(features.get(name), batch[name][i]) for name in columns} for i in range(count)]
    return Page(offset=offset, total=total, columns=columns, rows=rows)


def read_row(dataset: Dataset, index: int) -> dict:
    """One row in full (long texts included), label ids shown as names.

    Raises:
        StudioError: a row number outside the split.
    """
    if not 0 <= index < len(dataset):
        raise NotFoundError(f"no row {index:,}: the split has {len(dataset):,} rows (0 to {len(dataset) - 1:,})")
    row, features = dataset[index], dataset.features
    return {name: readable(features.get(name), value) for name, value in row.items()}


def page_offset(offset: int, page_size: int, total: int, move: int) -> int:
    """The offset of the page `move` pages away (-1 previous, +1 next), kept inside the split."""
    last = max(0, (total - 1) // page_size * page_size)
    return min(max(0, offset + move * page_size), last)
