"""Faults with nothing lost: a disk that fills up during a checkpoint, a damaged database row, a deleted job folder.

The disk-full test runs the real training child's `main` in this process (no `accelerate launch`: the fault is
injected by patching `Trainer`'s save, which a separate process would not see) on the tiny reviews.
"""

import errno
import json
import os
import shutil
import sqlite3

import pytest
from transformers import AutoModelForSequenceClassification, Trainer

import engine.jobs.queue
from engine.common.access import OPERATOR
from engine.jobs import worker as train_worker
from engine.jobs.actions import resume_job
from engine.jobs.store import COMPLETED, FAILED, QUEUED, JobStore
from engine.models.refs import job_model_dir
from engine.training.checks import check_config
from engine.training.config import TrainConfig
from engine.training.failures import error_category
from tests.app.launch import StudioClient, launch_studio


@pytest.fixture
def no_children(monkeypatch: pytest.MonkeyPatch) -> None:
    """Queue jobs without starting training processes: these tests run the child's `main` themselves."""
    monkeypatch.setattr(engine.jobs.queue, "advance_queue", lambda *args, **kwargs: [])


def fill_disk_on_save(monkeypatch: pytest.MonkeyPatch, save_number: int) -> list[str]:
    """Make the `save_number`-th checkpoint fail with ENOSPC after its weights are written (a half checkpoint)."""
    saves: list[str] = []
    original = Trainer._save_optimizer_and_scheduler

    def save(self, output_dir):
        saves.append(output_dir)
        if len(saves) == save_number:
            path = os.path.join(output_dir, "optimizer.pt")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        return original(self, output_dir)

    monkeypatch.setattr(Trainer, "_save_optimizer_and_scheduler", save)
    return saves


def test_disk_full_at_the_second_checkpoint_fails_the_job_and_the_first_checkpoint_resumes(
    store, tiny_csv_folder, no_children, monkeypatch
):
    config = check_config(
        TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", epochs=3, batch_size=8)
    ).config
    job = store.create(config.to_dict())
    saves = fill_disk_on_save(monkeypatch, save_number=2)  # at the end of epoch 2 (the last step saves none)

    assert train_worker.main([str(job.id)]) == 1

    failed = store.get(job.id)
    first = os.path.basename(saves[0])
    assert (failed.status, failed.error_category) == (FAILED, "disk_full")
    assert "disk is full" in failed.error and f"resume from {first}" in failed.error
    # The half-written second checkpoint is gone, so resuming cannot pick it; the first is whole.
    assert [path.name for path in failed.checkpoints_dir.iterdir()] == [first]
    assert failed.last_checkpoint().name == first
    state = json.loads((failed.last_checkpoint() / "trainer_state.json").read_text())
    assert state["global_step"] == int(first.split("-")[-1])
    AutoModelForSequenceClassification.from_pretrained(failed.last_checkpoint())
    assert store.events(job.id), "the events logged before the failure are kept"

    # Room on the disk again: only the second save failed, the ones after it are written.
    assert resume_job(job.id, store).status == QUEUED
    assert train_worker.main([str(job.id)]) == 0
    finished = store.get(job.id)
    assert finished.status == COMPLETED, finished.error
    assert finished.step == finished.total_steps


def test_disk_full_is_its_own_category_even_when_a_library_wraps_the_error():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as error:
            raise RuntimeError("could not save the checkpoint") from error
    except RuntimeError as wrapped:
        assert error_category(wrapped) == "disk_full"
    assert error_category(OSError(errno.EACCES, "Permission denied")) == "crashed"


@pytest.mark.parametrize(
    "message",
    [
        "PytorchStreamWriter failed writing file data/3: file write failed",  # torch.save on a full disk
        'Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "No space left on device" })',
    ],
)
def test_a_full_disk_reported_without_an_errno_is_still_disk_full(message):
    assert error_category(RuntimeError(message)) == "disk_full"
    assert error_category(RuntimeError("expected scalar type Float but found Half")) == "crashed"


def damage(store: JobStore, job_id: int, column: str, text: str) -> None:
    with sqlite3.connect(store.path) as db:
        db.execute(f"UPDATE jobs SET {column} = ? WHERE id = ?", (text, job_id))


@pytest.mark.parametrize(
    ("column", "text", "problem"),
    [
        ("config", "{not json", "config is not JSON"),
        ("config", "[1, 2]", "config is a JSON list"),
        ("metrics", "garbage", "metrics is not JSON"),
    ],
)
def test_a_damaged_row_is_flagged_and_the_other_jobs_still_list(store, column, text, problem):
    good = store.create({"dataset": "sample:topics", "model": "scratch:tiny"})
    broken = store.create({"dataset": "sample:topics", "model": "scratch:tiny"})
    damage(store, broken.id, column, text)

    listed = {job.id: job for job in JobStore(store.path).list()}  # a new store: as after a restart

    assert listed[good.id].error is None and listed[good.id].status == QUEUED
    flagged = listed[broken.id]
    assert flagged.error_category == "corrupt" and problem in flagged.error
    assert flagged.config["model"] and flagged.to_dict()["config"]  # the tables and labels can still show it
    if column == "config":
        assert flagged.status == FAILED  # a queued job whose settings are lost must never start


def test_a_completed_job_whose_folder_was_deleted_lists_and_says_its_model_is_missing(store):
    job = store.create({"dataset": "sample:topics", "model": "scratch:tiny"})
    store.mark_completed(job.id, {"accuracy": 1.0})
    shutil.rmtree(job.folder)

    listed = JobStore(store.path).list()
    assert [found.id for found in listed] == [job.id]
    assert listed[0].model_missing and listed[0].to_dict()["model_missing"] is True  # flagged in the list
    assert store.get(job.id).log_tail() == ""
    with pytest.raises(FileNotFoundError, match=f"model folder of job {job.id} is missing"):
        job_model_dir(job.id)


def test_the_app_starts_and_reports_on_a_database_with_a_damaged_row(tmp_path):
    data_dir = tmp_path / "studio-with-damage"
    data_dir.mkdir()
    store = JobStore(data_dir / "studio.sqlite3")
    good = store.create({"dataset": "sample:topics", "model": "scratch:tiny"})
    broken = store.create({"dataset": "sample:topics", "model": "scratch:tiny"})
    store.mark_completed(good.id, {"accuracy": 1.0})  # finished: nothing for the launched app to start
    damage(store, broken.id, "config", "\x00garbage")

    with launch_studio(data_dir) as studio:
        client = StudioClient(studio.url)
        flagged = client.predict(broken.id, api_name="/job_status")
        healthy = client.predict(good.id, api_name="/job_status")

    assert (flagged["status"], flagged["error_category"]) == (FAILED, "corrupt")
    assert healthy["status"] == COMPLETED and healthy["error"] is None


def test_the_jobs_table_of_the_train_tab_says_when_a_finished_run_lost_its_model(store):
    from ui.train_actions import _jobs_table

    kept = store.create({"dataset": "sample:topics", "model": "scratch:tiny"})
    lost = store.create({"dataset": "sample:topics", "model": "scratch:tiny"})
    for job in (kept, lost):
        job.model_dir.mkdir(parents=True)
        store.mark_completed(job.id, {"accuracy": 1.0})
    shutil.rmtree(lost.folder)

    statuses = dict(zip(*_jobs_table(store, OPERATOR)[["job", "status"]].to_dict("list").values(), strict=True))

    assert statuses == {kept.id: "completed", lost.id: "completed (model folder missing)"}
