"""engine.tasks.checks: each task's dataset check against counts worked out by hand."""

from collections import Counter

import pytest
from datasets import ClassLabel, Dataset

from engine.common.errors import StudioError
from engine.datasets.sources import load_raw
from engine.tasks.base import Tokenization
from engine.tasks.checks import (
    AnswerCheck,
    LabelSetCheck,
    TagCheck,
    check_answers,
    check_label_sets,
    check_tags,
    check_targets,
    check_task_data,
)
from engine.tasks.registry import get_task
from tests import tiny_models


def test_label_sets_count_labels_per_row_and_which_labels_go_together():
    split = Dataset.from_dict(
        {
            "text": ["a", "b", "c", "d"],
            "labels": ["sports;politics", "sports", "health;sports;politics", "health"],
        }
    )
    setup = get_task("multi-label-classification").setup(split)
    check = check_label_sets(split, setup)
    assert setup.labels == ("health", "politics", "sports")
    assert check.labels_per_row == {1: 2, 2: 1, 3: 1}
    assert check.mean_labels == pytest.approx(7 / 4)
    assert check.label_counts == {"sports": 3, "health": 2, "politics": 2}
    assert check.co_occurrence == [[2, 1, 1], [1, 2, 2], [1, 2, 3]]
    assert check.top_pairs(1) == [{"first": "politics", "second": "sports", "rows": 2}]


def test_label_sets_of_zero_one_columns_count_rows_with_no_label():
    split = Dataset.from_dict({"text": ["a", "b", "c"], "art": [1, 0, 0], "war": [1, 1, 0]})
    check = check_label_sets(split, get_task("multi-label-classification").setup(split))
    assert check.labels_per_row == {0: 1, 1: 1, 2: 1}


def test_targets_give_a_summary_a_histogram_and_the_outliers_beyond_the_iqr_fences():
    scores = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0, 40.0, -30.0]
    split = Dataset.from_dict({"text": [f"row {i}" for i in range(len(scores))], "score": scores})
    check = check_targets(split, get_task("regression").setup(split))
    # quartiles (numpy's linear rule) of the sorted values: q1 = 2, median = 3, q3 = 4; fences 2 -/+ 3 = -1, 7
    assert (check.summary["q1"], check.summary["median"], check.summary["q3"]) == (2.0, 3.0, 4.0)
    assert check.fences == (-1.0, 7.0)
    assert check.outlier_count == 2
    assert [row["row"] for row in check.outliers] == [9, 10]  # 40 is 33 beyond its fence, -30 is 29
    assert check.outliers[0] == {"row": 9, "value": 40.0, "text": "row 9"}
    assert sum(check.counts) == len(scores) and len(check.bin_edges) == len(check.counts) + 1
    assert check.bin_edges[0] == -30.0 and check.bin_edges[-1] == 40.0


def test_a_target_that_is_not_a_number_is_named_by_its_row():
    split = Dataset.from_dict({"text": ["a", "b"], "score": [1.0, 2.0]})
    setup = get_task("regression").setup(split)
    with pytest.raises(StudioError, match=r"row 1 of validation: the 'score' target 'high' is not a number"):
        check_targets(Dataset.from_dict({"text": ["a", "b"], "score": ["1", "high"]}), setup, "validation")


def _tags_split() -> Dataset:
    return Dataset.from_dict(
        {
            "tokens": [["paris", "is", "lovely"], ["ada", "marlow", "met", "unmuseumlike", "people", "in", "paris"]],
            "ner_tags": [["B-LOC", "O", "O"], ["B-PER", "I-PER", "O", "O", "O", "O", "B-LOC"]],
        }
    )


def test_tags_count_tags_entities_and_sub_words():
    tokenizer = tiny_models.tokenizer()
    split = _tags_split()
    setup = get_task("token-classification").setup(split)
    check = check_tags(split, setup, tokenizer, Tokenization(max_length=64))
    assert check.sentences == 2 and check.words == 10
    assert check.tag_counts == {"O": 6, "B-LOC": 2, "B-PER": 1, "I-PER": 1}
    assert check.entity_counts == {"LOC": 2, "PER": 1}
    assert check.entities_per_sentence == {1: 1, 2: 1}
    pieces = [len(tokenizer.tokenize(word)) for words in split["tokens"] for word in words]
    assert check.subword_tokens == sum(pieces) and check.split_words == sum(n > 1 for n in pieces)
    assert check.split_words >= 1  # the made-up word splits
    assert check.tokens_per_word == pytest.approx(sum(pieces) / 10)
    assert check.truncated_sentences == 0 and check.lost_words == 0
    assert check.longest == 2 + sum(len(tokenizer.tokenize(word)) for word in split["tokens"][1])


