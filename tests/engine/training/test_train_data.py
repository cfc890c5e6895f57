"""engine.training.data: a source becomes encoded labels, a validation split and token ids without padding."""

import pytest

from engine.datasets.sources import Columns
from engine.training.config import TrainConfig
from engine.training.data import prepare_training_data, tokenize_splits


def test_a_csv_folder_without_validation_gets_one_and_a_note(tiny_csv_folder):
    data = prepare_training_data(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"))

    assert data.label_names == ["negative", "positive"]
    assert {name: len(split) for name, split in data.splits.items()} == {"train": 54, "validation": 6, "test": 12}
    assert len(data.notes) == 1 and "carved 6 rows" in data.notes[0]


def test_a_pair_dataset_reads_sentence1_and_sentence2(pair_csv_folder):
    data = prepare_training_data(TrainConfig(dataset=str(pair_csv_folder), model="scratch:tiny"))

    assert data.columns == Columns(text="sentence1", label="label", text_pair="sentence2")
    assert data.label_names == ["equivalent", "not_equivalent"]


def test_train_texts_include_both_sides_of_a_pair(pair_csv_folder):
    data = prepare_training_data(TrainConfig(dataset=str(pair_csv_folder), model="scratch:tiny"))

    texts = data.train_texts()

    assert len(texts) == 2 * len(data.splits["train"])
    assert set(data.splits["train"]["sentence2"]) <= set(texts)


def test_a_numeric_text_column_is_rejected(tmp_path, write_csv):
    write_csv(tmp_path / "numbers.csv", {"text": list(range(12)), "label": ["a", "b"] * 6})

    with pytest.raises(ValueError, match="text column 'text' holds int64, not text"):
        prepare_training_data(TrainConfig(dataset=str(tmp_path / "numbers.csv"), model="scratch:tiny"))


def test_one_class_labels_are_rejected_before_training(tmp_path, write_csv):
    write_csv(tmp_path / "one.csv", {"text": [f"t{i}" for i in range(12)], "label": ["spam"] * 12})

    with pytest.raises(ValueError, match="single class"):
        prepare_training_data(TrainConfig(dataset=str(tmp_path / "one.csv"), model="scratch:tiny"))


def test_tokenized_splits_hold_token_ids_and_labels_without_padding(pair_csv_folder, wordpiece_tokenizer):
    data = prepare_training_data(TrainConfig(dataset=str(pair_csv_folder), model="scratch:tiny"))

    tokenized = tokenize_splits(data, wordpiece_tokenizer, max_length=128, splits=("train", "validation"))

    assert set(tokenized) == {"train", "validation"}
    assert tokenized["train"].column_names == ["labels", "input_ids", "token_type_ids", "attention_mask"]
    assert list(tokenized["train"]["labels"]) == list(data.splits["train"]["label"])
    assert len({len(ids) for ids in tokenized["train"]["input_ids"]}) > 1  # padding happens per batch, later
    assert not any(wordpiece_tokenizer.pad_token_id in ids for ids in tokenized["train"]["input_ids"])


def test_tokenized_pairs_are_truncated_to_max_length_and_typed(pair_csv_folder, wordpiece_tokenizer):
    data = prepare_training_data(TrainConfig(dataset=str(pair_csv_folder), model="scratch:tiny"))

    tokenized = tokenize_splits(data, wordpiece_tokenizer, max_length=8, splits=("train",))

    assert max(len(ids) for ids in tokenized["train"]["input_ids"]) == 8
    assert all(1 in types for types in tokenized["train"]["token_type_ids"])
