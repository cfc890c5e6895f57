"""Shaping a dataset step by step, each step one `datasets` call that the user can read, copy and undo.

A step is a small frozen value (so a history is a tuple of steps that can be stored, compared and replayed);
`apply_step` runs it and returns the new splits with the exact code that reproduces it on a `DatasetDict` `ds`.
"""

from dataclasses import asdict, dataclass, field

from datasets import ClassLabel, DatasetDict, Value

from engine.common.errors import NotFoundError, StudioError
from engine.datasets.sources import encode_labels, require_single_values

STEP_KINDS = {
    "shuffle": "shuffle the rows",
    "select": "keep the first N rows",
    "sample": "keep a random sample of N rows",
    "rename": "rename a column",
    "remove": "remove columns",
    "cast_label": "cast the label column to ClassLabel",
    "validation_split": "carve a stratified validation split from train",
    "drop_empty": "drop rows whose column is empty",
    "drop_duplicates": "drop rows whose column repeats an earlier row",
}
_NEEDS_COLUMN = {"rename", "cast_label", "validation_split", "drop_empty", "drop_duplicates"}


@dataclass(frozen=True)
class ShapeStep:
    """One shaping step.

    Args:
        kind: one of `STEP_KINDS`.
        split: the split it applies to (`select` / `sample` / `shuffle`); None means every split.
        count: rows to keep (`select`, `sample`).
        seed: for `shuffle`, `sample` and `validation_split`.
        column: the column it reads or changes (`rename`, `cast_label`, `validation_split`, `drop_*`).
        new_name: the new column name (`rename`).
        columns: the columns to remove (`remove`).
        fraction: the share of train that becomes validation (`validation_split`).
    """

    kind: str
    split: str | None = None
    count: int | None = None
    seed: int = 42
    column: str | None = None
    new_name: str | None = None
    columns: tuple[str, ...] = field(default_factory=tuple)
    fraction: float = 0.1

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise StudioError(f"unknown shaping step {self.kind!r}; steps are {', '.join(STEP_KINDS)}")
        if self.kind in ("select", "sample") and (self.count is None or self.count < 1):
            raise StudioError(f"{self.kind} needs a number of rows of at least 1, not {self.count}")
        if self.kind in _NEEDS_COLUMN and not self.column:
            raise StudioError(f"{self.kind} needs a column")
        if self.kind == "rename" and not (self.new_name or "").strip():
            raise StudioError("rename needs a new column name")
        if self.kind == "remove" and not self.columns:
            raise StudioError("remove needs at least one column")
        if self.kind == "validation_split" and not 0 < self.fraction < 1:
            raise StudioError(f"the validation fraction must be between 0 and 1 (exclusive), not {self.fraction}")
        object.__setattr__(self, "columns", tuple(self.columns))

    def to_dict(self) -> dict:
        """A JSON-friendly form, for page state and saved histories."""
        return asdict(self) | {"columns": list(self.columns)}

    @classmethod
    def from_dict(cls, values: dict) -> "ShapeStep":
        return cls(**{**values, "columns": tuple(values.get("columns") or ())})


@dataclass(frozen=True)
class ShapeResult:
    """The splits after a step, and the `datasets` code that reproduces the step on `ds`."""

    splits: DatasetDict
    code: str


def _require_split(splits: DatasetDict, split: str | None) -> None:
    if split is not None and split not in splits:
        raise NotFoundError(f"no split {split!r}; splits are {', '.join(splits)}")


def _require_column(splits: DatasetDict, column: str) -> None:
    names = next(iter(splits.values())).column_names
    if column not in names:
        raise NotFoundError(f"column {column!r} not found; columns are {', '.join(names)}")


def _target(split: str | None) -> str:
    return "ds" if split is None else f"ds[{split!r}]"


def _rows_step(splits: DatasetDict, step: ShapeStep) -> ShapeResult:
    _require_split(splits, step.split)
    names = [step.split] if step.split else list(splits)
    shaped = dict(splits)
    for name in names:
        rows = len(splits[name])
        if step.kind != "shuffle" and step.count > rows:
            raise StudioError(f"cannot keep {step.count:,} rows: split {name!r} has {rows:,}")
        dataset = splits[name]
        if step.kind in ("shuffle", "sample"):
            dataset = dataset.shuffle(seed=step.seed)
        if step.kind in ("select", "sample"):
            dataset = dataset.select(range(step.count))
        shaped[name] = dataset
    call = {
        "shuffle": f".shuffle(seed={step.seed})",
        "select": f".select(range({step.count}))",
        "sample": f".shuffle(seed={step.seed}).select(range({step.count}))",
    }[step.kind]
    if step.split is None:
        code = (
            f"ds = ds{call}" if step.kind == "shuffle" else f"ds = DatasetDict({{k: v{call} for k, v in ds.items()}})"
        )
    else:
        code = f"{_target(step.split)} = {_target(step.split)}{call}"
    return ShapeResult(DatasetDict(shaped), code)


