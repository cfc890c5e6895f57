"""engine.jobs.launcher: configs are checked before any process starts; the child runs under `accelerate launch`."""

import shutil
import sys

import pytest

import engine.jobs.launcher
from engine.common.paths import REPO_ROOT
from engine.jobs.launcher import _child_environment, check_config, launch_command, start_job
from engine.jobs.store import JobStore
from engine.training.config import TrainConfig


def test_without_an_accelerate_config_one_local_process_is_launched(tmp_path, monkeypatch):
    monkeypatch.delenv("STUDIO_ACCELERATE_CONFIG", raising=False)
    monkeypatch.setattr(engine.jobs.launcher, "default_config_file", str(tmp_path / "absent.yaml"))

    command = launch_command(7)

    assert command[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    assert command[command.index("--num_processes") + 1] == "1"
    assert command[-3:] == ["-m", "engine.jobs.worker", "7"]


def test_an_accelerate_config_named_in_the_environment_is_followed(monkeypatch):
    monkeypatch.setenv("STUDIO_ACCELERATE_CONFIG", "/etc/multi-gpu.yaml")

    command = launch_command(7)

    assert command[command.index("--config_file") + 1] == "/etc/multi-gpu.yaml"
    assert "--num_processes" not in command


def test_the_child_inherits_the_data_dir_and_finds_the_engine(studio_data_dir):
    env = _child_environment()

    assert env["STUDIO_DATA_DIR"] == str(studio_data_dir)
    assert env["PYTHONPATH"].split(":")[0] == str(REPO_ROOT)
    assert env["PYTHONUNBUFFERED"] == "1"


def test_check_config_fills_the_model_defaults(tiny_csv_folder):
    checked = check_config(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"))

    assert (checked.epochs, checked.learning_rate) == (10.0, 5e-4)


def test_a_config_that_cannot_train_records_no_job(tiny_csv_folder):
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", label_column="sentiment")

    with pytest.raises(ValueError, match="label column 'sentiment' not found; columns are text, label"):
        start_job(config)

    assert JobStore().list() == []


def test_a_job_model_that_has_not_completed_is_rejected_before_starting(tiny_csv_folder):
    job = JobStore().create({"model": "scratch:tiny", "dataset": "x"})

    with pytest.raises(ValueError, match=f"job {job.id} is queued"):
        check_config(TrainConfig(dataset=str(tiny_csv_folder), model=f"job:{job.id}"))


def test_a_max_length_beyond_the_models_positions_is_refused_naming_the_limit(tiny_csv_folder):
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", max_length=1024)

    with pytest.raises(ValueError, match="max length 1024 is more than this model reads \\(512 tokens\\)"):
        check_config(config)


def test_a_nearly_full_disk_is_refused_before_anything_starts(tiny_csv_folder, monkeypatch):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(100, 99, 1))

    with pytest.raises(ValueError, match="GB free in .*; training needs at least 2 GB"):
        check_config(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"))
