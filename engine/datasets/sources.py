"""Dataset sources: bundled samples, local files and folders, and Hub datasets, loaded as a `DatasetDict`.

A *source* is one string, the same in the app, the CLI and the job database:

- `sample:<name>`: a dataset bundled under `assets/samples/<name>/` (train / validation / test CSV files);
- a local file (`.csv`, `.tsv`, `.json`, `.jsonl`, `.parquet`, `.conll`): a single `train` split;
- a local folder: split names inferred from file names (`train.csv`, `validation.csv`, `dev.jsonl`,
  `test.conll`...) by the same patterns `datasets` uses, or a folder written by `save_to_disk` (a `DatasetDict` or
  a single `Dataset`);
- `conll:<file or folder>`: CoNLL-style word / tag files of any suffix (`.txt`), read as `.conll` files are
  (`engine.datasets.conll`: `tokens` and `ner_tags` columns);
- anything else is a Hub dataset id (`glue`, `user/name`) with an optional config name.
"""

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from datasets import (
    ClassLabel,
    Dataset,
    DatasetDict,
    DownloadMode,
    Features,
    Value,
    get_dataset_config_names,
    load_dataset,
    load_from_disk,
)
from datasets.data_files import DataFilesDict, get_data_patterns
from tqdm import tqdm

from engine.common.access import local_path
from engine.common.disk import disk_full_as_error, out_of_space
from engine.common.errors import HubUnreachableError, MissingFileError, NotFoundError, StudioError
from engine.common.hub import ensure_hub_reachable
from engine.common.limits import limits, over
from engine.common.paths import SAMPLES_DIR, datasets_cache_dir
from engine.common.uploads import check_file_bounds, check_table_file
from engine.datasets.cached_map import map_rows, split_rows
from engine.datasets.conll import CONLL_PREFIX, CONLL_SUFFIX, CONLL_SUFFIXES
from engine.datasets.file_reading import FileRefusedError, check_saved_isolated, read_conll_isolated, read_isolated
from engine.datasets.hub_files import download_hub_dataset, snapshot_data_files

logger = logging.getLogger(__name__)

# `datasets` reads files through `tqdm.contrib.concurrent.thread_map`, which lends a tqdm class a lock for the call
# and deletes it afterwards when the class had none: two first loads in two of the server's threads both delete it,
# and the second fails with "type object 'tqdm' has no attribute '_lock'" (huggingface/datasets#7660; disabling the
# progress bars does not help, the lock is lent anyway). A lock made once, on the class every tqdm bar derives from,
# is inherited by each of them and never deleted.
tqdm.get_lock()

# Extension -> (datasets packaged builder, its options). Tabular formats only: this app classifies text rows.
TABULAR_FORMATS = {
    ".csv": ("csv", {}),
    ".tsv": ("csv", {"sep": "\t"}),
    ".json": ("json", {}),
    ".jsonl": ("json", {}),
    ".parquet": ("parquet", {}),
}
# A source ending like this is a file the user meant, never a Hub id.
FILE_SUFFIXES = {*TABULAR_FORMATS, CONLL_SUFFIX, ".txt", ".xlsx", ".xls", ".gz", ".zip", ".arrow"}
SAMPLE_PREFIX = "sample:"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


# The bundled samples and the task each was written for (an `engine.tasks` name). The tabs train single-label
# classification today, so `sample_sources()` lists those; the others load by name (`sample:entities`).
CLASSIFICATION = "text-classification"
SAMPLE_TASKS = {
    "paraphrase": CLASSIFICATION,
    "sentiment": CLASSIFICATION,
    "topics": CLASSIFICATION,
    "tags": "multi-label-classification",
    "similarity": "regression",
    "entities": "token-classification",
    "questions": "question-answering",
}


def sample_names(task: str | None = CLASSIFICATION) -> list[str]:
    """Return the names of the bundled samples written for `task` (`sentiment`, `paraphrase`, `topics` for text
    classification); every sample when `task` is None."""
    return sorted(name for name, written_for in SAMPLE_TASKS.items() if task in (None, written_for))


