"""ui.plots.evaluation and ui.plots.tasks: a prediction's probabilities, the confusion matrix, the reliability diagram,
multi-label thresholds, per-label scores and regression residuals."""

from ui.plots.evaluation import confusion_heatmap, probabilities_bar, reliability_diagram
from ui.plots.tasks import NOT_PREDICTED, PREDICTED, label_thresholds_bar, predicted_against_true, scores_bars


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


def test_a_multi_label_prediction_draws_each_threshold_across_its_bar_and_colours_the_predicted_labels():
    rows = [
        {"label": "sports", "probability": 0.8, "threshold": 0.5, "predicted": True},
        {"label": "weather", "probability": 0.3, "threshold": 0.4, "predicted": False},
    ]

    bars, thresholds = label_thresholds_bar(rows).data

    assert list(bars.y) == ["weather", "sports"] and list(bars.x) == [0.3, 0.8]  # most likely on top
    assert list(thresholds.x) == [0.4, 0.5] and list(thresholds.y) == ["weather", "sports"]
    assert list(bars.marker.color) == [NOT_PREDICTED, PREDICTED]


def test_per_label_scores_are_grouped_bars_of_precision_recall_and_f1():
    table = [{"type": "PER", "precision": 0.5, "recall": 1.0, "f1": 0.667, "support": 2}]

    figure = scores_bars(table, "type")

    assert [trace.name for trace in figure.data] == ["precision", "recall", "F1"]
    assert [list(trace.x) for trace in figure.data] == [["PER"]] * 3 and figure.data[2].y == (0.667,)


def test_regression_points_are_drawn_against_the_diagonal_and_as_residuals_around_zero():
    points = [
        {"row": 0, "target": 1.0, "predicted": 1.5, "residual": 0.5},
        {"row": 1, "target": 4.0, "predicted": 3.0, "residual": -1.0},
    ]

    diagonal, rows, residuals = predicted_against_true(points).data

    assert list(diagonal.x) == [1.0, 4.0] and list(diagonal.y) == [1.0, 4.0]
    assert list(rows.x) == [1.0, 4.0] and list(rows.y) == [1.5, 3.0]
    assert list(residuals.y) == [0.5, -1.0]
