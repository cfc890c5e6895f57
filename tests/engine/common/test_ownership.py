"""A job can be stopped, resumed or deleted only by whoever started it, or by an operator."""

import sqlite3
from contextlib import closing

import pytest

from engine.common.access import CLI_OWNER, OPERATOR, NotAllowedError, Requester
from engine.jobs.actions import delete_job, resume_job, start_job, stop_job
from engine.jobs.store import JobStore
from engine.training.config import TrainConfig

ALICE = Requester(session="session-a")
BOB = Requester(session="session-b")


@pytest.fixture
def store(monkeypatch) -> JobStore:
    monkeypatch.delenv("STUDIO_OPERATORS", raising=False)
    monkeypatch.delenv("STUDIO_TRAINING", raising=False)
    return JobStore()


def _queued_job(store: JobStore, owner: str | None):
    # On a device nobody dispatches to: the job stays queued without starting a process.
    return store.create({"dataset": "x", "model": "scratch:tiny"}, device="nowhere", owner=owner)


def test_owners_are_named_by_user_then_session_and_the_cli_is_the_operator():
    assert Requester(session="abc", username="ada").owner == "user:ada"
    assert Requester(session="abc").owner == "session:abc"
    assert OPERATOR.owner == CLI_OWNER and OPERATOR.is_operator
    assert not Requester(session="abc").is_operator


def test_a_started_job_records_its_owner(store, tiny_csv_folder, monkeypatch):
    monkeypatch.setattr(
        "engine.jobs.queue.advance_queue", lambda store=None, watch=True: []
    )  # record only, start nothing
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", epochs=1, batch_size=8, max_length=32)

    job = start_job(config, store, requester=ALICE)
    by_cli = start_job(config, store)

    assert store.get(job.id).owner == "session:session-a"
    assert store.get(by_cli.id).owner == "cli"
    assert "owner" not in job.to_dict()  # a session hash shown to others would let them pose as its owner


def test_another_session_cannot_stop_the_job_but_its_owner_can(store):
    job = _queued_job(store, ALICE.owner)

    with pytest.raises(NotAllowedError, match=f"job {job.id} was started by someone else.*can stop it"):
        stop_job(job.id, store, requester=BOB)
    assert store.get(job.id).status == "queued"

    assert stop_job(job.id, store, requester=ALICE).status == "cancelled"


def test_another_session_cannot_delete_or_resume_the_job(store):
    job = _queued_job(store, ALICE.owner)
    store.mark_failed(job.id, "test")

    with pytest.raises(NotAllowedError, match="can resume it"):
        resume_job(job.id, store, requester=BOB)
    with pytest.raises(NotAllowedError, match="can delete it"):
        delete_job(job.id, store, requester=BOB)
    assert store.get(job.id).status == "failed"

    delete_job(job.id, store, requester=ALICE)
    assert store.list() == []


def test_a_signed_in_user_owns_the_job_from_any_session(store):
    job = _queued_job(store, Requester(session="laptop", username="ada").owner)

    assert stop_job(job.id, store, requester=Requester(session="phone", username="ada")).status == "cancelled"


def test_operators_named_in_the_environment_and_the_cli_manage_anyones_job(store, monkeypatch):
    monkeypatch.setenv("STUDIO_OPERATORS", "root-ada, ops")
    first, second = _queued_job(store, ALICE.owner), _queued_job(store, ALICE.owner)

    assert stop_job(first.id, store, requester=Requester(session="x", username="ops")).status == "cancelled"
    assert stop_job(second.id, store).status == "cancelled"  # the CLI
    with pytest.raises(NotAllowedError):  # a session cannot claim an operator's name without signing in
        delete_job(first.id, store, requester=Requester(session="ops"))


def test_a_job_from_before_owners_were_recorded_is_left_to_operators(store):
    job = _queued_job(store, None)

    with pytest.raises(NotAllowedError):
        stop_job(job.id, store, requester=ALICE)
    assert stop_job(job.id, store, requester=OPERATOR).status == "cancelled"


def test_an_older_database_gains_the_owner_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, created_at REAL NOT NULL, "
            "updated_at REAL NOT NULL, status TEXT NOT NULL, config TEXT NOT NULL)"
        )
        db.execute("INSERT INTO jobs (created_at, updated_at, status, config) VALUES (1, 1, 'completed', '{}')")

    store = JobStore(path)

    assert store.get(1).owner is None
    assert store.create({}, owner="cli").owner == "cli"
