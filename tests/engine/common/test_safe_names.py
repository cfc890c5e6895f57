"""User-supplied names never become paths outside the data directory; only safetensors weights are loaded."""

import json

import pytest

from engine.common.paths import data_dir, jobs_dir
from engine.datasets.export import export_path, exports_dir
from engine.jobs.actions import start_job
from engine.jobs.store import JobStore
from engine.training.config import TrainConfig
from engine.training.recipe import classifier_model

ESCAPES = ["../../escape", "/etc/passwd", "..", "a/../../b", "..\\..\\c"]


@pytest.mark.parametrize("name", ESCAPES)
def test_an_export_name_cannot_leave_the_exports_folder(name):
    path = export_path(name, "csv")

    assert path.parent == exports_dir() and path.resolve().is_relative_to(data_dir())


@pytest.mark.parametrize("name", ESCAPES)
def test_a_job_name_is_only_a_label_its_folder_is_its_id(name, tiny_csv_folder, monkeypatch):
    monkeypatch.setattr(
        "engine.jobs.queue.advance_queue", lambda store=None, watch=True: []
    )  # record only, start nothing
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", name=name, epochs=1, max_length=32)

    job = start_job(config)

    assert JobStore().get(job.id).name == name
    assert job.folder == jobs_dir() / str(job.id) and job.folder.is_dir()
    assert [folder.name for folder in jobs_dir().iterdir()] == [str(job.id)]


def test_a_model_folder_with_only_pickled_weights_is_refused_before_loading(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (tmp_path / "pytorch_model.bin").write_bytes(b"not loaded")

    with pytest.raises(ValueError, match=r"holds only pickled weights \(pytorch_model.bin\).*safetensors only"):
        classifier_model(str(tmp_path), ["neg", "pos"])
