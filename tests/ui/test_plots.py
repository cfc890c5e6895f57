"""ui.plots: figures drawn from metric events, from the first event on, with other jobs overlaid."""

import pytest

from ui.plots import (
    confusion_heatmap,
    loss_curve,
    metrics_curve,
    probabilities_bar,
    reliability_diagram,
    smoothed,
)

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


def test_probabilities_are_ranked_with_the_most_likely_on_top():
    bar = probabilities_bar({"negative": 0.2, "positive": 0.8}).data[0]

    assert list(bar.y) == ["negative", "positive"]  # plotly draws the last bar at the top


def test_the_confusion_heatmap_puts_true_labels_on_rows_and_writes_the_counts():
    heatmap = confusion_heatmap(["a", "b"], [[3, 1], [0, 2]]).data[0]

    assert list(heatmap.y) == ["a", "b"] and list(heatmap.x) == ["a", "b"]
    assert [list(row) for row in heatmap.z] == [[3, 1], [0, 2]]
    assert [list(row) for row in heatmap.text] == [["3", "1"], ["0", "2"]]


def test_the_reliability_diagram_skips_empty_bins_and_draws_the_diagonal():
    bins = [
        {"low": 0.5, "high": 0.6, "count": 0, "confidence": None, "accuracy": None},
        {"low": 0.9, "high": 1.0, "count": 4, "confidence": 0.95, "accuracy": 0.75},
    ]

    diagonal, model = reliability_diagram(bins).data

    assert list(diagonal.x) == [0, 1] and list(diagonal.y) == [0, 1]
    assert list(model.x) == [0.95] and list(model.y) == [0.75]
