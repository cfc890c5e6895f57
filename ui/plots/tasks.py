"""The Try tab's figures for the tasks beyond single-label classification: a multi-label prediction's probabilities
against their thresholds, the per-label or per-entity-type scores of an evaluation, and a regression's predicted
against true values with its residuals."""

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.plots.style import LAYOUT, height_for, say_when_empty

PREDICTED, NOT_PREDICTED = "#2563eb", "#cbd5e1"


def label_thresholds_bar(rows: list[dict]) -> go.Figure:
    """One horizontal bar per label (its probability), its threshold drawn as a tick across it; labels at or over
    their threshold, the predicted ones, in colour. `rows`: `label`, `probability`, `threshold`, `predicted`."""
    ranked = sorted(rows, key=lambda row: row["probability"])  # plotly draws the last bar on top
    labels = [row["label"] for row in ranked]
    figure = go.Figure()
    figure.add_bar(
        x=[row["probability"] for row in ranked],
        y=labels,
        orientation="h",
        marker={"color": [PREDICTED if row["predicted"] else NOT_PREDICTED for row in ranked]},
        text=[f"{row['probability']:.1%}" for row in ranked],
        textposition="auto",
        name="probability",
    )
    figure.add_scatter(
        x=[row["threshold"] for row in ranked],
        y=labels,
        mode="markers",
        marker={"symbol": "line-ns-open", "size": 26, "line": {"width": 3, "color": "#dc2626"}},
        name="threshold",
        hovertemplate="threshold %{x:.2f}<extra>%{y}</extra>",
    )
    figure.update_layout(
        title="Probability per label (blue: over its threshold, predicted)",
        xaxis={"range": [0, 1], "tickformat": ".0%"},
        **LAYOUT | {"height": height_for(len(rows))},
    )
    return figure


def scores_bars(table: list[dict], name: str) -> go.Figure:
    """Precision, recall and F1 per label or entity type (`name`: the table's key for it), side by side."""
    names = [str(row[name]) for row in table]
    figure = go.Figure()
    for metric in ("precision", "recall", "f1"):
        figure.add_bar(x=names, y=[row[metric] for row in table], name=metric.replace("f1", "F1"))
    figure.update_layout(
        title=f"Scores per {'entity type' if name == 'type' else name}",
        barmode="group",
        yaxis={"range": [0, 1.02]},
        **LAYOUT,
    )
    return say_when_empty(figure, "No labels to score.", empty=not table)


def predicted_against_true(points: list[dict]) -> go.Figure:
    """Left: each row's predicted against its true value, with the diagonal a perfect model sits on. Right: the
    residual (predicted - true) against the true value, with the zero line: a slope there is a bias by range."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Predicted against true", "Residuals"))
    targets = [p["target"] for p in points]
    low, high = (min(targets), max(targets)) if points else (0, 1)
    hover = [f"row {p['row']}" for p in points]
    figure.add_scatter(x=[low, high], y=[low, high], mode="lines", line={"dash": "dot"}, name="perfect", row=1, col=1)
    figure.add_scatter(
        x=targets, y=[p["predicted"] for p in points], mode="markers", name="rows", text=hover, row=1, col=1
    )
    figure.add_scatter(
        x=targets, y=[p["residual"] for p in points], mode="markers", name="residuals", text=hover, row=1, col=2
    )
    figure.add_hline(y=0, line={"dash": "dot", "color": "#6b7280"}, row=1, col=2)
    figure.update_xaxes(title_text="true value")
    figure.update_yaxes(title_text="predicted", row=1, col=1)
    figure.update_yaxes(title_text="predicted - true", row=1, col=2)
    figure.update_layout(**LAYOUT | {"height": 380})
    return say_when_empty(figure, "No rows to draw.", empty=not points)
