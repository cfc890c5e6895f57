"""Starting training jobs as child processes through `accelerate launch`, queueing them, stopping them.

The queue lives in the database: a submitted job is `queued`, and `dispatch` starts the oldest queued job on a
device while fewer than `STUDIO_JOBS_PER_DEVICE` (default 1) run there. `dispatch` runs on submit, when a job
ends (the finishing child calls it), and whenever the app or CLI looks at the jobs, so the queue moves whether
jobs come from the app or the CLI, with or without a server running.

Each child gets its own process group (so stopping it stops every worker it spawned) and writes all output to
the job's `train.log` from the first byte: an unread pipe would fill up and hang the training.
"""

import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch
from accelerate.commands.config import default_config_file
from transformers import AutoConfig

from engine.common.access import OPERATOR, Requester, check_may_manage, check_may_train
from engine.common.paths import REPO_ROOT, data_dir
from engine.common.settings import remote_code_allowed, settings
from engine.jobs.store import ACTIVE, CANCELLED, FAILED, INTERRUPTED, RUNNING, WATCHED_PIDS, Job, JobStore, pid_alive
from engine.models.loading import resolve_model
from engine.models.refs import HUB, JOB, LOCAL, job_model_dir, parse_model_ref
from engine.models.scratch import SIZES
from engine.training.config import TrainConfig, check_fits
from engine.training.data import TrainingData, prepare_training_data

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 30.0  # time to finish the step and save a checkpoint before the process group is terminated
RESUMABLE = (CANCELLED, FAILED, INTERRUPTED)


def launch_command(job_id: int) -> list[str]:
    """The `accelerate launch` command line for a job.

    With an accelerate config (`STUDIO_ACCELERATE_CONFIG`, or the one `accelerate config` wrote) the launch
    follows it: several GPUs, several machines. Without one, a single process on the GPU if any, else the CPU.
    """
    command = [sys.executable, "-m", "accelerate.commands.launch"]
    config_file = os.environ.get("STUDIO_ACCELERATE_CONFIG")
    if config_file:
        command += ["--config_file", config_file]
    elif not Path(default_config_file).is_file():
        command += ["--num_processes", "1", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    return command + ["-m", "engine.jobs.worker", str(job_id)]


def job_device() -> str:
    """The device queue a new job joins: `cuda` when there is a GPU, else `cpu`."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def jobs_per_device() -> int:
    """How many jobs may run at once on one device (`STUDIO_JOBS_PER_DEVICE`, default 1)."""
    value = os.environ.get("STUDIO_JOBS_PER_DEVICE", "1")
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"STUDIO_JOBS_PER_DEVICE must be a whole number of at least 1, not {value!r}")
    return int(value)


def check_config(config: TrainConfig) -> TrainConfig:
    """Check a config against its dataset and model before any process starts; return it with defaults filled.

    Raises:
        ValueError, FileNotFoundError, LookupError, HubUnreachableError: with a message naming the problem.
    """
    return checked_config(config)[0]


def checked_config(config: TrainConfig) -> tuple[TrainConfig, TrainingData]:
    """`check_config`, also returning the prepared dataset (for plans that need its size)."""
    resolved = config.with_defaults()
    data = prepare_training_data(resolved)
    check_fits(resolved, len(data.splits["train"]))
    ref = parse_model_ref(resolved.model)
    if ref.kind == JOB:
        _check_max_length(resolved.max_length, job_model_dir(int(ref.name)))
    elif ref.kind in (HUB, LOCAL):
        _check_max_length(resolved.max_length, resolve_model(ref, corpus=list))
    else:
        _check_max_length(resolved.max_length, None, SIZES[ref.name].max_positions)
    _check_room()
    # The child runs from the repository root: relative paths must not depend on where the user started.
    dataset = Path(resolved.dataset).expanduser()
    resolved = replace(
        resolved,
        dataset=str(dataset.resolve()) if dataset.exists() else resolved.dataset,
        model=ref.name if ref.kind == LOCAL else resolved.model,
    )
    return resolved, data


MIN_FREE_BYTES = 2 * 1024**3  # a small model, its checkpoints and caches; a large model needs more, and says so


def _check_max_length(max_length: int, model: str | Path | None, limit: int | None = None) -> None:
    """Refuse a max length beyond the model's position embeddings (the model could not read such inputs)."""
    if limit is None:
        config = AutoConfig.from_pretrained(str(model), trust_remote_code=remote_code_allowed())
        limit = getattr(config, "max_position_embeddings", None)
    if limit is not None and max_length > limit:
        raise ValueError(
            f"max length {max_length} is more than this model reads ({limit} tokens); use at most {limit}"
        )


def _check_room() -> None:
    """Refuse to start when the data directory is not writable or nearly full: fail now, not after an hour."""
    folder = data_dir()
    if not os.access(folder, os.W_OK):
        raise ValueError(f"the data directory {folder} is not writable; set STUDIO_DATA_DIR to a writable folder")
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise ValueError(
            f"only {free / 1024**3:.1f} GB free in {folder}; training needs at least {MIN_FREE_BYTES / 1024**3:.0f} GB"
        )


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["STUDIO_DATA_DIR"] = str(data_dir())
    env["PYTHONUNBUFFERED"] = "1"  # the log shows progress as it happens
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def _watch(process: subprocess.Popen, job_id: int, store: JobStore) -> None:
    code = process.wait()  # also reaps the child, so it never lingers as a zombie
    try:
        _record_exit(code, job_id, store)
    finally:
        WATCHED_PIDS.discard(process.pid)
    dispatch(store)


# `accelerate launch` runs the worker as its own child; when a signal kills that child, the launcher exits with
# code 1 and says which signal in its last line.
_LAUNCHER_SAW_SIGNAL = re.compile(r"died with <Signals\.(SIG[A-Z0-9]+): \d+>")


def _signal_in_log(tail: str) -> str | None:
    """The signal that killed the training worker, as its launcher reported it in the log's last lines."""
    found = _LAUNCHER_SAW_SIGNAL.findall(tail)
    return found[-1] if found else None


def _record_exit(code: int, job_id: int, store: JobStore) -> None:
    try:
        job = store.get(job_id)
    except LookupError:  # deleted meanwhile: nothing to record
        return
    if job.status != RUNNING:
        return
    if job.stop_requested:
        store.mark_cancelled(job_id, f"stopped by the user at step {job.step}")
        return
    tail = job.log_tail(5)
    if name := (signal.Signals(-code).name if code < 0 else _signal_in_log(tail)):
        # Killed by a signal we did not send: kill -9, or the kernel's out-of-memory killer. The run failed, and its
        # reason is known; `interrupted` is kept for a death nobody saw (refresh finds the pid gone).
        hint = " (kill -9, or the system's out-of-memory killer)" if name == "SIGKILL" else ""
        store.mark_failed(job_id, f"training process killed by {name}{hint}\n{tail}", "killed")
    else:
        reason = f"training process exited with code {code} without reporting a result"
        store.mark_failed(job_id, f"{reason}\n{tail}", "crashed")


def _spawn(job: Job, store: JobStore, watch: bool) -> Job:
    command = launch_command(job.id)
    job.folder.mkdir(parents=True, exist_ok=True)
    with job.log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=_child_environment(),
            cwd=str(REPO_ROOT),
        )
    if watch:  # before the job shows as running: a status read must not find the pid gone and beat the watcher
        WATCHED_PIDS.add(process.pid)
    store.mark_started(job.id, process.pid, shlex.join(command))
    if watch:
        threading.Thread(target=_watch, args=(process, job.id, store), daemon=True, name=f"job-{job.id}").start()
    logger.info("started training job %s (pid %s)", job.id, process.pid)
    return store.get(job.id)


