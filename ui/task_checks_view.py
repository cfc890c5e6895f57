"""What the Datasets tab's Check shows of a task-aware check (`engine.tasks.checks`): a few lines of figures, two
charts and a table of the rows (or pairs) to look at. Pure functions, no Gradio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from ui.plots import task_checks as plots

if TYPE_CHECKING:  # the checks import transformers, which the server loads on first use, not at start
    from engine.tasks.checks import AnswerCheck, Check, LabelSetCheck, TagCheck, TargetCheck


@dataclass
class TaskCheckView:
    """The lines (Markdown), two figures and a table of one task check."""

    text: str
    first: go.Figure
    second: go.Figure
    table: pd.DataFrame


def _label_sets(check: LabelSetCheck) -> TaskCheckView:
    per_row = ", ".join(f"{n} label{'s' if n != 1 else ''}: {rows:,}" for n, rows in check.labels_per_row.items())
    text = (
        f"**Multi-label**, {check.rows:,} rows, {len(check.labels)} labels. Label cardinality (labels per row): "
        f"**{check.mean_labels:.2f}** ({per_row}). Most frequent: "
        + ", ".join(f"`{name}` {count:,}" for name, count in list(check.label_counts.items())[:5])
    )
    table = pd.DataFrame(check.top_pairs(), columns=["first", "second", "rows"])
    return TaskCheckView(text, plots.labels_per_row(check), plots.co_occurrence(check), table)


def _targets(check: TargetCheck) -> TaskCheckView:
    s = check.summary
    text = (
        f"**Regression target**, {check.rows:,} rows: mean {s['mean']:.4g}, std {s['std']:.4g}, min {s['min']:.4g}, "
        f"quartiles {s['q1']:.4g} / {s['median']:.4g} / {s['q3']:.4g}, max {s['max']:.4g}. "
        f"**{check.outlier_count:,}** outliers beyond {check.fences[0]:.4g} and {check.fences[1]:.4g} (1.5 "
        f"interquartile ranges past the quartiles)"
    )
    if check.outlier_count > len(check.outliers):
        text += f"; the table lists the {len(check.outliers)} farthest"
    text += "."
    table = pd.DataFrame(check.outliers, columns=["row", "value", "text"])
    return TaskCheckView(text, plots.target_histogram(check), plots.target_box(check), table)


def _tags(check: TagCheck) -> TaskCheckView:
    entities = ", ".join(f"`{kind}` {count:,}" for kind, count in check.entity_counts.items()) or "none"
    text = (
        f"**Token classification**, {check.sentences:,} sentences, {check.words:,} words. Entities: {entities}. "
        f"Sub-word tokens: **{check.subword_tokens:,}** ({check.tokens_per_word:.2f} per word; "
        f"{check.split_words:,} words split into several). At max_length {check.max_length}: "
        f"**{check.truncated_sentences:,}** sentences truncated, {check.lost_words:,} words lose their tag; the "
        f"longest sentence is {check.longest:,} tokens."
    )
    table = pd.DataFrame({"truncated row": check.truncated_rows})
    return TaskCheckView(text, plots.tag_distribution(check), plots.entities_per_sentence(check), table)


def _answers(check: AnswerCheck) -> TaskCheckView:
    text = (
        f"**Question answering**, {check.questions:,} questions, {check.answers:,} answers. "
        f"**{check.misplaced_count:,}** answers are not at their `answer_start` (training refuses those rows; the "
        f"table lists them). At max_length {check.max_length} and stride {check.stride}: {check.windows:,} windows; "
        f"**{check.outside_count:,}** of {check.answered:,} answered questions ({check.outside_share:.1%}) have "
        'their answer outside every window, so they train only the "no answer" position.'
    )
    table = pd.DataFrame(check.misplaced, columns=["row", "answer", "answer_start", "found", "found_at"])
    return TaskCheckView(text, plots.windows_per_question(check), plots.answer_positions(check), table)


def task_check_view(check: Check) -> TaskCheckView:
    """The view of any task check."""
    from engine.tasks.checks import LabelSetCheck, TagCheck, TargetCheck

    if isinstance(check, LabelSetCheck):
        return _label_sets(check)
    if isinstance(check, TargetCheck):
        return _targets(check)
    if isinstance(check, TagCheck):
        return _tags(check)
    return _answers(check)
