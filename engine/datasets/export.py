"""Export a split (or a filtered view of one) as CSV, JSON Lines or Parquet, or a whole dataset with `save_to_disk`."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from datasets import ClassLabel, Dataset, DatasetDict, List, Value

from engine.common import paths
from engine.common.errors import StudioError
from engine.common.paths import data_dir

EXPORT_FORMATS = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet", "save_to_disk": ""}


def safe_name(name: str) -> str:
    """`engine.common.paths.safe_name`, with "dataset" for a name that has nothing left."""
    return paths.safe_name(name, default="dataset")


def exports_dir() -> Path:
    """The folder the app exports into, `STUDIO_DATA_DIR/exports/` (created on first use)."""
    folder = data_dir() / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_path(name: str, fmt: str) -> Path:
    """Where the app writes an export of this name and format: always inside `exports_dir()`."""
    if fmt not in EXPORT_FORMATS:
        raise StudioError(f"unknown export format {fmt!r}; formats are {', '.join(EXPORT_FORMATS)}")
    return exports_dir() / (safe_name(name) + EXPORT_FORMATS[fmt])


def _label_names(dataset: Dataset) -> Dataset:
    """Label ids become their names in text and Parquet files, so that the file reads (and reloads) as labelled."""
    labels = {name: f for name, f in dataset.features.items() if isinstance(f, ClassLabel)}
    # Lists of class ids (CoNLL-2003's `ner_tags`) become lists of names too.
    lists = {
        name: f.feature
        for name, f in dataset.features.items()
        if isinstance(f, List) and isinstance(getattr(f, "feature", None), ClassLabel)
    }
    if not labels and not lists:
        return dataset

    def name_of(feature: ClassLabel, value: int | None) -> str | None:
        return feature.int2str(value) if value is not None and value >= 0 else None

    def to_names(batch: dict) -> dict:
        named = {name: [name_of(feature, v) for v in batch[name]] for name, feature in labels.items()}
        for name, feature in lists.items():
            named[name] = [[name_of(feature, v) for v in row] if row is not None else None for row in batch[name]]
        return named

    features = dataset.features.copy()
    for name in labels:
        features[name] = Value("string")
    for name in lists:
        features[name] = List(Value("string"))
    return dataset.map(to_names, batched=True, features=features, desc="Label ids to names")


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn a target the user named that cannot be written (no such folder, no permission, a full disk) into a
    `StudioError` naming it."""
    try:
        yield
    except OSError as error:
        raise StudioError(f"cannot write {path}: {error.strerror or error}") from error


def export_dataset(data: Dataset | DatasetDict, fmt: str, path: Path) -> Path:
    """Write a split as `csv` / `jsonl` / `parquet`, or a split or whole dataset with `save_to_disk`.

    Returns:
        The file or folder written.

    Raises:
        StudioError: an unknown format, a `DatasetDict` for a single-file format, or a target that exists as a
            folder (file formats) or as a file (`save_to_disk`), or one that cannot be written.
    """
    if fmt not in EXPORT_FORMATS:
        raise StudioError(f"unknown export format {fmt!r}; formats are {', '.join(EXPORT_FORMATS)}")
    path = Path(path).expanduser()
    if fmt == "save_to_disk":
        if path.is_file():
            raise StudioError(f"{path} is a file; save_to_disk writes a folder")
        with _writing(path):
            data.save_to_disk(str(path))
        return path
    if isinstance(data, DatasetDict):
        raise StudioError(f"{fmt} holds one split; pick a split, or use save_to_disk for all of them")
    if path.is_dir():
        raise StudioError(f"{path} is a folder; give a file name for the {fmt} export")
    nested = [name for name, f in data.features.items() if not isinstance(f, (Value, ClassLabel))]
    if fmt == "csv" and nested:
        raise StudioError(
            f"CSV holds one value per cell and column {nested[0]!r} holds lists or records; export as jsonl, parquet "
            "or save_to_disk, which keep them"
        )
    named = _label_names(data)
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            named.to_csv(str(path), index=False)
        elif fmt == "jsonl":
            named.to_json(str(path), lines=True, force_ascii=False)
        else:
            named.to_parquet(str(path))
    return path
