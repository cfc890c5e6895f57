"""The Try tab's figures for the tasks beyond single-label classification: a multi-label prediction's probabilities
against their thresholds, the per-label or per-entity-type scores of an evaluation, a multi-label evaluation's label
confusions by pair, and a regression's predicted against true values with its residuals."""

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.plots.style import LAYOUT, height_for, say_when_empty

PREDICTED, NOT_PREDICTED = "#2563eb", "#cbd5e1"
PAIR_LABELS_DRAWN = 30  # a heatmap of more labels is unreadable: the labels in most mistakes are drawn


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


def _pair_labels(pairs: list[dict], labels: list[str]) -> list[str]:
    """`labels` in their order, cut to the `PAIR_LABELS_DRAWN` involved in most mistakes when there are more."""
    if len(labels) <= PAIR_LABELS_DRAWN:
        return labels
    involvement = dict.fromkeys(labels, 0)
    for pair in pairs:
        mistakes = pair["instead"] + pair["added"] + pair["dropped"]
        involvement[pair["label"]] += mistakes
        involvement[pair["other"]] += mistakes
    kept = set(sorted(labels, key=lambda name: -involvement[name])[:PAIR_LABELS_DRAWN])
    return [name for name in labels if name in kept]


def label_pairs_heatmaps(pairs: list[dict], labels: list[str]) -> go.Figure:
    """A multi-label model's confusions by label pair (`pairs` from the evaluation report; `labels` in the order of
    its table). Left: rows where true label A (y) was missed and B (x) predicted instead, the multi-label analogue of
    a confusion matrix. Right: how many more rows (red) or fewer (blue) the model predicts A and B together than they
    are true together: a model that ties two labels more firmly than the data does shows red."""
    drawn = _pair_labels(pairs, labels)
    index = {name: i for i, name in enumerate(drawn)}
    size = len(drawn)
    instead = [[0] * size for _ in range(size)]
    gap = [[0] * size for _ in range(size)]
    hover = [["" for _ in range(size)] for _ in range(size)]
    for pair in pairs:
        if pair["label"] in index and pair["other"] in index:
            a, b = index[pair["label"]], index[pair["other"]]
            instead[a][b] = pair["instead"]
            gap[a][b] = pair["predicted_together"] - pair["gold_together"]
            hover[a][b] = f"true together {pair['gold_together']}, predicted together {pair['predicted_together']}"
    titles = ("B predicted instead of a missed A (rows)", "Predicted together minus true together (rows)")
    figure = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.18)
    figure.add_heatmap(
        z=instead, x=drawn, y=drawn, colorscale="Reds", texttemplate="%{z}", showscale=False, row=1, col=1,
        hovertemplate="%{x} instead of %{y}: %{z} rows<extra></extra>",
    )  # fmt: skip
    reach = max((abs(value) for row in gap for value in row), default=0) or 1
    figure.add_heatmap(
        z=gap, x=drawn, y=drawn, text=hover, zmid=0, zmin=-reach, zmax=reach, colorscale="RdBu_r",
        texttemplate="%{z}", showscale=False, row=1, col=2,
        hovertemplate="%{y} and %{x}: %{text}<extra></extra>",
    )  # fmt: skip
    figure.update_xaxes(title_text="label B")
    figure.update_yaxes(title_text="true label A", autorange="reversed", row=1, col=1)
    figure.update_yaxes(autorange="reversed", row=1, col=2)
    figure.update_layout(**LAYOUT | {"height": height_for(size, per_row=26, base=380)})
    return say_when_empty(figure, "No label pairs: every row has one label, predicted right.", empty=not pairs)
