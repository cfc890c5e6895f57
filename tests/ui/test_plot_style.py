"""ui.plots.style: every figure looks alike, says what will appear when it is empty, and grows with its labels."""

import pytest

from ui.plots.evaluation import confusion_heatmap, probabilities_bar, reliability_diagram
from ui.plots.style import HEIGHT, MAX_HEIGHT, height_for
from ui.plots.training import loss_curve, metrics_curve

TRAIN_STEP = {"kind": "train", "step": 5, "loss": 0.7, "learning_rate": 1e-4}


def _note(figure) -> str | None:
    notes = [annotation.text for annotation in figure.layout.annotations]
    return notes[0] if notes else None


@pytest.mark.parametrize(
    ("figure", "says"),
    [
        (loss_curve([]), "The training loss appears here from the first logged step."),
        (metrics_curve([]), "Validation scores appear here after the first evaluation"),
        (reliability_diagram([{"count": 0, "confidence": 0.5, "accuracy": 0.5}]), "No rows to draw: evaluate a model"),
    ],
    ids=["loss", "metrics", "reliability"],
)
def test_an_empty_figure_says_what_will_appear_instead_of_blank_axes(figure, says):
    assert _note(figure).startswith(says)
    assert figure.layout.xaxis.visible is False and figure.layout.yaxis.visible is False


def test_a_figure_with_data_has_no_note_and_its_legend_under_the_plot():
    figure = loss_curve([TRAIN_STEP, {**TRAIN_STEP, "step": 10, "loss": 0.6}])

    assert _note(figure) is None
    assert figure.layout.legend.orientation == "h" and figure.layout.legend.y < 0


def test_a_lone_point_gets_a_marker_so_it_is_visible():
    loss = loss_curve([TRAIN_STEP])
    rates = metrics_curve([TRAIN_STEP])

    assert {trace.mode for trace in loss.data if trace.name.startswith("train loss")} == {"lines+markers"}
    assert next(trace for trace in rates.data if trace.name == "learning rate").mode == "lines+markers"


@pytest.mark.parametrize("labels", [2, 12, 50])
def test_label_figures_grow_with_their_labels_and_stay_bounded(labels):
    names = [f"label {number}" for number in range(labels)]
    matrix = [[1] * labels for _ in names]

    heights = [
        confusion_heatmap(names, matrix).layout.height,
        probabilities_bar(dict.fromkeys(names, 0.1)).layout.height,
    ]

    assert heights == [height_for(labels)] * 2
    assert HEIGHT <= heights[0] <= MAX_HEIGHT
    assert (heights[0] > HEIGHT) == (labels > 8)
