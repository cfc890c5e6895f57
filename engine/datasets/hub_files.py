"""A Hub dataset's data files, downloaded as they are and then read like a user's own files.

Anyone can publish a hostile Parquet, CSV or JSON file on the Hub, so a Hub dataset is never parsed in the server:
`snapshot_download` fetches the repository's data files (and its README, whose `configs:` say which files make
which configuration and split), `datasets` resolves the configuration's files in that local copy without reading
them, and `engine.datasets.sources` hands them to the same bound checks and child process as an upload. Only the
formats that child reads are fetched; a repository with a loading script or other formats is refused, saying so.
"""

from pathlib import Path

from datasets import load_dataset_builder
from huggingface_hub import snapshot_download
from huggingface_hub.errors import LocalEntryNotFoundError

from engine.common.disk import out_of_space
from engine.common.errors import HubUnreachableError, StudioError
from engine.common.paths import datasets_cache_dir

# Packaged `datasets` builders whose files the file child reads (`engine.datasets.file_child`).
READABLE_BUILDERS = ("csv", "json", "parquet")


def download_hub_dataset(dataset_id: str, suffixes: list[str], revision: str | None = None) -> Path:
    """Fetch a Hub dataset repository's README, scripts (to be refused, never run) and files ending in `suffixes`.

    Returns:
        The local copy (a snapshot folder of the Hugging Face cache, laid out as the repository).

    Raises:
        HubUnreachableError: the Hub cannot be reached and nothing of it is cached.
        StudioError: an unknown or gated dataset, or an unknown revision (the Hub's message says which).
    """
    patterns = ["README.md", "*.py", *(f"*{suffix}" for suffix in suffixes)]
    try:
        return Path(snapshot_download(dataset_id, repo_type="dataset", revision=revision, allow_patterns=patterns))
    except (ConnectionError, LocalEntryNotFoundError) as error:
        raise HubUnreachableError(f"cannot fetch dataset {dataset_id!r} from the Hub: {error}") from error
    except OSError as error:  # the Hub's HTTP errors derive from OSError: unknown id, gated, unknown revision
        if out_of_space(error):
            raise  # said as "the disk is full" by the caller
        raise StudioError(f"cannot load Hub dataset {dataset_id!r} (revision {revision!r}): {error}") from error


def snapshot_data_files(
    snapshot: Path, dataset_id: str, config: str | None, suffixes: list[str]
) -> dict[str, list[str]]:
    """The local data files of one configuration of a downloaded Hub dataset, by split, resolved as `datasets` does
    (the README's `configs:`, else the split names in file names) without reading any of them.

    Raises:
        StudioError: a loading script, no data files, an unknown configuration, or files of a format the studio does
            not read, naming the dataset.
    """
    where = f"Hub dataset {dataset_id!r}" + (f" (config {config!r})" if config else "")
    try:
        builder = load_dataset_builder(str(snapshot), config or None, cache_dir=str(datasets_cache_dir()))
    except Exception as error:  # no data files, an unknown config: datasets' message names it
        scripts = sorted(path.name for path in snapshot.glob("*.py"))
        if scripts:
            raise StudioError(
                f"{where} is built by a loading script ({', '.join(scripts)}), which the studio does not run; "
                "use a dataset stored as data files (most Hub datasets have a Parquet version)"
            ) from error
        raise StudioError(f"cannot read {where}: {error}") from error
    files = {str(split): sorted(str(path) for path in paths) for split, paths in builder.config.data_files.items()}
    found = {Path(path).suffix.lower() for paths in files.values() for path in paths}
    if builder.name not in READABLE_BUILDERS or not found or not found <= set(suffixes):
        raise StudioError(
            f"{where} stores its data as {builder.name} files ({', '.join(sorted(found)) or 'none'}); the studio "
            f"reads {', '.join(suffixes)} files"
        )
    return files
