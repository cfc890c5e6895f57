"""A `save_to_disk` folder is checked whole in a child process before the server memory-maps its Arrow files: a
damaged or hostile file is refused with a message naming the folder, never met by the server at a page read."""

import json
import struct
from pathlib import Path

import pytest
from datasets import Dataset, DatasetDict

import engine.datasets.file_reading
from engine.common.errors import StudioError
from engine.datasets.sources import load_raw


def _saved(folder: Path) -> Path:
    Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]}).save_to_disk(str(folder))
    return folder


def _arrow(folder: Path) -> Path:
    return folder / "data-00000-of-00001.arrow"


def test_a_string_offset_past_its_data_is_refused_naming_the_folder(tmp_path):
    # Before: the folder opened, and reading row 1 ended the process with SIGBUS (the offset points 2 GB past).
    folder = _saved(tmp_path / "hostile")
    raw = _arrow(folder).read_bytes()
    offsets = struct.pack("<3i", 0, 1, 2)
    assert raw.count(offsets) == 1
    _arrow(folder).write_bytes(raw.replace(offsets, struct.pack("<3i", 0, 1, 2_000_000_000)))

    with pytest.raises(StudioError, match=rf"cannot read save_to_disk folder {folder}: .*offset.*nothing of it"):
        load_raw(str(folder))


def test_a_truncated_arrow_file_is_refused_naming_the_folder(tmp_path):
    folder = _saved(tmp_path / "truncated")
    raw = _arrow(folder).read_bytes()
    _arrow(folder).write_bytes(raw[: len(raw) - 40])
    with pytest.raises(StudioError, match=rf"cannot read save_to_disk folder {folder}: "):
        load_raw(str(folder))


def test_a_data_file_outside_the_folder_is_refused(tmp_path):
    # state.json names the files it reads: one leading elsewhere on the server is never opened.
    folder = _saved(tmp_path / "leading-out")
    elsewhere = _saved(tmp_path / "someone-else")
    state = json.loads((folder / "state.json").read_text())
    state["_data_files"] = [{"filename": f"../{elsewhere.name}/data-00000-of-00001.arrow"}]
    (folder / "state.json").write_text(json.dumps(state))
    with pytest.raises(StudioError, match=r"the train split reads .*someone-else.*, outside the folder"):
        load_raw(str(folder))


def test_a_folder_wider_than_the_column_bound_is_refused_before_the_server_opens_it(tmp_path, monkeypatch):
    folder = tmp_path / "wide"
    Dataset.from_dict({f"c{i}": [i] for i in range(30)}).save_to_disk(str(folder))
    monkeypatch.setenv("STUDIO_MAX_COLUMNS", "20")
    monkeypatch.setattr("engine.datasets.sources.load_from_disk", pytest.fail)
    with pytest.raises(StudioError, match=r"the train split's column count .*30.*20"):
        load_raw(str(folder))


def test_a_whole_folder_is_checked_once_and_again_when_its_files_change(tmp_path, monkeypatch):
    folder = tmp_path / "saved"
    DatasetDict({"train": Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]})}).save_to_disk(str(folder))
    assert load_raw(str(folder))["train"].to_dict() == {"text": ["a", "b"], "label": [0, 1]}

    checked = []
    original = engine.datasets.file_reading.run_child
    monkeypatch.setattr(
        engine.datasets.file_reading, "run_child", lambda *a, **k: checked.append(a) or original(*a, **k)
    )
    load_raw(str(folder))
    assert checked == []  # the same files: no second check

    DatasetDict({"train": Dataset.from_dict({"text": ["c"] * 3, "label": [1] * 3})}).save_to_disk(str(folder))
    assert load_raw(str(folder))["train"].num_rows == 3
    assert len(checked) == 1
