"""A training job's figures (loss, validation metrics, learning rate), other jobs overlaid: events in, figure out."""

import plotly.graph_objects as go

from engine.experiments.curves import smooth
from engine.training.events import EvalEvent, TrainEvent
from ui.plots.style import LAYOUT, lines_mode, say_when_empty

# The charts read `JobStore.events`: each event's `to_data()` values, flat, beside its `kind` and `step`.
TRAIN, EVAL = TrainEvent.kind, EvalEvent.kind

SMOOTHING = 0.8  # exponential moving average weight, as TensorBoard's default slider: shows the trend under the noise


def smoothed(values: list[float], weight: float = SMOOTHING) -> list[float]:
    """The job's curves smoothed as the comparison smooths them (`engine.experiments.curves.smooth`)."""
    return smooth(values, weight)


def _overlay(figure: go.Figure, others: dict[str, list[dict]], kind: str, key: str, smooth: bool = False) -> None:
    """Add other jobs' curves, dashed, so runs can be compared on the same axes."""
    for label, events in others.items():
        points = [e for e in events if e.get("kind") == kind and e.get(key) is not None]
        values = [e[key] for e in points]
        figure.add_scatter(
            x=[e["step"] for e in points],
            y=smoothed(values) if smooth else values,
            mode=lines_mode(len(points)),
            name=f"{label}: {key}",
            line={"dash": "dash"},
        )


def loss_curve(events: list[dict], title: str = "Loss", others: dict[str, list[dict]] | None = None) -> go.Figure:
    """Training loss per step (raw and smoothed), with the validation loss at each evaluation.

    `others` (label -> events) adds other jobs' smoothed training loss for comparison.
    """
    figure = go.Figure()
    train = [e for e in events if e.get("kind") == TRAIN and e.get("loss") is not None]
    evals = [e for e in events if e.get("kind") == EVAL and e.get("loss") is not None]
    steps, losses = [e["step"] for e in train], [e["loss"] for e in train]
    figure.add_scatter(x=steps, y=losses, mode=lines_mode(len(steps)), name="train loss", opacity=0.35)
    figure.add_scatter(x=steps, y=smoothed(losses), mode=lines_mode(len(steps)), name="train loss (smoothed)")
    figure.add_scatter(
        x=[e["step"] for e in evals], y=[e["loss"] for e in evals], mode="lines+markers", name="validation loss"
    )
    _overlay(figure, others or {}, TRAIN, "loss", smooth=True)
    figure.update_layout(title=title, xaxis_title="optimizer step", yaxis_title="loss", **LAYOUT)
    return say_when_empty(figure, "The training loss appears here from the first logged step.")


def metrics_curve(
    events: list[dict], names: tuple[str, ...] = ("accuracy", "f1"), others: dict[str, list[dict]] | None = None
) -> go.Figure:
    """Validation metrics at each evaluation, and the learning rate on a second axis; `others` adds other jobs'
    validation accuracy."""
    figure = go.Figure()
    evals = [e for e in events if e.get("kind") == EVAL]
    for name in names:
        points = [e for e in evals if e.get(name) is not None]
        figure.add_scatter(
            x=[e["step"] for e in points], y=[e[name] for e in points], mode="lines+markers", name=f"validation {name}"
        )
    _overlay(figure, others or {}, EVAL, "accuracy")
    rates = [e for e in events if e.get("kind") == TRAIN and e.get("learning_rate") is not None]
    figure.add_scatter(
        x=[e["step"] for e in rates],
        y=[e["learning_rate"] for e in rates],
        mode=lines_mode(len(rates)),
        name="learning rate",
        yaxis="y2",
        line={"dash": "dot"},
    )
    figure.update_layout(
        title="Validation metrics and learning rate",
        xaxis_title="optimizer step",
        yaxis={"title": "score", "range": [0, 1.02]},
        yaxis2={"title": "learning rate", "overlaying": "y", "side": "right", "showgrid": False, "tickformat": ".0e"},
        **LAYOUT,
    )
    return say_when_empty(figure, "Validation scores appear here after the first evaluation (each epoch by default).")
