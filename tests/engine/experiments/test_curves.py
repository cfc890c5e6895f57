"""engine.experiments.curves: a run's events become named series, smoothed as TensorBoard smooths, on any x-axis."""

import math

import pytest

from engine.common.errors import StudioError
from engine.experiments.curves import run_series, samples_per_step, series_names, smooth

EVENTS = [
    {"id": 1, "time": 100.0, "kind": "train", "step": 10, "epoch": 0.5, "loss": 0.9, "learning_rate": 2e-5},
    {"id": 2, "time": 104.0, "kind": "train", "step": 20, "epoch": 1.0, "loss": 0.7, "learning_rate": 1e-5},
    {"id": 3, "time": 105.0, "kind": "eval", "step": 20, "epoch": 1.0, "loss": 0.65, "accuracy": 0.6, "runtime": 0.4}
    | {"samples_per_second": 350.0, "steps_per_second": 22.0},
    {"id": 4, "time": 109.0, "kind": "train", "step": 30, "epoch": 1.5, "loss": 0.5, "learning_rate": 5e-6},
    {"id": 5, "time": 110.0, "kind": "summary", "step": 30, "epoch": 1.5, "train_runtime": 10.0},
]


def _by_name(series) -> dict:
    return {one.name: one for one in series}


def test_smoothing_zero_leaves_the_values_as_they_are():
    assert smooth([0.9, 0.7, 0.5], 0.0) == [0.9, 0.7, 0.5]


def test_smoothing_is_tensorboards_debiased_moving_average():
    # TensorBoard: last = last * w + (1 - w) * v; shown = last / (1 - w ** n)
    weight, values = 0.6, [1.0, 0.0, 1.0]
    expected, last = [], 0.0
    for count, value in enumerate(values, start=1):
        last = last * weight + (1 - weight) * value
        expected.append(last / (1 - weight**count))

    assert smooth(values, weight) == pytest.approx(expected)
    assert smooth(values, weight)[0] == 1.0  # the first point is not pulled towards 0


def test_a_value_that_is_not_finite_is_kept_and_left_out_of_the_average():
    result = smooth([1.0, math.nan, 1.0], 0.9)

    assert result[0] == 1.0 and math.isnan(result[1]) and result[2] == pytest.approx(1.0)


@pytest.mark.parametrize("weight", [-0.1, 1.0, 0.995, math.nan, "0.5"])
def test_a_smoothing_weight_outside_0_to_0_99_is_refused_naming_the_range(weight):
    with pytest.raises(StudioError, match=r"smoothing must be from 0 \(none\) to 0.99"):
        smooth([1.0], weight)


def test_series_are_named_as_tensorboard_names_them_training_first_without_speeds_or_the_summary():
    assert series_names(EVENTS) == ["train/loss", "train/learning_rate", "eval/loss", "eval/accuracy"]


@pytest.mark.parametrize(
    ("axis", "expected"),
    [("step", [10, 20, 30]), ("epoch", [0.5, 1.0, 1.5]), ("samples", [320, 640, 960]), ("time", [2.0, 6.0, 11.0])],
)
def test_the_x_axis_is_the_step_the_epoch_the_samples_seen_or_the_seconds_since_the_start(axis, expected):
    series = _by_name(run_series(EVENTS, axis=axis, per_step=32, started_at=98.0))

    assert series["train/loss"].x == expected
    assert series["train/loss"].raw == [0.9, 0.7, 0.5]


def test_wall_time_counts_from_the_first_event_when_the_start_is_unknown():
    assert _by_name(run_series(EVENTS, axis="time"))["eval/accuracy"].x == [5.0]


def test_events_without_an_epoch_are_left_off_the_epoch_axis():
    events = [{**EVENTS[0], "epoch": None}, EVENTS[1]]

    assert _by_name(run_series(events, axis="epoch"))["train/loss"].x == [1.0]


def test_samples_per_step_is_the_batch_size_times_the_accumulation():
    assert samples_per_step({"batch_size": 16, "gradient_accumulation_steps": 4}) == 64
    assert samples_per_step({}) == 1


def test_an_unknown_axis_is_refused_naming_the_axes_there_are():
    with pytest.raises(StudioError, match="x-axis must be one of step, epoch, samples, time, not 'tokens'"):
        run_series(EVENTS, axis="tokens")


def test_the_series_carry_their_smoothed_values():
    loss = _by_name(run_series(EVENTS, smoothing=0.5))["train/loss"]

    assert loss.smoothed == smooth([0.9, 0.7, 0.5], 0.5)
    assert loss.smoothed != loss.raw


def test_a_resumed_runs_earlier_events_count_from_before_its_latest_start():
    assert _by_name(run_series(EVENTS, axis="time", started_at=104.5))["train/loss"].x == [0.0, 4.0, 9.0]
