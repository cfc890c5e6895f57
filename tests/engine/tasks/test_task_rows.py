"""engine.tasks.task_rows: the task a dataset is read as (inferred or chosen) and a page of rows in its terms."""

import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, List, Value

from engine.common.errors import NotFoundError, StudioError
from engine.tasks.task_rows import choose_task, page_rows


def _entities() -> DatasetDict:
    features = Features({"tokens": List(Value("string")), "ner_tags": List(ClassLabel(names=["O", "B-PER", "I-PER"]))})
    rows = {"tokens": [["Ada", "Lovelace", "wrote"], ["It", "rained"]], "ner_tags": [[1, 2, 0], [0, 0]]}
    return DatasetDict({"train": Dataset.from_dict(rows, features=features)})


def test_the_inferred_task_reads_its_columns_and_says_so():
    choice = choose_task(_entities())
    assert choice.setup.task == "token-classification" and not choice.chosen
    assert choice.description == (
        "Task: **token-classification**, inferred from the columns; it reads tokens `tokens`, tags `ner_tags`."
    )


def test_a_chosen_task_overrides_the_inferred_one_and_one_that_cannot_read_the_data_says_why():
    splits = DatasetDict({"train": Dataset.from_dict({"text": ["a", "b"], "label": [0.5, 2.0]})})
    assert choose_task(splits).setup.task == "regression"
    chosen = choose_task(splits, "text-classification")
    assert chosen.chosen and "chosen (the columns suggest `regression`)" in chosen.description
    with pytest.raises(StudioError, match="Task: the data cannot be read as question-answering"):
        choose_task(splits, "question-answering")
    with pytest.raises(NotFoundError, match="unknown task 'ner'"):
        choose_task(splits, "ner")


def test_a_page_of_tagged_sentences_gives_words_and_tag_names_from_class_ids():
    split = _entities()["train"]
    rows = page_rows(split, choose_task(_entities()).setup, 1, 20)
    assert rows == [{"row": 1, "words": ["It", "rained"], "tags": ["O", "O"]}]


def test_a_page_of_questions_marks_each_answer_found_at_its_start_or_not():
    split = Dataset.from_dict(
        {
            "question": ["Who?", "Where?"],
            "context": ["Ada wrote it.", "In Oslo."],
            "answers": [{"text": ["Ada"], "answer_start": [0]}, {"text": ["Oslo"], "answer_start": [0]}],
        }
    )
    setup = choose_task(DatasetDict({"train": split})).setup
    rows = page_rows(split, setup, 0, 2)
    assert rows[0]["answers"] == [{"text": "Ada", "start": 0, "found": True}]
    assert rows[1]["answers"] == [{"text": "Oslo", "start": 0, "found": False}]


def test_label_sets_pairs_and_classes_read_as_the_task_reads_them():
    tags = Dataset.from_dict({"text": ["a", "b"], "labels": [["x", "y"], ["y"]]})
    rows = page_rows(tags, choose_task(DatasetDict({"train": tags})).setup, 0, 10)
    assert [row["labels"] for row in rows] == [["x", "y"], ["y"]]
    pairs = Dataset.from_dict({"sentence1": ["a"], "sentence2": ["b"], "label": ["same"]})
    pairs = pairs.cast_column("label", ClassLabel(names=["other", "same"]))
    (row,) = page_rows(pairs, choose_task(DatasetDict({"train": pairs}), "text-classification").setup, 0, 10)
    assert row == {"row": 0, "text": "a", "pair": "b", "label": "same"}


def test_a_page_reads_only_its_rows_and_an_offset_outside_the_split_is_refused():
    split = Dataset.from_dict({"text": [f"t{i}" for i in range(1000)], "label": [i % 2 for i in range(1000)]})
    setup = choose_task(DatasetDict({"train": split})).setup
    assert [row["row"] for row in page_rows(split, setup, 990, 20)] == list(range(990, 1000))
    with pytest.raises(StudioError, match="row 1,000 is outside the split"):
        page_rows(split, setup, 1000, 20)


def test_whole_number_scores_may_be_read_as_regression_and_a_list_label_not_as_classes():
    scores = DatasetDict({"train": Dataset.from_dict({"text": ["a", "b"], "label": [1, 5]})})
    assert choose_task(scores).setup.task == "text-classification"
    rows = page_rows(scores["train"], choose_task(scores, "regression").setup, 0, 2)
    assert [row["label"] for row in rows] == [1, 5]
    lists = DatasetDict({"train": Dataset.from_dict({"text": ["a"], "label": [["x", "y"]]})})
    with pytest.raises(StudioError, match="its columns are not in that layout: it reads text .*, label"):
        choose_task(lists, "text-classification")
