"""engine.jobs.actions without training children: what a resume is allowed to start from."""

import pytest

import engine.jobs.queue
from engine.common.errors import StudioError
from engine.jobs.actions import resume_job
from engine.jobs.store import FAILED, QUEUED, JobStore

CONFIG = {"dataset": "sample:topics", "model": "scratch:tiny"}


@pytest.fixture
def failed_job(monkeypatch):
    monkeypatch.setattr(engine.jobs.queue, "advance_queue", lambda *args, **kwargs: [])  # no child is started
    store = JobStore()
    job = store.create(CONFIG)
    store.mark_failed(job.id, "the disk filled up")
    return store, store.get(job.id)


def checkpoint(job, step: int, complete: bool):
    folder = job.checkpoints_dir / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    if complete:
        (folder / "trainer_state.json").write_text("{}")
    return folder


def test_resuming_from_only_an_empty_checkpoint_folder_is_refused_up_front(failed_job):
    store, job = failed_job
    checkpoint(job, 4, complete=False)

    with pytest.raises(StudioError, match=f"job {job.id} has no complete checkpoint to resume from.*checkpoint-4"):
        resume_job(job.id, store)

    assert store.get(job.id).status == FAILED  # nothing was queued


def test_a_resume_starts_from_the_newest_complete_checkpoint_past_an_empty_newer_one(failed_job):
    store, job = failed_job
    complete = checkpoint(job, 2, complete=True)
    checkpoint(job, 10, complete=False)
    checkpoint(job, 4, complete=False)

    resumed = resume_job(job.id, store)

    assert resumed.status == QUEUED
    assert resumed.config["resume_from_checkpoint"] == str(complete)