def sample_sources(task: str | None = CLASSIFICATION) -> list[str]:
    """Return the bundled samples as sources (`sample:sentiment`...), those of `task` (every one when None)."""
    return [SAMPLE_PREFIX + name for name in sample_names(task)]


def _load_files(files: dict[str, list[str]], where: str, *, trusted: bool = False) -> DatasetDict:
    suffixes = {Path(f).suffix.lower() for paths in files.values() for f in paths}
    if len(suffixes) != 1:
        raise StudioError(f"{where} mixes file types ({', '.join(sorted(suffixes))}); use one format per dataset")
    suffix = suffixes.pop()
    if suffix == CONLL_SUFFIX:
        return _load_conll(files, where)
    builder, options = TABULAR_FORMATS[suffix]
    for path in (Path(f) for paths in files.values() for f in paths):
        check_file_bounds(path)  # before any parser sees it: a deep JSON record crashes pyarrow's reader
    try:
        with disk_full_as_error(f"preparing {where}"):
            return _load_cached(builder, files, options, where, trusted)
    except FileRefusedError as error:  # the parser's message; a precise reason beats it when the checks find one
        _check_each(files)
        raise StudioError(f"cannot read {where} as {builder}: {error}") from error
    except StudioError:  # a full disk, a bound: already said precisely
        raise
    except Exception as error:  # datasets raises many types for unreadable files; name the file instead.
        # A precise reason (empty, binary, not UTF-8, ragged) beats the parser's, when the checks find one.
        _check_each(files)
        raise StudioError(f"cannot read {where} as {builder}: {error}") from error


def _load_conll(files: dict[str, list[str]], where: str) -> DatasetDict:
    """CoNLL-style files, parsed in a child process (`read_conll_isolated`); an empty file is named before."""
    for path in (Path(f) for paths in files.values() for f in paths):
        check_table_file(path)  # an empty or binary file gets its own message
    try:
        with disk_full_as_error(f"preparing {where}"):
            try:
                return _check_columns(read_conll_isolated(files, where))
            except (FileRefusedError, StudioError):
                raise
            except Exception as error:  # a damaged cache entry: parse the files again, once
                if out_of_space(error):
                    raise
                logger.warning("the cached copy of %s cannot be read (%s); rebuilding it", where, error)
                return _check_columns(read_conll_isolated(files, where, force=True))
    except FileRefusedError as error:  # the reader names the file and the line
        raise StudioError(f"cannot read {where} as CoNLL: {error}") from error


def _check_each(files: dict[str, list[str]]) -> None:
    for path in (Path(f) for paths in files.values() for f in paths):
        check_table_file(path)


def _load_cached(builder: str, files: dict[str, list[str]], options: dict, where: str, trusted: bool) -> DatasetDict:
    """`load_dataset` of local files through the Arrow cache; an entry that cannot be read is rebuilt, once.

    A user's files are parsed in a child process with limits (`file_reading`); the bundled samples, which ship with
    the code, in this one. `datasets` writes an entry under a temporary name and renames it, but one damaged
    afterwards (a truncated Arrow file, from a crash or a full disk while copying the data directory) fails on every
    read: when the files themselves pass `check_table_file`, the cache is to blame, and the entry is made again.
    """
    arguments = {"data_files": files, "cache_dir": str(datasets_cache_dir()), **options}

    def load(force: bool) -> DatasetDict:
        if not trusted:
            return read_isolated(builder, arguments, where, force=force)
        mode = DownloadMode.FORCE_REDOWNLOAD if force else None
        return load_dataset(builder, download_mode=mode, **arguments)

    try:
        return _check_columns(load(force=False))
    except StudioError:
        raise
    except Exception as error:
        if out_of_space(error):
            raise
        _check_each(files)  # the file is wrong, not the cache: its own reason
        logger.warning("the cached Arrow copy of %s cannot be read (%s); rebuilding it", where, error)
        return _check_columns(load(force=True))


