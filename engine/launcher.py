"""Starting training jobs as child processes through `accelerate launch`, and watching them.

The child gets its own process group (so stopping it stops every worker it spawned) and writes all output
to the job's `train.log` from the first byte: an unread pipe would fill up and hang the training.
"""

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from accelerate.commands.config import default_config_file

from engine.jobs import ACTIVE, Job, JobStore
from engine.models import HUB, JOB, LOCAL, job_model_dir, parse_model_ref, resolve_model
from engine.paths import REPO_ROOT, data_dir
from engine.train_config import TrainConfig
from engine.train_data import prepare_training_data

logger = logging.getLogger(__name__)


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
    return command + ["-m", "engine.train_worker", str(job_id)]


def check_config(config: TrainConfig) -> TrainConfig:
    """Check a config against its dataset and model before any process starts; return it with defaults filled.

    Raises:
        ValueError, FileNotFoundError, LookupError, HubUnreachableError: with a message naming the problem.
    """
    resolved = config.with_defaults()
    prepare_training_data(resolved)
    ref = parse_model_ref(resolved.model)
    if ref.kind == JOB:
        job_model_dir(int(ref.name))
    elif ref.kind in (HUB, LOCAL):
        resolve_model(ref, corpus=list)
    # The child runs from the repository root: relative paths must not depend on where the user started.
    dataset = Path(resolved.dataset).expanduser()
    return replace(
        resolved,
        dataset=str(dataset.resolve()) if dataset.exists() else resolved.dataset,
        model=ref.name if ref.kind == LOCAL else resolved.model,
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
    job = store.get(job_id)
    if job.status in ACTIVE:
        reason = f"training process exited with code {code} without reporting a result"
        store.mark_failed(job_id, f"{reason}\n{job.log_tail(5)}")


def start_job(config: TrainConfig, store: JobStore | None = None) -> Job:
    """Check `config`, record a job and start its training child; return at once.

    Raises:
        ValueError, FileNotFoundError, LookupError, HubUnreachableError: the config cannot train (nothing
        is recorded then).
    """
    store = store or JobStore()
    resolved = check_config(config)
    job = store.create(resolved.to_dict())
    with job.log_path.open("ab") as log:
        process = subprocess.Popen(
            launch_command(job.id),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=_child_environment(),
            cwd=str(REPO_ROOT),
        )
    store.mark_started(job.id, process.pid)
    threading.Thread(target=_watch, args=(process, job.id, store), daemon=True, name=f"job-{job.id}").start()
    logger.info("started training job %s (pid %s)", job.id, process.pid)
    return store.get(job.id)


def wait_for_job(
    job_id: int, store: JobStore | None = None, on_progress: Callable[[Job], None] | None = None, poll_s: float = 1.0
) -> Job:
    """Block until the job is no longer active, calling `on_progress` whenever its step changes."""
    store = store or JobStore()
    last_step = -1
    while True:
        job = store.refresh(store.get(job_id))
        if on_progress and job.step != last_step:
            on_progress(job)
            last_step = job.step
        if job.status not in ACTIVE:
            return job
        time.sleep(poll_s)
