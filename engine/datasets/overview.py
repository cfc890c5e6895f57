"""What an open dataset is at a glance: splits and rows, features with types, label names, size on disk."""

from dataclasses import dataclass, field
from pathlib import Path

from datasets import ClassLabel, DatasetDict

from engine.datasets.hub_sample import sample_label
from engine.datasets.session import DatasetRef
from engine.datasets.sources import _feature_text, _sort_key


@dataclass
class Overview:
    """The overview of an open (possibly shaped, possibly sampled) dataset."""

    title: str
    splits: dict[str, int]
    features: dict[str, str]
    label_column: str | None
    label_names: list[str]
    bytes_on_disk: int  # the Arrow files the splits are memory-mapped from; 0 when held in memory
    notes: list[str] = field(default_factory=list)


def _label_names(splits: DatasetDict, column: str) -> list[str]:
    feature = next(iter(splits.values())).features[column]
    if isinstance(feature, ClassLabel):
        return list(feature.names)
    values = {v for split in splits.values() for v in split.unique(column) if v is not None and v != ""}
    return [str(v) for v in sorted(values, key=_sort_key)]


def _bytes_on_disk(splits: DatasetDict) -> int:
    files = {f["filename"] for split in splits.values() for f in split.cache_files}
    return sum(Path(f).stat().st_size for f in files if Path(f).is_file())


def overview(ref: DatasetRef, splits: DatasetDict) -> Overview:
    """Describe the splits of `ref` (Arrow `unique` per split for the labels: no pass over the rows in Python)."""
    first = next(iter(splits.values()))
    label_column = "label" if "label" in first.column_names else None
    names = _label_names(splits, label_column) if label_column else []
    notes = []
    if ref.sample_rows:
        notes.append(f"This is a {sample_label(ref.sample_rows, ref.sample_split)}.")
    if label_column and len(names) < 2:
        notes.append(f"Label column cannot be used for training as it is: it has {len(names)} class(es).")
    if "validation" not in splits:
        how = "a stratified" if label_column else "a random"  # no class column (words and tags, answers): random
        notes.append(f"No validation split: training will carve {how} 10% of train, seed 42.")
    return Overview(
        title=ref.label,
        splits={name: len(split) for name, split in splits.items()},
        features={name: _feature_text(f) for name, f in first.features.items()},
        label_column=label_column,
        label_names=names,
        bytes_on_disk=_bytes_on_disk(splits),
        notes=notes,
    )