def _check_columns(splits: DatasetDict) -> DatasetDict:
    """Refuse a dataset wider than the server's column bound (JSON records with many keys, a saved folder), before
    any page, overview or statistic goes through its columns."""
    bound = limits().columns
    for name, split in splits.items():
        if len(split.column_names) > bound:
            raise over(f"the {name} split's column count", len(split.column_names), bound, "columns")
    return splits


def is_saved_dataset(folder: Path) -> bool:
    """True for a folder written by `Dataset.save_to_disk` or `DatasetDict.save_to_disk`."""
    return (folder / "dataset_dict.json").is_file() or (folder / "state.json").is_file()


def _load_saved(folder: Path) -> DatasetDict:
    """Open a `save_to_disk` folder once a child has found it whole (`check_saved_isolated`) and within the column
    bound: its Arrow files are memory-mapped as they are, and a damaged one would crash this process at a read."""
    bound = limits().columns
    for name, count in check_saved_isolated(folder).items():
        if count > bound:
            raise over(f"the {name} split's column count", count, bound, "columns")
    try:
        loaded = load_from_disk(str(folder))
    except Exception as error:  # a half-written or foreign folder: say which one
        raise StudioError(f"cannot read {folder} as a save_to_disk folder: {error}") from error
    return _check_columns(DatasetDict({"train": loaded}) if isinstance(loaded, Dataset) else loaded)


def require_hub_config(dataset_id: str, config: str | None, revision: str | None = None) -> None:
    """Refuse to guess among a Hub dataset's configurations: without a config, one with several lists them.

    Raises:
        HubUnreachableError: the Hub cannot be reached.
        StudioError: no config given and the dataset has several, naming them.
    """
    if config:
        return
    ensure_hub_reachable(f"the configurations of dataset {dataset_id!r}")
    try:
        configs = get_dataset_config_names(dataset_id, revision=revision)
    except ConnectionError as error:
        raise HubUnreachableError(f"cannot list the configurations of {dataset_id!r}: {error}") from error
    except Exception as error:  # unknown or gated dataset: the Hub's message says which
        raise StudioError(f"cannot list the configurations of Hub dataset {dataset_id!r}: {error}") from error
    if len(configs) > 1:
        raise StudioError(
            f"Hub dataset {dataset_id!r} has {len(configs)} configurations; pick one: {', '.join(configs)}"
        )


DATA_SUFFIXES = (*TABULAR_FORMATS, CONLL_SUFFIX)  # what a folder's data files may be


def _folder_files(folder: Path, suffixes: tuple[str, ...] = DATA_SUFFIXES) -> dict[str, list[str]]:
    patterns = get_data_patterns(str(folder))
    resolved = DataFilesDict.from_patterns(patterns, base_path=str(folder))
    files = {
        str(split): sorted(f for f in paths if Path(f).suffix.lower() in suffixes) for split, paths in resolved.items()
    }
    files = {split: paths for split, paths in files.items() if paths}
    if not files:
        raise StudioError(f"folder {folder} holds no data files ({', '.join(suffixes)})")
    return files


def _load_conll_source(reference: str) -> DatasetDict:
    """`conll:<file or folder>`: CoNLL-style files whatever their suffix (`.txt`, `.conll`)."""
    path = local_path(reference)
    if path is None or not path.exists():
        raise MissingFileError(f"no such file or folder: {reference}")
    if path.is_dir():
        files = _folder_files(path, CONLL_SUFFIXES)
        if len({Path(f).suffix.lower() for paths in files.values() for f in paths}) > 1:
            raise StudioError(f"folder {path} mixes .txt and .conll files; use one suffix per dataset")
        return _load_conll(files, f"folder {path}")
    return _load_conll({"train": [str(path)]}, f"file {path}")


