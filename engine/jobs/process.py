"""A job's training process: the `accelerate launch` command, its environment, starting it, watching it end,
terminating every process of the job, and noticing one that died unwatched.

Each child gets its own process group and writes all output to the job's `train.log` from the first byte: an unread
pipe would fill up and hang the training.

A pid alone does not name a job's process: pids start over after a restart (a Space's container), and a recorded
pid may by then belong to anything. Every process of a job carries a marker in its environment,
`FINETUNE_STUDIO_JOB_FOLDER`
(the job's folder, unique per data directory and job), inherited by the launcher, its workers and theirs, even those
that start their own session (torch's elastic launcher does). A process is trusted as the job's, and signalled, only
when `/proc/<pid>/environ` carries the job's marker; signals go through a pidfd opened before that check, so a pid
reused between the check and the signal is never hit. The job ends with its launcher: when the launcher dies, the
job's remaining processes are ended before the job is recorded as ended (and before the queue moves on), and the
worker asks the kernel to end it when its parent dies (`die_with_parent`).
"""

import ctypes
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

from engine.common.paths import REPO_ROOT, data_dir
from engine.jobs.launcher import launch_plan
from engine.jobs.store import RUNNING, Job, JobStore
from engine.training.failures import ErrorCategory

logger = logging.getLogger(__name__)

JOB_MARKER = "FINETUNE_STUDIO_JOB_FOLDER"  # every process of a job carries it (module docstring); not a setting
# A job is claimed (running, no pid yet) and started within milliseconds; one still without a pid after this long
# was claimed by a server that died before it could start the process.
UNSTARTED_GRACE_S = 120.0
_PROC = Path("/proc")

# Children this process reaps itself (`_watch`). Their exit status says how they ended (a signal, an exit code), so
# `check_alive` leaves them to the watcher instead of racing it with a vaguer "ended without reporting".
WATCHED_PIDS: set[int] = set()


def launch_command(job_id: int) -> list[str]:
    """The command line that starts a job's processes (see `engine.jobs.launcher`: one process without an
    accelerate config; `accelerate launch` following one; PyTorch's launcher for several CPU processes).

    Raises:
        StudioError: the accelerate config cannot run on this machine.
    """
    return _worker_command(job_id)[0]


def _worker_command(job_id: int) -> tuple[list[str], int]:
    """The command that starts job `job_id`, and the CPU threads each of its processes may use."""
    plan = launch_plan()
    return plan.command + ["-m", "engine.jobs.worker", str(job_id)], plan.threads


def job_marker(job_id: int) -> str:
    """The value of `FINETUNE_STUDIO_JOB_FOLDER` in the environment of every process of job `job_id`."""
    return str((data_dir() / "jobs" / str(job_id)).resolve())


def _child_environment(job_id: int, threads: int = 1) -> dict[str, str]:
    env = dict(os.environ)
    # Both launchers pass OMP_NUM_THREADS on to the processes they start (1 when it is unset: one core of many).
    env["OMP_NUM_THREADS"] = str(threads)
    env[JOB_MARKER] = job_marker(job_id)  # replaces the marker of a worker that starts the next job itself
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["STUDIO_DATA_DIR"] = str(data_dir())
    env["PYTHONUNBUFFERED"] = "1"  # the log shows progress as it happens
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def pid_alive(pid: int | None) -> bool:
    """Return True when a process with this pid exists and is not a zombie (whoever it is: see `is_job_process`)."""
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


def _carries_marker(pid: int, marker: str) -> bool:
    """Whether process `pid` is alive and has `FINETUNE_STUDIO_JOB_FOLDER=<marker>` in its environment."""
    try:
        environ = (_PROC / str(pid) / "environ").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process: never one of ours
        return False
    return f"{JOB_MARKER}={marker}".encode() in environ.split(b"\0") and pid_alive(pid)


def is_job_process(pid: int | None, job_id: int) -> bool:
    """Whether `pid` is a live process of job `job_id` (not merely a live process that reuses a recorded pid).

    Without `/proc` (not Linux) a process cannot be identified, and a live pid is trusted as before.
    """
    if not pid:
        return False
    if not _PROC.is_dir():
        return pid_alive(pid)
    return _carries_marker(pid, job_marker(job_id))


def job_processes(job_id: int, marker: str | None = None) -> list[int]:
    """The pids of every live process of job `job_id`: its launcher, its workers and whatever they started."""
    if not _PROC.is_dir():
        return []
    marker, found = marker or job_marker(job_id), []
    for entry in _PROC.iterdir():
        if re.fullmatch(r"[0-9]+", entry.name) and int(entry.name) != os.getpid():
            if _carries_marker(int(entry.name), marker):
                found.append(int(entry.name))
    return found


def _signal_job_processes(job_id: int, sig: signal.Signals, marker: str | None = None) -> int:
    """Send `sig` to every live process of the job, each checked as the job's first; return how many were sent."""
    marker, sent = marker or job_marker(job_id), 0
    for pid in job_processes(job_id, marker):
        try:
            handle = os.pidfd_open(pid)  # from here on `handle` is this very process, even if the pid is reused
        except ProcessLookupError:
            continue
        try:
            if _carries_marker(pid, marker):  # checked after the pidfd: a reused pid fails this, or the signal
                signal.pidfd_send_signal(handle, sig)
                sent += 1
        except ProcessLookupError:
            pass
        finally:
            os.close(handle)
    return sent


