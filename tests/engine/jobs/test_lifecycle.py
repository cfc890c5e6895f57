"""Jobs end to end with real training children (`accelerate launch`, scratch:tiny): queue, stop, resume, kill.

Each test starts one or two real processes, so they are kept few and short: tiny data, a tiny model.
"""

import os
import signal
from pathlib import Path

import pytest

from engine.jobs.actions import resume_job, start_job, stop_job, wait_for_job
from engine.jobs.process import check_alive, job_processes, pid_alive
from engine.jobs.store import CANCELLED, COMPLETED, FAILED, QUEUED, RUNNING, JobStore
from engine.training.config import TrainConfig
from tests import waiting

TIMEOUT_S = 240


def config_for(folder, epochs: float, **overrides) -> TrainConfig:
    return TrainConfig(dataset=str(folder), model="scratch:tiny", epochs=epochs, batch_size=4, **overrides)


def wait_until(condition, what: str, timeout: float = TIMEOUT_S):
    return waiting.wait_until(condition, what, timeout)


def test_two_jobs_on_one_device_run_one_after_the_other_with_metric_events(store, tiny_csv_folder):
    first = start_job(config_for(tiny_csv_folder, 1), store)
    second = start_job(config_for(tiny_csv_folder, 1), store)

    assert first.status == RUNNING
    assert second.status == QUEUED and store.queue_position(second) == 1
    first, second = wait_for_job(first.id, store), wait_for_job(second.id, store)

    assert (first.status, second.status) == (COMPLETED, COMPLETED), (first.error, second.error)
    assert second.started_at >= first.finished_at - 1.0  # the second waited for the first
    kinds = {event["kind"] for event in store.events(second.id)}
    assert {"train", "eval"} <= kinds
    assert (second.model_dir / "README.md").is_file()
    assert second.command and "engine.jobs.worker" in second.command


def test_stop_cancels_after_a_step_with_a_checkpoint_and_resume_finishes_the_run(store, tiny_csv_folder):
    job = start_job(config_for(tiny_csv_folder, 40), store)
    wait_until(lambda: store.get(job.id).step > 0, "the first optimizer step")

    stopped = stop_job(job.id, store, wait=True, grace_s=120)

    assert stopped.status == CANCELLED, stopped.error
    assert stopped.error_category == "stopped"
    checkpoint = stopped.last_checkpoint()
    assert checkpoint is not None
    assert stopped.step < stopped.total_steps

    resumed = resume_job(job.id, store)
    assert resumed.status in (QUEUED, RUNNING)
    finished = wait_for_job(job.id, store)
    assert finished.status == COMPLETED, finished.error
    assert finished.step == finished.total_steps
    resumed_from = int(checkpoint.name.split("-")[-1])
    assert max(event["step"] for event in store.events(job.id)) > resumed_from


@pytest.mark.parametrize("target", ["process group", "worker alone"])
def test_killing_the_training_process_fails_the_job_with_the_signal_within_five_seconds(
    store, tiny_csv_folder, target
):
    job = start_job(config_for(tiny_csv_folder, 40), store)
    job = wait_until(lambda: (j := store.get(job.id)).step > 0 and j, "the first optimizer step")

    if target == "process group":
        os.killpg(job.pid, signal.SIGKILL)  # `accelerate launch` and the worker under it
    else:  # the worker only, as the out-of-memory killer picks the biggest process: its launcher exits with code 1
        (worker,) = Path(f"/proc/{job.pid}/task/{job.pid}/children").read_text().split()
        os.kill(int(worker), signal.SIGKILL)

    # Read as the app reads a status (check_alive: is the pid still alive?) while the watcher thread records the exit:
    # the exit status it has (SIGKILL) wins over a vague "ended without reporting".
    ended = wait_until(
        lambda: (j := check_alive(store.get(job.id), store)).status != RUNNING and j, "the job to be marked", timeout=5
    )
    assert ended.status == FAILED
    assert ended.error_category == "killed"
    assert "killed by SIGKILL" in ended.error and "out-of-memory" in ended.error


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_launcher_alone_ends_its_worker_before_the_next_job_starts(store, tiny_csv_folder, sig):
    job = start_job(config_for(tiny_csv_folder, 40), store)
    waiting_job = start_job(config_for(tiny_csv_folder, 1), store)
    job = wait_until(lambda: (j := store.get(job.id)).step > 0 and j, "the first optimizer step")
    (worker,) = Path(f"/proc/{job.pid}/task/{job.pid}/children").read_text().split()

    os.kill(job.pid, sig)  # `kill <the pid the job shows>`: the launcher only, not its process group

    started = wait_until(lambda: (j := store.get(waiting_job.id)).pid and j, "the queued job to start", timeout=30)
    assert not pid_alive(int(worker)), "the killed job's worker still trains beside the next job"
    assert job_processes(job.id) == []
    ended = store.get(job.id)
    assert (ended.status, ended.error_category) == (FAILED, "killed")
    assert f"killed by {sig.name}" in ended.error
    stop_job(started.id, store, grace_s=0, wait=True)


def test_a_new_store_reattaches_to_a_running_job_and_sees_it_finish(store, tiny_csv_folder):
    job = start_job(config_for(tiny_csv_folder, 3), store)

    other_server = JobStore()  # a restarted server: nothing in memory, the same database
    seen = wait_until(lambda: (j := other_server.get(job.id)).step > 0 and j, "progress seen by the new store")
    assert seen.status == RUNNING
    assert wait_for_job(job.id, other_server).status == COMPLETED


def test_a_queued_job_can_be_cancelled_before_it_starts(store, tiny_csv_folder):
    running = start_job(config_for(tiny_csv_folder, 1), store)
    queued = start_job(config_for(tiny_csv_folder, 1), store)

    cancelled = stop_job(queued.id, store)

    assert cancelled.status == CANCELLED and cancelled.error == "cancelled before it started"
    assert wait_for_job(running.id, store).status == COMPLETED
    assert store.get(queued.id).status == CANCELLED  # the finished job did not start it
