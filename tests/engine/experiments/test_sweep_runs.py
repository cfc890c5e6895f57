"""Sweeps end to end with real training children (scratch:tiny on the tiny reviews): the queue runs every trial,
the report picks the best, a pruned trial stops early, and a sweep stops as a whole."""

import pytest

from engine.common.errors import StudioError
from engine.experiments.sweep_spec import SweepSpec, Vary
from engine.experiments.sweeps import list_sweeps, start_sweep, stop_sweep, sweep_report
from engine.jobs.actions import wait_for_job
from engine.jobs.store import ACTIVE, CANCELLED, COMPLETED, PRUNED
from engine.jobs.trials import load_study
from engine.training.config import TrainConfig
from tests.conftest import review_rows
from tests.waiting import wait_until

TIMEOUT_S = 600


@pytest.fixture(scope="module")
def reviews(tmp_path_factory, write_csv):
    """240 training and 40 validation reviews: enough for a learning rate's effect to show above noise."""
    folder = tmp_path_factory.mktemp("sweep-reviews")
    write_csv(folder / "train.csv", review_rows(240))
    write_csv(folder / "validation.csv", review_rows(40))
    return folder


def _base(folder, **overrides) -> TrainConfig:
    settings = {"epochs": 2, "batch_size": 16, "max_length": 32, **overrides}
    return TrainConfig(dataset=str(folder), model="scratch:tiny", **settings)


def _wait_for_sweep(sweep_id: int, store) -> None:
    def finished():
        return all(job.status not in ACTIVE for job in store.sweep_jobs(sweep_id))

    for job in store.sweep_jobs(sweep_id):
        wait_for_job(job.id, store, poll_s=0.5)
    wait_until(finished, f"sweep {sweep_id} to finish", TIMEOUT_S)


def test_a_grid_of_four_trials_runs_through_the_queue_and_the_report_picks_the_best(store, reviews):
    vary = (Vary("learning_rate", values=(1e-6, 2e-3)), Vary("seed", values=(1, 2)))
    started = start_sweep(SweepSpec(_base(reviews), vary, name="lr grid"), store)
    assert len(started.job_ids) == 4
    jobs = store.sweep_jobs(started.sweep_id)
    assert [job.config["learning_rate"] for job in jobs] == [1e-6, 1e-6, 2e-3, 2e-3]
    assert [job.name for job in jobs][0] == "lr grid #1: learning_rate=1e-06, seed=1"

    _wait_for_sweep(started.sweep_id, store)
    report = sweep_report(started.sweep_id, store)

    assert report.status == "finished" and report.counts == {COMPLETED: 4}
    values = [row.value for row in report.trials]
    assert values == sorted(values, reverse=True) and report.metric == "f1" and report.direction == "maximize"
    assert report.best.settings["learning_rate"] == 2e-3 and report.best.value == max(values)
    assert report.best.value > max(row.value for row in report.trials if row.settings["learning_rate"] == 1e-6)
    assert list(report.importance)[0] == "learning_rate"
    assert {row["value"] for row in report.breakdown["learning_rate"]} == {1e-6, 2e-3}
    # Seed varied: each learning rate's mean ± spread over its two seeds, the better one first.
    assert [(spread.settings, spread.runs) for spread in report.seeds] == [
        ({"learning_rate": 2e-3}, 2),
        ({"learning_rate": 1e-6}, 2),
    ]
    assert report.seeds[0].low <= report.seeds[0].mean <= report.seeds[0].high
    # Every trial was told to the sweep's Optuna study with its settings and value.
    study = load_study(store.sweep(started.sweep_id)["spec"], started.sweep_id)
    told = sorted((t.params["learning_rate"], t.params["seed"], t.value) for t in study.trials)
    assert told == sorted((row.settings["learning_rate"], row.settings["seed"], row.value) for row in report.trials)
    assert list_sweeps(store)[0] | {"best": None} == {
        "sweep_id": started.sweep_id,
        "name": "lr grid",
        "status": "finished",
        "strategy": "grid",
        "jobs": 4,
        "completed": 4,
        "metric": "f1",
        "best": None,
    }


