"""A sweep's Optuna study: made when the sweep starts, and read back for the importance of each setting.

The study lives in `optuna.sqlite3` beside the job database (`engine.jobs.trials`, which also binds each trial's
job to it). Every strategy records its trials there, so the pruner can compare any sweep's trials; the importance of
each setting comes from Optuna's `get_param_importances` for TPE, and from a per-setting breakdown of the metric by
value for grid and random sweeps (a fANOVA forest over a handful of grid points says little).
"""

import logging
import statistics
from dataclasses import dataclass

from engine.experiments.sweep_spec import SWEEPABLE, SweepSpec
from engine.jobs.trials import load_study, study_name, study_storage

logger = logging.getLogger(__name__)


def distributions(spec: SweepSpec) -> dict[str, str]:
    """Each varied setting's Optuna distribution, as Optuna's JSON (stored in the sweep's row for the children)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
        distribution_to_json,
    )

    made = {}
    for vary in spec.vary:
        if vary.values:
            made[vary.setting] = CategoricalDistribution(vary.values)
        elif SWEEPABLE[vary.setting] is int:
            made[vary.setting] = IntDistribution(int(vary.low), int(vary.high), log=vary.log)
        else:
            made[vary.setting] = FloatDistribution(vary.low, vary.high, log=vary.log)
    if spec.seeds > 1:
        made["seed"] = CategoricalDistribution(tuple(spec.seed_values()))
    return {name: distribution_to_json(distribution) for name, distribution in made.items()}


def create_study(sweep_id: int, greater_is_better: bool) -> None:
    """Make the sweep's (empty) study in the studies' SQLite file."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.create_study(
        storage=study_storage(),
        study_name=study_name(sweep_id),
        direction="maximize" if greater_is_better else "minimize",
    )


@dataclass(frozen=True)
class ValueBreakdown:
    """One value of a setting: the mean metric of the completed trials that used it, and how many."""

    value: object
    mean: float
    runs: int


def breakdown(results: list[tuple[dict, float]], settings: list[str]) -> dict[str, list[ValueBreakdown]]:
    """The metric's mean per value of each setting, over the completed trials' (settings, value) pairs."""
    table = {}
    for setting in settings:
        by_value: dict[str, tuple[object, list[float]]] = {}
        for values, metric in results:
            if setting in values:
                by_value.setdefault(repr(values[setting]), (values[setting], []))[1].append(metric)
        table[setting] = [
            ValueBreakdown(value, statistics.fmean(metrics), len(metrics)) for value, metrics in by_value.values()
        ]
    return table


def breakdown_importance(table: dict[str, list[ValueBreakdown]]) -> dict[str, float]:
    """Each setting's share of the differences: the range of its per-value means, over the sum of those ranges."""
    ranges = {
        setting: max(row.mean for row in rows) - min(row.mean for row in rows)
        for setting, rows in table.items()
        if len(rows) > 1
    }
    total = sum(ranges.values())
    if not total:
        return {}
    return dict(sorted(((s, r / total) for s, r in ranges.items()), key=lambda item: -item[1]))


def optuna_importance(spec: dict, sweep_id: int) -> dict[str, float]:
    """Optuna's importance of each setting (fANOVA) over the sweep's completed trials; empty when it cannot tell
    (fewer than two completed trials, or a setting that never changed)."""
    import optuna

    study = load_study(spec, sweep_id)
    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(completed) < 2:
        return {}
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (RuntimeError, ValueError) as error:  # e.g. every completed trial had the same settings
        logger.info("sweep %s: no importance from Optuna yet: %s", sweep_id, error)
        return {}
