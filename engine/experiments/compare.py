"""Several runs side by side: which to compare, the settings they differ in, and which is best and by how much.

The verdict answers the question a sweep leaves: is the best run better, or lucky? Its margin over the runner-up is
set against the seed-to-seed spread, measured on runs that differ only by their seed; without such runs the spread
is unknown and the verdict says how to measure it.
"""

import json
import math
from dataclasses import dataclass, field

from engine.common.errors import StudioError
from engine.experiments.curves import Series, run_series, samples_per_step
from engine.jobs.store import Job, JobStore

MAX_COMPARED_RUNS = 50  # a chart with more curves than this is unreadable, and each run's events are read
# Settings that name a run rather than change what it learns: runs equal but for these are repeats of one setting.
RUN_IDENTITY = ("seed", "name", "resume_from_checkpoint")
NOT_SETTINGS = ("name",)  # the table's columns and the legend already name each run
# Errors and losses: lower is better (the same names as engine.training.recipe, which loads torch to be imported).
LOWER_IS_BETTER = ("loss", "mse", "rmse", "mae")
# The metric compared when none is named: each task's best metric, in this order, else the validation loss.
PREFERRED_METRICS = ("f1", "f1_micro", "rmse", "exact_match", "accuracy", "loss")


@dataclass(frozen=True)
class RunFilter:
    """Which runs to compare, by what they are: each given field must be contained in the run's (any case)."""

    name: str = ""
    status: str = ""
    dataset: str = ""
    model: str = ""
    sweep_id: str = ""

    def matches(self, job: Job) -> bool:
        found = {
            "name": job.name or job.config.get("name") or "",
            "status": job.status,
            "dataset": job.config.get("dataset", ""),
            "model": job.config.get("model", ""),
        }
        if any(wanted.strip().lower() not in str(found[key]).lower() for key, wanted in self._wanted()):
            return False
        # The sweeps add a `sweep_id` to the job rows; a database without them has no run in any sweep.
        return not self.sweep_id.strip() or str(getattr(job, "sweep_id", None)) == self.sweep_id.strip()

    def _wanted(self) -> list[tuple[str, str]]:
        pairs = [("name", self.name), ("status", self.status), ("dataset", self.dataset), ("model", self.model)]
        return [(key, value) for key, value in pairs if value.strip()]

    @property
    def empty(self) -> bool:
        return not (self._wanted() or self.sweep_id.strip())


def select_jobs(store: JobStore, job_ids: list[int] | None = None, run_filter: RunFilter | None = None) -> list[Job]:
    """The runs to compare, oldest first: those picked by id, and those the filter matches (when it says anything).

    Raises:
        NotFoundError: a picked id is no job.
        StudioError: nothing selected, or more than `MAX_COMPARED_RUNS`.
    """
    picked = {int(job_id): store.get(int(job_id)) for job_id in job_ids or []}
    if run_filter is not None and not run_filter.empty:
        picked |= {job.id: job for job in store.list() if run_filter.matches(job)}
    if not picked:
        raise StudioError("no runs to compare: pick runs, or filter them by name, status, dataset, model or sweep")
    if len(picked) > MAX_COMPARED_RUNS:
        raise StudioError(
            f"the selection holds {len(picked)} runs; compare at most {MAX_COMPARED_RUNS}: narrow the filter"
        )
    return [picked[job_id] for job_id in sorted(picked)]


def shown(value: object) -> str:
    """A setting's value as the table shows it: `none` for unset, JSON for a mapping or a list."""
    if value is None:
        return "none"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def settings_rows(configs: dict[int, dict], show_all: bool = False) -> list[list[str]]:
    """One row per setting, `[setting, value in each run...]` in the order of `configs`: only the settings whose
    values differ between the runs, or every setting with `show_all` (the run's name is its column's header)."""
    keys = sorted({key for config in configs.values() for key in config} - set(NOT_SETTINGS))
    rows = []
    for key in keys:
        values = [shown(config.get(key)) for config in configs.values()]
        if show_all or len(set(values)) > 1:
            rows.append([key, *values])
    return rows


def greater_is_better(metric: str) -> bool:
    """Whether a higher value of `metric` is better (scores), or a lower one (losses and errors)."""
    return not any(metric == name or metric.endswith(f"_{name}") for name in LOWER_IS_BETTER)


