"""Heatmaps of a batch's (or overflow windows') input_ids and attention_mask: padding shows as a block of zeros."""

import plotly.graph_objects as go

from engine.tokenizer.inspection import Inspection

ROW_PIXELS = 22
MAX_HEIGHT = 900
HOVER = "%{y}, position %{x}<br>%{text}: %{z}<extra></extra>"


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
    common = {"type": "heatmap", "y": labels, "text": tokens, "hovertemplate": HOVER, "showscale": False}
    data = [
        {**common, "z": grid("input_ids"), "colorscale": "Viridis", "xaxis": "x", "yaxis": "y"},
        {
            **common,
            "z": grid("attention_mask"),
            "colorscale": [[0, "#e5e7eb"], [1, "#2563eb"]],
            "zmin": 0,
            "zmax": 1,
            "xaxis": "x",
            "yaxis": "y2",
        },
    ]
    layout = {
        "height": min(MAX_HEIGHT, 140 + 2 * ROW_PIXELS * len(labels)),
        "margin": {"l": 110, "r": 20, "t": 40, "b": 40},
        "template": "plotly_white",
        "xaxis": {"title": {"text": "position"}, "anchor": "y2"},
        "yaxis": {"domain": [0.55, 1.0], "autorange": "reversed", "title": {"text": "input_ids"}},
        "yaxis2": {"domain": [0.0, 0.45], "autorange": "reversed", "title": {"text": "attention_mask"}},
    }
    # Built from plain lists without plotly's per-element validation, which costs ~100 ms for a 64-row batch (the
    # structure above is fixed, and the tests check the figure it gives). Lists rather than numpy arrays, which would
    # be just as fast but reach the page, and scripts, as base64 typed arrays instead of numbers.
    return go.Figure({"data": data, "layout": layout}, _validate=False)
