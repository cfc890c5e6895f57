"""engine.datasets.sources:

Sources load as splits, columns and labels are resolved with precise errors, validation is carved."""

import json
import re
import time

import pandas as pd
import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from engine.common.hub import HubUnreachableError
from engine.datasets.sources import (
    Columns,
    encode_labels,
    ensure_validation,
    load_raw,
    resolve_columns,
    resolve_text_columns,
    sample_sources,
    summarize,
)

ROWS = {"text": ["good", "bad", "fine"], "label": ["pos", "neg", "pos"]}


def write_json_array(path, frame):
    path.write_text(json.dumps(frame.to_dict(orient="records")))


WRITERS = {
    "csv": lambda path, frame: frame.to_csv(path, index=False),
    "tsv": lambda path, frame: frame.to_csv(path, index=False, sep="\t"),
    "json": write_json_array,
    "jsonl": lambda path, frame: frame.to_json(path, orient="records", lines=True),
    "parquet": lambda path, frame: frame.to_parquet(path, index=False),
}


# resolve_columns


def test_text_and_label_columns_are_found_by_default():
    assert resolve_columns(["id", "text", "label"]) == Columns(text="text", label="label")


def test_sentence1_and_sentence2_default_to_a_pair():
    columns = resolve_columns(["sentence1", "sentence2", "label"])

    assert columns == Columns(text="sentence1", label="label", text_pair="sentence2")
    assert columns.texts == ["sentence1", "sentence2"]


def test_a_sentence_column_is_the_text_when_there_is_no_text_column():
    assert resolve_columns(["sentence", "label"]).text == "sentence"


def test_named_columns_override_the_defaults():
    columns = resolve_columns(
        ["text", "review", "title", "stars", "label"], text="review", text_pair="title", label="stars"
    )

    assert columns == Columns(text="review", label="stars", text_pair="title")


@pytest.mark.parametrize(
    ("role", "arguments"),
    [("text", {"text": "body"}), ("text pair", {"text_pair": "body"}), ("label", {"label": "sentiment"})],
)
def test_an_unknown_column_is_named_along_with_the_available_columns(role, arguments):
    with pytest.raises(ValueError, match=f"{role} column '.*' not found; columns are text, label"):
        resolve_columns(["text", "label"], **arguments)


def test_no_default_text_column_asks_to_name_one_and_lists_the_columns():
    with pytest.raises(ValueError, match=r"no 'text' column.*columns are review, label"):
        resolve_columns(["review", "label"])


def test_no_default_label_column_asks_to_name_one_and_lists_the_columns():
    with pytest.raises(ValueError, match=r"no 'label' column.*columns are text, sentiment"):
        resolve_columns(["text", "sentiment"])


def test_the_label_cannot_also_be_the_text():
    with pytest.raises(ValueError, match="cannot be both a text and the label"):
        resolve_columns(["text", "label"], label="text")


def test_the_second_text_cannot_be_the_default_text_column():
    with pytest.raises(ValueError, match="text column and second text column are both 'text'"):
        resolve_columns(["text", "label"], text_pair="text")


# encode_labels


def test_string_labels_become_a_class_label_with_sorted_names(tiny_dataset):
    encoded = encode_labels(tiny_dataset, "label")["train"]

    assert encoded.features["label"] == ClassLabel(names=["negative", "positive"])
    assert encoded["label"][:4] == [1, 0, 1, 0]  # the rows alternate positive, negative


def test_integer_labels_1_to_5_become_ids_0_to_4_named_1_to_5():
    splits = DatasetDict({"train": Dataset.from_dict({"text": list("abcde"), "label": [3, 1, 5, 2, 4]})})

    encoded = encode_labels(splits, "label")["train"]

    assert encoded.features["label"].names == ["1", "2", "3", "4", "5"]
    assert encoded["label"] == [2, 0, 4, 1, 3]


def test_integer_labels_keep_numeric_order_not_text_order():
    splits = DatasetDict({"train": Dataset.from_dict({"text": ["a", "b"], "label": [10, 2]})})

    assert encode_labels(splits, "label")["train"].features["label"].names == ["2", "10"]


def test_label_names_cover_every_split_so_ids_agree_across_splits():
    splits = DatasetDict(
        {
            "train": Dataset.from_dict({"text": ["a", "b"], "label": ["cat", "dog"]}),
            "test": Dataset.from_dict({"text": ["c"], "label": ["bird"]}),
        }
    )

    encoded = encode_labels(splits, "label")

    assert encoded["train"].features["label"].names == ["bird", "cat", "dog"]
    assert encoded["test"]["label"] == [0]
    assert encoded["train"]["label"] == [1, 2]


def test_an_existing_class_label_keeps_its_names_and_ids():
    features = Features({"text": Value("string"), "label": ClassLabel(names=["pos", "neg"])})  # deliberately unsorted
    splits = DatasetDict(
        {"train": Dataset.from_dict({"text": ["a", "b", "c"], "label": [1, 0, 1]}, features=features)}
    )

    encoded = encode_labels(splits, "label")["train"]

    assert encoded.features["label"].names == ["pos", "neg"]
    assert encoded["label"] == [1, 0, 1]


