"""Any run repeated with N seeds: the sweep it starts (the run's settings, its seed first), and the requests it
refuses before recording anything. The queue is held still here: what is recorded is the subject, not training
(tests/cli/test_repeat_cli.py and the app tests train the repeats)."""

import pytest

from engine.common.access import Requester
from engine.common.errors import NotAllowedError, NotFoundError, StudioError
from engine.experiments.compare import setting_of
from engine.experiments.repeats import repeat_with_seeds
from engine.experiments.sweep_spec import SweepSpec, Vary
from engine.experiments.sweeps import start_sweep, sweep_report
from engine.jobs import queue
from engine.jobs.store import QUEUED
from engine.training.checks import check_config
from engine.training.config import TrainConfig
from tests.conftest import review_rows


@pytest.fixture
def held_queue(monkeypatch):
    """No job starts: the sweep's rows stay as `start_sweep` recorded them."""
    monkeypatch.setattr(queue, "advance_queue", lambda store=None: [])


@pytest.fixture
def finished_run(store, tmp_path, write_csv, held_queue):
    """A completed run's row, as a finished job leaves it: its checked settings, a name, a seed and metrics."""
    write_csv(tmp_path / "reviews" / "train.csv", review_rows(64))
    write_csv(tmp_path / "reviews" / "validation.csv", review_rows(16))
    config = TrainConfig(
        dataset=str(tmp_path / "reviews"), model="scratch:tiny", epochs=1, max_length=32, seed=7, learning_rate=2e-3
    )
    config = check_config(config).config
    job = store.create(config.to_dict(), "my run", owner="user:alice")
    store.mark_completed(job.id, {"f1": 0.9, "accuracy": 0.9})
    return store.get(job.id)


def test_repeating_a_run_queues_n_jobs_with_its_settings_and_seeds_from_its_own(store, finished_run):
    started = repeat_with_seeds(finished_run.id, 3, store, Requester(username="alice"))

    assert started.name == "my run × 3 seeds" and len(started.job_ids) == 3
    jobs = store.sweep_jobs(started.sweep_id)
    assert [job.id for job in jobs] == started.job_ids and all(job.status == QUEUED for job in jobs)
    assert [job.config["seed"] for job in jobs] == [7, 8, 9]
    assert [job.name for job in jobs] == [f"my run × 3 seeds #{n}: seed={7 + n - 1}" for n in (1, 2, 3)]
    # Nothing but the seed (and the name) differs from the run: the comparison sees them as its repeats.
    assert {setting_of(job.config) for job in jobs} == {setting_of(finished_run.config)}
    assert all(job.owner == "user:alice" for job in jobs) and store.get(finished_run.id).sweep_id is None
    report = sweep_report(started.sweep_id, store)
    assert report.description == "grid over the run as it is, 3 seeds each: 3 runs"
    assert report.metric == "f1" and [row.settings for row in report.trials] == [{"seed": s} for s in (7, 8, 9)]
    assert report.breakdown == {} and report.importance == {}  # no setting to rank: the seed spread is the answer


def test_a_sweeps_trial_is_repeated_with_the_settings_it_trained_with(store, finished_run):
    varied = SweepSpec(TrainConfig.from_dict(finished_run.config), (Vary("learning_rate", values=(1e-3, 5e-3)),))
    trial = store.sweep_jobs(start_sweep(varied, store).sweep_id)[1]

    started = repeat_with_seeds(trial.id, 2, store)

    assert [job.config["learning_rate"] for job in store.sweep_jobs(started.sweep_id)] == [5e-3, 5e-3]
    assert store.get(trial.id).sweep_id == trial.sweep_id  # the trial stays in its own sweep


@pytest.mark.parametrize("seeds", [1, 0, 11, 2.5, True, "3"])
def test_a_number_of_seeds_outside_2_to_10_is_refused_and_records_nothing(store, finished_run, seeds):
    with pytest.raises(StudioError, match=r"seeds must be a whole number in \[2, 10\]"):
        repeat_with_seeds(finished_run.id, seeds, store)
    assert store.sweep_ids() == [] and [job.id for job in store.list()] == [finished_run.id]


def test_an_unknown_job_is_refused_naming_it(store, held_queue):
    with pytest.raises(NotFoundError, match="no training job 99"):
        repeat_with_seeds(99, 3, store)
    assert store.sweep_ids() == []


def test_a_job_whose_settings_cannot_be_read_is_refused_naming_it(store, held_queue):
    job = store.create({"model": "scratch:tiny", "batch_size": 16})  # no dataset: a row no run could start from
    store.mark_failed(job.id, "unreadable")
    with pytest.raises(StudioError, match=f"job {job.id}'s settings cannot be read as a run's"):
        repeat_with_seeds(job.id, 2, store)
    assert store.sweep_ids() == []


def test_a_tpe_trial_that_has_not_started_has_no_settings_to_repeat(store, finished_run):
    base = TrainConfig.from_dict(finished_run.config)
    spec = SweepSpec(base, (Vary("learning_rate", low=1e-4, high=1e-2, log=True),), strategy="tpe", trials=2)
    trial = store.sweep_jobs(start_sweep(spec, store).sweep_id)[0]

    with pytest.raises(StudioError, match=f"job {trial.id} is a TPE trial that has not started"):
        repeat_with_seeds(trial.id, 2, store)


def test_where_training_is_off_nobody_repeats_a_run(store, finished_run, monkeypatch):
    monkeypatch.setenv("STUDIO_TRAINING", "nobody")
    with pytest.raises(NotAllowedError, match="training is turned off on this server"):
        repeat_with_seeds(finished_run.id, 2, store, Requester(username="alice"))
    assert store.sweep_ids() == []


def test_repeats_beyond_the_queues_room_are_refused_and_record_nothing(store, finished_run, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_QUEUED_JOBS", "2")
    with pytest.raises(StudioError, match=r"queues 3 jobs .* at most 2 \(STUDIO_MAX_QUEUED_JOBS\)"):
        repeat_with_seeds(finished_run.id, 3, store)
    assert store.sweep_ids() == []
