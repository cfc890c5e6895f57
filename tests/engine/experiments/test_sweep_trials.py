"""A sweep job's binding to its Optuna trial, without training: the other processes of a job wait for it."""

import threading
import time

import pytest

from engine.common.errors import StudioError
from engine.jobs import trials


def test_a_jobs_other_processes_wait_until_the_main_one_has_bound_its_trial(store):
    job = store.create({"dataset": "d", "model": "m", "learning_rate": 1e-4}, sweep=(1, 0))
    threading.Timer(0.6, store.bind_trial, (job.id, 7, {**job.config, "learning_rate": 3e-4})).start()

    started = time.monotonic()
    bound = trials.wait_for_binding(job, store, timeout_s=30)

    assert time.monotonic() - started >= 0.5
    assert bound.optuna_trial == 7 and bound.config["learning_rate"] == 3e-4


def test_waiting_for_a_binding_that_never_comes_fails_naming_the_job(store):
    job = store.create({"dataset": "d", "model": "m"}, sweep=(1, 0))
    with pytest.raises(StudioError, match=f"job {job.id}: its sweep trial was not bound within 1 s"):
        trials.wait_for_binding(job, store, timeout_s=1)


def test_a_job_outside_any_sweep_has_no_trial(store):
    job = store.create({"dataset": "d", "model": "m"})
    assert trials.wait_for_binding(job, store) == job
    assert trials.begin(job, store) == (job, None)


def test_only_whoever_started_a_sweep_or_an_operator_may_stop_it(store):
    from engine.common.access import Requester
    from engine.common.errors import NotAllowedError
    from engine.experiments.sweeps import stop_sweep

    sweep_id = store.create_sweep({"strategy": "grid"}, "mine", owner="user:alice")
    with pytest.raises(NotAllowedError, match=f"sweep {sweep_id} was started by someone else"):
        stop_sweep(sweep_id, store, requester=Requester(username="bob"))
    assert stop_sweep(sweep_id, store) == []  # the operator (the CLI) may
    assert store.sweep(sweep_id)["stop_requested"] is True
