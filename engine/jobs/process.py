"""A job's training process: the `accelerate launch` command, its environment, starting it, watching it end,
terminating its process group, and noticing one that died unwatched.

Each child gets its own process group (so stopping it stops every worker it spawned) and writes all output to the
job's `train.log` from the first byte: an unread pipe would fill up and hang the training.
"""

import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from accelerate.commands.config import default_config_file

from engine.common.paths import REPO_ROOT, data_dir
from engine.jobs.store import RUNNING, Job, JobStore
from engine.training.failures import ErrorCategory

logger = logging.getLogger(__name__)

# Children this process reaps itself (`_watch`). Their exit status says how they ended (a signal, an exit code), so
# `check_alive` leaves them to the watcher instead of racing it with a vaguer "ended without reporting".
WATCHED_PIDS: set[int] = set()


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


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["STUDIO_DATA_DIR"] = str(data_dir())
    env["PYTHONUNBUFFERED"] = "1"  # the log shows progress as it happens
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def pid_alive(pid: int | None) -> bool:
    """Return True when a process with this pid exists and is not a zombie."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    try:  # a finished child that nobody has waited for yet is a zombie: dead for our purposes
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def check_alive(job: Job, store: JobStore) -> Job:
    """Return the job, marked interrupted if it claims to be running but its process is gone (and no thread of
    this process is about to record how it ended)."""
    if job.status == RUNNING and job.pid and job.pid not in WATCHED_PIDS and not pid_alive(job.pid):
        latest = store.get(job.id)  # the child may have finished between the two reads
        if latest.status == RUNNING:
            tail = latest.log_tail(5)
            store.mark_interrupted(
                job.id, f"training process {job.pid} ended without reporting a result\n{tail}", ErrorCategory.CRASHED
            )
        return store.get(job.id)
    return job


def spawn(job: Job, store: JobStore, on_exit: Callable[[], None] | None) -> Job:
    """Start the job's training process in its own process group, logging into its `train.log`.

    Args:
        job: a claimed (running, not yet started) job.
        on_exit: when given, a thread of this process reaps the child, records how it ended, then calls this;
            None leaves the child unwatched (from a process about to exit: `check_alive` notices its end).

    Returns:
        The job as stored, with its pid and command.

    Raises:
        OSError: the process could not be started.
    """
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
    if on_exit:  # before the job shows as running: a status read must not find the pid gone and beat the watcher
        WATCHED_PIDS.add(process.pid)
    store.mark_started(job.id, process.pid, shlex.join(command))
    if on_exit:
        watcher = threading.Thread(
            target=_watch, args=(process, job.id, store, on_exit), daemon=True, name=f"job-{job.id}"
        )
        watcher.start()
    logger.info("started training job %s (pid %s)", job.id, process.pid)
    return store.get(job.id)


def _watch(process: subprocess.Popen, job_id: int, store: JobStore, on_exit: Callable[[], None]) -> None:
    code = process.wait()  # also reaps the child, so it never lingers as a zombie
    try:
        _record_exit(code, job_id, store)
    finally:
        WATCHED_PIDS.discard(process.pid)
    on_exit()


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
        # reason is known; `interrupted` is kept for a death nobody saw (`check_alive` finds the pid gone).
        hint = " (kill -9, or the system's out-of-memory killer)" if name == "SIGKILL" else ""
        store.mark_failed(job_id, f"training process killed by {name}{hint}\n{tail}", ErrorCategory.KILLED)
    else:
        reason = f"training process exited with code {code} without reporting a result"
        store.mark_failed(job_id, f"{reason}\n{tail}", ErrorCategory.CRASHED)


def terminate(job: Job, store: JobStore, grace_s: float) -> None:
    """Give a stopping job `grace_s` seconds to save and exit, then terminate its process group (SIGTERM, then
    SIGKILL), and mark it cancelled if it is still marked running."""
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
