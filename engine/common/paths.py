"""Where Finetune Studio keeps its files.

Everything the app writes (the job database, job folders, caches, uploads) lives under one data directory,
`STUDIO_DATA_DIR`, so a Space or a container only needs one volume. Without it: `/data/studio-data` when `/data`
is a writable folder (a Space's persistent storage survives restarts; the container's own disk does not), else
`./studio-data`.
"""

import os
import re
from pathlib import Path

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
