"""Any run repeated with N seeds: a sweep over the seed alone, whose report gives the run's mean ± spread.

The repeats are N new jobs with the run's stored settings and the seeds S, S + 1, ..., S + N - 1, where S is the
run's own seed. The first repeat is the run again, seed included; the others show how far the seed alone moves the
metric: the spread a difference between settings must beat. The run itself is left as it is and outside the sweep
(it may belong to another sweep), so the sweep's N runs are the sample the mean ± spread is measured on.
"""

from dataclasses import replace

from engine.common.access import OPERATOR, Requester, check_may_train
from engine.common.errors import StudioError
from engine.experiments.sweep_spec import MAX_SEEDS, SweepSpec
from engine.experiments.sweeps import StartedSweep, start_sweep
from engine.jobs.store import Job, JobStore
from engine.training.config import TrainConfig

MIN_REPEATS = 2  # one run has no spread


def check_repeats(seeds: object) -> int:
    """The number of repeats, checked.

    Raises:
        StudioError: not a whole number in [MIN_REPEATS, MAX_SEEDS], naming `seeds`.
    """
    if isinstance(seeds, float) and seeds.is_integer():
        seeds = int(seeds)
    if not isinstance(seeds, int) or isinstance(seeds, bool) or not MIN_REPEATS <= seeds <= MAX_SEEDS:
        raise StudioError(f"seeds must be a whole number in [{MIN_REPEATS}, {MAX_SEEDS}], not {seeds!r}")
    return seeds


def repeatable_config(job: Job, store: JobStore) -> TrainConfig:
    """The settings `job` trained with (or will train with), as a fresh run's: from the start, not a checkpoint.

    Raises:
        StudioError: the stored settings cannot be read as a run's, or the job is a TPE trial that has not started
            (Optuna chooses its settings when it starts).
    """
    unbound = job.sweep_id is not None and job.optuna_trial is None
    if unbound and store.sweep(job.sweep_id)["spec"]["strategy"] == "tpe":
        raise StudioError(
            f"job {job.id} is a TPE trial that has not started: Optuna chooses its settings when it starts, so "
            "there is nothing to repeat yet"
        )
    try:
        config = TrainConfig.from_dict(job.config)
    except (StudioError, TypeError, ValueError) as error:  # a row written by another version, or edited by hand
        raise StudioError(f"job {job.id}'s settings cannot be read as a run's: {error}") from None
    return replace(config, resume_from_checkpoint=None, name=None)


def repeat_with_seeds(
    job_id: int, seeds: int, store: JobStore | None = None, requester: Requester = OPERATOR
) -> StartedSweep:
    """Start a sweep that runs job `job_id`'s settings with `seeds` seeds, the job's own first, named
    "<job name> × N seeds"; like a clone, anyone who may train may repeat any job they see, and the sweep is theirs.

    Raises:
        NotAllowedError: `STUDIO_TRAINING` does not let this requester train.
        NotFoundError: no such job.
        StudioError: `seeds` out of range, settings that cannot be read, and every error of `start_sweep`.
    """
    check_may_train(requester)
    seeds = check_repeats(seeds)
    store = store or JobStore()
    job = store.get(job_id)
    base = repeatable_config(job, store)
    label = job.name or f"job {job.id}"
    name = f"{label[: 100 - len(f' × {seeds} seeds')]} × {seeds} seeds"  # the seeds stay in a long name
    return start_sweep(SweepSpec(base=base, seeds=seeds, name=name), store, requester)