def end_job_processes(job_id: int, grace_s: float = 5.0, marker: str | None = None) -> None:
    """End every remaining process of the job: SIGTERM, then SIGKILL after `grace_s` seconds; return once all are
    gone (or after a few seconds more: a process stuck in the kernel cannot be waited for).

    `marker` is the job's marker as it was when its processes started (`job_marker`, by default now).
    """
    marker = marker or job_marker(job_id)
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        if not _signal_job_processes(job_id, sig, marker):
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and job_processes(job_id, marker):
            time.sleep(0.1)
    if left := job_processes(job_id, marker):
        logger.warning("processes %s of job %s survived SIGKILL", left, job_id)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> None:
    """In a training worker: ask the kernel to send SIGTERM when the parent (the launcher) dies, so that a killed
    launcher never leaves its worker training on as an orphan. Exits at once if the parent is already gone.

    Linux only; elsewhere the server ends the job's processes when it sees the launcher die.
    """
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        logger.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(ctypes.get_errno()))
        return
    # The parent may have died before the request: then no signal comes. The launcher leads the worker's process
    # group (`spawn` starts it in a new session), and a group's id is never reused while the worker is in it.
    leader = os.getpgrp()
    if leader != os.getpid() and not pid_alive(leader):
        logger.error("the launcher (pid %s) died before this worker started; exiting", leader)
        sys.exit(1)


def check_alive(job: Job, store: JobStore) -> Job:
    """Return the job, marked interrupted if it claims to be running but its launcher is gone (and no thread of
    this process is about to record how it ended), after ending whatever processes of the job remain.

    The recorded pid is trusted only while it is the job's process (`is_job_process`): a pid reused by an
    unrelated process after a restart does not keep a dead job running. A job claimed but never started (the
    server died in between) is interrupted once `UNSTARTED_GRACE_S` have passed.
    """
    if job.status != RUNNING or job.pid in WATCHED_PIDS:
        return job
    if job.pid:
        if is_job_process(job.pid, job.id):
            return job
        reason = f"training process {job.pid} ended without reporting a result"
    elif time.time() - (job.started_at or job.updated_at) > UNSTARTED_GRACE_S and not job_processes(job.id):
        reason = "the server stopped before it could start the training process"
    else:
        return job
    end_job_processes(job.id)  # a worker whose launcher died must not train on beside the next job
    latest = store.get(job.id)  # the child may have finished between the two reads
    if latest.status == RUNNING and latest.pid == job.pid:
        store.mark_interrupted(job.id, f"{reason}\n{latest.log_tail(5)}", ErrorCategory.CRASHED)
    return store.get(job.id)


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
    command, threads = _worker_command(job.id)
    job.folder.mkdir(parents=True, exist_ok=True)
    with job.log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=_child_environment(job.id, threads),
            cwd=str(REPO_ROOT),
        )
    if on_exit:  # before the job shows as running: a status read must not find the pid gone and beat the watcher
        WATCHED_PIDS.add(process.pid)
    store.mark_started(job.id, process.pid, shlex.join(command))
    if on_exit:
        watcher = threading.Thread(
            target=_watch,
            args=(process, job.id, job_marker(job.id), store, on_exit),
            daemon=True,
            name=f"job-{job.id}",
        )
        watcher.start()
    logger.info("started training job %s (pid %s)", job.id, process.pid)
    return store.get(job.id)


def _watch(process: subprocess.Popen, job_id: int, marker: str, store: JobStore, on_exit: Callable[[], None]) -> None:
    code = process.wait()  # also reaps the child, so it never lingers as a zombie
    try:
        # The launcher is gone; its workers go too, before the job is recorded as ended and the next one starts.
        # The marker the job started with: read now it would follow a data directory changed meanwhile (tests do),
        # and end another job of the same number.
        end_job_processes(job_id, marker=marker)
        _record_exit(code, job_id, store, process.pid)
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


def _record_exit(code: int, job_id: int, store: JobStore, pid: int) -> None:
    try:
        job = store.get(job_id)
    except LookupError:  # deleted meanwhile: nothing to record
        return
    # Only the run this watcher started: a job stopped and resumed meanwhile runs again under another process, and
    # this late record would fail that new run.
    if job.status != RUNNING or job.pid != pid:
        return
    if job.stop_requested:
        store.mark_cancelled(job_id, f"stopped by the user at step {job.step}", expected=(RUNNING,))
        return
    tail = job.log_tail(5)
    if name := (signal.Signals(-code).name if code < 0 else _signal_in_log(tail)):
        # Killed by a signal we did not send: kill -9, or the kernel's out-of-memory killer. The run failed, and its
        # reason is known; `interrupted` is kept for a death nobody saw (`check_alive` finds the pid gone).
        hint = " (kill -9, or the system's out-of-memory killer)" if name == "SIGKILL" else ""
        store.mark_failed(
            job_id, f"training process killed by {name}{hint}\n{tail}", ErrorCategory.KILLED, expected=(RUNNING,)
        )
    else:
        reason = f"training process exited with code {code} without reporting a result"
        store.mark_failed(job_id, f"{reason}\n{tail}", ErrorCategory.CRASHED, expected=(RUNNING,))


def terminate(job: Job, store: JobStore, grace_s: float) -> None:
    """Give a stopping job `grace_s` seconds to save and exit, then end its processes (SIGTERM, then SIGKILL),
    and mark it cancelled if it is still marked running. Only processes carrying the job's marker are signalled."""
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and job_processes(job.id):
        time.sleep(0.2)
    end_job_processes(job.id)  # accelerate's launcher and every worker, even those in a session of their own
    try:
        latest = store.get(job.id)
    except LookupError:  # deleted meanwhile
        return
    if latest.status == RUNNING:
        store.mark_cancelled(
            job.id, f"stopped by the user at step {latest.step} (process terminated)", expected=(RUNNING,)
        )
