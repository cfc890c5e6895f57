"""A sweep's job as an Optuna trial: asked for its settings when it starts, reporting each evaluation to the
pruner, told how it ended.

Every sweep (`engine.experiments.sweeps`) has an Optuna study in `optuna.sqlite3` beside the job database, named
after the sweep. The training child of a sweep's job binds to one trial of that study (`begin`): a grid or random
trial is asked with its settings fixed in advance (enqueued), a TPE trial lets the sampler choose them, when its
slot in the queue frees, from every trial told so far. While it trains, each evaluation is reported to the trial;
when the pruner says the trial trails the others, the run stops as a user's stop would, and the job is recorded as
`pruned`. When the job ends, its value (or its failure) is told (`tell`). Everything lives in the two SQLite files,
so a restarted server, the CLI and the next child all see the same sweep.

The sweep's spec, stored in its row, carries what this module needs as plain JSON: the Optuna distributions of the
settings varied (`distributions`), the metric and its direction, the strategy, the pruner's switch and the seed.
"""

from __future__ import annotations

import fcntl
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.common.errors import StudioError
from engine.common.paths import data_dir
from engine.jobs.store import ACTIVE, COMPLETED, PRUNED, Job, JobStore
from engine.training.events import EvalEvent

if TYPE_CHECKING:
    import optuna

logger = logging.getLogger(__name__)
STUDY_FILE = "optuna.sqlite3"
# The pruner compares a trial with the median of the finished trials at the same evaluation, from the first one on:
# a sweep has few trials, and a trial that cannot learn shows it at its first evaluation.
PRUNER_STARTUP_TRIALS = 1
BINDING_TIMEOUT_S = 300.0  # the main process loads Optuna and asks the study: seconds, or minutes on a busy machine


def study_name(sweep_id: int) -> str:
    return f"sweep-{sweep_id}"


def study_storage() -> str:
    """The Optuna storage URL of every sweep's study: a SQLite file beside the job database."""
    return f"sqlite:///{data_dir() / STUDY_FILE}"


@contextmanager
def _asking():
    """One ask at a time across processes: an enqueued trial is taken by the job it was enqueued for."""
    with (data_dir() / "optuna.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_study(spec: dict, sweep_id: int, seed_offset: int = 0) -> optuna.Study:
    """The sweep's study, with the sampler and pruner its spec names (Optuna stores neither)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # Each child builds its own sampler: the same seed in every child would draw the same first settings.
    seed = int(spec.get("seed", 0)) + seed_offset
    if spec["strategy"] == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=int(spec.get("startup_trials", 2)))
    else:
        sampler = optuna.samplers.RandomSampler(seed=seed)  # only ever asked for enqueued (fixed) settings
    pruner = optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=0)
    if not spec.get("prune"):
        pruner = optuna.pruners.NopPruner()
    return optuna.load_study(study_name=study_name(sweep_id), storage=study_storage(), sampler=sampler, pruner=pruner)


def distributions(spec: dict) -> dict:
    from optuna.distributions import json_to_distribution

    return {name: json_to_distribution(text) for name, text in spec["distributions"].items()}


def _trial_settings(spec: dict, config: dict) -> dict:
    """The settings of a job's config that the sweep varies, as Optuna params (a model reference, a number)."""
    return {name: config[name] for name in spec["distributions"]}


@dataclass
class TrialBinding:
    """A running job's Optuna trial: the evaluations reported to it, and whether the pruner stopped it."""

    trial: optuna.Trial
    metric: str
    pruned_at: int | None = None
    reported: list[float] = field(default_factory=list)

    @property
    def pruned(self) -> bool:
        return self.pruned_at is not None

    def report(self, event: object) -> None:
        """Report an evaluation's metric; ask the pruner whether this trial should stop."""
        if not isinstance(event, EvalEvent) or self.metric not in event.values or self.pruned:
            return
        value = float(event.values[self.metric])
        self.reported.append(value)
        # Evaluations are numbered 1, 2, 3...: trials with other batch sizes evaluate at other optimizer steps.
        try:
            self.trial.report(value, len(self.reported))
            if self.trial.should_prune():
                self.pruned_at = event.step
        except Exception:  # a trial told already (a resumed job): the run goes on without pruning
            logger.warning("trial %s: reporting to Optuna failed", self.trial.number, exc_info=True)


def begin(job: Job, store: JobStore) -> tuple[Job, TrialBinding | None]:
    """Bind a sweep's job to its Optuna trial, asking the study for it on the job's first start.

    A TPE trial's settings are chosen now, written into the job's config and row; a grid or random trial's were
    fixed when the sweep was made and are enqueued for this ask. A job outside any sweep has no trial.

    Returns:
        The job as it will train (its config holding the trial's settings) and its binding, or None.
    """
    if job.sweep_id is None:
        return job, None
    import optuna

    sweep = store.sweep(job.sweep_id)
    spec = sweep["spec"]
    study = load_study(spec, job.sweep_id, seed_offset=job.sweep_trial or 0)
    if job.optuna_trial is not None:  # resumed: the same trial goes on
        return job, TrialBinding(optuna.Trial(study, job.optuna_trial), spec["metric"])
    wanted = distributions(spec)
    with _asking():
        if spec["strategy"] != "tpe":
            study.enqueue_trial(_trial_settings(spec, job.config), skip_if_exists=False)
        trial = study.ask(wanted)
    config = {**job.config, **trial.params}
    store.bind_trial(job.id, trial._trial_id, config)
    logger.info("sweep %s trial %s: %s", job.sweep_id, trial.number, trial.params)
    return store.get(job.id), TrialBinding(trial, spec["metric"])


def wait_for_binding(job: Job, store: JobStore, timeout_s: float = BINDING_TIMEOUT_S) -> Job:
    """In a job's other processes (several GPUs): the job once the main process has bound its trial, so that every
    process trains with the settings the trial chose.

    Raises:
        StudioError: the main process bound no trial within `timeout_s` seconds.
    """
    deadline = time.monotonic() + timeout_s
    while job.sweep_id is not None and job.optuna_trial is None:
        if time.monotonic() > deadline:
            raise StudioError(f"job {job.id}: its sweep trial was not bound within {timeout_s:.0f} s")
        time.sleep(0.5)
        job = store.get(job.id)
    return job


def tell(job: Job, store: JobStore) -> None:
    """Tell the job's Optuna trial how the job ended: its metric when it completed, pruned, or failed otherwise.

    Called by the child as it ends and by whoever reads a sweep (a child killed without a word told nothing);
    a trial told already is left as it is.
    """
    if job.sweep_id is None or job.optuna_trial is None or job.status in ACTIVE:
        return
    import optuna
    from optuna.trial import TrialState

    spec = store.sweep(job.sweep_id)["spec"]
    study = load_study(spec, job.sweep_id)
    trial = optuna.Trial(study, job.optuna_trial)
    value = job.metrics.get(spec["metric"])
    if job.status == COMPLETED and value is not None:
        study.tell(trial, float(value), skip_if_finished=True)
    else:
        state = TrialState.PRUNED if job.status == PRUNED else TrialState.FAIL
        study.tell(trial, state=state, skip_if_finished=True)
