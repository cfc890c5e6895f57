"""engine.training.checks: a config is checked against its data, its model and the disk before any process starts."""

import shutil

import pytest

from engine.jobs.store import JobStore
from engine.training.checks import check_config
from engine.training.config import TrainConfig


def test_check_config_fills_the_model_defaults_and_returns_the_prepared_data(tiny_csv_folder):
    checked = check_config(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"))

    assert (checked.config.epochs, checked.config.learning_rate) == (10.0, 5e-4)
    assert len(checked.data.splits["train"]) == 54


def test_a_job_model_that_has_not_completed_is_rejected_before_starting(tiny_csv_folder):
    job = JobStore().create({"model": "scratch:tiny", "dataset": "x"})

    with pytest.raises(ValueError, match=f"job {job.id} has no saved model: it has not completed"):
        check_config(TrainConfig(dataset=str(tiny_csv_folder), model=f"job:{job.id}"))


def test_a_max_length_beyond_the_models_positions_is_refused_naming_the_limit(tiny_csv_folder):
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", max_length=1024)

    with pytest.raises(ValueError, match="max length 1024 is more than this model reads \\(512 tokens\\)"):
        check_config(config)


def test_a_nearly_full_disk_is_refused_before_anything_starts(tiny_csv_folder, monkeypatch):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(100, 99, 1))

    with pytest.raises(ValueError, match="GB free in .*; training needs at least 2 GB"):
        check_config(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"))
