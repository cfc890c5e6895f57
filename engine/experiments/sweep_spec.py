"""What a sweep varies and how: the settings with their values or ranges, the strategy, the trials and the seeds.

A `SweepSpec` is validated as it is made, like `TrainConfig`: each value is tried in the base config, so an error
names the setting and its allowed range ("vary learning_rate: learning_rate must be in (0, 1), not 2.0").
`trial_settings` lists the settings of every job a grid or random sweep makes up front; a TPE sweep's jobs are given
theirs by Optuna when each starts (`engine.jobs.trials`).
"""

import itertools
import math
import random
from dataclasses import asdict, dataclass, replace

from engine.common.errors import StudioError
from engine.training.config import TrainConfig

# The settings a sweep may vary, and the type of their values.
SWEEPABLE = {
    "learning_rate": float,
    "batch_size": int,
    "epochs": float,
    "warmup_ratio": float,
    "weight_decay": float,
    "max_length": int,
    "seed": int,
    "model": str,
}
ALIASES = {"lr": "learning_rate"}  # the train command's --lr
STRATEGIES = ("grid", "random", "tpe")
MAX_SWEEP_JOBS = 100  # the queue's own bound (STUDIO_MAX_QUEUED_JOBS) is checked when the sweep starts
MAX_SEEDS = 10
SIGNIFICANT_DIGITS = 4  # a random draw of 0.000123456789 is shown and stored as 0.0001235


