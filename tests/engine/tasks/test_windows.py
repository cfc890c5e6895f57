"""engine.tasks.windows: a question's overflow windows, the answer marked, as the task's preprocessing cuts them."""

import pytest
from datasets import Dataset

from engine.common.errors import NotFoundError, StudioError
from engine.tasks.base import Tokenization
from engine.tasks.registry import get_task
from engine.tasks.windows import NOT_HERE, answer_windows, answer_windows_of_row, question_setup, row_question
from tests import tiny_models

TASK = get_task("question-answering")
FILLER = "the museum opens at nine . " * 12
CONTEXT = FILLER + "paris is the capital of france ."
QUESTION = "what is the capital of france"
WINDOWS = Tokenization(max_length=32, stride=8)


def _split(answer: str = "paris") -> Dataset:
    return Dataset.from_dict(
        {
            "question": [QUESTION],
            "context": [CONTEXT],
            "answers": [{"text": [answer], "answer_start": [CONTEXT.index(answer)]}],
        }
    )


def test_only_the_windows_holding_the_answer_mark_its_start_and_end_token():
    view = answer_windows(QUESTION, CONTEXT, tiny_models.tokenizer(), TASK.setup(_split()), WINDOWS, "paris")
    features = TASK.preprocess(_split(), tiny_models.tokenizer(), TASK.setup(_split()), WINDOWS)
    assert len(view.windows) == len(features) > 2
    assert view.holding == [i for i, start in enumerate(features["start_positions"]) if start != 0]
    assert view.holding[-1] == len(view.windows) - 1  # the answer ends the context
    last = view.windows[-1]
    start, end = last.answer
    assert start == end and last.tokens[start] == "paris"  # one token: the tiny tokenizer knows "paris"
    assert last.marks()[start] == "start+end" and last.note == f"answer: tokens {start} to {end}"
    assert last.marks()[0] == "" and last.tokens[0] == "[CLS]"  # special and question tokens are unmarked
    first = view.windows[0]
    assert first.answer is None and first.note == NOT_HERE and "start" not in first.marks()
    assert first.context_span[0] == 0 and last.context_span[1] == len(CONTEXT)
    assert view.windows[1].context_span[0] < first.context_span[1]  # consecutive windows overlap by the stride
    assert view.rows()[0] == {"window": 0, "tokens": 32, "context": list(first.context_span), "answer": NOT_HERE}


def test_a_several_token_answer_is_marked_start_answer_end():
    answer = "capital of france"
    view = answer_windows(QUESTION, CONTEXT, tiny_models.tokenizer(), TASK.setup(_split()), WINDOWS, answer)
    window = view.windows[view.holding[-1]]
    start, end = window.answer
    assert window.tokens[start : end + 1] == ["capital", "of", "france"]
    assert window.marks()[start : end + 1] == ["start", "answer", "end"]
    assert CONTEXT[window.offsets[start][0] : window.offsets[end][1]] == answer


def test_without_an_answer_every_window_is_marked_not_here_and_a_row_uses_its_first_answer():
    setup = TASK.setup(_split())
    view = answer_windows(QUESTION, CONTEXT, tiny_models.tokenizer(), setup, WINDOWS)
    assert view.answer is None and view.holding == [] and {w.note for w in view.windows} == {NOT_HERE}
    row = answer_windows_of_row(_split("nine"), 0, tiny_models.tokenizer(), setup, WINDOWS)
    assert row.answer == ("nine", CONTEXT.index("nine")) and row.holding[0] == 0


def test_an_answer_not_in_the_context_or_not_at_its_start_is_refused():
    setup = TASK.setup(_split())
    tokenizer = tiny_models.tokenizer()
    with pytest.raises(NotFoundError, match="answer 'london' is not in the context"):
        answer_windows(QUESTION, CONTEXT, tokenizer, setup, WINDOWS, "london")
    with pytest.raises(
        StudioError, match=r"answer 'paris' is not at answer_start 0 \(the context has 'the m' there\)"
    ):
        answer_windows(QUESTION, CONTEXT, tokenizer, setup, WINDOWS, "paris", 0)
    with pytest.raises(StudioError, match="need a question and a context"):
        answer_windows(" ", CONTEXT, tokenizer, setup, WINDOWS)
    with pytest.raises(StudioError, match="leave 0 tokens of context"):
        answer_windows(QUESTION * 4, CONTEXT, tokenizer, setup, WINDOWS)


def test_a_typed_question_is_set_up_as_a_squad_layout_split_and_a_row_gives_its_first_answer():
    setup = question_setup()
    assert setup.task == "question-answering" and dict(setup.columns)["answers"] == "answers"
    assert row_question(_split("nine"), 0, setup.columns) == (QUESTION, CONTEXT, "nine", CONTEXT.index("nine"))
    unanswered = Dataset.from_dict(
        {"question": ["q"], "context": ["c"], "answers": [{"text": [], "answer_start": []}]}
    )
    assert row_question(unanswered, 0) == ("q", "c", "", None)
    with pytest.raises(NotFoundError, match="row must be between 0 and 0, not 1"):
        row_question(unanswered, 1)
    with pytest.raises(NotFoundError, match="no question column .* columns are text, label"):
        row_question(Dataset.from_dict({"text": ["a"], "label": [0]}), 0)