def run_value(job: Job, events: list[dict], metric: str) -> float | None:
    """The run's validation `metric`: its final one when it finished, else its latest evaluation's (a running or
    stopped run); None when it has none."""
    value = job.metrics.get(metric)
    if value is None:
        value = next((e.get(metric) for e in reversed(events) if e.get("kind") == "eval" and metric in e), None)
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def default_metric(jobs: list[Job]) -> str:
    """The metric to compare by when none is named: the one the runs select their best model by, else the first of
    `PREFERRED_METRICS` a run has."""
    chosen = {job.config.get("metric_for_best_model") for job in jobs} - {None}
    if len(chosen) == 1:
        return chosen.pop()
    found = {name for job in jobs for name in job.metrics}
    return next((name for name in PREFERRED_METRICS if name in found), "loss")


def setting_of(config: dict) -> str:
    """What a run tried, as one comparable text: its settings without those that only name or repeat it."""
    return json.dumps({key: value for key, value in config.items() if key not in RUN_IDENTITY}, sort_keys=True)


def seed_groups(configs: dict[int, dict]) -> list[list[int]]:
    """Runs that differ only by their seed (and name), as groups of two or more ids."""
    groups: dict[str, list[int]] = {}
    for job_id, config in configs.items():
        groups.setdefault(setting_of(config), []).append(job_id)
    return [ids for ids in groups.values() if len(ids) > 1]


@dataclass(frozen=True)
class Spread:
    """The seed-to-seed spread: the largest range (max − min) of the metric within one group of seed repeats."""

    value: float
    runs: list[int]  # the repeats it was measured on


def seed_spread(values: dict[int, float], configs: dict[int, dict]) -> Spread | None:
    """The widest spread of `values` among runs that differ only by seed; None when no two such runs have a value."""
    found = []
    for group in seed_groups({job_id: configs[job_id] for job_id in values}):
        scores = [values[job_id] for job_id in group]
        found.append(Spread(max(scores) - min(scores), group))
    return max(found, key=lambda spread: spread.value, default=None)


@dataclass(frozen=True)
class Verdict:
    """The best run by one metric, its margin over the runner-up and what that margin is worth."""

    metric: str
    greater_is_better: bool
    ranking: list[tuple[int, float]]  # (job id, value), best first
    margin: float | None  # best minus runner-up, in the better direction (never negative)
    spread: Spread | None
    text: str
    runner_up: int | None = None  # the best run of another setting

    @property
    def best(self) -> int | None:
        return self.ranking[0][0] if self.ranking else None

    @property
    def beyond_spread(self) -> bool | None:
        """Whether the margin is larger than the seed-to-seed spread; None when either is unknown."""
        if self.margin is None or self.spread is None:
            return None
        return self.margin > self.spread.value


def _number(value: float) -> str:
    return f"{value:.4g}"


def _ids(job_ids: list[int]) -> str:
    return ", ".join(f"#{job_id}" for job_id in job_ids)


def pick_best(values: dict[int, float], configs: dict[int, dict], metric: str) -> Verdict:
    """Rank the runs by `metric` and judge the best one's margin against the seed-to-seed spread.

    Args:
        values: each run's validation metric (runs without one left out).
        configs: each run's settings (for the runs that differ only by seed), by the same ids.
        metric: the metric's name, which also says its direction (`greater_is_better`).
    """
    higher = greater_is_better(metric)
    ranking = sorted(values.items(), key=lambda item: (-item[1] if higher else item[1], item[0]))
    spread = seed_spread(values, configs)
    direction = "above" if higher else "below"
    if not ranking:
        text = f"No run has a validation {metric} yet: compare runs that have evaluated."
        return Verdict(metric, higher, [], None, spread, text)
    (best, top), lead = ranking[0], f"#{ranking[0][0]} is best by validation {metric} ({_number(ranking[0][1])})"
    if len(ranking) == 1:
        text = f"Only #{best} has a validation {metric} ({_number(top)}): select another run that has one."
        return Verdict(metric, higher, ranking, None, spread, text)
    # The runner-up is the best run of another setting: a repeat of the best one with another seed says how lucky
    # it was, not whether its setting is better.
    tried = setting_of(configs[best])
    others = [(job_id, value) for job_id, value in ranking if setting_of(configs[job_id]) != tried]
    repeats = ""
    if spread is not None:
        repeats = (
            f"the seed-to-seed spread of {_number(spread.value)} (runs {_ids(spread.runs)}, which differ only by seed)"
        )
    if not others:
        text = (
            f"{lead}. The other runs differ from it only by their seed: there is no other setting to compare with; "
            f"{repeats} says how much luck moves the metric."
        )
        return Verdict(metric, higher, ranking, None, spread, text)
    runner, second = others[0]
    margin = abs(top - second)
    skipped = ", the best run of another setting" if runner != ranking[1][0] else ""
    lead += f", {_number(margin)} {direction} #{runner} ({_number(second)}{skipped})"
    if spread is None:
        text = (
            f"{lead}. The seed-to-seed spread is unknown: no two of these runs differ only by their seed. "
            f"Measure it: repeat #{best} with seeds (Repeat with seeds, or `python -m engine repeat {best} "
            "--seeds 3`) and compare again with its repeats."
        )
    elif margin > spread.value:
        text = f"{lead}: larger than {repeats}, so the difference is more than luck."
    else:
        text = f"{lead}: within {repeats}, so it may be luck; repeat both with more seeds to tell."
    return Verdict(metric, higher, ranking, margin, spread, text, runner)


