"""engine.training.tracking: every run writes TensorBoard event files holding the values the job database holds,
and logs to trackio only when `STUDIO_TRACKIO` is on and trackio is installed."""

import importlib.util
import json
import logging
import sqlite3
from types import SimpleNamespace

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from engine.common.errors import StudioError
from engine.common.settings import settings
from engine.jobs import worker
from engine.training.config import TrainConfig
from engine.training.tracking import (
    TENSORBOARD_FOLDER,
    TRACKIO_PROJECT,
    RunTensorBoard,
    RunTrackio,
    tracking_callbacks,
)

CONFIG = TrainConfig(dataset="sample:topics", model="scratch:tiny")


def _scalars(folder) -> dict[str, list[tuple[int, float]]]:
    events = EventAccumulator(str(folder))
    events.Reload()
    return {tag: [(point.step, point.value) for point in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def _stored(store, job_id: int, kind: str, key: str) -> list[tuple[int, float]]:
    return [(e["step"], e[key]) for e in store.events(job_id) if e["kind"] == kind and key in e]


def test_a_jobs_tensorboard_files_hold_the_losses_and_metrics_of_the_database(store, tiny_csv_folder):
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", epochs=2.0, batch_size=8).with_defaults()
    job = store.create(config.to_dict())

    assert worker.main([str(job.id)]) == 0

    folder = job.folder / TENSORBOARD_FOLDER
    assert store.get(job.id).status == "completed" and not job.checkpoints_dir.exists()  # the files outlive them
    scalars = _scalars(folder)
    for tag, kind, key in [("train/loss", "train", "loss"), ("eval/loss", "eval", "loss"), ("eval/f1", "eval", "f1")]:
        stored = _stored(store, job.id, kind, key)
        assert len(stored) >= (2 if kind == "eval" else 3), tag
        # Event files keep 32-bit floats; the database keeps the Trainer's 64-bit ones.
        assert [step for step, _ in scalars[tag]] == [step for step, _ in stored], tag
        assert [value for _, value in scalars[tag]] == pytest.approx([value for _, value in stored], rel=1e-6), tag
    assert "train/learning_rate" in scalars


def test_every_run_gets_a_tensorboard_writer_into_its_folder_and_no_trackio_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("STUDIO_TRACKIO", raising=False)

    callbacks = tracking_callbacks(CONFIG, tmp_path / "7")

    assert [type(c) for c in callbacks] == [RunTensorBoard]
    assert callbacks[0].logging_dir == str(tmp_path / "7" / TENSORBOARD_FOLDER)


def test_trackio_switched_on_but_not_installed_is_said_in_the_log(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("STUDIO_TRACKIO", "1")
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "trackio" else real_find_spec(name, *a)
    )

    with caplog.at_level(logging.WARNING, logger="engine.training.tracking"):
        callbacks = tracking_callbacks(CONFIG, tmp_path / "7")

    assert [type(c) for c in callbacks] == [RunTensorBoard]
    assert "STUDIO_TRACKIO is on but trackio is not installed" in caplog.text


def test_a_wrong_trackio_switch_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("STUDIO_TRACKIO", "maybe")

    with pytest.raises(StudioError, match="STUDIO_TRACKIO must be one of 1, true, yes, on, 0, false, no, off"):
        settings()


@pytest.mark.skipif(importlib.util.find_spec("trackio") is None, reason="trackio is optional and not installed")
def test_with_trackio_installed_and_switched_on_a_run_logs_to_a_local_trackio_project(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_TRACKIO", "1")
    monkeypatch.setenv("TRACKIO_DIR", str(tmp_path / "trackio"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    state = SimpleNamespace(is_world_process_zero=True, global_step=5)

    callbacks = tracking_callbacks(CONFIG, tmp_path / "7")
    assert [type(c) for c in callbacks] == [RunTensorBoard, RunTrackio]
    tracker = callbacks[1]
    tracker.on_train_begin(None, state, None)
    tracker.on_log(None, state, None, logs={"loss": 0.5, "learning_rate": 1e-4})
    tracker.on_train_end(None, state, None)

    with sqlite3.connect(tmp_path / "trackio" / f"{TRACKIO_PROJECT}.db") as db:
        rows = db.execute("SELECT run_name, step, metrics FROM metrics").fetchall()
    assert [(name, step, json.loads(values)) for name, step, values in rows] == [
        ("job-7", 5, {"train/loss": 0.5, "train/learning_rate": 1e-4})
    ]
