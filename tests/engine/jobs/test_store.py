"""engine.jobs.store (and engine.jobs.process.check_alive): training runs are SQLite rows whose status is checked
against their process."""

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from engine.common.paths import database_path
from engine.jobs.process import JOB_MARKER, check_alive, job_marker, pid_alive
from engine.jobs.store import (
    CANCELLED,
    COMPLETED,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    JobStore,
    config_difference,
)
from engine.training.events import EvalEvent, TrainEvent

CONFIG = {"dataset": "sample:topics", "model": "scratch:tiny", "epochs": 1.0}


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_new_job_is_queued_with_its_config_and_a_folder(store, studio_data_dir):
    job = store.create(CONFIG)

    assert (job.status, job.config, job.step, job.pid) == (QUEUED, CONFIG, 0, None)
    assert job.folder.is_dir()
    assert job.folder.is_relative_to(studio_data_dir)
    assert store.path == database_path()


def test_an_unknown_job_id_is_a_lookup_error(store):
    with pytest.raises(LookupError, match="no training job 99"):
        store.get(99)


def test_jobs_are_listed_newest_first_and_filtered_by_status(store):
    first, second, third = (store.create(CONFIG) for _ in range(3))
    store.mark_completed(second.id, {"accuracy": 0.9})

    assert [job.id for job in store.list()] == [third.id, second.id, first.id]
    assert [job.id for job in store.list(COMPLETED)] == [second.id]
    assert [job.id for job in store.list(QUEUED)] == [third.id, first.id]


def test_jobs_survive_a_new_store_on_the_same_database(store):
    job = store.create(CONFIG)
    store.mark_completed(job.id, {"accuracy": 0.75})

    reopened = JobStore(store.path).get(job.id)

    assert (reopened.status, reopened.metrics) == (COMPLETED, {"accuracy": 0.75})


def test_progress_records_step_total_and_loss(store):
    job = store.create(CONFIG)

    store.record_progress(job.id, 3, 10, 0.5)
    store.record_progress(job.id, 4, 10)  # a step without a loss keeps the last loss

    assert (store.get(job.id).step, store.get(job.id).total_steps, store.get(job.id).loss) == (4, 10, 0.5)


def test_progress_moves_updated_at_forward(store):
    job = store.create(CONFIG)
    time.sleep(0.01)

    store.record_progress(job.id, 1, 10, 0.9)

    assert store.get(job.id).updated_at > job.updated_at


def test_a_completed_job_keeps_its_metrics(store):
    job = store.create(CONFIG)

    store.mark_completed(job.id, {"accuracy": 0.8, "f1": 0.7})

    assert (store.get(job.id).status, store.get(job.id).metrics) == (COMPLETED, {"accuracy": 0.8, "f1": 0.7})


def test_a_failed_job_keeps_its_error(store):
    job = store.create(CONFIG)

    store.mark_failed(job.id, "CUDA out of memory")

    assert (store.get(job.id).status, store.get(job.id).error) == (FAILED, "CUDA out of memory")


def test_mark_started_records_the_pid_and_makes_a_queued_job_running(store):
    job = store.create(CONFIG)

    store.mark_started(job.id, 4321)

    assert (store.get(job.id).status, store.get(job.id).pid) == (RUNNING, 4321)


def test_mark_started_does_not_overwrite_a_job_that_already_finished(store):
    job = store.create(CONFIG)
    store.mark_completed(job.id, {"accuracy": 1.0})  # a fast child can finish before the launcher records its pid

    assert store.mark_started(job.id, 4321) is False

    assert (store.get(job.id).status, store.get(job.id).pid) == (COMPLETED, None)


def test_check_alive_marks_a_running_job_whose_process_is_gone_as_interrupted_with_its_log_tail(store, dead_pid):
    job = store.create(CONFIG)
    job.log_path.write_text("loading data\nKilled\n")
    store.mark_started(job.id, dead_pid)

    refreshed = check_alive(store.get(job.id), store)

    assert refreshed.status == INTERRUPTED
    assert refreshed.error_category == "crashed"
    assert f"training process {dead_pid} ended without reporting a result" in refreshed.error
    assert refreshed.error.endswith("loading data\nKilled")
    assert store.get(job.id).finished_at is not None


