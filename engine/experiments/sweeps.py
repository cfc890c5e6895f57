"""A sweep: a named group of ordinary jobs in the queue, and what it found.

`start_sweep` checks the base run and every trial's settings, records the sweep (its spec in the `sweeps` table,
its study in `optuna.sqlite3`) and queues all its jobs at once; each is a normal job that can be stopped, resumed
and cloned, and the queue runs them one after another (`STUDIO_JOBS_PER_DEVICE` at a time). A TPE job's settings
are asked of Optuna when it starts (`engine.jobs.trials`). Nothing lives in the server's memory: a restarted
server, or none at all, finds the sweep where it was. `sweep_report` lists the trials sorted by the metric, the
best, each setting's importance and the seed spread of each setting combination.
"""

import logging
from dataclasses import asdict, dataclass, field, replace

from engine.common.access import OPERATOR, Requester, check_may_manage, check_may_train
from engine.common.errors import NotAllowedError, StudioError
from engine.common.settings import settings
from engine.experiments import study
from engine.experiments.seeds import SeedSpread, seed_spreads
from engine.experiments.sweep_spec import SweepSpec
from engine.jobs import queue, trials
from engine.jobs.actions import stop_job
from engine.jobs.launcher import launch_plan
from engine.jobs.process import check_alive
from engine.jobs.store import ACTIVE, CANCELLED, COMPLETED, FAILED, INTERRUPTED, Job, JobStore
from engine.training.config import TrainConfig

logger = logging.getLogger(__name__)
# TPE draws its first trials at random, then models the rest on them: with a short sweep, a third at random.
TPE_STARTUP_SHARE = 3


@dataclass(frozen=True)
class StartedSweep:
    """A sweep just queued: its id, name and the ids of its jobs in trial order."""

    sweep_id: int
    name: str
    job_ids: list[int]
    description: str


def _metric(base: TrainConfig, chosen: str | None) -> tuple[str, bool]:
    """The metric a sweep ranks by and whether more is better: the chosen one, keep-best's, else the task's."""
    from engine.tasks.registry import get_task
    from engine.training.recipe import best_model_metric

    task = get_task(base.task)
    return best_model_metric(replace(base, metric_for_best_model=chosen or base.metric_for_best_model), task)


def _check_trials(spec: SweepSpec, base: TrainConfig) -> list[TrainConfig]:
    """Each job's config, every distinct one checked as a launch would (a seed alone changes nothing checked)."""
    from engine.training.checks import check_config

    checked: dict[str, TrainConfig] = {}
    configs = []
    for varied in spec.trial_settings():
        config = replace(base, **varied)
        key = repr(replace(config, seed=0))
        if key not in checked:
            checked[key] = check_config(config).config
        configs.append(replace(checked[key], seed=config.seed))
    return configs


def _job_name(sweep_name: str, number: int, settings: dict) -> str:
    shown = ", ".join(f"{name}={value}" for name, value in settings.items())
    return f"{sweep_name} #{number}{': ' + shown if shown else ''}"[:100]


