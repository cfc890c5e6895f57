"""engine.jobs.queue and engine.jobs.actions: admission refuses what cannot train and what does not fit."""

import pytest

from engine.jobs.actions import start_job
from engine.jobs.queue import jobs_per_device
from engine.jobs.store import JobStore
from engine.training.config import TrainConfig


def test_a_config_that_cannot_train_records_no_job(tiny_csv_folder):
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", label_column="sentiment")

    with pytest.raises(ValueError, match="label column 'sentiment' not found; columns are text, label"):
        start_job(config)

    assert JobStore().list() == []


def test_jobs_per_device_must_be_a_whole_number_of_at_least_one(monkeypatch):
    monkeypatch.setenv("STUDIO_JOBS_PER_DEVICE", "0")

    with pytest.raises(ValueError, match="STUDIO_JOBS_PER_DEVICE must be a whole number of at least 1, not '0'"):
        jobs_per_device()