@dataclass(frozen=True)
class Vary:
    """One setting a sweep varies: a list of `values`, or a range from `low` to `high` (sampled on a log scale
    when `log`), which only random and TPE sweeps can use."""

    setting: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None
    log: bool = False

    def __post_init__(self) -> None:
        if self.setting not in SWEEPABLE:
            raise StudioError(f"cannot vary {self.setting!r}; a sweep varies {', '.join(SWEEPABLE)}")
        is_range = self.low is not None or self.high is not None
        if bool(self.values) == is_range:
            raise StudioError(f"vary {self.setting}: give a list of values or a range (low:high), not both or neither")
        if self.values:
            typed = tuple(_typed(self.setting, value) for value in self.values)
            if len(set(typed)) != len(typed):
                raise StudioError(f"vary {self.setting}: a value is listed twice in {list(self.values)}")
            object.__setattr__(self, "values", typed)
            return
        if SWEEPABLE[self.setting] is str:
            raise StudioError(f"vary {self.setting}: a range needs numbers; list the values instead")
        low, high = _typed(self.setting, self.low), _typed(self.setting, self.high)
        if not low < high:
            raise StudioError(f"vary {self.setting}: the range's low must be below its high, not {low}:{high}")
        if self.log and low <= 0:
            raise StudioError(f"vary {self.setting}: a log range needs a low above 0, not {low}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def is_range(self) -> bool:
        return not self.values

    def describe(self) -> str:
        if self.values:
            return f"{self.setting}={','.join(str(value) for value in self.values)}"
        return f"{self.setting}={self.low}:{self.high}{':log' if self.log else ''}"

    def draw(self, rng: random.Random):
        """One value for a random sweep: a listed value, or a point of the range (uniform, or uniform in log)."""
        if self.values:
            return rng.choice(self.values)
        low, high = (math.log(self.low), math.log(self.high)) if self.log else (self.low, self.high)
        point = rng.uniform(low, high)
        point = math.exp(point) if self.log else point
        if SWEEPABLE[self.setting] is int:
            return min(max(round(point), self.low), self.high)
        return float(f"{point:.{SIGNIFICANT_DIGITS}g}")


def _typed(setting: str, value):
    kind = SWEEPABLE[setting]
    if kind is str:
        if not isinstance(value, str) or not value.strip():
            raise StudioError(f"vary {setting}: a value must be a non-empty text, not {value!r}")
        return value.strip()
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StudioError(f"vary {setting}: {value!r} is not a number") from None
    if kind is int:
        if not number.is_integer():
            raise StudioError(f"vary {setting}: {setting} takes whole numbers, not {value!r}")
        return int(number)
    return number


def parse_vary(text: str) -> Vary:
    """Read `SETTING=V1,V2,...` (values) or `SETTING=LOW:HIGH[:log]` (a range); SETTING may be spelt as the train
    command's flag (`lr`, `batch-size`).

    Raises:
        StudioError: text of another shape, or a setting or value a sweep cannot take.
    """
    setting, separator, rest = text.partition("=")
    shape = "SETTING=V1,V2 or SETTING=LOW:HIGH[:log]"
    if not separator or not setting.strip() or not rest.strip():
        raise StudioError(f"--vary takes {shape}, not {text!r}")
    setting, rest = setting.strip().replace("-", "_"), rest.strip()  # batch-size as the train flag spells it
    setting = ALIASES.get(setting, setting)
    if ":" in rest and "," not in rest and setting != "model":  # model references contain colons (scratch:tiny)
        parts = rest.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
            raise StudioError(f"--vary {setting}: a range is LOW:HIGH or LOW:HIGH:log, not {rest!r}")
        return Vary(setting, low=parts[0], high=parts[1], log=len(parts) == 3)
    return Vary(setting, values=tuple(value.strip() for value in rest.split(",")))


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: the base run, what it varies, how it searches, how many trials and seeds.

    Args:
        base: the run every trial starts from.
        vary: the settings varied (may be empty when `seeds` repeats the base run).
        strategy: grid (every combination of the listed values), random (`trials` draws) or tpe (`trials` asked of
            Optuna's TPE sampler, each when a slot frees, from the trials told so far).
        trials: how many for random and tpe; a grid has as many as combinations.
        seeds: each setting combination repeated with seeds base.seed, base.seed + 1, ... (grid and random).
        name: the sweep's name; its jobs are named after it.
        metric: what "best" means: the run's metric for keep-best, else the task's (None until the sweep starts).
        prune: stop trials whose evaluations trail the median of the earlier trials (on by default for tpe).
    """

    base: TrainConfig
    vary: tuple[Vary, ...] = ()
    strategy: str = "grid"
    trials: int | None = None
    seeds: int = 1
    name: str | None = None
    metric: str | None = None
    prune: bool | None = None

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise StudioError(f"strategy must be one of {', '.join(STRATEGIES)}, not {self.strategy!r}")
        settings = [vary.setting for vary in self.vary]
        if len(set(settings)) != len(settings):
            raise StudioError(f"a setting is varied twice: {', '.join(settings)}")
        if not isinstance(self.seeds, int) or not 1 <= self.seeds <= MAX_SEEDS:
            raise StudioError(f"seeds must be a whole number in [1, {MAX_SEEDS}], not {self.seeds}")
        if not self.vary and self.seeds == 1:
            raise StudioError("vary at least one setting, or repeat the run with seeds (2 or more)")
        if self.seeds > 1 and "seed" in settings:
            raise StudioError("vary seed or repeat with seeds, not both: both set the seed")
        self._check_strategy()
        for vary in self.vary:  # every value within what a run takes, named by the run's own checks
            for value in vary.values or (vary.low, vary.high):
                try:
                    replace(self.base, **{vary.setting: value})
                except StudioError as error:
                    raise StudioError(f"vary {vary.setting}: {error}") from None
        if self.metric is not None and self.metric not in self.base.best_metric_choices():
            choices = ", ".join(self.base.best_metric_choices())
            raise StudioError(f"metric must be one of {choices}, not {self.metric!r}")
        if self.job_count() > MAX_SWEEP_JOBS:
            raise StudioError(f"this sweep makes {self.job_count()} runs; a sweep makes at most {MAX_SWEEP_JOBS}")

    def _check_strategy(self) -> None:
        if self.strategy == "grid":
            if ranged := [vary.setting for vary in self.vary if vary.is_range]:
                raise StudioError(
                    f"a grid needs a list of values for {', '.join(ranged)}; a range needs strategy random or tpe"
                )
            if self.trials is not None:
                raise StudioError(f"trials is for random and tpe; a grid runs its {self.combinations()} combinations")
            return
        if self.trials is None or not isinstance(self.trials, int) or not 1 <= self.trials <= MAX_SWEEP_JOBS:
            raise StudioError(f"trials must be a whole number in [1, {MAX_SWEEP_JOBS}] for {self.strategy}")
        if self.strategy == "tpe":
            if not self.vary:
                raise StudioError("tpe needs at least one setting to vary")
            if self.seeds > 1:
                raise StudioError("seeds repeat grid and random sweeps; tpe searches: vary seed with it instead")

    @property
    def pruning(self) -> bool:
        return self.strategy == "tpe" if self.prune is None else self.prune

    def combinations(self) -> int:
        """Setting combinations of a grid (a range counts as one: only random and tpe take ranges)."""
        return math.prod(len(vary.values) or 1 for vary in self.vary)

    def job_count(self) -> int:
        """How many jobs the sweep makes."""
        per_seed = self.combinations() if self.strategy == "grid" else self.trials
        return per_seed * self.seeds

    def seed_values(self) -> list[int]:
        return [self.base.seed + offset for offset in range(self.seeds)]

    def trial_settings(self) -> list[dict]:
        """The varied settings of each job, in order (grid and random; a TPE job's are asked when it starts)."""
        if self.strategy == "tpe":
            return [{} for _ in range(self.trials)]
        if self.strategy == "grid":
            names = [vary.setting for vary in self.vary]
            grid = itertools.product(*(vary.values for vary in self.vary))
            combos = [dict(zip(names, values, strict=True)) for values in grid]
        else:
            rng = random.Random(self.base.seed)  # the same spec draws the same trials
            combos = [{vary.setting: vary.draw(rng) for vary in self.vary} for _ in range(self.trials)]
        if self.seeds == 1:
            return combos
        return [{**combo, "seed": seed} for combo in combos for seed in self.seed_values()]

    def varied(self) -> list[str]:
        """The settings that differ between the sweep's jobs (seed too when runs are repeated with seeds)."""
        return [vary.setting for vary in self.vary] + (["seed"] if self.seeds > 1 else [])

    def describe(self) -> str:
        what = " ".join(vary.describe() for vary in self.vary) or "the run as it is"
        trials = f" {self.trials} trials" if self.trials else ""
        seeds = f", {self.seeds} seeds each" if self.seeds > 1 else ""
        return f"{self.strategy}{trials} over {what}{seeds}: {self.job_count()} runs"

    def to_dict(self) -> dict:
        values = asdict(self)
        values["base"] = self.base.to_dict()
        values["vary"] = [asdict(vary) for vary in self.vary]
        return values

    @classmethod
    def from_dict(cls, values: dict) -> "SweepSpec":
        vary = tuple(Vary(**{**item, "values": tuple(item.get("values") or ())}) for item in values.get("vary", []))
        fields = {
            key: values[key] for key in ("strategy", "trials", "seeds", "name", "metric", "prune") if key in values
        }
        return cls(base=TrainConfig.from_dict(values["base"]), vary=vary, **fields)
