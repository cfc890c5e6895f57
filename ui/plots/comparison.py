"""Figures of a comparison (`engine.experiments.compare.Comparison`): every series of every run overlaid, one panel
per series, and the parallel coordinates of the settings against the chosen metric."""

import math

import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from engine.experiments.compare import Comparison, Dimension
from engine.experiments.curves import X_AXES
from ui.plots.style import LAYOUT, MAX_HEIGHT, lines_mode, say_when_empty

PANEL_HEIGHT = 260  # one row of two panels
COLOURS = qualitative.Plotly  # one colour per run, the same in every panel
_FIRST = ("train/loss", "eval/loss")  # the panels a person looks at first


def _panel_order(names: set[str]) -> list[str]:
    evaluations = sorted(name for name in names if name.startswith("eval/") and name not in _FIRST)
    training = sorted(name for name in names if name.startswith("train/") and name not in _FIRST)
    return [*(name for name in _FIRST if name in names), *evaluations, *training]


def comparison_curves(comparison: Comparison | None, log_scale: bool = False) -> go.Figure:
    """One panel per logged series (training loss, validation loss, each metric, learning rate...), every run in its
    own colour; smoothed lines over faint raw ones when smoothing is on. `log_scale` puts every y-axis on a log
    scale."""
    runs = comparison.runs if comparison else []
    names = _panel_order({series.name for run in runs for series in run.series})
    if not names:
        empty = go.Figure().update_layout(**LAYOUT)
        return say_when_empty(empty, "Pick runs (or a filter) and press Compare: their curves appear here.", True)
    rows = math.ceil(len(names) / 2)
    figure = make_subplots(rows=rows, cols=2, subplot_titles=names, vertical_spacing=min(0.12, 0.5 / rows))
    smoothing = comparison.smoothing
    for number, run in enumerate(runs):
        colour = COLOURS[number % len(COLOURS)]
        for order, series in enumerate(run.series):
            row, col = divmod(names.index(series.name), 2)
            place = {"row": row + 1, "col": col + 1}
            common = {"legendgroup": run.label, "line": {"color": colour}, "x": series.x}
            if smoothing > 0:
                figure.add_scatter(y=series.raw, mode="lines", opacity=0.25, showlegend=False, **common, **place)
            # One legend entry per run: its colour names it in every panel.
            shown = {"mode": lines_mode(len(series.x)), "name": run.label, "showlegend": order == 0}
            figure.add_scatter(y=series.smoothed, **shown, **common, **place)
    for position, name in enumerate(names):
        if name.endswith("learning_rate"):  # 0.0001 reads better as 1.0e-4 than as 100µ
            figure.update_yaxes(tickformat=".1e", row=position // 2 + 1, col=position % 2 + 1)
    if log_scale:
        figure.update_yaxes(type="log")
    figure.update_xaxes(title_text=X_AXES[comparison.axis], row=rows)
    height = min(MAX_HEIGHT, 120 + PANEL_HEIGHT * rows)
    title = f"Runs compared (smoothing {smoothing:g}{', log scale' if log_scale else ''})"
    figure.update_layout(**{**LAYOUT, "height": height, "legend": {**LAYOUT["legend"], "y": -0.05}}, title=title)
    return figure


def _axis(dimension: Dimension) -> dict:
    axis = {"label": dimension.name, "values": dimension.values}
    if dimension.labels is not None:
        axis |= {"tickvals": list(range(len(dimension.labels))), "ticktext": dimension.labels}
    return axis


def parallel_coordinates(comparison: Comparison | None) -> go.Figure:
    """Each run as a line through the settings its runs differ in, ending at its metric and coloured by it."""
    dimensions = comparison.dimensions if comparison else []
    if not dimensions or not dimensions[-1].values:
        empty = go.Figure().update_layout(**LAYOUT)
        return say_when_empty(empty, "Runs with a validation score appear here, one line each.", True)
    metric = dimensions[-1]
    colours = "Viridis" if comparison.verdict.greater_is_better else "Viridis_r"  # yellow is always the best
    figure = go.Figure(
        go.Parcoords(
            line={"color": metric.values, "colorscale": colours, "showscale": True},
            dimensions=[_axis(dimension) for dimension in dimensions],
        )
    )
    figure.update_layout(**{**LAYOUT, "margin": {"l": 60, "r": 60, "t": 80, "b": 30}})
    figure.update_layout(title=f"Settings against validation {metric.name}")
    return figure
