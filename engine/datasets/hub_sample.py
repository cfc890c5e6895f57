"""A streaming sample of a very large Hub dataset: its first N rows, fetched without downloading the whole thing.

The rows are streamed and parsed in a child process with the limits of a user's data file
(`engine.datasets.hub_sample_child`): a file on the Hub is as untrusted as an upload.
"""

import os
import shutil
import uuid

from datasets import DatasetDict, load_from_disk

from engine.common.errors import HubUnreachableError, StudioError
from engine.common.hub import ensure_hub_reachable
from engine.common.limits import limits
from engine.common.paths import datasets_cache_dir
from engine.datasets.children import run_child
from engine.datasets.file_reading import FileRefusedError, raise_for_end, slots
from engine.datasets.sources import require_hub_config

MAX_SAMPLE_ROWS = 100_000  # a sample is held in memory; more than this should be a real (memory-mapped) download


def sample_label(rows: int, split: str) -> str:
    """How a sample is labelled everywhere it is shown, so that nobody mistakes it for the whole split."""
    return f"streaming sample: the first {rows:,} rows of {split}, not the whole split"


def stream_sample(
    dataset_id: str, config: str | None, split: str, rows: int, revision: str | None = None
) -> DatasetDict:
    """Fetch the first `rows` rows of one split with `load_dataset(..., streaming=True)`.

    Args:
        dataset_id: a Hub dataset id.
        config: its configuration, required when it has several.
        split: the split to sample (`train`, `test`...).
        rows: how many rows, from the start of the split (1..100,000).
        revision: a branch, tag or commit.

    Returns:
        One split holding the sample, in memory.

    Raises:
        StudioError: a bad row count, an unknown dataset, config or split.
        HubUnreachableError: the Hub cannot be reached (within a few seconds).
    """
    if not 1 <= rows <= MAX_SAMPLE_ROWS:
        raise StudioError(f"a streaming sample takes 1 to {MAX_SAMPLE_ROWS:,} rows, not {rows:,}")
    if not split:
        raise StudioError("a streaming sample needs a split name (e.g. train)")
    ensure_hub_reachable(f"a streaming sample of dataset {dataset_id!r}")
    require_hub_config(dataset_id, config, revision)
    where = f"the streaming sample of Hub dataset {dataset_id!r} (config {config!r}, split {split!r})"
    # A temporary name (`paths.is_temporary`): what a killed server leaves here is swept as a leftover.
    folder = datasets_cache_dir() / "hub-samples" / f".sample.tmp-{os.getpid()}-{uuid.uuid4().hex}"
    request = {
        "dataset_id": dataset_id,
        "config": config or None,
        "split": split,
        "rows": rows,
        "revision": revision,
        "folder": str(folder),
        "memory_mb": limits().file_memory_mb,
    }
    try:
        with slots.hold(limits().file_concurrency, limits().file_timeout_s):
            end = run_child("engine.datasets.hub_sample_child", request, limits().file_timeout_s)
        if end.answer and "unreachable" in end.answer:
            raise HubUnreachableError(
                f"cannot stream dataset {dataset_id!r} from the Hub: {end.answer['unreachable']}"
            )
        try:
            raise_for_end(end, where)
        except FileRefusedError as error:
            raise StudioError(
                f"cannot stream Hub dataset {dataset_id!r} (config {config!r}, split {split!r}): {error}"
            ) from error
        # Held in memory, as a sample always was: its folder goes now, and nothing points into it.
        sample = load_from_disk(str(folder), keep_in_memory=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return DatasetDict({split: sample})
