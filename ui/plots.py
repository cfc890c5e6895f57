"""Plotly figures shared by the tabs: data in, figure out, no Gradio."""

import plotly.graph_objects as go

_LAYOUT = {"margin": {"l": 50, "r": 20, "t": 40, "b": 40}, "height": 320, "template": "plotly_white"}
SMOOTHING = 0.8  # exponential moving average weight, as TensorBoard's default slider: shows the trend under the noise


def smoothed(values: list[float], weight: float = SMOOTHING) -> list[float]:
    """Exponential moving average with bias correction, so the first points are not pulled towards 0."""
    result, average = [], 0.0
    for count, value in enumerate(values, start=1):
        average = weight * average + (1 - weight) * value
        result.append(average / (1 - weight**count))
    return result


def _overlay(figure: go.Figure, others: dict[str, list[dict]], kind: str, key: str, smooth: bool = False) -> None:
    """Add other jobs' curves, dashed, so runs can be compared on the same axes."""
    for label, events in others.items():
        points = [e for e in events if e.get("kind") == kind and e.get(key) is not None]
        values = [e[key] for e in points]
        figure.add_scatter(
            x=[e["step"] for e in points],
            y=smoothed(values) if smooth else values,
            mode="lines",
            name=f"{label}: {key}",
            line={"dash": "dash"},
        )


def loss_curve(events: list[dict], title: str = "Loss", others: dict[str, list[dict]] | None = None) -> go.Figure:
    """Training loss per step (raw and smoothed), with the validation loss at each evaluation.

    `others` (label -> events) adds other jobs' smoothed training loss for comparison.
    """
    figure = go.Figure()
    train = [e for e in events if e.get("kind") == "train" and e.get("loss") is not None]
    evals = [e for e in events if e.get("kind") == "eval" and e.get("loss") is not None]
    steps, losses = [e["step"] for e in train], [e["loss"] for e in train]
    figure.add_scatter(x=steps, y=losses, mode="lines", name="train loss", opacity=0.35)
    figure.add_scatter(x=steps, y=smoothed(losses), mode="lines", name="train loss (smoothed)")
    figure.add_scatter(
        x=[e["step"] for e in evals], y=[e["loss"] for e in evals], mode="lines+markers", name="validation loss"
    )
    _overlay(figure, others or {}, "train", "loss", smooth=True)
    figure.update_layout(title=title, xaxis_title="optimizer step", yaxis_title="loss", **_LAYOUT)
    return figure


def metrics_curve(
    events: list[dict], names: tuple[str, ...] = ("accuracy", "f1"), others: dict[str, list[dict]] | None = None
) -> go.Figure:
    """Validation metrics at each evaluation, and the learning rate on a second axis; `others` adds other jobs'
    validation accuracy."""
    figure = go.Figure()
    evals = [e for e in events if e.get("kind") == "eval"]
    for name in names:
        points = [e for e in evals if e.get(name) is not None]
        figure.add_scatter(
            x=[e["step"] for e in points], y=[e[name] for e in points], mode="lines+markers", name=f"validation {name}"
        )
    _overlay(figure, others or {}, "eval", "accuracy")
    rates = [e for e in events if e.get("kind") == "train" and e.get("learning_rate") is not None]
    figure.add_scatter(
        x=[e["step"] for e in rates],
        y=[e["learning_rate"] for e in rates],
        mode="lines",
        name="learning rate",
        yaxis="y2",
        line={"dash": "dot"},
    )
    figure.update_layout(
        title="Validation metrics and learning rate",
        xaxis_title="optimizer step",
        yaxis={"title": "score", "range": [0, 1.02]},
        yaxis2={"title": "learning rate", "overlaying": "y", "side": "right", "showgrid": False, "tickformat": ".0e"},
        **_LAYOUT,
    )
    return figure


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
    layout = {key: value for key, value in _LAYOUT.items() if key != "template"} | {
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
        **_LAYOUT,
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
        **_LAYOUT,
    )
    return figure