def test_with_pruning_a_trial_that_cannot_learn_stops_early_and_is_recorded_as_pruned(store, reviews):
    base = _base(reviews, epochs=4, eval_strategy="steps", eval_steps=3)
    spec = SweepSpec(base, (Vary("learning_rate", values=(2e-3, 1e-7)),), prune=True)
    started = start_sweep(spec, store)
    _wait_for_sweep(started.sweep_id, store)

    good, bad = store.sweep_jobs(started.sweep_id)
    assert good.status == COMPLETED, good.error
    assert bad.status == PRUNED, bad.error
    assert bad.step < bad.total_steps / 2 and "pruned by its sweep" in bad.error
    assert not bad.model_dir.exists()
    report = sweep_report(started.sweep_id, store)
    assert report.counts == {COMPLETED: 1, PRUNED: 1} and report.best.job_id == good.id
    study = load_study(store.sweep(started.sweep_id)["spec"], started.sweep_id)
    assert [trial.state.name for trial in study.trials] == ["COMPLETE", "PRUNED"]


def test_a_tpe_sweep_prunes_a_trial_that_cannot_learn_by_default(store, reviews):
    """TPE draws its first trials (a third of them) at random from the sampler's seed, which is the base run's seed
    plus the trial's number: with seed 6, trial 1 draws a learning rate around 1.6e-3, which learns, and trial 2 one
    around 2e-7, which cannot. The pruner, on by default for tpe, stops trial 2 at an early evaluation. The sweep is
    stopped once it has: its later trials add nothing to what is tested here."""
    base = _base(reviews, epochs=4, eval_strategy="steps", eval_steps=3, seed=6)
    spec = SweepSpec(base, (Vary("learning_rate", low=1e-7, high=5e-3, log=True),), strategy="tpe", trials=6)
    assert spec.pruning
    started = start_sweep(spec, store)
    first, second = (store.get(job_id) for job_id in started.job_ids[:2])
    second = wait_for_job(second.id, store, poll_s=0.5)
    stop_sweep(started.sweep_id, store)
    _wait_for_sweep(started.sweep_id, store)

    first = store.get(first.id)
    assert first.config["learning_rate"] > 1e-3 and second.config["learning_rate"] < 1e-6
    assert first.status == COMPLETED, first.error
    assert second.status == PRUNED, second.error
    assert second.step < second.total_steps / 2 and "pruned by its sweep" in second.error
    study = load_study(store.sweep(started.sweep_id)["spec"], started.sweep_id)
    states = {trial.params["learning_rate"]: trial.state.name for trial in study.trials[:2]}
    assert states == {first.config["learning_rate"]: "COMPLETE", second.config["learning_rate"]: "PRUNED"}
    assert sweep_report(started.sweep_id, store).best.job_id == first.id


def test_a_tpe_sweep_asks_each_trials_settings_when_it_starts(store, reviews):
    spec = SweepSpec(
        _base(reviews, epochs=1),
        (Vary("learning_rate", low=1e-4, high=5e-3, log=True),),
        strategy="tpe",
        trials=2,
    )
    started = start_sweep(spec, store)
    _wait_for_sweep(started.sweep_id, store)

    jobs = store.sweep_jobs(started.sweep_id)
    assert [job.status for job in jobs] == [COMPLETED, COMPLETED], [job.error for job in jobs]
    rates = [job.config["learning_rate"] for job in jobs]
    assert all(1e-4 <= rate <= 5e-3 for rate in rates) and rates[0] != rates[1]
    study = load_study(store.sweep(started.sweep_id)["spec"], started.sweep_id)
    assert sorted(t.params["learning_rate"] for t in study.trials) == sorted(rates)
    assert all(trial.state.name == "COMPLETE" for trial in study.trials)


def test_stopping_a_sweep_cancels_its_queued_trials_and_stops_the_running_one(store, reviews):
    spec = SweepSpec(_base(reviews, epochs=40), (Vary("seed", values=(1, 2, 3)),))
    started = start_sweep(spec, store)
    wait_until(lambda: store.get(started.job_ids[0]).step > 0, "the first trial's first step", TIMEOUT_S)

    stop_sweep(started.sweep_id, store)
    _wait_for_sweep(started.sweep_id, store)

    assert [job.status for job in store.sweep_jobs(started.sweep_id)] == [CANCELLED] * 3
    assert sweep_report(started.sweep_id, store).status == "stopped"


def test_a_sweep_larger_than_the_queue_is_refused_and_records_nothing(store, reviews, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_QUEUED_JOBS", "3")
    spec = SweepSpec(_base(reviews), (Vary("seed", values=(1, 2, 3, 4)),))
    with pytest.raises(StudioError, match=r"queues 4 jobs .* at most 3 \(STUDIO_MAX_QUEUED_JOBS\)"):
        start_sweep(spec, store)
    assert store.sweep_ids() == [] and store.list() == []