def test_a_single_class_in_train_is_rejected_naming_the_class():
    splits = DatasetDict({"train": Dataset.from_dict({"text": ["a", "b"], "label": ["spam", "spam"]})})

    with pytest.raises(ValueError, match=r"single class \('spam'\).*at least two"):
        encode_labels(splits, "label")


def test_a_single_class_in_an_existing_class_label_is_rejected():
    features = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    splits = DatasetDict({"train": Dataset.from_dict({"text": ["a", "b"], "label": [1, 1]}, features=features)})

    with pytest.raises(ValueError, match=r"single class \('pos'\)"):
        encode_labels(splits, "label")


def test_empty_labels_are_rejected_naming_the_split():
    splits = DatasetDict({"train": Dataset.from_dict({"text": ["a", "b", "c"], "label": ["x", None, "y"]})})

    with pytest.raises(ValueError, match="empty values in the train split"):
        encode_labels(splits, "label")


def test_labels_with_decimals_are_rejected():
    splits = DatasetDict({"train": Dataset.from_dict({"text": ["a", "b"], "label": [0.5, 1.5]})})

    with pytest.raises(ValueError, match="decimals"):
        encode_labels(splits, "label")


# ensure_validation


def test_missing_validation_is_carved_from_train_stratified_with_a_note(tiny_dataset):
    splits, note = ensure_validation(encode_labels(tiny_dataset, "label"), "label", seed=42)

    assert (len(splits["train"]), len(splits["validation"])) == (54, 6)
    assert sorted(splits["validation"]["label"]) == [0, 0, 0, 1, 1, 1]  # 10% of each class
    assert "carved 6 rows" in note and "stratified by label" in note and "seed 42" in note


def test_carving_is_deterministic_for_a_seed(tiny_dataset):
    encoded = encode_labels(tiny_dataset, "label")

    first, _ = ensure_validation(encoded, "label", seed=7)
    again, _ = ensure_validation(encoded, "label", seed=7)
    other, _ = ensure_validation(encoded, "label", seed=8)

    assert first["validation"]["text"] == again["validation"]["text"]
    assert first["validation"]["text"] != other["validation"]["text"]


def test_an_existing_validation_split_is_kept_without_a_note(tiny_dataset):
    splits = DatasetDict({"train": tiny_dataset["train"], "validation": tiny_dataset["train"].select(range(4))})

    kept, note = ensure_validation(splits, "label")

    assert note is None
    assert len(kept["validation"]) == 4 and len(kept["train"]) == 60


def test_carving_leaves_the_test_split_alone(tiny_dataset):
    splits = encode_labels(
        DatasetDict({"train": tiny_dataset["train"], "test": tiny_dataset["train"].select(range(5))}), "label"
    )

    carved, _ = ensure_validation(splits, "label")

    assert set(carved) == {"train", "validation", "test"}
    assert len(carved["test"]) == 5


def test_a_class_with_a_single_row_falls_back_to_an_unstratified_split_and_says_so():
    rows = {"text": [f"t{i}" for i in range(20)], "label": [0] * 19 + [1]}
    splits = encode_labels(DatasetDict({"train": Dataset.from_dict(rows)}), "label")

    carved, note = ensure_validation(splits, "label")

    assert len(carved["validation"]) == 2
    assert "not stratified" in note


def test_fewer_than_10_train_rows_cannot_be_split():
    splits = DatasetDict({"train": Dataset.from_dict({"text": list("abcd"), "label": [0, 1, 0, 1]})})

    with pytest.raises(ValueError, match="has 4 rows; at least 10"):
        ensure_validation(splits, "label")


def test_no_train_split_is_an_error_naming_the_splits():
    splits = DatasetDict({"test": Dataset.from_dict({"text": ["a"], "label": [0]})})

    with pytest.raises(ValueError, match=r"no train split \(splits are test\)"):
        ensure_validation(splits, "label")


# load_raw


@pytest.mark.parametrize("extension", list(WRITERS))
def test_a_single_file_loads_as_a_train_split(tmp_path, extension):
    path = tmp_path / f"reviews.{extension}"
    WRITERS[extension](path, pd.DataFrame(ROWS))

    splits = load_raw(str(path))

    assert list(splits) == ["train"]
    assert splits["train"].to_dict() == ROWS


def test_a_folder_infers_train_validation_and_test_from_file_names(tmp_path, write_csv):
    for split, rows in (("train", 4), ("validation", 3), ("test", 2)):
        write_csv(tmp_path / "data" / f"{split}.csv", {"text": ["x"] * rows, "label": ["a"] * rows})

    splits = load_raw(str(tmp_path / "data"))

    assert {name: len(split) for name, split in splits.items()} == {"train": 4, "validation": 3, "test": 2}


