"""What finished jobs offer the rest of the app: their models for the dropdowns, what each trained on, their
timings for plans, and the command that trains a job again anywhere.

Kept apart from `store` (the database alone), which the CLI and the training child import without the model code.
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from engine.common.errors import StudioError
from engine.datasets.columns import LABEL, TEXT, TEXT_PAIR
from engine.jobs.store import COMPLETED, DatabaseBusyError, DatabaseUnavailableError, Job, JobStore
from engine.models.refs import JOB, LOCAL, job_model_dir, parse_model_ref
from engine.models.scratch import SIZES
from engine.training.config import TrainConfig
from engine.training.failures import ErrorCategory
from engine.training.plan import PastRun
from engine.training.reproduce import Reproduction, reproduction

logger = logging.getLogger(__name__)

TRAINING_CONFIG_FILE = "training_config.json"  # written beside every trained model (engine.training.run)


def past_runs(store: JobStore | None = None) -> list[PastRun]:
    """The completed runs that can tell how fast a model trains on a device, newest first (for plans)."""
    return [
        PastRun(
            run_id=job.id,
            model=str(job.config.get("model")),
            device=job.device,
            steps=job.total_steps,
            seconds=job.duration,
            batch_size=job.config.get("batch_size", 16),
            max_length=job.config.get("max_length", 128),
        )
        for job in (store or JobStore()).list(status=COMPLETED)
        if job.total_steps and job.duration
    ]


def model_choices(store: JobStore | None = None) -> list[str]:
    """The model references offered in dropdowns: the scratch starters, then completed jobs, newest first.

    Without a usable job database only the scratch starters: the tabs that offer them work without one.
    """
    try:
        finished = [f"job:{job.id}" for job in (store or JobStore()).list(status=COMPLETED)]
    except (DatabaseUnavailableError, DatabaseBusyError) as error:
        logger.warning("no trained models offered: %s", error)
        finished = []
    return [f"scratch:{size}" for size in SIZES] + finished


@dataclass(frozen=True)
class TrainedOn:
    """The dataset a model was fine-tuned on, which column played each role (None: the default was used), and who
    started the job (None when not known), who alone may see a dataset that is a file on the server."""

    dataset: str
    config: str | None
    columns: dict[str, str | None]
    owner: str | None = None


def _trained_on(settings: dict, owner: str | None = None) -> TrainedOn | None:
    if not isinstance(settings.get("dataset"), str):
        return None
    columns = {TEXT: "text_column", TEXT_PAIR: "text_pair_column", LABEL: "label_column"}
    return TrainedOn(
        dataset=settings["dataset"],
        config=settings.get("dataset_config"),
        columns={role: settings.get(key) for role, key in columns.items()},
        owner=owner,
    )


def trained_on(model: str, store: JobStore | None = None) -> TrainedOn | None:
    """What `model` was fine-tuned on: a `job:<id>` from its job's settings, or a model folder from the
    `training_config.json` saved beside it (a job whose row is gone, a run trained with `--output-dir`).

    Returns None for models the studio did not train (Hub ids, other folders, scratch starters) and for a
    reference it cannot read: the caller keeps its own choice then.
    """
    try:
        ref = parse_model_ref(model)
    except StudioError:
        return None
    if ref.kind not in (JOB, LOCAL):
        return None
    try:
        if ref.kind == JOB:
            try:
                job = (store or JobStore()).get(int(ref.name))
                return _trained_on(job.config, job.owner)
            except StudioError:  # no such row, or no database: the model folder says
                folder = job_model_dir(int(ref.name))
        else:
            folder = Path(ref.name)
        return _trained_on(json.loads((folder / TRAINING_CONFIG_FILE).read_text()))
    except (StudioError, OSError, ValueError, AttributeError):  # no model folder, no readable settings file
        return None


def job_reproduction(job: Job) -> Reproduction | None:
    """The commands that train `job` again on any machine, or None when its stored settings cannot be read (a
    damaged row, or settings this version no longer accepts). The app's job details and `python -m engine job`
    both show these."""
    if job.error_category == ErrorCategory.CORRUPT:
        return None
    try:
        return reproduction(TrainConfig.from_dict(job.config), f"run-{job.id}")
    except (StudioError, TypeError):
        return None


def resumed_from_step(job: Job) -> int:
    """The step the job's current run started from: its checkpoint's step after a resume, else 0."""
    checkpoint = Path(job.config.get("resume_from_checkpoint") or "").name
    step = checkpoint.removeprefix("checkpoint-")
    return int(step) if step.isascii() and step.isdigit() else 0


@dataclass(frozen=True)
class RunSpeed:
    """How fast the job's current run goes, counted from its (last) start: a resume starts the clock again at the
    checkpoint's step, so the steps trained before it do not make the run look faster than it is."""

    steps: int  # steps done since this run started
    seconds: float  # since this run started (start-up included: the speed is a lower bound)
    samples_per_second: float
    remaining_seconds: float | None  # None before the first step, or when the total is unknown


def run_speed(job: Job) -> RunSpeed | None:
    """The current run's speed and time left, or None before it has done a step since its (last) start."""
    elapsed = job.duration
    steps = job.step - resumed_from_step(job)
    if not elapsed or steps <= 0:
        return None
    rows = steps * job.config.get("batch_size", 16) * job.config.get("gradient_accumulation_steps", 1)
    remaining = elapsed / steps * (job.total_steps - job.step) if job.total_steps >= job.step else None
    return RunSpeed(steps=steps, seconds=elapsed, samples_per_second=rows / elapsed, remaining_seconds=remaining)
