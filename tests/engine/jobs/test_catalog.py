"""engine.jobs.catalog: what a finished job trained on, how fast its current run goes, and how to train it again."""

import dataclasses
import json

import pytest

from engine.common.paths import jobs_dir
from engine.jobs.catalog import TRAINING_CONFIG_FILE, job_reproduction, resumed_from_step, run_speed, trained_on
from engine.jobs.store import JobStore
from engine.training.failures import ErrorCategory

CONFIG = {"dataset": "sample:paraphrase", "model": "scratch:tiny", "label_column": "label", "batch_size": 8}


def test_a_job_model_trained_on_its_jobs_dataset_and_columns(store: JobStore):
    job = store.create(CONFIG | {"dataset_config": None, "text_column": "sentence1"})

    found = trained_on(f"job:{job.id}", store)

    assert (found.dataset, found.config) == ("sample:paraphrase", None)
    assert found.columns == {"text": "sentence1", "text_pair": None, "label": "label"}


def test_a_job_whose_row_is_gone_is_read_from_the_settings_saved_beside_its_model(store: JobStore):
    model_dir = jobs_dir() / "42" / "model"  # a model that outlived its database row (a database made again)
    model_dir.mkdir(parents=True)
    (model_dir / TRAINING_CONFIG_FILE).write_text(json.dumps(CONFIG | {"dataset": "reviews.csv"}))
    (model_dir / "config.json").write_text("{}")

    assert trained_on("job:42", store).dataset == "reviews.csv"


@pytest.mark.parametrize("model", ["scratch:tiny", "job:999", "job:x", "distilbert-base-uncased", ""])
def test_models_the_studio_did_not_train_or_cannot_read_have_no_dataset_of_their_own(store: JobStore, model):
    assert trained_on(model, store) is None


def _running(store: JobStore, config: dict, step: int, total: int, seconds: float):
    job = store.create(config)
    store.claim_next("cpu", 1)
    store.record_progress(job.id, step, total)
    job = store.get(job.id)
    return dataclasses.replace(job, started_at=job.started_at - seconds)


def test_the_time_left_of_a_first_run_counts_every_step_since_it_started(store: JobStore):
    job = _running(store, CONFIG, step=50, total=100, seconds=100)

    speed = run_speed(job)

    assert speed.steps == 50
    assert speed.remaining_seconds == pytest.approx(100, rel=0.01)  # 2 s a step, 50 steps to go
    assert speed.samples_per_second == pytest.approx(50 * 8 / 100, rel=0.01)


def test_after_a_resume_the_time_left_counts_only_the_steps_since_the_resume(store: JobStore, tmp_path):
    # Resumed from step 80; 10 steps in 20 s since: 2 s a step, 10 steps to go, so 20 s (not 90/20 * 10 = 2 s).
    resumed = CONFIG | {"resume_from_checkpoint": str(tmp_path / "checkpoints" / "checkpoint-80")}
    job = _running(store, resumed, step=90, total=100, seconds=20)

    speed = run_speed(job)

    assert resumed_from_step(job) == 80
    assert speed.steps == 10
    assert speed.remaining_seconds == pytest.approx(20, rel=0.01)
    assert speed.samples_per_second == pytest.approx(10 * 8 / 20, rel=0.01)


def test_no_speed_before_a_step_since_the_resume(store: JobStore, tmp_path):
    resumed = CONFIG | {"resume_from_checkpoint": str(tmp_path / "checkpoint-80")}

    assert run_speed(_running(store, resumed, step=80, total=100, seconds=5)) is None


def test_the_reproduction_names_the_run_and_a_damaged_job_has_none(store: JobStore):
    job = store.create(CONFIG)

    reproduced = job_reproduction(job)

    assert reproduced.command.startswith("python -m engine train --dataset sample:paraphrase --model scratch:tiny")
    assert f"--output-dir run-{job.id}" in reproduced.command
    assert reproduced.command in reproduced.text() and reproduced.accelerate in reproduced.text()
    assert job_reproduction(dataclasses.replace(job, error_category=ErrorCategory.CORRUPT)) is None
    assert job_reproduction(dataclasses.replace(job, config=CONFIG | {"batch_size": 0})) is None
