"""The dataset a user has open: where it came from and how it was shaped, small enough to keep in a page's state.

Re-opening is cheap: the loaded splits (memory-mapped Arrow, so holding them costs address space, not memory) and
every shaped prefix of the history are cached in the process, keyed by the reference and the source files'
modification times. Undo is dropping the last step; its result is usually still in the cache.
"""

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from datasets import DatasetDict

from engine.common.access import local_path
from engine.common.errors import NotFoundError, StudioError
from engine.common.paths import data_dir
from engine.common.uploads import check_table_file
from engine.datasets.conll import CONLL_PREFIX
from engine.datasets.hub_sample import sample_label, stream_sample
from engine.datasets.shaping import ShapeStep, apply_step
from engine.datasets.sources import TABULAR_FORMATS, load_raw


@dataclass(frozen=True)
class DatasetRef:
    """An open dataset: its source, a streaming sample's size (Hub only) and the shaping steps applied so far."""

    source: str
    config: str | None = None
    revision: str | None = None
    sample_rows: int | None = None  # a streaming sample of the first N rows of `sample_split`
    sample_split: str | None = None
    steps: tuple[ShapeStep, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.source.strip():
            raise StudioError("no dataset given: pick a sample, upload a file or type a Hub dataset id")
        if self.sample_rows is not None and not self.sample_split:
            raise StudioError("a streaming sample needs a split name (e.g. train)")

    @property
    def label(self) -> str:
        """The source as shown to the user, marked when it is a sample or has been shaped."""
        text = self.source + (f" ({self.config})" if self.config else "")
        if self.sample_rows:
            text += f" [{sample_label(self.sample_rows, self.sample_split)}]"
        if self.steps:
            text += f" + {len(self.steps)} shaping step{'s' if len(self.steps) > 1 else ''}"
        return text

    def with_step(self, step: ShapeStep) -> "DatasetRef":
        return replace(self, steps=(*self.steps, step))

    def undo(self) -> "DatasetRef":
        if not self.steps:
            raise StudioError("nothing to undo: no shaping step has been applied")
        return replace(self, steps=self.steps[:-1])

    def to_dict(self) -> dict:
        """A JSON-friendly form, for `gr.State`."""
        return {
            "source": self.source,
            "config": self.config,
            "revision": self.revision,
            "sample_rows": self.sample_rows,
            "sample_split": self.sample_split,
            "steps": [step.to_dict() for step in self.steps],
        }

    @classmethod
    def from_dict(cls, values: dict) -> "DatasetRef":
        steps = tuple(ShapeStep.from_dict(step) for step in values.get("steps") or ())
        return cls(**{**values, "steps": steps})

    def digest(self) -> str:
        """A short hash of the reference, naming what a saved copy was made from."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:10]


def _stamp(source: str) -> int:
    """The newest modification time under a local source (0 for samples and Hub ids): edited files are re-read."""
    if source.startswith(CONLL_PREFIX):
        source = source[len(CONLL_PREFIX) :].strip()
    path = local_path(source)  # refuses a path this server does not open before walking it
    if path is None:
        return 0
    if path.is_file():
        return path.stat().st_mtime_ns
    if path.is_dir():
        return max((p.stat().st_mtime_ns for p in path.rglob("*") if p.is_file()), default=0)
    return 0


@lru_cache(maxsize=4)
def _open_base(
    source: str, config: str | None, revision: str | None, rows: int | None, split: str | None, stamp: int
) -> DatasetDict:
    if rows:
        return stream_sample(source, config, split, rows, revision)
    path = local_path(source)
    if path is not None and path.is_file() and path.suffix.lower() in TABULAR_FORMATS:
        check_table_file(path)  # a ragged CSV would load with holes, a header-only one as zero rows
    splits = load_raw(source, config, revision=revision)
    empty = [name for name, split in splits.items() if len(split) == 0]
    if empty:
        raise StudioError(f"{source}: split {', '.join(empty)} has no rows")
    return splits


@lru_cache(maxsize=16)
def _open_shaped(ref: DatasetRef, stamp: int) -> tuple[DatasetDict, str]:
    if not ref.steps:
        return _open_base(ref.source, ref.config, ref.revision, ref.sample_rows, ref.sample_split, stamp), ""
    before, _ = _open_shaped(replace(ref, steps=ref.steps[:-1]), stamp)
    result = apply_step(before, ref.steps[-1])
    return result.splits, result.code


def open_dataset(ref: DatasetRef) -> DatasetDict:
    """Return the splits of an open dataset, shaped by its steps (cached; see the module's docstring).

    Raises:
        StudioError, MissingFileError, HubUnreachableError: as `load_raw`, `check_table_file` and `apply_step`.
    """
    return _open_shaped(ref, _stamp(ref.source))[0]


def step_code(ref: DatasetRef) -> list[str]:
    """The `datasets` code of each step of the history, in order."""
    stamp = _stamp(ref.source)
    return [_open_shaped(replace(ref, steps=ref.steps[: i + 1]), stamp)[1] for i in range(len(ref.steps))]


def open_split(ref: DatasetRef, split: str):
    """Return one split of an open dataset.

    Raises:
        StudioError: no such split, naming the splits there are.
    """
    splits = open_dataset(ref)
    if split not in splits:
        raise NotFoundError(f"no split {split!r}; splits are {', '.join(splits)}")
    return splits[split]


def save_shaped(ref: DatasetRef) -> Path:
    """Save the shaped dataset with `save_to_disk` under `STUDIO_DATA_DIR/datasets/`, and return the folder.

    The folder is a source like any other (`load_raw` reads `save_to_disk` folders), so training can use it. Its
    name holds a hash of the reference: saving the same history twice reuses the folder.
    """
    from engine.datasets.export import safe_name

    base = safe_name(Path(ref.source).stem if Path(ref.source).suffix else ref.source.replace(":", "-"))
    folder = data_dir() / "datasets" / f"{base}-{ref.digest()}"
    if not (folder / "dataset_dict.json").is_file():
        open_dataset(ref).save_to_disk(str(folder))
    return folder
