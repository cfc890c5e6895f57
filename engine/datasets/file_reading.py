"""Reading a user's data file (an upload or a path) without letting its parser near the server's memory.

The file is converted into the `datasets` Arrow cache in a child process (`engine.datasets.file_child`) that may
allocate `STUDIO_FILE_MEMORY_MB` beyond what it starts with, is killed after `STUDIO_FILE_TIMEOUT_S` or once it has
written more than `STUDIO_MAX_UNCOMPRESSED_MB`, and runs at most `STUDIO_FILE_CONCURRENCY` at a time. The server then
memory-maps the finished entry. A file read before (same path, size and modification time) is served from the cache
without a child. Bundled samples are trusted and read in the server (`sources`), as fast as before.

A `save_to_disk` folder needs no parsing, but its Arrow files are memory-mapped as they are: it is checked whole in a
child (`engine.datasets.saved_child`) under the same limits before the server opens it, once per state of its files.
"""

import hashlib
import json
import logging
import shutil
import threading
from pathlib import Path

from datasets import DatasetDict, load_dataset_builder, load_from_disk

from engine.common.disk import DiskFullError
from engine.common.errors import StudioError
from engine.common.limits import limits
from engine.common.paths import datasets_cache_dir
from engine.datasets.children import ChildEnd, Slots, run_child
from engine.datasets.conll import CONLL_BUILDER

logger = logging.getLogger(__name__)

slots = Slots("data files are being read", "STUDIO_FILE_CONCURRENCY")
# save_to_disk folders found whole, by the state of their files (names, sizes, modification times): a folder whose
# files change is checked again.
_whole_folders: dict[tuple, dict[str, int]] = {}
_whole_folders_lock = threading.Lock()


class FileRefusedError(StudioError):
    """The file's parser refused it (the message is the parser's); the caller looks for a plainer reason."""


def read_isolated(builder_name: str, arguments: dict, where: str, *, force: bool = False) -> DatasetDict:
    """Load local data files as `load_dataset(builder_name, **arguments)` would, parsing them in a child process.

    Args:
        builder_name: the `datasets` packaged builder (`csv`, `json`, `parquet`).
        arguments: `data_files`, `cache_dir` and the builder's options.
        where: the files in the user's words ("file /data/reviews.csv"), for messages.
        force: build the cache entry again even when there is one (it was found damaged).

    Raises:
        StudioError: the child needed more memory or time than it may have, wrote more than the bound, or crashed,
            naming the file and the setting that moves the bound.
        FileRefusedError: the parser refused the file, with its message.
        DiskFullError: the disk holding the data directory is full.
    """
    builder = load_dataset_builder(builder_name, **arguments)  # resolves the files and the cache folder; reads none
    if force or not Path(builder.cache_dir).is_dir():
        _prepare_in_child(builder_name, arguments, builder.cache_dir, where, force)
        builder = load_dataset_builder(builder_name, **arguments)  # made again, it finds the entry and its splits
    return builder.as_dataset()


def read_conll_isolated(files: dict[str, list[str]], where: str, *, force: bool = False) -> DatasetDict:
    """Read CoNLL-style files (split -> files) as `tokens` / `ner_tags` splits, parsing them in a child process
    under the same limits as `read_isolated`; the result is cached by the files' paths, sizes and modification
    times, so the same files are parsed once.

    Raises:
        StudioError: a bound met or a crash, as `read_isolated`.
        FileRefusedError: a file that is not UTF-8 or not in the format, naming the file and line.
        DiskFullError: the disk holding the data directory is full.
    """
    state = {
        split: [(str(Path(p).resolve()), Path(p).stat().st_size, Path(p).stat().st_mtime_ns) for p in paths]
        for split, paths in files.items()
    }
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]
    entry = datasets_cache_dir() / "conll" / digest
    if force or not entry.is_dir():
        shutil.rmtree(entry, ignore_errors=True)
        entry.parent.mkdir(parents=True, exist_ok=True)
        _prepare_in_child(CONLL_BUILDER, {"data_files": files, "cache_dir": str(entry)}, str(entry), where, force)
    return load_from_disk(str(entry))


