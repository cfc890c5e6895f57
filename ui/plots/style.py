"""One look for every figure: margins, height, legend under the plot, and what an empty figure says.

A figure with nothing to draw yet says what will appear there instead of showing blank axes; a figure with many
labels grows with them instead of squeezing 50 names into 320 pixels.
"""

import plotly.graph_objects as go

HEIGHT = 320
# Under the plot, left-aligned: a legend inside the plot area hides the curves it names.
LEGEND = {"orientation": "h", "yanchor": "top", "y": -0.2, "xanchor": "left", "x": 0}
LAYOUT = {
    "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
    "height": HEIGHT,
    "template": "plotly_white",
    "legend": LEGEND,
}
MAX_HEIGHT = 1200


def height_for(rows: int, per_row: int = 22, base: int = HEIGHT) -> int:
    """A figure tall enough for `rows` labels on its y axis (up to `MAX_HEIGHT`)."""
    return min(MAX_HEIGHT, max(base, 120 + per_row * rows))


def say_when_empty(figure: go.Figure, message: str, empty: bool | None = None) -> go.Figure:
    """If `empty` (by default: no trace of `figure` has a point), hide its axes and say `message` where the data
    will be."""
    if empty is None:
        empty = not any(len(trace.x if trace.x is not None else ()) for trace in figure.data)
    if not empty:
        return figure
    figure.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 14, "color": "#6b7280"}
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(showlegend=False)
    return figure


def lines_mode(points: int, mode: str = "lines") -> str:
    """A line of one point draws nothing: give a lone point a marker."""
    return "lines+markers" if points == 1 else mode