@dataclass(frozen=True)
class Dimension:
    """One axis of the parallel-coordinates view: numbers, or categories drawn at 0, 1, 2... with their labels."""

    name: str
    values: list[float]
    labels: list[str] | None = None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parallel_dimensions(configs: dict[int, dict], values: dict[int, float], metric: str) -> list[Dimension]:
    """The settings that differ between the runs that have `metric`, as axes (numbers as they are, anything else
    as categories), then the metric itself last."""
    ids = [job_id for job_id in configs if job_id in values]
    dimensions = []
    for row in settings_rows({job_id: configs[job_id] for job_id in ids}):
        key = row[0]
        raw = [configs[job_id].get(key) for job_id in ids]
        if all(_is_number(value) for value in raw):
            dimensions.append(Dimension(key, [float(value) for value in raw]))
        else:
            labels = sorted(set(row[1:]))
            dimensions.append(Dimension(key, [float(labels.index(text)) for text in row[1:]], labels))
    return [*dimensions, Dimension(metric, [values[job_id] for job_id in ids])]


@dataclass(frozen=True)
class ComparedRun:
    """One run of a comparison: what it is, its metric and its curves."""

    id: int
    label: str
    status: str
    value: float | None
    series: list[Series] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    """Everything the comparison view shows: the runs with their curves, the settings table, the parallel
    coordinates and the verdict."""

    runs: list[ComparedRun]
    columns: list[str]  # the settings table's header: `setting`, then one column per run
    settings: list[list[str]]
    dimensions: list[Dimension]
    verdict: Verdict
    axis: str
    smoothing: float

    def to_dict(self) -> dict:
        """The comparison as JSON for the API and the CLI (curves left out: they are the chart's)."""
        verdict = self.verdict
        return {
            "runs": [{"id": r.id, "label": r.label, "status": r.status, verdict.metric: r.value} for r in self.runs],
            "metric": verdict.metric,
            "greater_is_better": verdict.greater_is_better,
            "best": verdict.best,
            "runner_up": verdict.runner_up,
            "ranking": [job_id for job_id, _ in verdict.ranking],
            "margin": verdict.margin,
            "seed_spread": None if verdict.spread is None else verdict.spread.value,
            "seed_spread_runs": [] if verdict.spread is None else verdict.spread.runs,
            "margin_beyond_spread": verdict.beyond_spread,
            "verdict": verdict.text,
            "settings": [dict(zip(self.columns, row, strict=True)) for row in self.settings],
        }


def run_label(job: Job) -> str:
    """`#3 name` or `#3 model on dataset`: how a run is named in legends and table headers."""
    named = job.name or job.config.get("name")
    return f"#{job.id} {named}" if named else f"#{job.id} {job.config.get('model')} on {job.config.get('dataset')}"


def compare_jobs(
    store: JobStore,
    jobs: list[Job],
    metric: str | None = None,
    axis: str = "step",
    smoothing: float = 0.6,
    show_all: bool = False,
) -> Comparison:
    """Compare `jobs` (`select_jobs`): curves on `axis` smoothed by `smoothing`, the settings they differ in (all of
    them with `show_all`), the parallel coordinates and the best run by `metric` (by default `default_metric`).

    Raises:
        StudioError: an unknown axis or a smoothing weight out of range.
    """
    metric = (metric or "").strip() or default_metric(jobs)
    runs, values = [], {}
    for job in jobs:
        events = store.events(job.id)
        series = run_series(events, axis, smoothing, samples_per_step(job.config), job.started_at)
        value = run_value(job, events, metric)
        if value is not None:
            values[job.id] = value
        runs.append(ComparedRun(job.id, run_label(job), job.status, value, series))
    configs = {job.id: job.config for job in jobs}
    return Comparison(
        runs=runs,
        columns=["setting", *(run.label for run in runs)],
        settings=settings_rows(configs, show_all),
        dimensions=parallel_dimensions(configs, values, metric),
        verdict=pick_best(values, configs, metric),
        axis=axis,
        smoothing=smoothing,
    )
