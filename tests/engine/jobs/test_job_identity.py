"""engine.jobs.process: a job's processes are known by the marker in their environment, never by a pid alone.

These tests use `sleep` and tiny Python processes in place of training children: each runs in well under a second.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from engine.common.errors import StudioError
from engine.jobs.actions import stop_job
from engine.jobs.process import (
    JOB_MARKER,
    check_alive,
    end_job_processes,
    job_marker,
    job_processes,
    pid_alive,
    terminate,
)
from engine.jobs.store import INTERRUPTED, RUNNING
from tests.waiting import wait_until

CONFIG = {"dataset": "sample:topics", "model": "scratch:tiny"}


@pytest.fixture
def spawned():
    """Start processes (each in a session of its own, as a training launcher is); kill whatever is left after."""
    processes: list[subprocess.Popen] = []

    def start(command: list[str], env: dict | None = None) -> subprocess.Popen:
        process = subprocess.Popen(command, env=env, start_new_session=True)
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()


def marked(job_id: int) -> dict:
    return {**os.environ, JOB_MARKER: job_marker(job_id)}


def test_a_recorded_pid_now_held_by_an_unrelated_process_does_not_keep_the_job_running(store, spawned):
    # After a restart pids start over: the pid recorded for the job now belongs to someone else's process.
    unrelated = spawned(["sleep", "30"])
    job = store.create(CONFIG)
    store.mark_started(job.id, unrelated.pid)

    checked = check_alive(store.get(job.id), store)

    assert checked.status == INTERRUPTED
    assert f"training process {unrelated.pid} ended without reporting a result" in checked.error
    assert unrelated.poll() is None  # and nothing was done to it


def test_stopping_a_job_never_signals_an_unrelated_process_that_reuses_its_pid(store, spawned):
    unrelated = spawned(["sleep", "30"])
    job = store.create(CONFIG)
    store.mark_started(job.id, unrelated.pid)

    running = store.get(job.id)
    with pytest.raises(StudioError, match=f"job {job.id} is interrupted; only a queued or running job can be stopped"):
        stop_job(job.id, store, grace_s=0, wait=True)
    terminate(running, store, grace_s=0)  # what Stop runs once the grace is over, even from a stale read

    time.sleep(0.2)
    assert unrelated.poll() is None


def test_a_job_claimed_by_a_server_that_died_before_starting_it_is_interrupted(store, monkeypatch):
    job = store.create(CONFIG)
    claimed = store.claim_next(job.device, 1)
    assert (claimed.status, claimed.pid) == (RUNNING, None)
    monkeypatch.setattr(time, "time", lambda: claimed.started_at + 3600)  # an hour later, still no process

    checked = check_alive(store.get(job.id), store)

    assert checked.status == INTERRUPTED
    assert "the server stopped before it could start the training process" in checked.error


def test_a_just_claimed_job_is_left_running_while_its_process_starts(store):
    job = store.create(CONFIG)
    store.claim_next(job.device, 1)

    assert check_alive(store.get(job.id), store).status == RUNNING


def test_ending_a_job_ends_every_process_that_carries_its_marker_even_in_another_session(store, spawned):
    job, other = store.create(CONFIG), store.create(CONFIG)
    launcher = spawned(["sleep", "30"], marked(job.id))
    worker = spawned(["sleep", "30"], marked(job.id))  # its own session: torch's elastic workers do that
    bystander = spawned(["sleep", "30"], marked(other.id))
    assert sorted(job_processes(job.id)) == sorted([launcher.pid, worker.pid])

    end_job_processes(job.id)

    assert launcher.wait(5) == -signal.SIGTERM and worker.wait(5) == -signal.SIGTERM
    assert job_processes(job.id) == [] and bystander.poll() is None


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace(store, spawned):
    job = store.create(CONFIG)
    stubborn = spawned(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(30)"],
        marked(job.id),
    )
    time.sleep(0.5)  # let it install its handler

    end_job_processes(job.id, grace_s=0.5)

    assert stubborn.wait(5) == -signal.SIGKILL


# A parent that starts a worker which calls die_with_parent, prints the worker's pid, then waits.
PARENT = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "from engine.jobs.process import die_with_parent; "
                          "die_with_parent(); print('ready', flush=True); import time; time.sleep(30)"],
                         stdout=subprocess.PIPE, text=True)
assert child.stdout.readline().strip() == "ready"
print(child.pid, flush=True)
child.wait()
"""


def test_a_worker_dies_with_its_killed_launcher(spawned):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        worker = int(parent.stdout.readline())
        parent.kill()  # kill -9 of the launcher: it has no chance to pass anything on
        parent.wait()

        wait_until(lambda: not pid_alive(worker), "the worker to die with its launcher", 10)
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.wait()
        parent.stdout.close()
