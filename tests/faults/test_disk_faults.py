"""A nearly full data directory: preparing a bundled sample says "the disk is full", not the library's OSError with
this server's paths."""

import errno
import os

import pytest

import engine.datasets.sources
from engine.common.disk import DiskFullError
from engine.common.errors import StudioError
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
