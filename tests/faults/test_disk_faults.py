"""A nearly full data directory: preparing a bundled sample or keeping an upload says "the disk is full", not the
library's OSError with this server's paths, and leaves no half-written file to be read later."""

import errno
import gc
import os
from pathlib import Path

import pytest

import engine.common.uploads
import engine.datasets.sources
from engine.common.disk import DiskFullError
from engine.common.errors import StudioError
from engine.common.uploads import keep_upload
from engine.datasets.sources import load_raw


def test_a_full_disk_while_preparing_a_sample_says_the_disk_is_full_without_server_paths(monkeypatch):
    def full(*args, cache_dir: str, **kwargs):  # what `datasets` raises when the Arrow cache cannot be written
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.path.join(cache_dir, "csv", "train.arrow"))

    monkeypatch.setattr(engine.datasets.sources, "load_dataset", full)

    with pytest.raises(DiskFullError) as raised:
        load_raw("sample:sentiment")

    message = str(raised.value)
    assert isinstance(raised.value, StudioError)
    assert message == (
        "the disk is full in the data directory while preparing sample 'sentiment'; free some space, then try again"
    )


def test_an_upload_cut_off_by_a_full_disk_leaves_no_partial_copy_and_says_the_disk_is_full(
    tmp_path, studio_data_dir, monkeypatch
):
    upload = tmp_path / "reviews.csv"
    upload.write_text("text,label\n" + "a lovely film,pos\n" * 50)

    def copy_half(source, target):  # the disk fills up in the middle of the copy
        Path(target).write_bytes(Path(source).read_bytes()[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(engine.common.uploads, "copy_hashed", copy_half)

    with pytest.raises(DiskFullError, match="^the disk is full in the data directory while keeping the uploaded file"):
        keep_upload(upload, {".csv"})
    assert [path for path in (studio_data_dir / "uploads").rglob("*") if path.is_file()] == []


def test_a_damaged_arrow_cache_of_a_sample_is_rebuilt_not_served(studio_data_dir):
    first = load_raw("sample:sentiment")["train"]
    rows, last = first.num_rows, first[-1]
    del first  # unmapped: the damage happens while no process reads the file (a crash, a copy cut off)
    gc.collect()
    cached = sorted((studio_data_dir / "cache" / "datasets").rglob("*-train.arrow"))
    assert cached, "no Arrow cache written"
    for path in cached:  # cut off, as by a crash or a full disk while the data directory was copied
        with path.open("r+b") as handle:
            handle.truncate(path.stat().st_size // 2)

    again = load_raw("sample:sentiment")

    assert (again["train"].num_rows, again["train"][-1]) == (rows, last)
