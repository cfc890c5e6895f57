"""engine.datasets.shaping, engine.datasets.session and engine.datasets.export: steps with their code, undo, saving."""

import pytest
from datasets import ClassLabel, Dataset, DatasetDict

from engine.datasets.export import export_dataset, export_path, safe_name
from engine.datasets.session import DatasetRef, open_dataset, save_shaped, step_code
from engine.datasets.shaping import ShapeStep, apply_step
from engine.datasets.sources import load_raw


@pytest.fixture
def messy() -> DatasetDict:
    rows = {"text": ["a", "b", "a", "", "c", None, "d", "b", "e", "f", "g", "h"], "label": ["x", "y"] * 6}
    return DatasetDict({"train": Dataset.from_dict(rows), "test": Dataset.from_dict({"text": ["a"], "label": ["x"]})})


def run(splits, code: str) -> DatasetDict:
    """Execute a step's code on `ds`, as a user would paste it."""
    scope = {"ds": DatasetDict(dict(splits)), "ClassLabel": ClassLabel, "DatasetDict": DatasetDict}
    exec(code, scope)
    return scope["ds"]


@pytest.mark.parametrize(
    "step",
    [
        ShapeStep("shuffle", seed=3),
        ShapeStep("select", split="train", count=5),
        ShapeStep("sample", split="train", count=4, seed=1),
        ShapeStep("rename", column="text", new_name="review"),
        ShapeStep("remove", columns=("label",)),
        ShapeStep("cast_label", column="label"),
        ShapeStep("drop_empty", column="text"),
        ShapeStep("drop_duplicates", column="text"),
    ],
    ids=lambda step: step.kind,
)
def test_each_step_shows_the_datasets_code_that_reproduces_it(messy, step):
    result = apply_step(messy, step)

    reproduced = run(messy, result.code)
    assert {name: split.to_dict() for name, split in reproduced.items()} == {
        name: split.to_dict() for name, split in result.splits.items()
    }
    assert reproduced["train"].features == result.splits["train"].features


def test_drop_steps_remove_blank_and_repeated_rows(messy):
    assert apply_step(messy, ShapeStep("drop_empty", column="text")).splits["train"]["text"][:3] == ["a", "b", "a"]
    assert len(apply_step(messy, ShapeStep("drop_empty", column="text")).splits["train"]) == 10
    deduplicated = apply_step(messy, ShapeStep("drop_duplicates", column="text")).splits
    assert deduplicated["train"]["text"][:] == ["a", "b", "", "c", None, "d", "e", "f", "g", "h"]
    assert deduplicated["test"]["text"][:] == ["a"]  # duplicates are per split


def test_a_stratified_validation_split_needs_a_class_label_then_keeps_the_balance(tiny_dataset):
    with pytest.raises(ValueError, match="not a ClassLabel: cast it first"):
        apply_step(tiny_dataset, ShapeStep("validation_split", column="label"))

    cast = apply_step(tiny_dataset, ShapeStep("cast_label", column="label")).splits
    result = apply_step(cast, ShapeStep("validation_split", column="label", fraction=0.2, seed=1))

    assert (len(result.splits["train"]), len(result.splits["validation"])) == (48, 12)
    assert sorted(result.splits["validation"]["label"][:]) == [0] * 6 + [1] * 6
    assert "stratify_by_column='label'" in result.code


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (ShapeStep("select", split="train", count=99), "cannot keep 99 rows: split 'train' has 12"),
        (ShapeStep("select", split="dev", count=1), "no split 'dev'; splits are train, test"),
        (ShapeStep("rename", column="text", new_name="label"), "a column named 'label' exists already"),
        (ShapeStep("remove", columns=("text", "label")), "cannot remove every column"),
        (ShapeStep("drop_empty", column="body"), "column 'body' not found; columns are text, label"),
    ],
)
def test_steps_that_cannot_apply_say_why(messy, step, message):
    with pytest.raises(ValueError, match=message):
        apply_step(messy, step)


def test_steps_validate_their_settings():
    with pytest.raises(ValueError, match="unknown shaping step 'sort'"):
        ShapeStep("sort")
    with pytest.raises(ValueError, match="select needs a number of rows of at least 1"):
        ShapeStep("select", count=0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        ShapeStep("validation_split", column="label", fraction=1.5)


def test_a_history_replays_and_undo_returns_to_the_previous_state(tiny_csv_folder):
    ref = DatasetRef(str(tiny_csv_folder)).with_step(ShapeStep("sample", split="train", count=20, seed=0))
    shaped = ref.with_step(ShapeStep("rename", column="text", new_name="review"))

    assert open_dataset(shaped)["train"].column_names == ["review", "label"]
    assert len(step_code(shaped)) == 2 and "rename_column" in step_code(shaped)[1]
    assert open_dataset(shaped.undo())["train"].to_dict() == open_dataset(ref)["train"].to_dict()
    assert DatasetRef.from_dict(shaped.to_dict()) == shaped
    with pytest.raises(ValueError, match="nothing to undo"):
        DatasetRef(str(tiny_csv_folder)).undo()


def test_a_shaped_dataset_is_saved_and_loads_as_a_source(tiny_csv_folder, studio_data_dir):
    ref = DatasetRef(str(tiny_csv_folder)).with_step(ShapeStep("cast_label", column="label"))

    folder = save_shaped(ref)

    assert folder.is_relative_to(studio_data_dir / "datasets")
    loaded = load_raw(str(folder))
    assert loaded["train"].features["label"] == ClassLabel(names=["negative", "positive"])
    assert {name: len(split) for name, split in loaded.items()} == {"train": 60, "test": 12}


# export


def test_export_names_are_sanitised_into_the_exports_folder(studio_data_dir):
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("..") == "dataset"
    assert export_path("my reviews/train", "jsonl") == studio_data_dir / "exports" / "my-reviews-train.jsonl"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_split_exports_with_label_names_and_reloads(tmp_path, tiny_dataset, fmt):
    cast = apply_step(tiny_dataset, ShapeStep("cast_label", column="label")).splits["train"]

    written = export_dataset(cast, fmt, tmp_path / f"out.{fmt}")

    assert load_raw(str(written))["train"].to_dict() == tiny_dataset["train"].to_dict()


def test_a_whole_dataset_exports_with_save_to_disk(tmp_path, tiny_dataset):
    written = export_dataset(tiny_dataset, "save_to_disk", tmp_path / "saved")

    assert load_raw(str(written))["train"].num_rows == 60
    with pytest.raises(ValueError, match="csv holds one split"):
        export_dataset(tiny_dataset, "csv", tmp_path / "all.csv")
