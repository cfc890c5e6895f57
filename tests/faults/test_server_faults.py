"""Faults around a real server: `python app.py` in its own process, jobs started through `gradio_client`.

- kill -9 of a training child: the job is `failed` with the reason within 5 s, and the server goes on serving;
- the server stopped and started again during a job: the job runs on, completes, and no event is lost.
"""

import os
import signal
import time
from pathlib import Path

import pytest

from engine.jobs.store import ACTIVE, COMPLETED, FAILED, RUNNING, JobStore
from tests.app.launch import StudioClient, app_py_environment, serve_app_py, stop_jobs, wait_for_status
from tests.waiting import wait_until

TIMEOUT_S = 240.0
KILLED_WITHIN_S = 5.0


def _train_args(epochs: int) -> tuple:
    # The 11 inputs of /start_training: dataset, config, text, pair, label, model, epochs, batch, lr, max_length, seed.
    return ("sample:sentiment", "", "", "", "", "scratch:tiny", epochs, 16, None, 32, 0)


def _finished(status: dict) -> bool:
    return status["status"] not in ACTIVE


@pytest.fixture
def data_dir(tmp_path: Path):
    folder = tmp_path / "studio-data"
    folder.mkdir()
    yield folder
    stop_jobs(folder / "studio.sqlite3")  # never leave a training child behind a failed test


def test_kill_9_of_the_training_child_fails_the_job_within_5_s_and_the_server_keeps_serving(data_dir, tmp_path):
    with serve_app_py(app_py_environment(data_dir), tmp_path / "server.log") as served:
        client = StudioClient(served.url)
        _, started = client.predict(*_train_args(30), api_name="/start_training")
        store = JobStore(data_dir / "studio.sqlite3")
        job = wait_until(lambda: (j := store.get(started["id"])).step > 0 and j, "the first optimizer step", TIMEOUT_S)

        os.killpg(job.pid, signal.SIGKILL)  # the child and its accelerate launcher: the whole process group
        killed_at = time.monotonic()
        status = wait_for_status(client, job.id, _finished, "the job to be marked", KILLED_WITHIN_S, interval_s=0.2)

        assert time.monotonic() - killed_at <= KILLED_WITHIN_S
        assert status["status"] == FAILED and status["error_category"] == "killed"
        assert "killed by SIGKILL" in status["error"]
        # Still serving: a new visitor's page, and a new job that runs to the end.
        other = StudioClient(served.url)
        _, again = other.predict(*_train_args(1), api_name="/start_training")
        finished = wait_for_status(other, again["id"], _finished, "the next job to finish", TIMEOUT_S)
        assert finished["status"] == COMPLETED, finished["error"]


def test_a_job_runs_on_through_a_server_restart_and_completes_with_every_event(data_dir, tmp_path):
    store = JobStore(data_dir / "studio.sqlite3")
    with serve_app_py(app_py_environment(data_dir), tmp_path / "first.log") as served:
        _, started = StudioClient(served.url).predict(*_train_args(20), api_name="/start_training")
        job_id = started["id"]
        wait_until(lambda: store.get(job_id).step > 0, "the first optimizer step", TIMEOUT_S)
    # The first server is gone (SIGTERM, waited for); the job is not.
    during = store.get(job_id)
    assert during.status == RUNNING and during.step < during.total_steps, "finished before the restart: too short"
    events_before = store.events(job_id)

    with serve_app_py(app_py_environment(data_dir), tmp_path / "second.log") as served:
        client = StudioClient(served.url)
        # Re-attached: running still (or just completed), never "interrupted" for want of the old server.
        assert client.predict(job_id, api_name="/job_status")["status"] in (RUNNING, COMPLETED)
        status = wait_for_status(client, job_id, _finished, "the job to complete after the restart", TIMEOUT_S)

    assert status["status"] == COMPLETED, status["error"]
    finished = store.get(job_id)
    assert finished.step == finished.total_steps and (finished.model_dir / "config.json").is_file()
    events_after = store.events(job_id)
    assert events_after[: len(events_before)] == events_before  # nothing written before the restart was lost
    assert max(event["step"] for event in events_after) > max((e["step"] for e in events_before), default=0)
    assert {"train", "eval"} <= {event["kind"] for event in events_after}
