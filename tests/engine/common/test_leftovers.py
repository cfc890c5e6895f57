"""Temporary files and folders of writers that were killed (atomic writes, `datasets` builds and maps, SQL copies)
are removed once stale, at server start and beside the next write of the same entry; nothing in use is touched."""

import os
import subprocess
import sys
import time
from pathlib import Path

from datasets import Dataset

from engine.common.leftovers import clean_leftovers
from engine.common.paths import STALE_AFTER_S, atomic_file, atomic_folder, datasets_cache_dir
from engine.datasets.sql import arrow_file

LONG_AGO = time.time() - STALE_AFTER_S - 60


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def aged(path: Path, when: float = LONG_AGO) -> Path:
    """Make `path` (and everything in it) last changed at `when`."""
    for inner in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(inner, (when, when))
    return path


def partial_file(path: Path, text: str = "partial") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def entry_folder(path: Path) -> Path:
    partial_file(path / "model.safetensors")
    return path


def test_stale_leftovers_go_and_everything_in_use_or_recent_stays(studio_data_dir):
    dead, alive = dead_pid(), os.getpid()
    cache, scratch = datasets_cache_dir(), studio_data_dir / "cache" / "scratch-models"
    stale = [
        aged(entry_folder(scratch / f".tiny-1.tmp-{dead}-abc123")),  # a scratch build killed midway
        aged(partial_file(studio_data_dir / "uploads" / "owner" / "tok" / f".reviews.csv.tmp-{dead}-x1")),
        aged(entry_folder(scratch / ".tiny-1.damaged-q9")),
        aged(entry_folder(cache / "csv" / "default-1" / "0.0.0" / "f00d.incomplete")),  # a file's child killed
        aged(partial_file(cache / "csv" / "default-1" / "0.0.0" / "f00d" / "tmpa1b2c3d4")),  # map, killed
        aged(partial_file(cache / "sql" / f"0123456789abcdef.{'e' * 32}.partial")),
        aged(partial_file(cache / "sql" / "0123456789abcdef.arrow")),  # a SQL copy no query used for half an hour
    ]
    kept = [
        aged(entry_folder(scratch / f".tiny-2.tmp-{alive}-def456")),  # its writer runs, however long it takes
        entry_folder(scratch / f".tiny-3.tmp-{dead}-ghi789"),  # changed a moment ago
        aged(entry_folder(scratch / "tiny-1")),  # a published entry, however old
        aged(partial_file(studio_data_dir / "uploads" / "owner" / "tok2" / "tmpa1b2c3d4")),  # a user file
        aged(partial_file(studio_data_dir / "jobs" / "1" / "train.log")),
        partial_file(cache / "sql" / "fedcba9876543210.arrow"),  # used recently
    ]

    removed = clean_leftovers()

    assert sorted(removed) == sorted(stale)
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)


def test_the_next_atomic_write_of_an_entry_removes_its_stale_temporary_copies(tmp_path):
    dead = dead_pid()
    cut_file = aged(partial_file(tmp_path / f".reviews.csv.tmp-{dead}-r4nd0m"))
    cut_folder = aged(entry_folder(tmp_path / f".tiny.tmp-{dead}-r4nd0m"))
    recent = partial_file(tmp_path / f".reviews.csv.tmp-{dead}-n3w")

    with atomic_file(tmp_path / "reviews.csv") as staging:
        staging.write_text("text,label\n")
    with atomic_folder(tmp_path / "tiny") as staging:
        (staging / "config.json").write_text("{}")

    assert not cut_file.exists() and not cut_folder.exists()
    assert recent.exists()  # another write of it may still be under way
    assert (tmp_path / "reviews.csv").read_text() == "text,label\n" and (tmp_path / "tiny" / "config.json").is_file()


def test_a_sql_copy_is_touched_each_time_a_query_uses_it_so_it_is_never_stale_in_use():
    split = Dataset.from_dict({"text": ["a", "b", "c"]}).shuffle(seed=0)  # not one file as it is: a copy is made
    copy = Path(arrow_file(split))
    aged(copy)

    assert arrow_file(split) == str(copy)

    assert time.time() - copy.stat().st_mtime < 60
    assert copy not in clean_leftovers()