def load_raw(source: str, config: str | None = None, *, revision: str | None = None) -> DatasetDict:
    """Load a source as a `DatasetDict`, without touching its columns.

    Args:
        source: `sample:<name>`, a local file or folder path (a `save_to_disk` folder too), `conll:<path>` for
            CoNLL-style `.txt` files, or a Hub dataset id.
        config: the Hub dataset's configuration name (e.g. `mrpc` for `glue`); ignored for local data. Without one,
            a Hub dataset with several configurations is refused with their names.
        revision: a Hub dataset's branch, tag or commit; ignored for local data.

    Returns:
        The dataset's splits.

    Raises:
        MissingFileError: a path-like source that does not exist.
        StudioError: an unknown sample, an unsupported file type or an unreadable file.
        HubUnreachableError: a Hub id while the Hub cannot be reached.
    """
    source = source.strip()
    if not source:
        raise StudioError("no dataset given: pick a sample, upload a file or type a Hub dataset id")
    if source.startswith(SAMPLE_PREFIX):
        name = source[len(SAMPLE_PREFIX) :]
        if name not in sample_names(None):
            raise NotFoundError(f"unknown sample {name!r}; samples are {', '.join(sample_names(None))}")
        return _load_files(_folder_files(SAMPLES_DIR / name), f"sample {name!r}", trusted=True)
    if source.startswith(CONLL_PREFIX):
        return _load_conll_source(source[len(CONLL_PREFIX) :].strip())
    path = local_path(source)  # None: not to be read from this server's disk
    if path is not None and path.is_dir():
        if is_saved_dataset(path):
            return _load_saved(path)
        return _load_files(_folder_files(path), f"folder {path}")
    if path is not None and path.is_file():
        if path.suffix.lower() == ".txt":
            raise StudioError(
                f"{path.name}: a .txt file is read as a dataset only in CoNLL layout ('word tag' lines, a blank line "
                f"between sentences): write the source as {CONLL_PREFIX}{source}"
            )
        if path.suffix.lower() not in DATA_SUFFIXES:
            raise StudioError(f"{path.name}: unsupported file type; use one of {', '.join(DATA_SUFFIXES)}")
        return _load_files({"train": [str(path)]}, f"file {path}")
    if not _HUB_ID.match(source) or Path(source).suffix.lower() in FILE_SUFFIXES:
        raise MissingFileError(f"no such file or folder: {source}")
    ensure_hub_reachable(f"dataset {source!r} (there is no local file or folder of that name)")
    require_hub_config(source, config, revision)
    return _load_hub(source, config, revision)


def _load_hub(dataset_id: str, config: str | None, revision: str | None) -> DatasetDict:
    """Download a Hub dataset's files and read them as a user's files are read: bound checks, then a child process.
    A file published on the Hub is as untrusted as an upload."""
    suffixes = list(TABULAR_FORMATS)
    with disk_full_as_error(f"downloading dataset {dataset_id!r}"):
        snapshot = download_hub_dataset(dataset_id, suffixes, revision, config)
    files = snapshot_data_files(snapshot, dataset_id, config, suffixes)
    return _load_files(files, f"Hub dataset {dataset_id!r}" + (f" (config {config!r})" if config else ""))


@dataclass(frozen=True)
class Columns:
    """The columns a text classifier reads: one text (or a pair of texts) and a label."""

    text: str
    label: str
    text_pair: str | None = None

    @property
    def texts(self) -> list[str]:
        return [self.text] + ([self.text_pair] if self.text_pair else [])


