"""What a sweep will cost, said before it starts: how many runs, and how long they train one after another.

Each distinct trial is planned as a single run would be (`engine.training.plan.plan_training`: its updates, and its
time from earlier runs of the same model on this device); a TPE trial's settings are unknown until it starts, so the
base run with each range's middle stands for every one of them.
"""

import math
from dataclasses import dataclass, replace

from engine.experiments.sweep_spec import SweepSpec
from engine.training.plan import PastRun, plan_training


@dataclass(frozen=True)
class SweepEstimate:
    """The runs a sweep makes, their updates together, and their training time (None when no past run tells)."""

    runs: int
    steps: int
    seconds: float | None
    basis: str
    pruning: bool

    def summary(self) -> str:
        if self.seconds is None:
            time = f"time unknown ({self.basis})"
        else:
            minutes = self.seconds / 60
            time = (
                f"about {minutes:.0f} min of training" if minutes >= 1 else f"about {self.seconds:.0f} s of training"
            )
        pruned = "; pruning may end weak trials early" if self.pruning else ""
        return f"{self.runs} runs, {self.steps} updates, {time}, one after another on this device{pruned}"


def _middle(vary) -> object:
    if vary.values:
        return vary.values[len(vary.values) // 2]
    middle = math.sqrt(vary.low * vary.high) if vary.log else (vary.low + vary.high) / 2
    return type(vary.low)(round(middle)) if isinstance(vary.low, int) else middle


def estimate_sweep(spec: SweepSpec, past_runs: list[PastRun]) -> SweepEstimate:
    """Plan every distinct trial of the sweep and add them up.

    Raises:
        StudioError: the errors of `plan_training` (a dataset or model that does not fit).
    """
    if spec.strategy == "tpe":
        typical = replace(spec.base, **{vary.setting: _middle(vary) for vary in spec.vary})
        trials = [typical] * spec.job_count()
    else:
        trials = [replace(spec.base, **settings) for settings in spec.trial_settings()]
    plans: dict[str, object] = {}
    steps, seconds, basis = 0, 0.0, "from earlier runs"
    for config in trials:
        key = repr(replace(config, seed=0))
        if key not in plans:
            plans[key] = plan_training(config, past_runs)
        plan = plans[key]
        steps += plan.steps
        if plan.seconds is None:
            seconds, basis = None, plan.estimate_basis
        elif seconds is not None:
            seconds += plan.seconds
    return SweepEstimate(runs=len(trials), steps=steps, seconds=seconds, basis=basis, pruning=spec.pruning)
