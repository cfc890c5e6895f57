"""ui.plots.training: figures drawn from metric events, from the first event on, with other jobs overlaid."""

import pytest

from ui.plots.training import loss_curve, metrics_curve, smoothed

EVENTS = [
    {"kind": "train", "step": 1, "loss": 1.0, "learning_rate": 1e-4},
    {"kind": "train", "step": 2, "loss": 0.5, "learning_rate": 2e-4},
    {"kind": "eval", "step": 2, "loss": 0.7, "accuracy": 0.6, "f1": 0.5},
]


def test_smoothing_starts_at_the_first_value_and_follows_the_trend():
    values = smoothed([1.0, 0.0, 0.0, 0.0])

    assert values[0] == pytest.approx(1.0)  # bias-corrected: not pulled towards 0
    assert values == sorted(values, reverse=True)


def test_a_single_logged_step_already_draws_a_curve():
    figure = loss_curve(EVENTS[:1])

    assert list(figure.data[0].y) == [1.0]


def test_the_loss_chart_shows_train_raw_smoothed_and_validation_loss():
    names = [trace.name for trace in loss_curve(EVENTS).data]

    assert names == ["train loss", "train loss (smoothed)", "validation loss"]


def test_other_jobs_are_overlaid_under_their_own_names():
    other = [{"kind": "train", "step": 1, "loss": 2.0}, {"kind": "eval", "step": 1, "loss": 1.0, "accuracy": 0.9}]

    loss = loss_curve(EVENTS, others={"#7": other})
    metrics = metrics_curve(EVENTS, others={"#7": other})

    assert "#7: loss" in [trace.name for trace in loss.data]
    overlaid = next(trace for trace in metrics.data if trace.name == "#7: accuracy")
    assert list(overlaid.y) == [0.9]


def test_the_metrics_chart_puts_the_learning_rate_on_its_own_axis():
    rate = next(trace for trace in metrics_curve(EVENTS).data if trace.name == "learning rate")

    assert rate.yaxis == "y2" and list(rate.y) == [1e-4, 2e-4]
