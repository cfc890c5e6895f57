"""The Try tab's figures: a prediction's probabilities, an evaluation's confusion matrix and reliability."""

import plotly.graph_objects as go

from ui.plots.style import LAYOUT, height_for, say_when_empty


def probabilities_bar(scores: dict[str, float]) -> go.Figure:
    """One horizontal bar per label, the most likely on top.

    Drawn on every prediction, so it is built as plain data without plotly's validation (`_validate=False`), and
    without the plotly_white template: validating and applying the template cost 5-8 ms a figure, more than a
    cached model's prediction. A white background and light grid look the same.
    """
    ranked = sorted(scores.items(), key=lambda item: item[1])
    bar = {
        "type": "bar",
        "x": [p for _, p in ranked],
        "y": [label for label, _ in ranked],
        "orientation": "h",
        "text": [f"{p:.1%}" for _, p in ranked],
        "textposition": "auto",
    }
    layout = {key: value for key, value in LAYOUT.items() if key != "template"} | {
        "height": height_for(len(ranked)),
        "title": {"text": "Probability per label"},
        "xaxis": {"range": [0, 1], "tickformat": ".0%", "gridcolor": "#e5e7eb"},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
    }
    return go.Figure({"data": [bar], "layout": layout}, _validate=False)


def confusion_heatmap(labels: list[str], matrix: list[list[int]]) -> go.Figure:
    """Counts of true (rows) against predicted (columns) labels; the diagonal is what the model got right."""
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=labels,
            y=labels,
            text=[[str(count) for count in row] for row in matrix],
            texttemplate="%{text}",
            colorscale="Blues",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )
    figure.update_layout(
        title="Confusion matrix",
        xaxis={"title": "predicted label", "side": "bottom"},
        yaxis={"title": "true label", "autorange": "reversed"},  # first label on top, as in a table
        **LAYOUT | {"height": height_for(len(labels))},
    )
    return figure


def reliability_diagram(bins: list[dict]) -> go.Figure:
    """Accuracy against mean confidence per confidence bin: on the diagonal, confidences can be taken at their word."""
    filled = [b for b in bins if b["count"]]
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated", line={"dash": "dot"})
    figure.add_scatter(
        x=[b["confidence"] for b in filled],
        y=[b["accuracy"] for b in filled],
        mode="lines+markers",
        name="model",
        text=[f"{b['count']} rows" for b in filled],
        marker={"size": [6 + 14 * b["count"] / max(1, max(x["count"] for x in filled)) for b in filled]},
    )
    figure.update_layout(
        title="Reliability diagram",
        xaxis={"title": "mean confidence", "range": [0, 1.02]},
        yaxis={"title": "accuracy", "range": [0, 1.02]},
        **LAYOUT,
    )
    return say_when_empty(figure, "No rows to draw: evaluate a model on a labelled split first.", empty=not filled)
