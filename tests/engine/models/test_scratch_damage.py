"""The scratch model cache under faults: an entry cut off or damaged is rebuilt, never served; a build that fails
leaves nothing behind; a full disk is said as such."""

import errno
import os

import pytest
from transformers import AutoModel, PreTrainedTokenizerFast

from engine.common.disk import DiskFullError
from engine.common.paths import COMPLETE_MARKER
from engine.models.scratch import build_scratch_model

CORPUS = ["a lovely film", "an awful meal", "a superb hotel", "a boring book"]


def test_a_truncated_weight_file_is_detected_and_the_model_rebuilt():
    folder = build_scratch_model("tiny", CORPUS)
    weights = folder / "model.safetensors"
    size = weights.stat().st_size
    with weights.open("r+b") as handle:  # a crash or a full disk in the middle of the write
        handle.truncate(size // 2)

    again = build_scratch_model("tiny", CORPUS)

    assert again == folder and weights.stat().st_size == size
    AutoModel.from_pretrained(again)  # loads: whole again


def test_an_entry_without_its_completeness_marker_is_rebuilt(monkeypatch):
    folder = build_scratch_model("tiny", CORPUS)
    (folder / COMPLETE_MARKER).unlink()  # as a half-written entry (or one from an older version) has none
    (folder / "tokenizer.json").unlink()

    again = build_scratch_model("tiny", CORPUS)

    assert (again / COMPLETE_MARKER).is_file() and (again / "tokenizer.json").is_file()


def test_a_build_that_fails_leaves_no_entry_and_no_temporary_folder(monkeypatch, studio_data_dir):
    def fail(self, *args, **kwargs):
        raise RuntimeError("killed halfway through saving")

    monkeypatch.setattr(PreTrainedTokenizerFast, "save_pretrained", fail)

    with pytest.raises(RuntimeError, match="halfway"):
        build_scratch_model("tiny", CORPUS)

    assert list((studio_data_dir / "cache" / "scratch-models").iterdir()) == []


def test_a_full_disk_while_building_says_the_disk_is_full_without_server_paths(monkeypatch):
    def full(self, folder, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))

    monkeypatch.setattr(PreTrainedTokenizerFast, "save_pretrained", full)

    with pytest.raises(DiskFullError) as raised:
        build_scratch_model("tiny", CORPUS)

    assert str(raised.value).startswith("the disk is full in the data directory while building the scratch:tiny")
    assert "/" not in str(raised.value) and raised.value.errno == errno.ENOSPC
