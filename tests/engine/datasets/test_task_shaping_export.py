"""Shaping and export keep working for every task's sample: list columns (words, tags, label sets), nested
`answers` records and decimal targets go through each step and each format that can hold them."""

import json
import math

import pytest
from datasets import load_from_disk

from engine.common.errors import StudioError
from engine.datasets.export import export_dataset, export_path
from engine.datasets.session import DatasetRef, open_dataset
from engine.datasets.shaping import ShapeStep, apply_step
from engine.datasets.sources import load_raw
from engine.tasks.registry import infer_task

# sample -> (its task's label-like column, a text-like column)
SAMPLES = {
    "tags": ("labels", "text"),
    "similarity": ("score", "sentence1"),
    "entities": ("ner_tags", "tokens"),
    "questions": ("answers", "context"),
}


@pytest.mark.parametrize("sample", SAMPLES)
def test_row_steps_keep_every_tasks_columns_and_task(sample):
    label, _ = SAMPLES[sample]
    ref = DatasetRef(f"sample:{sample}")
    for step in (
        ShapeStep("shuffle", seed=1),
        ShapeStep("select", count=50, split="train"),
        ShapeStep("sample", count=20, split="train", seed=3),
        ShapeStep("drop_empty", column=label),
    ):
        ref = ref.with_step(step)
        splits = open_dataset(ref)
        assert infer_task(splits).name == infer_task(load_raw(f"sample:{sample}")).name, step.kind
    assert len(open_dataset(ref)["train"]) == 20
    renamed = open_dataset(ref.with_step(ShapeStep("rename", column=label, new_name="gold")))
    assert "gold" in renamed["train"].column_names and label not in renamed["train"].column_names


@pytest.mark.parametrize("sample", SAMPLES)
def test_a_validation_split_is_carved_at_random_from_a_column_with_no_classes(sample):
    label, _ = SAMPLES[sample]
    train_only = load_raw(f"sample:{sample}")
    del train_only["validation"]
    result = apply_step(train_only, ShapeStep("validation_split", column=label, fraction=0.2, seed=7))
    assert len(result.splits["validation"]) == math.ceil(len(train_only["train"]) * 0.2)  # as train_test_split rounds
    assert "at random: no classes to stratify by" in result.code and "stratify_by_column" not in result.code


@pytest.mark.parametrize("sample", SAMPLES)
def test_jsonl_parquet_and_save_to_disk_keep_lists_and_records_and_reload_as_the_same_task(sample, tmp_path):
    train = load_raw(f"sample:{sample}")["train"]
    task = infer_task(train).name
    for fmt in ("jsonl", "parquet"):
        written = export_dataset(train, fmt, export_path(f"{sample}-train", fmt))
        reloaded = load_raw(str(written))["train"]
        assert reloaded.num_rows == train.num_rows and infer_task(reloaded).name == task, fmt
        assert reloaded[0] == train[0], fmt
    folder = export_dataset(load_raw(f"sample:{sample}"), "save_to_disk", tmp_path / sample)
    assert load_from_disk(str(folder))["test"][0] == load_raw(f"sample:{sample}")["test"][0]


def test_csv_refuses_list_columns_naming_the_column_and_the_formats_that_keep_them():
    train = load_raw("sample:entities")["train"]
    with pytest.raises(StudioError, match=r"column 'tokens' holds lists or records; export as jsonl, parquet"):
        export_dataset(train, "csv", export_path("entities", "csv"))


def test_tag_ids_of_a_conll_file_are_exported_as_tag_names(tmp_path):
    path = tmp_path / "news.conll"
    path.write_text("EU B-ORG\nrejects O\n\nPeter B-PER\n")
    written = export_dataset(load_raw(str(path))["train"], "jsonl", export_path("news", "jsonl"))
    rows = [json.loads(line) for line in written.read_text().splitlines()]
    assert rows == [
        {"tokens": ["EU", "rejects"], "ner_tags": ["B-ORG", "O"]},
        {"tokens": ["Peter"], "ner_tags": ["B-PER"]},
    ]
