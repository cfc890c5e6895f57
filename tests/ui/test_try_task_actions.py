"""ui.try_task_actions: which views a model's task shows, and each task's result shaped for the page."""

import json

import pytest

from tests.tiny_models import biased_classifier
from ui.try_task_actions import _answer_highlight, _entities_highlight, _prediction_view, model_task, views_for


@pytest.fixture
def classifier(tmp_path):
    return biased_classifier(tmp_path / "classifier", ["a", "b"], favour=0)


def with_task(folder, task: str, columns: dict | None = None):
    setup = {"task": task, "columns": columns or {}, "labels": [], "options": {}}
    (folder / "task.json").write_text(json.dumps({"format": 1, "setup": setup, "tokenization": {"max_length": 64}}))
    return str(folder)


def visible(update) -> bool:
    return update["visible"]


def test_a_question_answering_model_shows_the_task_views_with_a_question_and_a_context(classifier):
    note, *views = views_for(with_task(classifier, "question-answering"))

    assert "question answering" in note
    assert [visible(update) for update in views[:8]] == [False] * 4 + [True] * 4
    # text, second text, question, context; the text highlighted, the thresholds chart
    assert [visible(update) for update in views[8:14]] == [False, False, True, True, True, False]


def test_the_second_text_shows_for_a_pair_model_only_and_a_classifier_keeps_its_own_views(classifier, tmp_path):
    _, *views = views_for(with_task(classifier, "token-classification"))
    assert [visible(update) for update in views[8:14]] == [True, False, False, False, True, False]

    pairs = with_task(biased_classifier(tmp_path / "pairs", ["a"], 0), "regression", {"text": "s1", "text_pair": "s2"})
    _, *views = views_for(pairs)
    assert [visible(update) for update in views[8:14]] == [True, True, False, False, False, False]

    other = biased_classifier(tmp_path / "plain", ["a", "b"], favour=1)
    note, *views = views_for(str(other))
    assert note == "" and [visible(update) for update in views[:8]] == [True] * 4 + [False] * 4


def test_a_model_that_cannot_be_found_is_left_to_the_classifier_views_which_say_why():
    assert model_task("job:999999") == "text-classification"
    assert model_task("") == "text-classification"


def test_entities_cut_the_text_into_labelled_and_plain_pieces_that_join_back_to_it():
    text = "Ada Marlow joined Orion Labs."
    entities = [{"type": "ORG", "start": 18, "end": 28}, {"type": "PER", "start": 0, "end": 10}]

    pieces = _entities_highlight(text, entities)

    assert pieces == [("Ada Marlow", "PER"), (" joined ", None), ("Orion Labs", "ORG"), (".", None)]


def test_the_answer_is_labelled_in_its_context_and_no_answer_leaves_the_context_plain():
    context = "Founded by Yara Okafor in 1972."

    assert _answer_highlight(context, {"start": 11, "end": 22}) == [
        ("Founded by ", None), ("Yara Okafor", "answer"), (" in 1972.", None)
    ]  # fmt: skip
    assert _answer_highlight(context, {"start": 0, "end": 0}) == [(context, None)]


def test_a_regression_value_outside_its_training_range_is_called_an_extrapolation():
    summary, *_ = _prediction_view("regression", {"value": 5.5, "range": [0.0, 5.0], "outside_range": True}, {})

    assert summary.startswith("**5.5000** (the targets it was trained on run from 0 to 5)")
    assert "Outside the training range" in summary
