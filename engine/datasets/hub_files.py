"""A Hub dataset's data files, downloaded as they are and then read like a user's own files.

Anyone can publish a hostile Parquet, CSV or JSON file on the Hub, so a Hub dataset is never parsed in the server:
`snapshot_download` fetches the repository's README first (its `configs:` say which files make which configuration
and split), then only the chosen configuration's data files (a repository of many configurations can hold far more
than the one asked for), `datasets` resolves the configuration's files in that local copy without reading
them, and `engine.datasets.sources` hands them to the same bound checks and child process as an upload. Only the
formats that child reads are fetched; a repository with a loading script or other formats is refused, saying so.
"""

from pathlib import Path

from datasets import load_dataset_builder
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, snapshot_download
from huggingface_hub.errors import LocalEntryNotFoundError

from engine.common.disk import out_of_space
from engine.common.errors import HubUnreachableError, StudioError
from engine.common.paths import datasets_cache_dir

# Packaged `datasets` builders whose files the file child reads (`engine.datasets.file_child`).
READABLE_BUILDERS = ("csv", "json", "parquet")


def download_hub_dataset(
    dataset_id: str, suffixes: list[str], revision: str | None = None, config: str | None = None
) -> Path:
    """Fetch a Hub dataset repository's README, scripts (to be refused, never run) and the data files of `config`.

    The README comes first: when its `configs:` name the files of the configuration asked for (or of the default
    one), only those are fetched; otherwise every file ending in `suffixes` is, as `datasets` would resolve them
    from the file names.

    Returns:
        The local copy (a snapshot folder of the Hugging Face cache, laid out as the repository).

    Raises:
        HubUnreachableError: the Hub cannot be reached and nothing of it is cached.
        StudioError: an unknown or gated dataset, or an unknown revision (the Hub's message says which).
    """
    card_only = ["README.md", "*.py"]
    snapshot = _snapshot(dataset_id, revision, card_only)
    patterns = config_file_patterns(snapshot / "README.md", config)
    if patterns is None:
        patterns = [f"*{suffix}" for suffix in suffixes]
    return _snapshot(dataset_id, revision, [*card_only, *patterns])


def _snapshot(dataset_id: str, revision: str | None, patterns: list[str]) -> Path:
    try:
        return Path(snapshot_download(dataset_id, repo_type="dataset", revision=revision, allow_patterns=patterns))
    except (ConnectionError, LocalEntryNotFoundError) as error:
        raise HubUnreachableError(f"cannot fetch dataset {dataset_id!r} from the Hub: {error}") from error
    except OSError as error:  # the Hub's HTTP errors derive from OSError: unknown id, gated, unknown revision
        if out_of_space(error):
            raise  # said as "the disk is full" by the caller
        raise StudioError(f"cannot load Hub dataset {dataset_id!r} (revision {revision!r}): {error}") from error


def config_file_patterns(readme: Path, config: str | None) -> list[str] | None:
    """The file patterns of one configuration (`config`, else the default one) in a dataset card's `configs:`, or
    None when the card does not say (no card, no `configs:`, no such configuration: resolved later from the files)."""
    if not readme.is_file():
        return None
    try:
        configs = MetadataConfigs.from_dataset_card_data(DatasetCard.load(readme).data)
        name = config or configs.get_default_config_name()
    except Exception:  # a card datasets cannot read: the files decide, and resolving them later names the problem
        return None
    data_files = configs.get(name, {}).get("data_files") if name else None
    if not data_files:
        return None
    patterns: list[str] = []
    for item in data_files if isinstance(data_files, list) else [data_files]:
        paths = item.get("path", []) if isinstance(item, dict) else item
        patterns += [paths] if isinstance(paths, str) else list(paths)
    return patterns


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
