"""Plotly figures of the task-aware dataset checks (`engine.tasks.checks`): data in, figure out, no Gradio."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from ui.plots.style import LAYOUT, height_for, say_when_empty

if TYPE_CHECKING:  # the checks import transformers, which the server loads on first use, not at start
    from engine.tasks.checks import AnswerCheck, LabelSetCheck, TagCheck, TargetCheck


def _bars(counts: dict, title: str, x_title: str, y_title: str) -> go.Figure:
    figure = go.Figure()
    figure.add_bar(x=[str(key) for key in counts], y=list(counts.values()), text=list(counts.values()))
    figure.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **LAYOUT)
    figure.update_xaxes(type="category")
    return say_when_empty(figure, "Nothing to count in this split.")


def labels_per_row(check: LabelSetCheck) -> go.Figure:
    """Label cardinality: rows carrying 0, 1, 2... labels."""
    return _bars(check.labels_per_row, f"Labels per row (mean {check.mean_labels:.2f})", "labels on the row", "rows")


def co_occurrence(check: LabelSetCheck) -> go.Figure:
    """Rows carrying both labels of each pair; the diagonal is each label's own count."""
    labels = list(check.labels)
    figure = go.Figure(
        go.Heatmap(
            z=check.co_occurrence,
            x=labels,
            y=labels,
            colorscale="Blues",
            text=check.co_occurrence,
            texttemplate="%{text}",
            hovertemplate="%{y} and %{x}: %{z} rows<extra></extra>",
        )
    )
    layout = {**LAYOUT, "height": height_for(len(labels), per_row=28)}
    figure.update_layout(title="Labels that occur together (rows)", **layout)
    figure.update_yaxes(autorange="reversed")
    return figure


def target_histogram(check: TargetCheck) -> go.Figure:
    """The regression target's histogram, with the outlier fences drawn where they fall inside the range."""
    edges = check.bin_edges
    figure = go.Figure()
    figure.add_bar(
        x=[(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)],
        y=check.counts,
        width=[b - a for a, b in zip(edges, edges[1:], strict=False)],
        name="rows",
    )
    for fence, side in zip(check.fences, ("low", "high"), strict=True):
        if edges[0] <= fence <= edges[-1]:
            figure.add_vline(x=fence, line_dash="dash", line_color="#dc2626", annotation_text=f"{side} fence")
    title = f"Target: mean {check.summary['mean']:.3g}, {check.outlier_count:,} outliers beyond the fences"
    figure.update_layout(title=title, xaxis_title="target", yaxis_title="rows", showlegend=False, **LAYOUT)
    return figure


def target_box(check: TargetCheck) -> go.Figure:
    """The quartiles, the fences (clipped to the data) and each listed outlier as a point."""
    s, (low, high) = check.summary, check.fences
    figure = go.Figure()
    figure.add_box(
        q1=[s["q1"]],
        median=[s["median"]],
        q3=[s["q3"]],
        lowerfence=[max(s["min"], low)],
        upperfence=[min(s["max"], high)],
        mean=[s["mean"]],
        name="target",
        orientation="h",
    )
    if check.outliers:
        figure.add_scatter(
            x=[o["value"] for o in check.outliers],
            y=["target"] * len(check.outliers),
            mode="markers",
            marker={"color": "#dc2626"},
            text=[f"row {o['row']}" for o in check.outliers],
            name="outliers",
        )
    figure.update_layout(title="Quartiles, fences and outliers", xaxis_title="target", **LAYOUT)
    return figure


def tag_distribution(check: TagCheck) -> go.Figure:
    """Words per tag, in the tag order training uses."""
    return _bars(check.tag_counts, f"Words per tag ({check.words:,} words)", "tag", "words")


def entities_per_sentence(check: TagCheck) -> go.Figure:
    """Sentences with 0, 1, 2... entities."""
    total = sum(check.entity_counts.values())
    return _bars(check.entities_per_sentence, f"Entities per sentence ({total:,} entities)", "entities", "sentences")


def windows_per_question(check: AnswerCheck) -> go.Figure:
    """Questions split into 1, 2, 3... windows at the checked max_length and stride."""
    title = f"Windows per question (max_length {check.max_length}, stride {check.stride})"
    return _bars(check.windows_per_question, title, "windows", "questions")


def answer_positions(check: AnswerCheck) -> go.Figure:
    """Answered questions whose answer some window holds, against those no window holds, and misplaced answers."""
    counts = {
        "held by a window": check.answered - check.outside_count,
        "outside every window": check.outside_count,
        "not at answer_start": check.misplaced_count,
    }
    return _bars(counts, f"Answers ({check.outside_share:.1%} outside every window)", "", "answers")
