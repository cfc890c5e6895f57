"""ui.plots.evaluation: a prediction's probabilities, the confusion matrix and the reliability diagram."""

from ui.plots.evaluation import confusion_heatmap, probabilities_bar, reliability_diagram


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
