"""What finished jobs offer the rest of the app: their models for the dropdowns, their timings for plans.

Kept apart from `store` (the database alone), which the CLI and the training child import without the model code.
"""

import logging

from engine.jobs.store import COMPLETED, DatabaseBusyError, DatabaseUnavailableError, JobStore
from engine.models.scratch import SIZES
from engine.training.plan import PastRun

logger = logging.getLogger(__name__)


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