def resolve_columns(
    column_names: list[str], text: str | None = None, text_pair: str | None = None, label: str | None = None
) -> Columns:
    """Pick the text / pair / label columns, defaulting to `text`, `sentence1`+`sentence2` and `label`.

    Raises:
        StudioError: a named column that does not exist, or no default that fits, naming the columns there are.
    """
    available = ", ".join(column_names)
    # Every named column is checked first, so that a wrong name is reported before a missing default.
    _check_named(column_names, text, text_pair)
    if label and label not in column_names:
        raise NotFoundError(f"label column {label!r} not found; columns are {available}")
    text, text_pair = _text_and_pair(column_names, text, text_pair)
    if not label:
        if "label" not in column_names:
            raise StudioError(f"no 'label' column; name the label column (columns are {available})")
        label = "label"
    if label in (text, text_pair):
        raise StudioError(f"column {label!r} cannot be both a text and the label")
    return Columns(text=text, label=label, text_pair=text_pair)


def resolve_text_columns(column_names: list[str], text: str | None = None, text_pair: str | None = None) -> list[str]:
    """The text column (and second text column) as `resolve_columns` picks them, for uses that need no label
    (dataset checks, tokenize previews).

    Raises:
        StudioError: a named column that does not exist, or no default that fits, naming the columns there are.
    """
    text, text_pair = _text_and_pair(column_names, text, text_pair)
    return [text] + ([text_pair] if text_pair else [])


def _check_named(column_names: list[str], text: str | None, text_pair: str | None) -> None:
    for role, name in (("text", text), ("text pair", text_pair)):
        if name and name not in column_names:
            raise NotFoundError(f"{role} column {name!r} not found; columns are {', '.join(column_names)}")


def _text_and_pair(column_names: list[str], text: str | None, text_pair: str | None) -> tuple[str, str | None]:
    """Check the named text columns, fill in the defaults (`text`, `sentence1`+`sentence2`, `sentence`)."""
    _check_named(column_names, text, text_pair)
    if not text:
        if "text" in column_names:
            text = "text"
        elif "sentence1" in column_names and "sentence2" in column_names:
            text, text_pair = "sentence1", text_pair or "sentence2"
        elif "sentence" in column_names:
            text = "sentence"
        else:
            raise StudioError(f"no 'text' column; name the text column (columns are {', '.join(column_names)})")
    if text_pair == text:
        raise StudioError(f"text column and second text column are both {text!r}")
    return text, text_pair or None


def _sort_key(value: object) -> tuple:
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


def require_single_values(dataset: Dataset, column: str, role: str) -> None:
    """Refuse a column of lists or records where one value per row is needed (a text to search, a label to count).

    Raises:
        StudioError: the column's feature is neither a `Value` nor a `ClassLabel`, naming its type.
    """
    feature = dataset.features[column]
    if not isinstance(feature, (Value, ClassLabel)):
        raise StudioError(
            f"{role} column {column!r} holds lists or records ({_feature_text(feature)}), not one value per row; "
            "pick a column of text or labels"
        )


def encode_labels(splits: DatasetDict, label_column: str) -> DatasetDict:
    """Cast the label column to `ClassLabel`, so that its names reach the model's `id2label` / `label2id`.

    String labels get sorted names; integer labels keep their numeric order (`1..5` become ids `0..4`
    named `"1".."5"`). Columns that already are `ClassLabel` (most Hub datasets) are kept as they are.

    Raises:
        StudioError: a label column of lists or records, empty labels, float labels, or fewer than two classes in
            the train split.
    """
    first = next(iter(splits.values()))
    require_single_values(first, label_column, "label")
    feature = first.features[label_column]
    if not isinstance(feature, ClassLabel):
        values: set = set()
        for name, split in splits.items():
            found = set(split.unique(label_column))
            if None in found or "" in found:
                raise StudioError(f"label column {label_column!r} has empty values in the {name} split")
            if any(isinstance(v, float) for v in found):
                raise StudioError(f"label column {label_column!r} holds numbers with decimals; labels must be classes")
            values |= found
        ordered = sorted(values, key=_sort_key)
        ids = {value: index for index, value in enumerate(ordered)}
        feature = ClassLabel(names=[str(v) for v in ordered])
        encode = lambda batch: {label_column: [ids[v] for v in batch[label_column]]}  # noqa: E731
        # Encoded and cast in one `map` (a separate cast is another cached map), each split keeping its other types.
        splits = DatasetDict(
            {
                name: map_rows(
                    split,
                    encode,
                    batched=True,
                    features=Features({**split.features, label_column: feature}),
                    desc="Encoding labels",
                )
                for name, split in splits.items()
            }
        )
    train = splits["train"] if "train" in splits else first
    present = train.unique(label_column)
    if len(present) < 2:
        only = feature.int2str(present[0]) if present else "none"
        raise StudioError(
            f"label column {label_column!r} has a single class ({only!r}) in the train split; "
            "a classifier needs at least two"
        )
    return splits


