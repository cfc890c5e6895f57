"""engine.training.data: a source becomes encoded labels, a validation split and token ids without padding."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.training.config import TrainConfig
from engine.training.data import prepare_training_data, tokenize_splits

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_a_csv_folder_without_validation_gets_one_and_a_note(tiny_csv_folder):
    data = prepare_training_data(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"))

    assert data.label_names == ["negative", "positive"]
    assert {name: len(split) for name, split in data.splits.items()} == {"train": 54, "validation": 6, "test": 12}
    assert len(data.notes) == 1 and "carved 6 rows" in data.notes[0]


def test_a_pair_dataset_reads_sentence1_and_sentence2(pair_csv_folder):
    data = prepare_training_data(TrainConfig(dataset=str(pair_csv_folder), model="scratch:tiny"))

    assert data.setup.columns == {"text": "sentence1", "text_pair": "sentence2", "label": "label"}
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
    assert set(tokenized["train"].column_names) == {"labels", "input_ids", "token_type_ids", "attention_mask"}
    assert list(tokenized["train"]["labels"]) == list(data.splits["train"]["label"])
    assert len({len(ids) for ids in tokenized["train"]["input_ids"]}) > 1  # padding happens per batch, later
    assert not any(wordpiece_tokenizer.pad_token_id in ids for ids in tokenized["train"]["input_ids"])


def test_tokenized_pairs_are_truncated_to_max_length_and_typed(pair_csv_folder, wordpiece_tokenizer):
    data = prepare_training_data(TrainConfig(dataset=str(pair_csv_folder), model="scratch:tiny"))

    tokenized = tokenize_splits(data, wordpiece_tokenizer, max_length=8, splits=("train",))

    assert max(len(ids) for ids in tokenized["train"]["input_ids"]) == 8
    assert all(1 in types for types in tokenized["train"]["token_type_ids"])


TOKENIZE_AS_A_TRAINING_CHILD = """
import json, sys
from transformers import AutoTokenizer
from engine.models.loading import resolve_model
from engine.models.refs import parse_model_ref
from engine.training.config import TrainConfig
from engine.training.data import prepare_training_data, tokenize_splits

data = prepare_training_data(TrainConfig(dataset=sys.argv[1], model="scratch:tiny"))
tokenizer = AutoTokenizer.from_pretrained(resolve_model(parse_model_ref("scratch:tiny"), data.train_texts))
tokenized = tokenize_splits(data, tokenizer, 128, ("train", "validation"))
print(json.dumps({name: [f["filename"] for f in split.cache_files] for name, split in tokenized.items()}))
"""


def test_a_second_process_finds_the_tokenized_splits_cached_and_does_not_tokenize_again(tiny_csv_folder, tmp_path):
    """A job's processes (the launcher's check, the training child, a rerun) share one tokenization through the
    `datasets` fingerprint cache under the data directory: a fresh process with the same data, tokenizer and max
    length reads the first one's Arrow files instead of writing its own."""
    environment = {**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}

    def tokenize_in_a_new_process() -> tuple[dict, str]:
        result = subprocess.run(
            [sys.executable, "-c", TOKENIZE_AS_A_TRAINING_CHILD, str(tiny_csv_folder)],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr

    first, first_log = tokenize_in_a_new_process()
    stamps = {path: os.stat(path).st_mtime_ns for files in first.values() for path in files}
    second, second_log = tokenize_in_a_new_process()

    assert "Tokenizing" in first_log and "Tokenizing" not in second_log
    assert second == first and all(files for files in second.values())
    assert {path: os.stat(path).st_mtime_ns for path in stamps} == stamps  # read, not rewritten