def test_check_alive_leaves_a_running_job_whose_process_is_alive(store):
    job = store.create(CONFIG)
    # A job's process is known by the marker in its environment (engine.jobs.process), not by its pid alone.
    process = subprocess.Popen(["sleep", "30"], env={**os.environ, JOB_MARKER: job_marker(job.id)})
    try:
        store.mark_started(job.id, process.pid)

        assert check_alive(store.get(job.id), store).status == RUNNING
    finally:
        process.kill()
        process.wait()


def test_check_alive_leaves_a_finished_job_alone_even_when_its_process_is_gone(store, dead_pid):
    job = store.create(CONFIG)
    store.mark_started(job.id, dead_pid)
    store.mark_completed(job.id, {"accuracy": 1.0})

    assert check_alive(store.get(job.id), store).status == COMPLETED


def test_check_alive_trusts_the_database_over_a_stale_copy(store, dead_pid):
    job = store.create(CONFIG)
    store.mark_started(job.id, dead_pid)
    stale = store.get(job.id)
    store.mark_completed(job.id, {"accuracy": 1.0})  # the child finished after the copy was read

    assert check_alive(stale, store).status == COMPLETED


def test_a_finished_child_not_yet_reaped_counts_as_dead():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 10
        while pid_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

        assert not pid_alive(process.pid)  # a zombie until waited for
    finally:
        process.wait()


@pytest.mark.parametrize("pid", [None, 0])
def test_no_pid_is_not_alive(pid):
    assert not pid_alive(pid)


def test_log_tail_returns_the_last_lines_or_nothing(store):
    job = store.create(CONFIG)
    assert job.log_tail() == ""

    job.log_path.write_text("".join(f"line {i}\n" for i in range(30)))

    assert job.log_tail(2) == "line 28\nline 29"


def test_to_dict_names_the_model_folder(store):
    job = store.create(CONFIG)

    described = job.to_dict()

    assert described["output_dir"] == str(job.folder / "model")
    assert (described["id"], described["status"], described["config"]) == (job.id, QUEUED, CONFIG)


def test_metric_events_come_back_in_order_with_their_values(store):
    job = store.create(CONFIG)
    store.add_event(job.id, TrainEvent(10, 0.5, loss=0.7, learning_rate=1e-4, grad_norm=2.0))
    store.add_event(job.id, EvalEvent(20, 1.0, {"loss": 0.6, "accuracy": 0.8}))

    events = store.events(job.id)

    assert [(e["kind"], e["step"], e["epoch"]) for e in events] == [("train", 10, 0.5), ("eval", 20, 1.0)]
    assert events[0]["grad_norm"] == 2.0 and events[1]["accuracy"] == 0.8
    assert store.events(job.id, after_id=events[0]["id"]) == events[1:]


def test_claim_next_starts_the_oldest_queued_job_and_respects_the_device_limit(store):
    first, second = store.create(CONFIG), store.create(CONFIG)

    claimed = store.claim_next("cpu", limit=1)

    assert claimed.id == first.id and claimed.status == RUNNING and claimed.started_at is not None
    assert store.claim_next("cpu", limit=1) is None  # the device is busy
    assert store.queue_position(store.get(second.id)) == 1
    store.mark_completed(first.id, {})
    assert store.claim_next("cpu", limit=1).id == second.id


def test_jobs_on_another_device_do_not_wait_for_this_one(store):
    store.create(CONFIG, device="cpu")
    gpu_job = store.create(CONFIG, device="cuda")
    store.claim_next("cpu", limit=1)

    assert store.claim_next("cuda", limit=1).id == gpu_job.id


def test_queue_positions_count_the_jobs_ahead_on_the_same_device(store):
    jobs = [store.create(CONFIG) for _ in range(3)]

    assert [store.queue_position(job) for job in jobs] == [1, 2, 3]
    assert store.queue_position(store.get(jobs[0].id)) == 1
    store.mark_cancelled(jobs[0].id)
    assert store.queue_position(store.get(jobs[0].id)) is None
    assert store.queue_position(jobs[2]) == 2


def test_a_stop_request_is_visible_to_the_child(store):
    job = store.create(CONFIG)
    assert not store.stop_requested(job.id)

    store.request_stop(job.id)

    assert store.stop_requested(job.id) and store.get(job.id).stop_requested