def test_a_dev_file_in_a_folder_is_the_validation_split(tmp_path, write_csv):
    write_csv(tmp_path / "data" / "train.csv", {"text": ["x", "y"], "label": ["a", "b"]})
    write_csv(tmp_path / "data" / "dev.csv", {"text": ["z"], "label": ["a"]})

    assert set(load_raw(str(tmp_path / "data"))) == {"train", "validation"}


def test_the_tiny_csv_folder_has_train_and_test_but_no_validation(tiny_csv_folder):
    splits = load_raw(str(tiny_csv_folder))

    assert {name: len(split) for name, split in splits.items()} == {"train": 60, "test": 12}
    assert splits["train"].column_names == ["text", "label"]


def test_a_folder_mixing_file_types_is_rejected(tmp_path, write_csv):
    write_csv(tmp_path / "data" / "train.csv", {"text": ["x"], "label": ["a"]})
    WRITERS["jsonl"](tmp_path / "data" / "test.jsonl", pd.DataFrame(ROWS))

    with pytest.raises(ValueError, match=r"mixes file types \(.csv, .jsonl\)"):
        load_raw(str(tmp_path / "data"))


def test_a_folder_without_data_files_is_rejected(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("nothing to train on")

    with pytest.raises(ValueError, match="holds no data files"):
        load_raw(str(tmp_path / "notes"))


def test_an_unsupported_file_type_is_rejected_listing_the_supported_ones(tmp_path):
    path = tmp_path / "reviews.xlsx"
    path.write_bytes(b"not a table")

    with pytest.raises(ValueError, match=r"reviews.xlsx: unsupported file type; use one of .csv, .tsv"):
        load_raw(str(path))


def test_an_unreadable_file_is_reported_as_such(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not parquet")

    with pytest.raises(ValueError, match="cannot read file .*broken.parquet as parquet"):
        load_raw(str(path))


@pytest.mark.parametrize("missing", ["missing.csv", "missing.txt", "data.xlsx", "./missing", "/no/such/folder"])
def test_a_missing_path_is_a_file_not_found_error(tmp_path, monkeypatch, missing):
    monkeypatch.chdir(tmp_path)

    with pytest.raises(FileNotFoundError, match=re.escape(f"no such file or folder: {missing}")):
        load_raw(missing)


def test_an_empty_source_asks_for_a_dataset():
    with pytest.raises(ValueError, match="no dataset given"):
        load_raw("  ")


def test_an_unknown_sample_is_rejected_listing_the_samples():
    with pytest.raises(ValueError, match=r"unknown sample 'nope'; samples are .*topics"):
        load_raw("sample:nope")


def test_bundled_samples_include_topics_and_paraphrase():
    assert {"sample:topics", "sample:paraphrase"} <= set(sample_sources())


def test_the_topics_sample_loads_with_train_validation_and_test():
    splits = load_raw("sample:topics")

    assert {"train", "validation", "test"} <= set(splits)
    assert {"text", "label"} <= set(splits["train"].column_names)


def test_a_hub_id_fails_fast_when_the_hub_is_unreachable(hub_unreachable):
    started = time.monotonic()

    with pytest.raises(HubUnreachableError, match="cannot fetch dataset 'someone/reviews'"):
        load_raw("someone/reviews")

    assert time.monotonic() - started < 10


def test_a_hub_id_with_hf_hub_offline_says_the_flag_is_set(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    with pytest.raises(HubUnreachableError, match="HF_HUB_OFFLINE is set"):
        load_raw("imdb")


# summarize


def test_summary_lists_splits_features_labels_and_the_missing_validation(tiny_csv_folder):
    summary, _ = summarize(str(tiny_csv_folder))

    assert summary.splits == {"train": 60, "test": 12}
    assert list(summary.features) == ["text", "label"]
    assert summary.features["text"] in ("string", "large_string")  # datasets reads CSV text as large_string
    assert (summary.label_column, summary.label_names) == ("label", ["negative", "positive"])
    assert any("No validation split" in note for note in summary.notes)


def test_summary_of_one_class_labels_explains_instead_of_failing(tmp_path, write_csv):
    write_csv(tmp_path / "one.csv", {"text": ["a", "b", "c"], "label": ["spam", "spam", "spam"]})

    summary, _ = summarize(str(tmp_path / "one.csv"))

    assert summary.label_names == []
    assert any("single class" in note for note in summary.notes)


def test_text_columns_are_picked_without_a_label_as_resolve_columns_picks_them():
    assert resolve_text_columns(["sentence1", "sentence2"]) == ["sentence1", "sentence2"]
    assert resolve_text_columns(["id", "review"], text="review") == ["review"]
    with pytest.raises(ValueError, match="text pair column 'b' not found; columns are id, review"):
        resolve_text_columns(["id", "review"], text="review", text_pair="b")
    with pytest.raises(ValueError, match=r"no 'text' column; name the text column \(columns are id\)"):
        resolve_text_columns(["id"])