def start_sweep(spec: SweepSpec, store: JobStore | None = None, requester: Requester = OPERATOR) -> StartedSweep:
    """Check the sweep, record it and queue all its jobs; the queue starts them as devices free.

    Raises:
        NotAllowedError: `STUDIO_TRAINING` does not let this requester train.
        StudioError: a setting a run cannot take, a dataset or model that does not fit, or more jobs than
            `STUDIO_MAX_QUEUED_JOBS` leaves room for (nothing is recorded then).
    """
    from engine.training.checks import check_config
    from engine.training.hardware import training_device

    check_may_train(requester)
    store = store or JobStore()
    launch_plan()  # an accelerate config this machine cannot honour is refused now
    base = check_config(spec.base).config
    configs = _check_trials(spec, base)
    metric, greater_is_better = _metric(base, spec.metric)
    spec = replace(spec, base=base, metric=metric)
    stored = spec.to_dict() | {
        "direction": "maximize" if greater_is_better else "minimize",
        "prune": spec.pruning,
        "seed": base.seed,
        "startup_trials": max(1, (spec.trials or 0) // TPE_STARTUP_SHARE),
        "distributions": study.distributions(spec),
    }
    with queue.ADMISSION:  # the room for every job is checked and taken as one step
        _check_room(store, spec.job_count())
        name = spec.name or f"{spec.strategy} sweep of {', '.join(spec.varied())}"
        sweep_id = store.create_sweep(stored, name[:100], requester.owner)
        study.create_study(sweep_id, greater_is_better)
        device, jobs = training_device(), []
        for number, (varied, config) in enumerate(zip(spec.trial_settings(), configs, strict=True)):
            job_name = _job_name(name, number + 1, varied)
            config = replace(config, name=job_name)
            job = store.create(config.to_dict(), job_name, device, requester.owner, sweep=(sweep_id, number))
            jobs.append(job.id)
    queue.advance_queue(store)
    return StartedSweep(sweep_id, name, jobs, spec.describe())


def _check_room(store: JobStore, wanted: int) -> None:
    limit = settings().max_queued_jobs
    active = sum(len(store.list(status=status)) for status in ACTIVE)
    if active + wanted > limit:
        raise StudioError(
            f"this sweep queues {wanted} jobs and {active} are already queued or running; the server takes at most "
            f"{limit} (STUDIO_MAX_QUEUED_JOBS): fewer trials or seeds, or wait for running jobs to finish"
        )


def stop_sweep(sweep_id: int, store: JobStore | None = None, requester: Requester = OPERATOR) -> list[Job]:
    """Stop a whole sweep: its queued jobs are cancelled at once, its running ones stop after their current step
    (each saves a checkpoint and can be resumed like any job).

    Raises:
        NotFoundError: no such sweep.
        NotAllowedError: the requester neither started the sweep nor is an operator.
    """
    store = store or JobStore()
    sweep = store.sweep(sweep_id)
    try:
        check_may_manage(sweep["owner"], sweep_id, "stop", requester)
    except NotAllowedError:  # its message names a job
        raise NotAllowedError(
            f"sweep {sweep_id} was started by someone else; only the session or user that started it, or an "
            "operator, can stop it"
        ) from None
    store.request_sweep_stop(sweep_id)
    # Queued ones first: stopping a running one moves the queue, which would start the next.
    jobs = sorted(store.sweep_jobs(sweep_id), key=lambda job: job.status != "queued")
    for job in jobs:
        if store.get(job.id).status in ACTIVE:
            try:
                stop_job(job.id, store, requester=requester)
            except StudioError as error:  # it finished meanwhile
                logger.info("sweep %s: job %s not stopped: %s", sweep_id, job.id, error)
    return store.sweep_jobs(sweep_id)


@dataclass(frozen=True)
class TrialRow:
    """One job of a sweep, as the sweep page lists it."""

    job_id: int
    number: int
    status: str
    settings: dict
    value: float | None
    step: int
    total_steps: int
    error: str | None = None


@dataclass
class SweepReport:
    """A sweep and what it found: trials sorted by the metric (finished ones first), the best, the importance of
    each setting (and how it was measured), the metric per value of each setting, and the seed spreads."""

    sweep_id: int
    name: str
    status: str  # running, stopped or finished
    strategy: str
    metric: str
    direction: str
    description: str
    trials: list[TrialRow]
    counts: dict[str, int]
    best: TrialRow | None
    importance: dict[str, float]
    importance_method: str
    breakdown: dict[str, list[dict]] = field(default_factory=dict)
    seeds: list[SeedSpread] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        done = self.counts.get(COMPLETED, 0)
        lines = [f"sweep {self.sweep_id} ({self.name}): {self.status}, {done}/{len(self.trials)} completed"]
        if self.best:
            lines.append(
                f"best: job {self.best.job_id} {self.metric} {self.best.value:.4f} with {_settings(self.best)}"
            )
        return "\n".join(lines)


def _settings(row: TrialRow) -> str:
    return ", ".join(f"{name}={value}" for name, value in row.settings.items()) or "the base settings"


def _status(jobs: list[Job], stopped: bool) -> str:
    if any(job.status in ACTIVE for job in jobs):
        return "running"
    return "stopped" if stopped else "finished"


def _settle(jobs: list[Job], store: JobStore) -> None:
    """Tell the study about trials whose child ended without telling it (killed, or stopped by terminating it)."""
    for job in jobs:
        if job.status in (FAILED, CANCELLED, INTERRUPTED) and job.optuna_trial is not None:
            try:
                trials.tell(job, store)
            except Exception:  # the report still lists the job; the study hears of it on the next look
                logger.warning("sweep %s: could not tell job %s's trial", job.sweep_id, job.id, exc_info=True)


def sweep_report(sweep_id: int, store: JobStore | None = None) -> SweepReport:
    """Read a sweep: its trials sorted by the metric, the best, each setting's importance and the seed spreads.

    Raises:
        NotFoundError: no such sweep.
    """
    store = store or JobStore()
    sweep = store.sweep(sweep_id)
    spec_values = sweep["spec"]
    spec = SweepSpec.from_dict(spec_values)
    jobs = [check_alive(job, store) for job in store.sweep_jobs(sweep_id)]
    _settle(jobs, store)
    varied = spec.varied()
    maximize = spec_values["direction"] == "maximize"
    rows = [
        TrialRow(
            job_id=job.id,
            number=(job.sweep_trial or 0) + 1,
            status=job.status,
            settings={name: job.config.get(name) for name in varied},
            value=job.metrics.get(spec.metric) if job.status == COMPLETED else None,
            step=job.step,
            total_steps=job.total_steps,
            error=(job.error or "").splitlines()[0] if job.error else None,
        )
        for job in jobs
    ]
    finished = [row for row in rows if row.value is not None]
    finished.sort(key=lambda row: -row.value if maximize else row.value)
    ordered = finished + [row for row in rows if row.value is None]
    results = [(row.settings, row.value) for row in finished]
    # Only the seed varied (a run repeated with seeds): no setting to rank, the seed spread is the answer.
    table = study.breakdown(results, [name for name in varied if name != "seed"])
    if spec.strategy == "tpe":
        importance, method = study.optuna_importance(spec_values, sweep_id), "Optuna (fANOVA)"
    else:
        importance, method = study.breakdown_importance(table), "the range of the metric's mean per value"
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return SweepReport(
        sweep_id=sweep_id,
        name=sweep["name"],
        status=_status(jobs, sweep["stop_requested"]),
        strategy=spec.strategy,
        metric=spec.metric,
        direction=spec_values["direction"],
        description=spec.describe(),
        trials=ordered,
        counts=counts,
        best=finished[0] if finished else None,
        importance=importance,
        importance_method=method,
        breakdown={name: [asdict(row) for row in rows] for name, rows in table.items()},
        seeds=seed_spreads(results) if "seed" in varied else [],  # repeated with seeds, or seed varied by hand
    )


def list_sweeps(store: JobStore | None = None) -> list[dict]:
    """Every sweep, newest first: id, name, status, strategy, jobs, completed, the metric and the best value."""
    store = store or JobStore()
    listed = []
    for sweep_id in store.sweep_ids():
        sweep = store.sweep(sweep_id)
        jobs = store.sweep_jobs(sweep_id)
        spec = sweep["spec"]
        values = [
            job.metrics[spec["metric"]] for job in jobs if job.status == COMPLETED and spec["metric"] in job.metrics
        ]
        best = (max if spec["direction"] == "maximize" else min)(values) if values else None
        listed.append(
            {
                "sweep_id": sweep_id,
                "name": sweep["name"],
                "status": _status(jobs, sweep["stop_requested"]),
                "strategy": spec["strategy"],
                "jobs": len(jobs),
                "completed": sum(job.status == COMPLETED for job in jobs),
                "metric": spec["metric"],
                "best": best,
            }
        )
    return listed
