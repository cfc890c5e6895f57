"""What a user does to a job: start, stop, resume, clone, delete, and wait for one to finish.

Each action checks who may do it (`engine.common.access`), acts on the job's row and, where it adds work, moves
the queue (`engine.jobs.queue.advance_queue`).
"""

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from engine.common.access import OPERATOR, Requester, check_may_manage, check_may_train
from engine.common.errors import StudioError
from engine.jobs import queue
from engine.jobs.launcher import launch_plan
from engine.jobs.process import check_alive, end_job_processes, job_processes, terminate
from engine.jobs.store import ACTIVE, CANCELLED, FAILED, INTERRUPTED, QUEUED, Job, JobStore
from engine.training.checks import check_config
from engine.training.config import TrainConfig
from engine.training.hardware import training_device

STOP_GRACE_SECONDS = 30.0  # time to finish the step and save a checkpoint before the process group is terminated
RESUMABLE = (CANCELLED, FAILED, INTERRUPTED)


def start_job(config: TrainConfig, store: JobStore | None = None, requester: Requester = OPERATOR) -> Job:
    """Check `config`, queue a job for it owned by `requester` and start it if its device is free; return at once.

    Raises:
        NotAllowedError: `STUDIO_TRAINING` does not let this requester train.
        StudioError (and its subclasses): the config cannot train, or `STUDIO_MAX_QUEUED_JOBS` jobs are already
        waiting (nothing is recorded then).
    """
    check_may_train(requester)
    store = store or JobStore()
    queue.check_capacity(store)  # early, before the slow checks of the config
    launch_plan()  # an accelerate config this machine cannot honour is refused now, not in the child
    resolved = check_config(config).config
    with queue.ADMISSION:  # check and create as one step: two users starting at once cannot both take the last place
        queue.check_capacity(store)
        job = store.create(resolved.to_dict(), name=resolved.name, device=training_device(), owner=requester.owner)
    queue.advance_queue(store)
    return store.get(job.id)


def stop_job(
    job_id: int,
    store: JobStore | None = None,
    grace_s: float = STOP_GRACE_SECONDS,
    wait: bool = False,
    requester: Requester = OPERATOR,
) -> Job:
    """Stop a job: a queued one at once; a running one after its current step (it saves a checkpoint and is
    marked `cancelled`), terminating its process group if it has not stopped within `grace_s` seconds.

    Raises:
        NotFoundError: no such job.
        NotAllowedError: the requester neither started the job nor is an operator.
        StudioError: the job has already finished.
    """
    store = store or JobStore()
    job = check_alive(store.get(job_id), store)
    check_may_manage(job.owner, job_id, "stop", requester)
    if job.status not in ACTIVE:
        if job_processes(job_id):  # a finished job's stray processes (from a version that left orphans) end now
            end_job_processes(job_id, grace_s)
            return store.get(job_id)
        raise StudioError(f"job {job_id} is {job.status}; only a queued or running job can be stopped")
    store.request_stop(job_id)
    # Only while still queued: if the queue claimed it meanwhile, the stop flag set above stops it at its first step.
    if job.status == QUEUED and store.mark_cancelled(job_id, "cancelled before it started", expected=(QUEUED,)):
        return store.get(job_id)
    job = store.get(job_id)
    if job.pid is None:  # claimed but not yet spawned: the flag stops it at its first step
        return store.get(job_id)
    if wait:
        terminate(job, store, grace_s)
    else:
        threading.Thread(target=terminate, args=(job, store, grace_s), daemon=True).start()
    return store.get(job_id)


def resume_job(job_id: int, store: JobStore | None = None, requester: Requester = OPERATOR) -> Job:
    """Queue a cancelled, failed or interrupted job again, from its last checkpoint.

    Raises:
        NotAllowedError: the requester may not train, or neither started the job nor is an operator.
        StudioError: the job is not resumable or has no checkpoint, or the queue is full.
    """
    check_may_train(requester)
    store = store or JobStore()
    job = check_alive(store.get(job_id), store)
    check_may_manage(job.owner, job_id, "resume", requester)
    queue.check_capacity(store)
    if job.status not in RESUMABLE:
        raise StudioError(f"job {job_id} is {job.status}; only a cancelled, failed or interrupted job can resume")
    if running := job_processes(job_id):  # a second worker must never train into the same folder
        raise StudioError(f"job {job_id}'s processes {running} are still running; stop the job again to end them")
    checkpoint = resumable_checkpoint(job)
    store.requeue(job_id, {**job.config, "resume_from_checkpoint": str(checkpoint)})
    queue.advance_queue(store)
    return store.get(job_id)


def resumable_checkpoint(job: Job) -> Path:
    """The job's newest complete checkpoint: one `Trainer` finished writing (its `trainer_state.json` is written
    last), so that a resume never starts a child on a folder that was emptied or cut off while saving.

    Raises:
        StudioError: the job saved no checkpoint, or none of its checkpoints is complete.
    """
    steps = {folder: folder.name.removeprefix("checkpoint-") for folder in job.checkpoints_dir.glob("checkpoint-*")}
    found = sorted((f for f, step in steps.items() if re.fullmatch(r"[0-9]+", step)), key=lambda f: -int(steps[f]))
    for folder in found:
        if (folder / "trainer_state.json").is_file():
            return folder
    if found:
        raise StudioError(
            f"job {job.id} has no complete checkpoint to resume from ({', '.join(f.name for f in found)} lack "
            "trainer_state.json: cut off while saving); clone it to train again from the start"
        )
    raise StudioError(f"job {job.id} saved no checkpoint to resume from; clone it to train again from the start")


def clone_job(job_id: int, store: JobStore | None = None, requester: Requester = OPERATOR) -> Job:
    """Start a new job, owned by `requester`, with the same settings (from scratch, not from a checkpoint).

    Raises:
        the errors of `start_job`, and NotFoundError when there is no such job.
    """
    check_may_train(requester)
    store = store or JobStore()
    job = store.get(job_id)
    name = f"{job.name or f'job {job_id}'} (clone)"[:100]
    config = TrainConfig.from_dict({**job.config, "resume_from_checkpoint": None, "name": name})
    return start_job(config, store, requester)


def delete_job(
    job_id: int, store: JobStore | None = None, wait_s: float = 15.0, requester: Requester = OPERATOR
) -> None:
    """Delete a finished job and its files, once its process has exited (a stopped child may still be saving).

    Raises:
        NotFoundError: no such job.
        NotAllowedError: the requester neither started the job nor is an operator.
        StudioError: the job is active, or its process is still alive after `wait_s` seconds.
    """
    store = store or JobStore()
    job = check_alive(store.get(job_id), store)
    check_may_manage(job.owner, job_id, "delete", requester)
    if job.status in ACTIVE:
        raise StudioError(f"job {job_id} is {job.status}; stop it before deleting it")
    deadline = time.monotonic() + wait_s
    while job_processes(job_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    if running := job_processes(job_id):
        raise StudioError(f"job {job_id}'s processes {running} are still exiting; try again in a moment")
    store.delete(job_id)


def wait_for_job(
    job_id: int, store: JobStore | None = None, on_progress: Callable[[Job], None] | None = None, poll_s: float = 1.0
) -> Job:
    """Block until the job is no longer active, calling `on_progress` whenever its step or status changes."""
    store = store or JobStore()
    last = None
    while True:
        job = check_alive(store.get(job_id), store)
        if on_progress and (job.step, job.status) != last:
            on_progress(job)
            last = (job.step, job.status)
        if job.status not in ACTIVE:
            return job
        time.sleep(poll_s)
