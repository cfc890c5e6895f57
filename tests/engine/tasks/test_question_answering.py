import numpy as np
import pytest
from datasets import Dataset

from engine.common.errors import StudioError
from engine.tasks.base import Tokenization
from engine.tasks.question_answering import QuestionAnswering, answer_positions, best_spans
from tests import tiny_models

TASK = QuestionAnswering()
FILLER = "the museum opens at nine . " * 12
CONTEXT = FILLER + "paris is the capital of france ."


def _rows(answer_start: int | None = None) -> Dataset:
    start = CONTEXT.index("paris") if answer_start is None else answer_start
    return Dataset.from_dict(
        {
            "question": ["what is the capital of france"],
            "context": [CONTEXT],
            "answers": [{"text": ["paris"], "answer_start": [start]}],
        }
    )


def test_answer_positions_come_from_the_offsets_or_point_at_cls():
    offsets = [(0, 0), (0, 4), (0, 0), (0, 5), (6, 8), (9, 12), (0, 0)]
    sequence_ids = [None, 0, None, 1, 1, 1, None]
    assert answer_positions(offsets, sequence_ids, ("is the", 6), 0) == (4, 5)
    assert answer_positions(offsets, sequence_ids, ("far away", 20), 0) == (0, 0)  # beyond this window
    assert answer_positions(offsets, sequence_ids, None, 0) == (0, 0)


def test_a_long_context_becomes_overlapping_windows_and_only_the_one_holding_the_answer_points_at_it():
    tokenizer = tiny_models.tokenizer()
    split = _rows()
    setup = TASK.setup(split)
    features = TASK.preprocess(split, tokenizer, setup, Tokenization(max_length=32, stride=8))
    assert len(features) > 2 and set(features["example_index"]) == {0}
    holding = [i for i, start in enumerate(features["start_positions"]) if start != 0]
    # the answer ends the context: the last window holds it, and so may the one before (they overlap)
    assert holding[-1] == len(features) - 1 and holding == list(range(holding[0], len(features)))
    assert holding[0] >= len(features) - 2
    window = features[holding[-1]]
    start, end = window["offset_mapping"][window["start_positions"]], window["offset_mapping"][window["end_positions"]]
    assert CONTEXT[start[0] : end[1]] == "paris"
    assert window["offset_mapping"][1] is None  # question tokens carry no context offsets
    # consecutive windows share `stride` tokens of context
    first, second = features[0]["offset_mapping"], features[1]["offset_mapping"]
    shared = [o for o in first if o is not None and o in second]
    assert len(shared) == 8


def test_an_answer_not_at_its_answer_start_is_refused_with_what_is_there():
    with pytest.raises(StudioError, match=r"row 0 of train: answer 'paris' is not at answer_start 0 .* has 'the m'"):
        TASK.setup(_rows(answer_start=0))


def test_a_stride_that_leaves_no_room_is_refused_before_the_tokenizer_panics():
    split = _rows()
    with pytest.raises(StudioError, match="not more than the stride"):
        TASK.preprocess(split, tiny_models.tokenizer(), TASK.setup(split), Tokenization(max_length=16, stride=7))


def test_best_spans_skip_reversed_long_and_out_of_context_spans():
    window = [None, (0, 5), (6, 8), (9, 12), None]
    starts = np.array([9.0, 1.0, 5.0, 0.0, 0.0])
    ends = np.array([9.0, 0.0, 0.0, 4.0, 0.0])
    spans = best_spans(starts[None], ends[None], [window], n_best=5, max_answer_length=30)
    assert spans[0] == (9.0, 6, 12)  # CLS (index 0) is no answer; start 2 + end 3 is best
    assert all(score != 14.0 for score, *_ in spans)  # end before start (2 -> 1) never counted
    short = best_spans(starts[None], ends[None], [window], n_best=5, max_answer_length=1)
    assert all(b - a <= 5 for _, a, b in short)


def test_postprocess_maps_the_best_window_back_to_the_context_and_scores_squad():
    tokenizer = tiny_models.tokenizer()
    split = _rows()
    setup = TASK.setup(split)
    features = TASK.preprocess(split, tokenizer, setup, Tokenization(max_length=32, stride=8))
    length = max(len(ids) for ids in features["input_ids"])
    starts, ends = np.zeros((len(features), length)), np.zeros((len(features), length))
    last = len(features) - 1
    starts[last, features[last]["start_positions"]] = 10.0
    ends[last, features[last]["end_positions"]] = 10.0
    prediction = TASK.postprocess(setup, (starts, ends), split, features)[0]
    assert prediction["answer"] == "paris" and prediction["start"] == CONTEXT.index("paris")
    assert 0 < prediction["score"] <= 1 and len(prediction["alternatives"]) == 5
    assert TASK.report(setup, (starts, ends), split, features).metrics == {"exact_match": 1.0, "f1": 1.0}
