"""Where Finetune Studio keeps its files.

Everything the app writes (the job database, job folders, caches, uploads) lives under one data directory,
`STUDIO_DATA_DIR`, so a Space or a container only needs one volume. Without it: `/data/studio-data` when `/data`
is a writable folder (a Space's persistent storage survives restarts; the container's own disk does not), else
`./studio-data`.
"""

import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from glob import escape as glob_escape
from pathlib import Path

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSETS_DIR = REPO_ROOT / "assets"
SAMPLES_DIR = ASSETS_DIR / "samples"
METRICS_DIR = ASSETS_DIR / "metrics"
PERSISTENT_STORAGE = Path("/data")  # where Hugging Face Spaces mount persistent storage, when it is enabled


def default_data_dir() -> Path:
    """The data directory without `STUDIO_DATA_DIR`: on persistent storage when there is some, else `./studio-data`."""
    if PERSISTENT_STORAGE.is_dir() and os.access(PERSISTENT_STORAGE, os.W_OK):
        return PERSISTENT_STORAGE / "studio-data"
    return Path("studio-data")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, default: str = "file") -> str:
    """A file name made of letters, digits, `.`, `_` and `-` only: no separators, no leading dot, at most 80 chars.

    Every name a user types (an export, an upload, a download) goes through it before it becomes a path.
    """
    cleaned = re.sub(r"\.{2,}", ".", _UNSAFE.sub("-", name)).strip(".-")[:80].strip(".-")
    return cleaned or default


def data_dir() -> Path:
    """Return the data directory (created on first use), read from `STUDIO_DATA_DIR` on every call."""
    path = Path(os.environ.get("STUDIO_DATA_DIR") or default_data_dir()).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _subdir(name: str) -> Path:
    path = data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path() -> Path:
    """Return the path of the SQLite database that holds the training jobs."""
    return data_dir() / "studio.sqlite3"


def jobs_dir() -> Path:
    """Return the folder holding one sub-folder per training job (log, events, model)."""
    return _subdir("jobs")


def datasets_cache_dir() -> Path:
    """Return the cache folder handed to `datasets.load_dataset`."""
    return _subdir("cache") / "datasets"


def scratch_models_dir() -> Path:
    """Return the folder where `scratch:` starter models are built and cached."""
    return _subdir("cache") / "scratch-models"


def uploads_dir() -> Path:
    """Return the folder where files uploaded through the web app are kept."""
    return _subdir("uploads")


def downloads_dir() -> Path:
    """Return the folder for files the Try tab offers for download (predicted files, zipped models)."""
    return _subdir("downloads")


# A temporary name is `.<target>.tmp-<pid>-<random>` (`atomic_file`, `atomic_folder`) or `.<target>.damaged-<random>`
# (a damaged entry on its way out): the pid tells whether its writer still runs.
_TEMPORARY = re.compile(r"^\..+\.(?:tmp-(?P<pid>\d+)-|damaged-)")
# Far longer than any write in progress goes without changing a file (a file read or a query is killed in minutes).
STALE_AFTER_S = 30 * 60


def is_temporary(path: Path) -> bool:
    """True for a name `atomic_file` or `atomic_folder` gives the entry it is writing (or removing)."""
    return _TEMPORARY.match(path.name) is not None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _last_change(path: Path) -> float:
    """The newest modification time of a file, or of a folder and everything in it."""
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for root, _, files in os.walk(path):
            for name in files:
                try:
                    newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
                except FileNotFoundError:  # removed meanwhile
                    pass
    return newest


def is_stale(path: Path, now: float | None = None) -> bool:
    """True for a temporary file or folder nobody writes any more: its writer's pid (when its name has one) has
    ended, and nothing in it changed for `STALE_AFTER_S`. One whose writer runs is never stale, however long it
    takes."""
    match = _TEMPORARY.match(path.name)
    if match is not None and match["pid"] and _pid_alive(int(match["pid"])):
        return False
    try:
        return (now or time.time()) - _last_change(path) > STALE_AFTER_S
    except FileNotFoundError:  # published or removed meanwhile
        return False


def remove_entry(path: Path) -> bool:
    """Remove a file or a folder; False when it was gone already or cannot be removed (said in the log)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:  # read-only, permissions: leave it
        logger.warning("cannot remove the leftover %s: %s", path, error)
        return False
    return True


def clean_stale_siblings(target: Path) -> list[Path]:
    """Remove the stale temporary copies of `target` beside it: earlier writes of the same entry, cut off."""
    now = time.time()
    siblings = target.parent.glob(f".{glob_escape(target.name)}.*") if target.parent.is_dir() else []
    return [path for path in siblings if is_temporary(path) and is_stale(path, now) and remove_entry(path)]


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to `target` to write a file into; when the block succeeds it replaces `target` in
    one rename, so a reader sees the old file or the whole new one, never a part. On an error it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_siblings(target)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.tmp-{os.getpid()}-")
    os.close(handle)
    staging = Path(name)
    try:
        yield staging
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)  # gone already when published


# Written last into a cache entry: the size of every file in it. An entry without it, or whose files do not match
# it (a truncated weight file, a deleted tokenizer), is damaged and is rebuilt rather than served.
COMPLETE_MARKER = ".complete.json"


def _file_sizes(folder: Path) -> dict[str, int]:
    return {
        str(path.relative_to(folder)): path.stat().st_size
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != COMPLETE_MARKER
    }


def is_complete(folder: Path) -> bool:
    """True for a cache entry published by `atomic_folder` whose files are all there, at the sizes written."""
    try:
        recorded = json.loads((folder / COMPLETE_MARKER).read_text())
        return isinstance(recorded, dict) and bool(recorded) and recorded == _file_sizes(folder)
    except (OSError, ValueError):
        return False


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Build a cache entry in a temporary folder next to `target`, then publish it in one rename.

    Yields the temporary folder to write into. When the block ends without an error, a completeness marker
    (`COMPLETE_MARKER`) is written and the folder renamed to `target`: a reader never sees a half-written entry, and
    one cut off by a crash or a full disk is only a `.tmp-` folder. A damaged `target` (see `is_complete`) is
    replaced; a complete one that another process published meanwhile is kept, and this build dropped. On an error
    the temporary folder is removed and the error passes through.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_siblings(target)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-{os.getpid()}-"))
    try:
        yield staging
        (staging / COMPLETE_MARKER).write_text(json.dumps(_file_sizes(staging)))
        _publish(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when published


def _publish(staging: Path, target: Path) -> None:
    if target.exists() and not is_complete(target):
        logger.warning("replacing the damaged cache entry %s", target)
        damaged = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.damaged-"))
        try:
            os.replace(target, damaged / "entry")
        except FileNotFoundError:  # another process moved it first
            pass
        shutil.rmtree(damaged, ignore_errors=True)
    try:
        os.rename(staging, target)
    except OSError:  # another process published a complete entry first (a non-empty folder is never replaced)
        if not is_complete(target):
            raise
