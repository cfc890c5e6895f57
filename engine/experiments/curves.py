"""A run's curves from its stored events: one series per logged value, on the x-axis a person picks, smoothed.

The events are `JobStore.events` rows: flat dicts with `time`, `kind` (`train`, `eval`), `step`, `epoch` and the
logged values. A series is named as TensorBoard names it (`train/loss`, `eval/loss`, `eval/accuracy`), so the
studio's charts and a `tensorboard --logdir` of the same run read alike.
"""

import math
from dataclasses import dataclass

from engine.common.errors import StudioError

X_AXES = {
    "step": "optimizer step",
    "epoch": "epoch",
    "samples": "samples seen",
    "time": "wall time (s)",
}
MAX_SMOOTHING = 0.99  # TensorBoard's slider stops here: at 1 the average never moves from its first point
CHARTED_KINDS = ("train", "eval")  # the summary event is one point per run, not a curve
_NOT_VALUES = {"id", "time", "kind", "step", "epoch"}
# How fast an evaluation ran (`runtime`, `samples_per_second`...): about the machine's load, not about the model.
_SPEED_SUFFIXES = ("runtime", "_per_second")


@dataclass(frozen=True)
class Series:
    """One value of one run along the x-axis: `raw` as logged, `smoothed` after the moving average."""

    name: str  # `train/loss`, `eval/f1`...
    x: list[float]
    raw: list[float]
    smoothed: list[float]


def check_smoothing(weight: float) -> float:
    """Return `weight` if it is a smoothing weight the charts accept.

    Raises:
        StudioError: not a number from 0 to `MAX_SMOOTHING`.
    """
    if not isinstance(weight, int | float) or math.isnan(weight) or not 0 <= weight <= MAX_SMOOTHING:
        raise StudioError(f"smoothing must be from 0 (none) to {MAX_SMOOTHING}, not {weight!r}")
    return float(weight)


def smooth(values: list[float], weight: float) -> list[float]:
    """TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled
    towards 0. A value that is not finite (a diverged loss) is kept as it is and left out of the average.

    Raises:
        StudioError: `weight` outside 0 to `MAX_SMOOTHING`.
    """
    weight = check_smoothing(weight)
    result, average, count = [], 0.0, 0
    for value in values:
        if not math.isfinite(value):
            result.append(value)
            continue
        count += 1
        average = weight * average + (1 - weight) * value
        result.append(average / (1 - weight**count))
    return result


def samples_per_step(config: dict) -> int:
    """Rows one optimizer step consumes: batch size × gradient accumulation (per process on a multi-process run)."""
    return int(config.get("batch_size") or 1) * int(config.get("gradient_accumulation_steps") or 1)


def x_value(event: dict, axis: str, per_step: int, started_at: float) -> float | None:
    """Where `event` lies on `axis` (None when the event does not say: an event without an epoch)."""
    if axis == "step":
        return float(event["step"])
    if axis == "epoch":
        return None if event.get("epoch") is None else float(event["epoch"])
    if axis == "samples":
        return float(event["step"] * per_step)
    return float(event["time"] - started_at)


def check_axis(axis: str) -> str:
    """Return `axis` if the charts know it.

    Raises:
        StudioError: naming the x-axes there are.
    """
    if axis not in X_AXES:
        raise StudioError(f"x-axis must be one of {', '.join(X_AXES)}, not {axis!r}")
    return axis


def series_names(events: list[dict]) -> list[str]:
    """Every `kind/value` the events hold, training values first, in the order first logged; an evaluation's speed
    is left out."""
    names: dict[str, None] = {}
    for kind in CHARTED_KINDS:
        for event in events:
            if event.get("kind") == kind:
                keys = [key for key in event if key not in _NOT_VALUES and not key.endswith(_SPEED_SUFFIXES)]
                names.update(dict.fromkeys(f"{kind}/{key}" for key in keys))
    return list(names)


def run_series(
    events: list[dict],
    axis: str = "step",
    smoothing: float = 0.0,
    per_step: int = 1,
    started_at: float | None = None,
) -> list[Series]:
    """Every numeric series of one run's events, on `axis`, smoothed with weight `smoothing`.

    Args:
        events: the run's `JobStore.events`.
        axis: `step`, `epoch`, `samples` (step × `per_step`) or `time` (seconds since `started_at` or the first
            event, whichever is earlier).
        smoothing: 0 (none) to 0.99; evaluations are smoothed too, as TensorBoard does.
        per_step: rows per optimizer step (`samples_per_step`).
        started_at: the run's start (`Job.started_at`).

    Raises:
        StudioError: an unknown axis or a smoothing weight out of range.
    """
    check_axis(axis)
    check_smoothing(smoothing)
    # A resumed run's start is its latest one: its earlier events count from before it, never below 0.
    first = min((event["time"] for event in events), default=0.0)
    started_at = first if started_at is None else min(started_at, first)
    result = []
    for name in series_names(events):
        kind, key = name.split("/", 1)
        x, raw = [], []
        for event in events:
            value, where = event.get(key), x_value(event, axis, per_step, started_at)
            if event.get("kind") == kind and isinstance(value, int | float) and where is not None:
                x.append(where)
                raw.append(float(value))
        if raw:
            result.append(Series(name, x, raw, smooth(raw, smoothing)))
    return result
