"""What a form needs to know of a dataset to offer its columns and splits: their names, and which column likely
plays which role (the text, a second text, the label).

Roles are a mapping "role -> column", filled by one function, so that a task with other roles (several labels, a
score, token tags) adds names to `ROLE_NAMES` instead of another set of boxes with its own logic.
"""

from dataclasses import dataclass, field

from datasets import ClassLabel, Dataset, DatasetDict, Value

from engine.datasets.session import DatasetRef, open_dataset

TEXT, TEXT_PAIR, LABEL = "text", "text_pair", "label"
# The usual names of each role, best first, as the Hub's text-classification datasets spell them.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    TEXT: ("text", "sentence1", "sentence", "question1", "premise", "review", "content", "document", "comment"),
    TEXT_PAIR: ("sentence2", "text_pair", "question2", "hypothesis"),
    LABEL: ("label", "labels", "class", "category", "sentiment", "target", "y"),
}
# Held-out splits, best first: an evaluation on the rows a model trained on says little.
HELD_OUT_SPLITS = ("test", "validation", "dev", "valid", "eval")
MAX_LABEL_VALUES = 50  # a string column with more distinct values than this (in the rows looked at) is text
ROWS_LOOKED_AT = 200  # what a guess reads: cheap on any dataset, enough to tell a label from a text


@dataclass(frozen=True)
class DatasetLayout:
    """A dataset's splits and columns, the column guessed for each role (None: none fits) and, by role, what was
    unsure about a guess."""

    splits: list[str]
    columns: list[str]
    roles: dict[str, str | None]
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def held_out_split(self) -> str:
        """The split to evaluate on: test, else validation (or dev...), else the only or first split."""
        return held_out_split(self.splits)


def held_out_split(splits: list[str]) -> str:
    """Test, else validation (or dev, valid, eval), else the first split (a single uploaded file: `train`)."""
    return next((name for name in HELD_OUT_SPLITS if name in splits), splits[0] if splits else "")


def _is_text(dataset: Dataset, column: str) -> bool:
    feature = dataset.features[column]
    return isinstance(feature, Value) and feature.dtype in ("string", "large_string")


def _label_rank(dataset: Dataset, column: str) -> int | None:
    """How class-like a column is (0: a `ClassLabel`, 1: integers, 2: a few short strings that repeat), None: not."""
    feature = dataset.features[column]
    if isinstance(feature, ClassLabel):
        return 0
    if not isinstance(feature, Value):
        return None
    if feature.dtype.startswith(("int", "uint", "bool")):
        return 1
    if _is_text(dataset, column):
        values = dataset.select(range(min(len(dataset), ROWS_LOOKED_AT)))[column]
        distinct = len(set(values))
        # Repeated values: an id or a text column has (almost) none.
        if distinct < len(values) and distinct <= MAX_LABEL_VALUES and _mean_length(values) < 30:
            return 2
    return None


def _mean_length(values: list) -> float:
    texts = [value for value in values if isinstance(value, str)]
    return sum(map(len, texts)) / len(texts) if texts else 0.0


def _by_name(columns: list[str], role: str, taken: set[str]) -> str | None:
    lowered = {column.lower(): column for column in columns if column not in taken}
    return next((lowered[name] for name in ROLE_NAMES[role] if name in lowered), None)


def guess_roles(dataset: Dataset) -> tuple[dict[str, str | None], dict[str, str]]:
    """The column that likely plays each role in `dataset`, and a line for each role whose guess was not by name.

    By name first (`ROLE_NAMES`); else the label is the most class-like column (a `ClassLabel`, integers, or a few
    short strings that repeat) and the text the string column with the longest values. A second text is only ever
    guessed by name: a wrongly guessed pair would silently change what the model reads.
    """
    columns = list(dataset.column_names)
    roles: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    roles[LABEL] = _by_name(columns, LABEL, set())
    roles[TEXT] = _by_name(columns, TEXT, {roles[LABEL]} - {None})
    roles[TEXT_PAIR] = _by_name(columns, TEXT_PAIR, {roles[TEXT], roles[LABEL]} - {None}) if roles[TEXT] else None
    if roles[LABEL] is None:
        ranks = {c: _label_rank(dataset, c) for c in columns if c not in roles.values()}
        candidates = sorted((c for c, rank in ranks.items() if rank is not None), key=lambda c: ranks[c])
        if candidates:
            roles[LABEL] = candidates[0]
            others = f" (also possible: {', '.join(candidates[1:])})" if len(candidates) > 1 else ""
            notes[LABEL] = f"label column guessed as {candidates[0]!r}, the most class-like column{others}"
    if roles[TEXT] is None:
        sample = dataset.select(range(min(len(dataset), ROWS_LOOKED_AT)))
        texts = [c for c in columns if c not in roles.values() and _is_text(dataset, c)]
        if texts:
            longest = sorted(texts, key=lambda c: -_mean_length(sample[c]))
            roles[TEXT] = longest[0]
            others = f" (also possible: {', '.join(longest[1:])})" if len(longest) > 1 else ""
            notes[TEXT] = f"text column guessed as {longest[0]!r}, the column with the longest texts{others}"
    return roles, notes


def dataset_layout(source: str, config: str | None = None) -> DatasetLayout:
    """The splits and columns of a source, with the likely column of each role: what a form offers in its pickers.

    Opens the source as the Datasets tab does (cached, memory-mapped), and reads at most `ROWS_LOOKED_AT` rows.

    Raises:
        StudioError, MissingFileError, HubUnreachableError: the source cannot be opened (as `open_dataset`).
    """
    splits: DatasetDict = open_dataset(DatasetRef(source=source.strip(), config=(config or "").strip() or None))
    names = list(splits)
    first = splits["train"] if "train" in splits else splits[names[0]]
    roles, notes = guess_roles(first)
    return DatasetLayout(splits=names, columns=list(first.column_names), roles=roles, notes=notes)
