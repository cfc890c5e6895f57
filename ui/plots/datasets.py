"""Plotly figures of the Datasets tab's checks: data in (`engine.datasets.stats`), figure out, no Gradio."""

import plotly.graph_objects as go

from engine.datasets.stats import DatasetStats, LengthSummary
from ui.plots.style import LAYOUT, say_when_empty


def label_distribution(stats: DatasetStats) -> go.Figure:
    """Rows per label, one group of bars per split (shares in the hover), titled with any imbalance."""
    figure = go.Figure()
    for name, split in stats.splits.items():
        labels = list(split.label_counts)
        counts = list(split.label_counts.values())
        total = sum(counts) or 1
        figure.add_bar(
            x=labels, y=counts, name=name, text=[f"{c / total:.0%}" for c in counts], textposition="outside"
        )
    imbalanced = any(w.startswith("Imbalanced") for w in stats.warnings)
    title = "Rows per label" + (" (imbalanced: see the warnings)" if imbalanced else "")
    figure.update_layout(
        title=title, xaxis_title=stats.label_column or "no label column", yaxis_title="rows", **LAYOUT
    )
    return say_when_empty(figure, "Rows per label appear here once the dataset has a label column.")


def _histogram(figure: go.Figure, name: str, lengths: LengthSummary) -> None:
    if not lengths.counts:
        return
    centres = [(a + b) / 2 for a, b in zip(lengths.edges, lengths.edges[1:], strict=False)]
    widths = [b - a for a, b in zip(lengths.edges, lengths.edges[1:], strict=False)]
    figure.add_bar(x=centres, y=lengths.counts, width=widths, name=name, opacity=0.6)


def length_histogram(stats: DatasetStats, unit: str) -> go.Figure:
    """Length of the text per row, in `characters` or `tokens`; for tokens the max_length cut is drawn."""
    figure = go.Figure()
    shares = []
    for name, split in stats.splits.items():
        lengths = split.chars if unit == "characters" else split.tokens
        if lengths is None:
            continue
        _histogram(figure, name, lengths)
        if unit == "tokens" and split.truncated_share is not None:
            shares.append(f"{name} {split.truncated_share:.1%}")
    title = f"Text length in {unit}"
    if unit == "tokens":
        if stats.tokenizer is None:
            title += " (choose a tokenizer)"
        else:
            figure.add_vline(
                x=stats.max_length,
                line={"dash": "dash", "color": "crimson"},
                annotation_text=f"max_length {stats.max_length}",
            )
            title += f": truncated {', '.join(shares)}"
    figure.update_layout(title=title, barmode="overlay", xaxis_title=unit, yaxis_title="rows", **LAYOUT)
    return say_when_empty(
        figure, f"Lengths in {unit} appear here" + (" once a tokenizer is chosen." if unit == "tokens" else ".")
    )


def lengths_per_label(stats: DatasetStats, split: str) -> go.Figure:
    """Character lengths of each label's rows in one split, as box plots (quartiles, min and max)."""
    figure = go.Figure()
    chosen = stats.splits.get(split)
    for item in chosen.lengths_per_label if chosen else []:
        figure.add_trace(
            go.Box(
                name=f"{item.label} ({item.rows:,})",
                q1=[item.q1],
                median=[item.median],
                q3=[item.q3],
                lowerfence=[item.min],
                upperfence=[item.max],
            )
        )
    figure.update_layout(title=f"Characters per label ({split})", yaxis_title="characters", showlegend=False, **LAYOUT)
    return say_when_empty(
        figure,
        f"No labelled rows in {split}: lengths per label appear here once it has a label column.",
        empty=not (chosen and chosen.lengths_per_label),
    )


def quality_bars(stats: DatasetStats) -> go.Figure:
    """Empty or missing values per column, duplicates within each split and texts shared with train, per split."""
    figure = go.Figure()
    columns = list(next(iter(stats.splits.values())).empty) if stats.splits else []
    categories = [f"empty {c}" for c in columns] + ["duplicates", "also in train"]
    for name, split in stats.splits.items():
        values = [split.empty[c] for c in columns] + [split.duplicates, stats.leakage.get(name, 0)]
        figure.add_bar(x=categories, y=values, name=name)
    leak = sum(stats.leakage.values())
    title = "Empty values, duplicates and leakage" + (f" (leakage: {leak:,} rows!)" if leak else "")
    figure.update_layout(title=title, yaxis_title="rows", **LAYOUT)
    return figure