def check_saved_isolated(folder: Path) -> dict[str, int]:
    """Check a `save_to_disk` folder in a child process before this one memory-maps it; return each split's column
    count (which the caller bounds before opening it).

    Raises:
        StudioError: the folder cannot be read, a file is damaged (a value outside its column's layout, a truncated
            batch) or leads out of the folder, or the check needed more memory or time than it may have; the message
            names the folder.
        DiskFullError: the disk holding the data directory is full.
    """
    state = _folder_state(folder)
    with _whole_folders_lock:
        if state in _whole_folders:
            return _whole_folders[state]
    where = f"save_to_disk folder {folder}"
    bounds = limits()
    request = {"folder": str(folder), "memory_mb": bounds.file_memory_mb}
    with slots.hold(bounds.file_concurrency, bounds.file_timeout_s):
        end = run_child("engine.datasets.saved_child", request, bounds.file_timeout_s)
    try:
        raise_for_end(end, where)
    except FileRefusedError as error:
        raise StudioError(f"cannot read {where}: {error}; nothing of it was opened") from error
    with _whole_folders_lock:
        _whole_folders[state] = end.answer["columns"]
    return end.answer["columns"]


def _folder_state(folder: Path) -> tuple:
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return (str(folder.resolve()), *((str(path), path.stat().st_size, path.stat().st_mtime_ns) for path in files))


def _prepare_in_child(builder_name: str, arguments: dict, entry: str, where: str, force: bool) -> None:
    bounds = limits()
    request = {
        "builder": builder_name,
        "files": arguments["data_files"],
        "cache_dir": arguments["cache_dir"],
        "options": {k: v for k, v in arguments.items() if k not in ("data_files", "cache_dir")},
        "force": force,
        "memory_mb": bounds.file_memory_mb,
    }
    with slots.hold(bounds.file_concurrency, bounds.file_timeout_s):
        end = run_child(
            "engine.datasets.file_child", request, bounds.file_timeout_s, max_written_mb=bounds.file_uncompressed_mb
        )
    if end.answer is None:
        # Killed before `datasets` could remove its half-written entry: never leave it for the next read.
        shutil.rmtree(entry + ".incomplete", ignore_errors=True)
    raise_for_end(end, where)
    # A file that grew past the bound faster than the child was watched: the whole entry is measured once more.
    written = sum(path.stat().st_size for path in Path(entry).rglob("*") if path.is_file())
    if written > bounds.file_uncompressed_mb * 2**20:
        shutil.rmtree(entry, ignore_errors=True)
        raise _expanded(where)


def _expanded(where: str) -> StudioError:
    return StudioError(
        f"{where} is more than {limits().file_uncompressed_mb:,} MB once read into Arrow; STUDIO_MAX_UNCOMPRESSED_MB "
        "raises the bound"
    )


def raise_for_end(end: ChildEnd, where: str) -> None:
    """Turn how a reading child ended into the message that names `where` and the bound it met.

    Raises:
        StudioError: it ran out of time or memory, wrote too much or crashed.
        DiskFullError: the disk is full.
        FileRefusedError: the reader refused the data, with its message.
    """
    bounds = limits()
    memory = (
        f"{where} used more than {bounds.file_memory_mb:,} MB of memory while being read; "
        "STUDIO_FILE_MEMORY_MB raises the bound"
    )
    if end.timed_out:
        raise StudioError(
            f"{where} took more than {bounds.file_timeout_s:,} s to read; STUDIO_FILE_TIMEOUT_S raises the bound"
        )
    if end.wrote_too_much:
        raise _expanded(where)
    if end.answer is None:  # a crash (a signal), or an error before it could answer
        how = end.signal_name or f"exit status {end.exit_status}"
        logger.warning("the reader of %s ended by %s: %s", where, how, end.last_words)
        if "bad_alloc" in end.last_words or "memory" in end.last_words.lower():
            raise StudioError(memory)
        if end.signal_name is None:
            raise StudioError(f"{where} could not be read: its reader failed ({end.last_words or how})")
        raise StudioError(
            f"{where} crashed its reader ({end.signal_name}); nothing of it was kept. A file this strange is "
            f"usually damaged or hostile; if it needed more memory, STUDIO_FILE_MEMORY_MB "
            f"({bounds.file_memory_mb:,} MB) raises the bound"
        )
    answer = end.answer
    if answer.get("memory"):
        raise StudioError(memory)
    if answer.get("disk_full"):
        raise DiskFullError(f"the disk is full in the data directory while preparing {where}; free some space")
    if "error" in answer:
        raise FileRefusedError(answer["error"])
