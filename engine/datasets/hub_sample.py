"""A streaming sample of a very large Hub dataset: its first N rows, fetched without downloading the whole thing."""

from datasets import Dataset, DatasetDict, load_dataset

from engine.common.errors import HubUnreachableError, StudioError
from engine.common.hub import ensure_hub_reachable
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
    try:
        stream = load_dataset(dataset_id, config or None, split=split, revision=revision, streaming=True)
        sample = Dataset.from_list(list(stream.take(rows)), features=stream.features)
    except ConnectionError as error:
        raise HubUnreachableError(f"cannot stream dataset {dataset_id!r} from the Hub: {error}") from error
    except Exception as error:  # unknown id or split, gated dataset: the Hub's message names the problem
        raise StudioError(
            f"cannot stream Hub dataset {dataset_id!r} (config {config!r}, split {split!r}): {error}"
        ) from error
    return DatasetDict({split: sample})