VALIDATION_FRACTION = 0.1  # enough rows to compare runs, few enough to leave most data for training


def ensure_validation(splits: DatasetDict, label_column: str | None, seed: int = 42) -> tuple[DatasetDict, str | None]:
    """Return splits with a `validation` split, carving one from `train` when there is none: stratified by
    `label_column` when given (a class label), at random otherwise.

    Returns:
        The splits and a note for the user when a split was carved (None otherwise).
    """
    if "validation" in splits:
        return splits, None
    if "train" not in splits:
        raise StudioError(f"no train split (splits are {', '.join(splits)})")
    train = splits["train"]
    if len(train) < 10:
        raise StudioError(f"the train split has {len(train)} rows; at least 10 are needed to train and validate")
    if label_column is None:
        parts = split_rows(train, test_size=VALIDATION_FRACTION, seed=seed)
        how = "at random"
    elif min(Counter(train[label_column]).values()) >= 2:
        parts = split_rows(train, test_size=VALIDATION_FRACTION, seed=seed, stratify_by_column=label_column)
        how = "stratified by label"
    else:  # a class with a single row cannot be in both parts
        parts = split_rows(train, test_size=VALIDATION_FRACTION, seed=seed)
        how = "not stratified: a class has a single row"
    carved = DatasetDict({**splits, "train": parts["train"], "validation": parts["test"]})
    note = (
        f"No validation split: carved {len(parts['test'])} rows ({VALIDATION_FRACTION:.0%}) from train, "
        f"{how}, seed {seed}."
    )
    return carved, note


@dataclass
class DatasetSummary:
    """What the Datasets tab and `python -m engine data` show about a source."""

    source: str
    config: str | None
    splits: dict[str, int]
    features: dict[str, str]
    label_column: str | None
    label_names: list[str]
    notes: list[str] = field(default_factory=list)


def _feature_text(feature: object) -> str:
    if isinstance(feature, ClassLabel):
        return f"ClassLabel({', '.join(feature.names)})"
    dtype = getattr(feature, "dtype", None)
    return str(dtype) if dtype else type(feature).__name__


def summarize(source: str, config: str | None = None) -> tuple[DatasetSummary, DatasetDict]:
    """Load a source and describe it: splits with row counts, features, the label column and its names.

    The label column is `label` when there is one; its names are what training will use (sorted strings,
    or the dataset's own `ClassLabel` names).
    """
    splits = load_raw(source, config)
    first = next(iter(splits.values()))
    features = {name: _feature_text(f) for name, f in first.features.items()}
    notes = []
    label_column = "label" if "label" in first.column_names else None
    label_names: list[str] = []
    if label_column:
        try:
            encoded = next(iter(encode_labels(splits, label_column).values()))
            label_names = encoded.features[label_column].names
        except StudioError as error:
            notes.append(f"Label column cannot be used for training as it is: {error}")
    if "validation" not in splits:
        how = "a stratified" if label_column else "a random"  # no class column (words and tags, answers): random
        notes.append(f"No validation split: training will carve {how} 10% of train, seed 42.")
    summary = DatasetSummary(
        source=source,
        config=config or None,
        splits={name: len(split) for name, split in splits.items()},
        features=features,
        label_column=label_column,
        label_names=label_names,
        notes=notes,
    )
    return summary, splits