def test_a_conll_file_read_as_class_label_ids_checks_the_same_as_tag_names(tmp_path):
    split = _tags_split()
    lines = [
        f"{w} {t}"
        for words, tags in zip(split["tokens"], split["ner_tags"], strict=True)
        for w, t in [*zip(words, tags, strict=True), ("", "")]
    ]
    path = tmp_path / "tags.conll"
    path.write_text("\n".join(line.strip() for line in lines) + "\n")
    from_file = load_raw(str(path))["train"]
    assert isinstance(from_file.features["ner_tags"].feature, ClassLabel)
    tokenizer, tokenization = tiny_models.tokenizer(), Tokenization(max_length=64)
    by_ids = check_tags(from_file, get_task("token-classification").setup(from_file), tokenizer, tokenization)
    by_names = check_tags(split, get_task("token-classification").setup(split), tokenizer, tokenization)
    assert by_ids == by_names


def test_a_short_max_length_truncates_sentences_and_the_words_past_it_lose_their_tags():
    tokenizer = tiny_models.tokenizer()
    split = _tags_split()
    setup = get_task("token-classification").setup(split)
    check = check_tags(split, setup, tokenizer, Tokenization(max_length=8))
    second = [len(tokenizer.tokenize(word)) for word in split["tokens"][1]]
    # 8 tokens leave 6 for words: count the words whose first piece starts within those 6
    starts = [sum(second[:i]) for i in range(len(second))]
    assert check.truncated_sentences == 1 and check.truncated_rows == [1]
    assert check.lost_words == sum(start >= 6 for start in starts) > 0


def _qa_split(starts: list[int]) -> Dataset:
    context = "the museum opens at nine . " * 12 + "paris is the capital of france ."
    return Dataset.from_dict(
        {
            "question": ["what is the capital of france", "when does the museum open", "what is the capital"],
            "context": [context] * 3,
            "answers": [
                {"text": ["paris"], "answer_start": [starts[0]]},
                {"text": ["nine"], "answer_start": [starts[1]]},
                {"text": ["paris"], "answer_start": [starts[2]]},
            ],
        }
    )


def test_answers_not_at_their_start_are_counted_with_what_is_there_and_where_the_text_is():
    good = _qa_split([0, 0, 0])["context"][0].index("paris")
    split = _qa_split([good, 20, 4])
    setup = get_task("question-answering").setup(Dataset.from_dict(split[:1]))
    check = check_answers(split, setup, tiny_models.tokenizer(), Tokenization(max_length=64))
    assert isinstance(check, AnswerCheck)
    assert check.questions == 3 and check.answers == 3 and check.misplaced_count == 1
    assert check.misplaced == [{"row": 2, "answer": "paris", "answer_start": 4, "found": "museu", "found_at": good}]
    assert check.answered == 2  # the misplaced row is windowed as unanswered


def test_an_answer_longer_than_a_window_falls_outside_every_window():
    tokenizer = tiny_models.tokenizer()
    context = "the museum opens at nine . " * 12
    split = Dataset.from_dict(
        {
            "question": ["what happens", "when"],
            "context": [context, context],
            "answers": [
                {"text": [context.strip()], "answer_start": [0]},  # the whole context: no window holds it all
                {"text": ["nine"], "answer_start": [context.index("nine")]},
            ],
        }
    )
    setup = get_task("question-answering").setup(split)
    tokenization = Tokenization(max_length=24, stride=4)
    check = check_answers(split, setup, tokenizer, tokenization)
    features = get_task("question-answering").preprocess(split, tokenizer, setup, tokenization)
    per_question = Counter(features["example_index"])  # the longer question leaves less room: more windows
    assert check.windows == len(features) == per_question[0] + per_question[1]
    assert check.windows_per_question == dict(sorted(Counter(per_question.values()).items()))
    assert (check.answered, check.outside_count, check.outside_rows) == (2, 1, [0])
    assert check.outside_share == 0.5 and check.stride == 4


def test_check_task_data_picks_the_tasks_check_and_asks_for_a_tokenizer_when_it_counts_tokens():
    tags = _tags_split()
    setup = get_task("token-classification").setup(tags)
    assert isinstance(check_task_data(tags, setup, tiny_models.tokenizer()), TagCheck)
    with pytest.raises(StudioError, match="needs a tokenizer"):
        check_task_data(tags, setup)
    labels = Dataset.from_dict({"text": ["a"], "labels": [["x", "y"]]})
    assert isinstance(check_task_data(labels, get_task("multi-label-classification").setup(labels)), LabelSetCheck)
    single = Dataset.from_dict({"text": ["a", "b"], "label": ["x", "y"]})
    assert check_task_data(single, get_task("text-classification").setup(single)) is None


def test_a_sample_of_a_big_split_is_said_and_its_listed_rows_are_numbered_in_the_whole_split():
    scores = [400.0 if i % 50 == 0 else float(i % 5) for i in range(1000)]  # 20 outliers among 1,000 rows
    split = Dataset.from_dict({"text": [f"row {i}" for i in range(1000)], "score": scores})
    setup = get_task("regression").setup(split)
    check = check_task_data(split, setup, max_rows=500)
    assert check.rows == 500 and check.sampled_from == 1000
    assert 0 < check.outlier_count < 20  # a sample (seed 0) holds some of them
    assert all(o["row"] % 50 == 0 and o["text"] == f"row {o['row']}" for o in check.outliers)
    whole = check_task_data(split, setup, max_rows=1000)
    assert whole.sampled_from is None and whole.outlier_count == 20
