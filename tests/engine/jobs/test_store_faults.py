"""engine.jobs.store under faults: a database truncated, deleted, locked or damaged under a running server, and
late writers racing a finished row."""

import sqlite3
import threading
import time

import pytest

import engine.jobs.store
from engine.jobs.store import (
    CANCELLED,
    COMPLETED,
    FAILED,
    RUNNING,
    DatabaseBusyError,
    DatabaseUnavailableError,
    JobStore,
)
from engine.training.events import TrainEvent

CONFIG = {"dataset": "sample:topics", "model": "scratch:tiny", "epochs": 1.0}


@pytest.fixture
def short_waits(monkeypatch):
    """Interactive calls give up on a held lock after 0.2 s, the child's progress after 0.1 s: fast tests."""
    monkeypatch.setattr(engine.jobs.store, "BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setattr(engine.jobs.store, "PROGRESS_TIMEOUT_S", 0.1)


class WriteLock:
    """Another process's write transaction on the database, held until `release` (as `sqlite3` CLI would)."""

    def __init__(self, path):
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()


def test_a_database_truncated_under_a_running_server_keeps_its_tables_and_never_reuses_a_job_folder(store):
    old = store.create(CONFIG)
    store.mark_started(old.id, 1234)
    (old.folder / "model").mkdir()
    (old.folder / "model" / "config.json").write_text("{}")  # the old run's model
    with open(store.path, "r+b") as handle:  # `: > studio.sqlite3`
        handle.truncate(0)
    for wal in store.path.parent.glob(store.path.name + "-*"):
        wal.unlink()

    # The running child's writes still land (no "no such table: jobs"), and the next job gets a new folder.
    assert store.record_progress(old.id, 3, 10) is True
    new = store.create(CONFIG)

    assert new.id > old.id and new.folder != old.folder
    assert (old.folder / "model" / "config.json").read_text() == "{}"
    assert [job.id for job in JobStore(store.path).list()] == [new.id]


def test_a_job_folder_left_on_disk_without_a_row_is_skipped_not_reused(store, studio_data_dir):
    (studio_data_dir / "jobs" / "1").mkdir(parents=True)
    (studio_data_dir / "jobs" / "1" / "train.log").write_text("someone's run")

    job = store.create(CONFIG)

    assert job.id == 2 and (studio_data_dir / "jobs" / "1" / "train.log").read_text() == "someone's run"


def test_under_a_held_write_lock_a_page_is_told_busy_and_a_final_status_waits_for_it(store, short_waits):
    job = store.create(CONFIG)
    store.mark_started(job.id, 1234)
    lock = WriteLock(store.path)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusyError, match="the job database is busy .* try again in a moment"):
            store.create(CONFIG)
        assert time.monotonic() - started < 2.0
    finally:
        threading.Timer(0.8, lock.release).start()  # longer than an interactive call waits

    assert store.mark_completed(job.id, {"accuracy": 1.0}) is True
    assert store.get(job.id).status == COMPLETED


def test_training_progress_through_a_held_lock_is_skipped_and_its_events_are_kept_then_written(store, short_waits):
    job = store.create(CONFIG)
    store.mark_started(job.id, 1234)
    lock = WriteLock(store.path)
    try:
        assert store.record_progress(job.id, 1, 10, loss=1.0) is False  # no exception: training goes on
        assert store.add_event(job.id, TrainEvent(1, 0.1, loss=1.0)) is False
        assert store.add_event(job.id, TrainEvent(2, 0.2, loss=0.9)) is False
    finally:
        lock.release()

    assert store.add_event(job.id, TrainEvent(3, 0.3, loss=0.8)) is True
    assert [event["step"] for event in store.events(job.id)] == [1, 2, 3]


@pytest.mark.parametrize("content", [b"garbage, not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 200])
def test_a_damaged_database_is_refused_with_the_file_and_how_to_recover(tmp_path, content):
    path = tmp_path / "studio.sqlite3"
    path.write_bytes(content)

    with pytest.raises(
        DatabaseUnavailableError, match=r"job database .*studio.sqlite3 cannot be used .* move it aside"
    ):
        JobStore(path)
    assert path.read_bytes() == content  # nothing still readable is touched


def test_a_finished_row_is_never_rewritten_by_a_late_writer(store):
    job = store.create(CONFIG)
    store.mark_started(job.id, 1234)
    assert store.mark_completed(job.id, {"accuracy": 1.0}) is True

    assert store.mark_failed(job.id, "training process killed by SIGTERM") is False
    assert store.mark_interrupted(job.id, "ended without reporting a result") is False
    assert store.mark_cancelled(job.id) is False
    assert store.mark_started(job.id, 999) is False

    finished = store.get(job.id)
    assert (finished.status, finished.error, finished.metrics, finished.pid) == (
        COMPLETED,
        None,
        {"accuracy": 1.0},
        1234,
    )


def test_a_transition_moves_only_from_the_expected_states(store):
    job = store.create(CONFIG)

    assert store.mark_cancelled(job.id, expected=(RUNNING,)) is False  # queued: not what the caller expected
    assert store.mark_cancelled(job.id) is True  # a queued job may be cancelled
    assert store.get(job.id).status == CANCELLED
    assert store.mark_failed(job.id, "late", expected=(CANCELLED,)) is True
    assert store.get(job.id).status == FAILED


def test_a_database_that_turned_read_only_says_so_instead_of_a_raw_sqlite_error(store, monkeypatch):
    job = store.create(CONFIG)
    store.mark_started(job.id, 1234)
    real_connect = sqlite3.connect
    # As root a chmod does not stop SQLite; open the file read-only at SQLite's level, as a read-only mount would.
    monkeypatch.setattr(
        engine.jobs.store.sqlite3,
        "connect",
        lambda path, **kwargs: real_connect(f"file:{path}?mode=ro", uri=True, **kwargs),
    )

    with pytest.raises(DatabaseUnavailableError, match=r"job database .*studio.sqlite3 is read-only .* move it aside"):
        store.mark_interrupted(job.id, "ended without reporting a result")
    assert store.get(job.id).status == RUNNING  # still readable: the history is shown, nothing is lost
