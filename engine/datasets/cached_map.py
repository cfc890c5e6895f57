"""`datasets.map` and `train_test_split` whose cache files are checked: a damaged one is rebuilt, never served.

`map` keeps its result in a `cache-<fingerprint>.arrow` file next to the dataset's own and reads it back on the next
call with the same inputs. It writes that file under a temporary name and renames it, but one damaged afterwards (a
crash or a full disk while the data directory was copied, a disk error) is read as it is: cut inside a record batch
it fails on every call, cut between two it silently serves fewer rows. `train_test_split` keeps the row numbers of
each part the same way.
"""

import logging
from collections.abc import Callable

import pyarrow as pa
from datasets import Dataset, DatasetDict

from engine.common.disk import out_of_space

logger = logging.getLogger(__name__)


def _rows(data: Dataset | DatasetDict) -> dict[str, int]:
    return {name: len(split) for name, split in data.items()} if isinstance(data, DatasetDict) else {"": len(data)}


def _rebuild(damage: str) -> None:
    logger.warning("a cached result cannot be used (%s); computing it again", damage)


def map_rows(
    data: Dataset | DatasetDict, function: Callable, *, at_least_rows: bool = False, **options
) -> Dataset | DatasetDict:
    """`data.map(function, **options)` for a function that keeps one row per row (tokenizing, encoding labels),
    from the cache when its entry is whole, computed again when it is not.

    An entry is whole when it reads without an Arrow error and has as many rows as `data` (with `at_least_rows`, for
    a function that makes one row or more of each row, such as overflow windows: at least as many).
    """
    try:
        mapped = data.map(function, **options)
        rows, expected = _rows(mapped), _rows(data)
        if rows == expected or (at_least_rows and all(rows[name] >= expected[name] for name in expected)):
            return mapped
        damage = f"{_rows(mapped)} rows where {_rows(data)} were mapped"
    except (pa.ArrowInvalid, OSError, EOFError) as error:  # a cut inside a record batch
        if out_of_space(error):  # nothing damaged: the disk is full, and computing again would not help
            raise
        damage = str(error)
    _rebuild(damage)
    return data.map(function, **(options | {"load_from_cache_file": False}))


def split_rows(dataset: Dataset, **options) -> DatasetDict:
    """`dataset.train_test_split(**options)`, from the cache when its parts are whole (they read, and together
    hold every row), computed again when they are not."""
    try:
        parts = dataset.train_test_split(**options)
        if len(parts["train"]) + len(parts["test"]) == len(dataset):
            return parts
        damage = f"{len(parts['train'])} + {len(parts['test'])} rows where {len(dataset)} were split"
    except (pa.ArrowInvalid, OSError, EOFError) as error:
        if out_of_space(error):
            raise
        damage = str(error)
    _rebuild(damage)
    return dataset.train_test_split(**(options | {"load_from_cache_file": False}))
