"""The job queue, kept in the database: admission, claiming and moving it on.

A submitted job is `queued`; `advance_queue` starts the oldest queued job on a device while fewer than
`STUDIO_JOBS_PER_DEVICE` (default 1) run there. Admission refuses a job when `STUDIO_MAX_QUEUED_JOBS` are already
queued or running.
"""

import logging
import os
import re
import threading

from engine.common.errors import StudioError
from engine.common.settings import settings
from engine.jobs.process import check_alive, spawn
from engine.jobs.store import ACTIVE, QUEUED, RUNNING, Job, JobStore
from engine.training.failures import ErrorCategory

logger = logging.getLogger(__name__)

# The app serves users from threads; within this process, admissions to the queue happen one at a time.
ADMISSION = threading.Lock()


def jobs_per_device() -> int:
    """How many jobs may run at once on one device (`STUDIO_JOBS_PER_DEVICE`, default 1).

    Raises:
        StudioError: the setting is not a whole number of at least 1.
    """
    value = os.environ.get("STUDIO_JOBS_PER_DEVICE", "1")
    if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
        raise StudioError(f"STUDIO_JOBS_PER_DEVICE must be a whole number of at least 1, not {value!r}")
    return int(value)


def check_capacity(store: JobStore) -> None:
    """Refuse a new or resumed job when `STUDIO_MAX_QUEUED_JOBS` jobs are already queued or running.

    Raises:
        StudioError: the queue is full.
    """
    limit = settings().max_queued_jobs
    active = sum(len(store.list(status=status)) for status in ACTIVE)
    if active >= limit:
        raise StudioError(
            f"{active} jobs are already queued or running, the most this server takes (STUDIO_MAX_QUEUED_JOBS="
            f"{limit}); try again when one has finished"
        )


def claim(store: JobStore, device: str) -> Job | None:
    """Take the oldest queued job on `device` if the device has room; None when it is busy or nothing waits."""
    return store.claim_next(device, jobs_per_device())


def advance_queue(store: JobStore | None = None, watch: bool = True) -> list[Job]:
    """Move the queue: mark running jobs whose process died, then start queued jobs while their device has room.

    There is no scheduler process: the queue moves whenever someone looks. It is called when a job is submitted
    or resumed, by the page's poll (so a queue left by a restarted server moves on), by the finishing training
    child (so the next job starts with no server running) and by the CLI's `jobs` and `job` commands.

    Args:
        store: the job database (the default one when None).
        watch: reap each started child from a thread of this process; False in a child about to exit.

    Returns:
        The jobs started.
    """
    store = store or JobStore()
    for job in store.list(status=RUNNING):
        check_alive(job, store)
    started = []
    for device in {job.device for job in store.list(status=QUEUED)}:
        while (claimed := claim(store, device)) is not None:
            try:
                started.append(spawn(claimed, store, on_exit=(lambda: advance_queue(store)) if watch else None))
            except OSError as error:
                store.mark_failed(
                    claimed.id,
                    f"could not start the training process: {error}",
                    ErrorCategory.CRASHED,
                    expected=(RUNNING,),
                )
    return started