def _cast_label(splits: DatasetDict, column: str) -> ShapeResult:
    feature = next(iter(splits.values())).features[column]
    if isinstance(feature, ClassLabel):
        raise StudioError(f"column {column!r} already is a ClassLabel ({', '.join(feature.names)})")
    shaped = encode_labels(splits, column)
    names = next(iter(shaped.values())).features[column].names
    values = sorted({v for split in splits.values() for v in split.unique(column)}, key=lambda v: (str(type(v)), v))
    if all(isinstance(v, str) for v in values):
        code = f"ds = ds.cast_column({column!r}, ClassLabel(names={names!r}))"
    else:  # integer labels keep their numeric order; ids are positions in that order
        code = (
            f"ids = {{value: i for i, value in enumerate({values!r})}}\n"
            f"ds = ds.map(lambda batch: {{{column!r}: [ids[v] for v in batch[{column!r}]]}}, batched=True)\n"
            f"ds = ds.cast_column({column!r}, ClassLabel(names={names!r}))"
        )
    return ShapeResult(shaped, code)


def _validation_split(splits: DatasetDict, step: ShapeStep) -> ShapeResult:
    if "train" not in splits:
        raise StudioError(f"no train split to carve from (splits are {', '.join(splits)})")
    if "validation" in splits:
        raise StudioError("there already is a validation split; remove it first or keep it")
    feature = splits["train"].features[step.column]
    if is_class_like(feature):
        raise StudioError(
            f"column {step.column!r} is not a ClassLabel: cast it first (stratify_by_column needs class ids)"
        )
    # Lists (words and tags, label sets), records (answers) and decimal targets have no classes to stratify by:
    # the rows are split at random, as training does for them.
    stratify = step.column if isinstance(feature, ClassLabel) else None
    try:
        parts = splits["train"].train_test_split(test_size=step.fraction, seed=step.seed, stratify_by_column=stratify)
    except ValueError as error:  # e.g. a class with a single row cannot be in both parts
        raise StudioError(f"cannot carve a stratified validation split: {error}") from error
    shaped = DatasetDict({**splits, "train": parts["train"], "validation": parts["test"]})
    code = (
        f"parts = ds['train'].train_test_split(test_size={step.fraction}, seed={step.seed}"
        + (f", stratify_by_column={stratify!r})\n" if stratify else ")  # at random: no classes to stratify by\n")
        + "ds['train'], ds['validation'] = parts['train'], parts['test']"
    )
    return ShapeResult(shaped, code)


def is_class_like(feature: object) -> bool:
    """True for a column of plain strings or whole numbers: classes that `cast_label` turns into a `ClassLabel`."""
    dtype = getattr(feature, "dtype", "") if isinstance(feature, Value) else ""
    return dtype in ("string", "large_string", "bool") or dtype.startswith(("int", "uint"))


def _is_filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def _drop_empty(splits: DatasetDict, column: str) -> ShapeResult:
    shaped = splits.filter(
        lambda batch: [_is_filled(v) for v in batch[column]], batched=True, desc=f"Dropping empty {column}"
    )
    code = (
        f"ds = ds.filter(lambda batch: [v is not None and str(v).strip() != '' for v in batch[{column!r}]], "
        "batched=True)"
    )
    return ShapeResult(shaped, code)


def _first_occurrences(batch: dict, column: str, seen: set) -> list[bool]:
    keep = []
    for value in batch[column]:
        keep.append(value not in seen)
        seen.add(value)
    return keep


def _drop_duplicates(splits: DatasetDict, column: str) -> ShapeResult:
    shaped = {}
    for name, split in splits.items():
        seen: set = set()  # per split: a row repeated across splits is leakage, reported by the checks, not dropped
        shaped[name] = split.filter(
            _first_occurrences, batched=True, fn_kwargs={"column": column, "seen": seen}, load_from_cache_file=False
        )
    code = (
        "for name in ds:\n"
        "    seen = set()\n"
        f"    ds[name] = ds[name].filter(lambda batch: [not (v in seen or seen.add(v)) for v in batch[{column!r}]], "
        "batched=True)"
    )
    return ShapeResult(DatasetDict(shaped), code)


def apply_step(splits: DatasetDict, step: ShapeStep) -> ShapeResult:
    """Apply one step to the splits.

    Returns:
        The new splits (the input is left as it was) and the `datasets` code reproducing the step.

    Raises:
        StudioError: an unknown split or column, a name already taken, more rows asked for than there are, a
            validation split that exists already or cannot be stratified.
    """
    if step.kind in ("shuffle", "select", "sample"):
        return _rows_step(splits, step)
    if step.kind == "remove":
        for column in step.columns:
            _require_column(splits, column)
        if len(step.columns) >= len(next(iter(splits.values())).column_names):
            raise StudioError("cannot remove every column")
        return ShapeResult(
            splits.remove_columns(list(step.columns)), f"ds = ds.remove_columns({list(step.columns)!r})"
        )
    _require_column(splits, step.column)
    if step.kind == "rename":
        new_name = step.new_name.strip()
        if new_name in next(iter(splits.values())).column_names:
            raise StudioError(f"a column named {new_name!r} exists already")
        return ShapeResult(
            splits.rename_column(step.column, new_name), f"ds = ds.rename_column({step.column!r}, {new_name!r})"
        )
    if step.kind == "cast_label":
        return _cast_label(splits, step.column)
    if step.kind == "validation_split":
        return _validation_split(splits, step)
    if step.kind == "drop_empty":
        return _drop_empty(splits, step.column)
    require_single_values(next(iter(splits.values())), step.column, "deduplicated")
    return _drop_duplicates(splits, step.column)
