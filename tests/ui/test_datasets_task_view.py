"""The Datasets tab's task view: the task inferred and overridable, its checks, and Browse's page as it reads it."""

import re

import gradio as gr
import pytest

from engine.datasets.session import DatasetRef
from ui import datasets_actions as actions
from ui.task_rows_html import answers_html, tagged_words_html, task_rows_html


def _state(sample: str) -> dict:
    return DatasetRef(f"sample:{sample}").to_dict()


@pytest.mark.parametrize(
    ("sample", "task"),
    [
        ("sentiment", "text-classification"),
        ("tags", "multi-label-classification"),
        ("similarity", "regression"),
        ("entities", "token-classification"),
        ("questions", "question-answering"),
    ],
)
def test_the_task_box_shows_the_task_the_columns_suggest_among_every_task(sample, task):
    picker, note = actions.infer_task_view(_state(sample))
    assert picker["value"] == task and len(picker["choices"]) == 5
    assert note.startswith(f"Task: **{task}**, inferred from the columns")


def test_a_task_the_data_cannot_be_read_as_is_named_with_the_reason():
    with pytest.raises(gr.Error, match="Task: the data cannot be read as text-classification"):
        actions.choose_task_view(_state("tags"), "text-classification")
    with pytest.raises(gr.Error, match="no label column .*columns are sentence1, sentence2, score"):
        actions.choose_task_view(_state("similarity"), "text-classification")
    assert actions.choose_task_view(_state("similarity"), "regression").startswith("Task: **regression**, inferred")


def test_browse_shows_tags_coloured_over_the_words_of_the_page_only():
    page = actions.task_rows(_state("entities"), "train", 20, 10, "token-classification")
    assert page.count('class="task-row"') == 10 and ">#20<" in page and ">#29<" in page
    assert re.search(r'data-tag="B-PER">\w+<span class="tag">B-PER</span>', page)


def test_browse_highlights_the_answer_in_the_context_and_shows_label_chips():
    page = actions.task_rows(_state("questions"), "validation", 0, 5, "")
    assert page.count('<mark class="answer">') == 5
    chips = actions.task_rows(_state("tags"), "train", 0, 3, "multi-label-classification")
    assert chips.count('class="chip"') >= 3


def test_the_task_checks_of_each_task_give_their_lines_charts_and_table():
    text, first, second, table = actions.check_task(_state("tags"), "", "", "", "train", "")
    assert "Label cardinality (labels per row): **1.86**" in text
    assert list(table.columns) == ["first", "second", "rows"]
    assert first is not None and second.data[0].type == "heatmap"
    text, first, second, _ = actions.check_task(_state("similarity"), "", "", "", "train", "")
    assert "**Regression target**, 1,000 rows" in text and first.data[0].type == "bar"
    text, first, second, table = actions.check_task(_state("entities"), "scratch:tiny", 16, "", "train", "")
    assert re.search(r"At max_length 16: \*\*[1-9][\d,]*\*\* sentences truncated", text)
    assert list(first.data[0].x)[:2] == ["O", "B-LOC"] and len(table) > 0
    text, *_ = actions.check_task(_state("questions"), "scratch:tiny", 64, 8, "validation", "")
    assert "At max_length 64 and stride 8" in text and "(split `validation`, every row)" in text


def test_a_stride_out_of_range_and_the_label_checks_on_words_say_what_to_change():
    with pytest.raises(gr.Error, match="stride must be between 0 and 31"):
        actions.check_task(_state("questions"), "scratch:tiny", 64, 40, "train", "")
    note, *plots = actions.check_dataset(_state("entities"), "scratch:tiny", 64, "train")
    assert "see the task checks below" in note and plots == [None] * 5


def test_every_piece_of_user_text_is_escaped():
    tags = tagged_words_html([{"row": 0, "words": ["<b>"], "tags": ["B-<i>"]}])
    assert "<b>" not in tags and "&lt;b&gt;" in tags and "B-&lt;i&gt;" in tags
    context = answers_html([{"row": 0, "question": "<q>", "context": "a <x> b", "answers": []}])
    assert "<q>" not in context and "no answer" in context
    assert "No rows on this page" in task_rows_html("regression", [])
