"""Heatmaps of a batch's (or overflow windows') input_ids and attention_mask: padding shows as a block of zeros."""

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.tokens import Inspection

ROW_PIXELS = 22
MAX_HEIGHT = 900


def row_labels(inspection: Inspection) -> list[str]:
    """'line 2' per sequence, or 'line 2 · window 1' when overflow cut an input into windows."""
    windows = {s.sample for s in inspection.sequences if s.window > 0}
    return [
        f"line {s.sample + 1}" + (f" · window {s.window}" if s.sample in windows else "") for s in inspection.sequences
    ]


def token_matrices(inspection: Inspection) -> go.Figure:
    """input_ids (colour: id) above attention_mask (1 real token, 0 padding), one row per sequence.

    Rows of an unpadded batch differ in length; the missing cells stay empty, which is what padding would fill.
    """
    labels = row_labels(inspection)
    width = max(len(s.input_ids) for s in inspection.sequences)

    def grid(field: str) -> list[list[int | None]]:
        return [row + [None] * (width - len(row)) for row in inspection.matrix(field)]

    tokens = [s.tokens + [""] * (width - len(s.tokens)) for s in inspection.sequences]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=("input_ids", "attention_mask"))
    hover = "%{y}, position %{x}<br>%{text}: %{z}<extra></extra>"
    figure.add_heatmap(
        z=grid("input_ids"),
        y=labels,
        text=tokens,
        hovertemplate=hover,
        colorscale="Viridis",
        showscale=False,
        row=1,
        col=1,
    )
    figure.add_heatmap(
        z=grid("attention_mask"),
        y=labels,
        text=tokens,
        hovertemplate=hover,
        colorscale=[[0, "#e5e7eb"], [1, "#2563eb"]],
        zmin=0,
        zmax=1,
        showscale=False,
        row=2,
        col=1,
    )
    height = min(MAX_HEIGHT, 140 + 2 * ROW_PIXELS * len(labels))
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title_text="position", row=2, col=1)
    figure.update_layout(height=height, margin={"l": 110, "r": 20, "t": 40, "b": 40}, template="plotly_white")
    return figure
