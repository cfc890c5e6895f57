"""Runs repeated with seeds, summarised: the mean ± spread of a metric per setting combination.

The spread that different seeds give the same settings is the noise a difference between settings must beat.
"""

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class SeedSpread:
    """One setting combination's runs over seeds: how many, their mean, standard deviation, lowest and highest."""

    settings: dict
    runs: int
    mean: float
    std: float  # sample standard deviation; 0 for a single run
    low: float
    high: float

    def describe(self, digits: int = 4) -> str:
        spread = f" ± {self.std:.{digits}f} (min {self.low:.{digits}f}, max {self.high:.{digits}f})"
        return f"{self.mean:.{digits}f}{spread if self.runs > 1 else ''} over {self.runs} run(s)"


def seed_spreads(results: list[tuple[dict, float]]) -> list[SeedSpread]:
    """Group (settings, metric value) pairs by their settings other than `seed`, in first-seen order.

    Args:
        results: each finished run's varied settings (with or without `seed`) and its metric.

    Returns:
        One `SeedSpread` per setting combination.
    """
    groups: dict[tuple, tuple[dict, list[float]]] = {}
    for settings, value in results:
        combination = {name: setting for name, setting in settings.items() if name != "seed"}
        key = tuple(sorted((name, repr(setting)) for name, setting in combination.items()))
        groups.setdefault(key, (combination, []))[1].append(float(value))
    return [
        SeedSpread(
            settings=combination,
            runs=len(values),
            mean=statistics.fmean(values),
            std=statistics.stdev(values) if len(values) > 1 else 0.0,
            low=min(values),
            high=max(values),
        )
        for combination, values in groups.values()
    ]