def test_finished_states_record_why(store):
    cancelled, interrupted, failed = store.create(CONFIG), store.create(CONFIG), store.create(CONFIG)

    store.mark_cancelled(cancelled.id)
    store.mark_interrupted(interrupted.id, "killed by signal 9", "killed")
    store.mark_failed(failed.id, "CUDA out of memory", "out_of_memory")

    assert (store.get(cancelled.id).status, store.get(cancelled.id).error_category) == (CANCELLED, "stopped")
    assert (store.get(interrupted.id).status, store.get(interrupted.id).error) == (INTERRUPTED, "killed by signal 9")
    assert (store.get(failed.id).status, store.get(failed.id).error_category) == (FAILED, "out_of_memory")


def test_requeue_keeps_the_id_and_events_and_clears_the_error(store):
    job = store.create(CONFIG)
    store.add_event(job.id, TrainEvent(5, 0.1, loss=1.0))
    store.request_stop(job.id)
    store.mark_cancelled(job.id)

    again = store.requeue(job.id, {**CONFIG, "resume_from_checkpoint": "x"})

    assert (again.id, again.status, again.error, again.stop_requested) == (job.id, QUEUED, None, False)
    assert again.config["resume_from_checkpoint"] == "x"
    assert len(store.events(job.id)) == 1


def test_delete_removes_the_row_events_and_folder_but_refuses_an_active_job(store):
    job = store.create(CONFIG)
    store.add_event(job.id, TrainEvent(1, 0.1, loss=1.0))
    with pytest.raises(ValueError, match=f"job {job.id} is queued; stop it before deleting it"):
        store.delete(job.id)
    store.mark_completed(job.id, {})

    store.delete(job.id)

    assert not job.folder.exists()
    assert store.events(job.id) == []
    with pytest.raises(LookupError):
        store.get(job.id)


def test_a_database_from_the_first_version_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL, "
            "updated_at REAL NOT NULL, status TEXT NOT NULL, config TEXT NOT NULL, pid INTEGER, "
            "step INTEGER NOT NULL DEFAULT 0, total_steps INTEGER NOT NULL DEFAULT 0, loss REAL, metrics TEXT, "
            "error TEXT)"
        )
        db.execute("INSERT INTO jobs (created_at, updated_at, status, config) VALUES (1, 1, 'completed', '{}')")
    db.close()

    old = JobStore(path).get(1)

    assert (old.status, old.device, old.error_category, old.stop_requested) == (COMPLETED, "cpu", None, False)


def test_the_last_checkpoint_is_the_highest_step(store):
    job = store.create(CONFIG)
    for step in (5, 40, 12):
        (job.checkpoints_dir / f"checkpoint-{step}").mkdir(parents=True)

    assert job.last_checkpoint().name == "checkpoint-40"


def test_config_difference_lists_only_the_settings_that_differ():
    first = {"model": "scratch:tiny", "epochs": 3.0, "seed": 42}
    second = {"model": "scratch:tiny", "epochs": 5.0, "name": "longer"}

    assert config_difference(first, second) == [("epochs", 3.0, 5.0), ("name", None, "longer"), ("seed", 42, None)]


def test_the_schema_is_migrated_once_per_process_and_database_file(tmp_path, monkeypatch):
    path = tmp_path / "once.sqlite3"
    migrations = []
    real_migrate = JobStore._migrate
    monkeypatch.setattr(JobStore, "_migrate", lambda self: migrations.append(self.path) or real_migrate(self))

    JobStore(path)
    JobStore(path).create(CONFIG)

    assert migrations == [path]


def test_a_deleted_database_file_gets_its_schema_again_and_never_reuses_a_job_folder(tmp_path):
    path = tmp_path / "again.sqlite3"
    old = JobStore(path).create(CONFIG)
    (old.folder / "train.log").write_text("the old run")
    for leftover in tmp_path.glob("again.sqlite3*"):  # the database and its WAL files
        leftover.unlink()

    store = JobStore(path)
    new = store.create(CONFIG)

    assert store.list() == [new] and new.id == old.id + 1
    assert (old.folder / "train.log").read_text() == "the old run"


def test_while_a_connection_is_held_open_writes_leave_the_log_for_later_instead_of_syncing_it_each_time(store):
    job = store.create({"dataset": "d", "model": "m"})
    wal = store.path.with_name(store.path.name + "-wal")

    store.record_progress(job.id, 1, 10, 0.5, 0.1)
    assert not wal.exists()  # the last connection to close checkpointed the log into the file and removed it

    with store.held_open():
        store.record_progress(job.id, 2, 10, 0.4, 0.2)
        assert wal.exists() and wal.stat().st_size > 0  # not checkpointed at each write
        assert store.get(job.id).step == 2
    assert store.get(job.id).step == 2 and not wal.exists()
