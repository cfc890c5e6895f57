"""A model folder's files are bounded by `STUDIO_MAX_MODEL_MB` from their sizes on disk, before anything reads them;
its tokenizer, which reads no weights, is not held to that bound."""

import pytest

from engine.common.errors import StudioError
from engine.models.classifier import load_classifier
from engine.models.loading import check_model_size, load_tokenizer
from tests.tiny_models import biased_classifier


@pytest.fixture
def model_folder(tmp_path):
    return biased_classifier(tmp_path / "model", ["neg", "pos"], favour=1)


def test_a_model_within_the_bound_loads(model_folder):
    assert load_classifier(str(model_folder)).model.config.id2label == {0: "neg", 1: "pos"}  # default bound: 8 GB


def test_a_model_folder_over_the_bound_is_refused_before_its_weights_are_read(model_folder, monkeypatch):
    weights = model_folder / "model.safetensors"
    with weights.open("r+b") as handle:  # 3 MB on disk to the file system, sparse: nothing is written
        handle.truncate(3 * 2**20)
    monkeypatch.setenv("STUDIO_MAX_MODEL_MB", "2")

    with pytest.raises(StudioError) as raised:
        load_classifier(str(model_folder))

    assert str(raised.value).startswith(f"the model files in {model_folder} are 3.0 MB together (the largest, ")
    assert "model.safetensors, 3.0 MB); the limit is 2 MB (STUDIO_MAX_MODEL_MB)" in str(raised.value)
    assert load_tokenizer(str(model_folder))("fine")["input_ids"]  # the tokenizer reads no weights


def test_the_tokenizer_files_count_against_their_own_bound_not_the_models(model_folder, monkeypatch):
    (model_folder / "tokenizer.json").write_bytes(b" " * (3 * 2**20))  # large, and not the model's
    monkeypatch.setenv("STUDIO_MAX_MODEL_MB", "2")
    check_model_size(model_folder)
