"""engine.tasks.saved: the task a model was trained for, beside its weights."""

import json

import pytest
from datasets import Dataset

from engine.common.errors import MissingFileError, StudioError
from engine.tasks.base import Tokenization
from engine.tasks.registry import get_task
from engine.tasks.saved import TASK_FILE, load_task, save_task


def test_a_setup_and_its_tokenization_round_trip_through_task_json(tmp_path):
    split = Dataset.from_dict({"text": ["a", "b"], "labels": ["x;y", "y"]})
    task = get_task("multi-label-classification")
    setup = task.setup(split).with_options(thresholds=[0.35, 0.6])
    path = save_task(tmp_path, setup, Tokenization(max_length=96, stride=24))
    assert path == tmp_path / TASK_FILE
    saved = load_task(tmp_path)
    assert saved.setup == setup
    assert saved.tokenization == Tokenization(max_length=96, stride=24)
    assert [name for name in tmp_path.iterdir()] == [path]  # no staging file left behind


def test_a_folder_without_task_json_says_the_task_is_unknown(tmp_path):
    with pytest.raises(MissingFileError, match=r"no task.json in .*its task, labels and windows are unknown"):
        load_task(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        (json.dumps({"format": 99, "setup": {}, "tokenization": {}}), "has format 99; this studio reads format 1"),
        (json.dumps({"format": 1, "setup": {"columns": {}}, "tokenization": {}}), "lacks a field"),
        (
            json.dumps(
                {"format": 1, "setup": {"task": "regression", "columns": {}}, "tokenization": {"max_length": 4}}
            ),
            "max_length must be at least 8",
        ),
    ],
)
def test_a_damaged_task_json_is_refused_naming_what_is_wrong(tmp_path, content, message):
    (tmp_path / TASK_FILE).write_text(content)
    with pytest.raises(StudioError, match=message):
        load_task(tmp_path)