def dispatch(store: JobStore | None = None, watch: bool = True) -> list[Job]:
    """Mark dead running jobs, then start queued jobs while their device has room; return the started ones.

    Args:
        watch: reap each started child from a thread of this process (False in a child about to exit).
    """
    store = store or JobStore()
    for job in store.list(status=RUNNING):
        store.refresh(job)
    started = []
    limit = jobs_per_device()
    for device in {job.device for job in store.list(status="queued")}:
        while (claimed := store.claim_next(device, limit)) is not None:
            try:
                started.append(_spawn(claimed, store, watch))
            except OSError as error:
                store.mark_failed(claimed.id, f"could not start the training process: {error}", "crashed")
    return started


# The app serves users from threads; within this process, admissions to the queue happen one at a time.
_ADMISSION = threading.Lock()


def _check_capacity(store: JobStore) -> None:
    """Refuse a new or resumed job when `STUDIO_MAX_QUEUED_JOBS` jobs are already queued or running."""
    limit = settings().max_queued_jobs
    active = sum(len(store.list(status=status)) for status in ACTIVE)
    if active >= limit:
        raise ValueError(
            f"{active} jobs are already queued or running, the most this server takes (STUDIO_MAX_QUEUED_JOBS="
            f"{limit}); try again when one has finished"
        )


def start_job(config: TrainConfig, store: JobStore | None = None, requester: Requester = OPERATOR) -> Job:
    """Check `config`, queue a job for it owned by `requester` and start it if its device is free; return at once.

    Raises:
        NotAllowedError: `STUDIO_TRAINING` does not let this requester train.
        ValueError, FileNotFoundError, LookupError, HubUnreachableError: the config cannot train, or
        `STUDIO_MAX_QUEUED_JOBS` jobs are already waiting (nothing is recorded then).
    """
    check_may_train(requester)
    store = store or JobStore()
    _check_capacity(store)  # early, before the slow checks of the config
    resolved = check_config(config)
    with _ADMISSION:  # check and create as one step: two users starting at once cannot both take the last place
        _check_capacity(store)
        job = store.create(resolved.to_dict(), name=resolved.name, device=job_device(), owner=requester.owner)
    dispatch(store)
    return store.get(job.id)


def _terminate(job: Job, store: JobStore, grace_s: float) -> None:
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and pid_alive(job.pid):
        time.sleep(0.2)
    for sig in (signal.SIGTERM, signal.SIGKILL):  # the whole group: accelerate's launcher and every worker
        if not pid_alive(job.pid):
            break
        try:
            os.killpg(job.pid, sig)
        except ProcessLookupError:
            break
        time.sleep(5 if sig == signal.SIGTERM else 0.5)
    try:
        latest = store.get(job.id)
    except LookupError:  # deleted meanwhile
        return
    if latest.status == RUNNING:
        store.mark_cancelled(job.id, f"stopped by the user at step {latest.step} (process terminated)")


def stop_job(
    job_id: int,
    store: JobStore | None = None,
    grace_s: float = STOP_GRACE_SECONDS,
    wait: bool = False,
    requester: Requester = OPERATOR,
):
    """Stop a job: a queued one at once; a running one after its current step (it saves a checkpoint and is
    marked `cancelled`), terminating its process group if it has not stopped within `grace_s` seconds.

    Raises:
        LookupError: no such job.
        NotAllowedError: the requester neither started the job nor is an operator.
        ValueError: the job has already finished.
    """
    store = store or JobStore()
    job = store.refresh(store.get(job_id))
    check_may_manage(job.owner, job_id, "stop", requester)
    if job.status not in ACTIVE:
        raise ValueError(f"job {job_id} is {job.status}; only a queued or running job can be stopped")
    store.request_stop(job_id)
    if job.status == "queued":
        store.mark_cancelled(job_id, "cancelled before it started")
        return store.get(job_id)
    if job.pid is None:  # claimed but not yet spawned: the flag stops it at its first step
        return store.get(job_id)
    if wait:
        _terminate(job, store, grace_s)
    else:
        threading.Thread(target=_terminate, args=(job, store, grace_s), daemon=True).start()
    return store.get(job_id)


def resume_job(job_id: int, store: JobStore | None = None, requester: Requester = OPERATOR) -> Job:
    """Queue a cancelled, failed or interrupted job again, from its last checkpoint.

    Raises:
        NotAllowedError: the requester may not train, or neither started the job nor is an operator.
        ValueError: the job is not resumable or has no checkpoint, or the queue is full.
    """
    check_may_train(requester)
    store = store or JobStore()
    job = store.refresh(store.get(job_id))
    check_may_manage(job.owner, job_id, "resume", requester)
    _check_capacity(store)
    if job.status not in RESUMABLE:
        raise ValueError(f"job {job_id} is {job.status}; only a cancelled, failed or interrupted job can resume")
    checkpoint = job.last_checkpoint()
    if checkpoint is None:
        raise ValueError(f"job {job_id} saved no checkpoint to resume from; clone it to train again from the start")
    store.requeue(job_id, {**job.config, "resume_from_checkpoint": str(checkpoint)})
    dispatch(store)
    return store.get(job_id)


def clone_job(job_id: int, store: JobStore | None = None, requester: Requester = OPERATOR) -> Job:
    """Start a new job, owned by `requester`, with the same settings (from scratch, not from a checkpoint)."""
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
        LookupError: no such job.
        NotAllowedError: the requester neither started the job nor is an operator.
        ValueError: the job is active, or its process is still alive after `wait_s` seconds.
    """
    store = store or JobStore()
    job = store.refresh(store.get(job_id))
    check_may_manage(job.owner, job_id, "delete", requester)
    if job.status in ACTIVE:
        raise ValueError(f"job {job_id} is {job.status}; stop it before deleting it")
    deadline = time.monotonic() + wait_s
    while pid_alive(job.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if pid_alive(job.pid):
        raise ValueError(f"job {job_id}'s process {job.pid} is still exiting; try again in a moment")
    store.delete(job_id)


def wait_for_job(
    job_id: int, store: JobStore | None = None, on_progress: Callable[[Job], None] | None = None, poll_s: float = 1.0
) -> Job:
    """Block until the job is no longer active, calling `on_progress` whenever its step or status changes."""
    store = store or JobStore()
    last = None
    while True:
        job = store.refresh(store.get(job_id))
        if on_progress and (job.step, job.status) != last:
            on_progress(job)
            last = (job.step, job.status)
        if job.status not in ACTIVE:
            return job
        time.sleep(poll_s)
