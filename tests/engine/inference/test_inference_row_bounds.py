"""Prediction and evaluation rows are bounded, and refused before any model is loaded."""

from pathlib import Path

import pytest

from engine.inference.evaluation import EvaluationRequest, load_split
from engine.inference.predict import predict
from engine.inference.predict_file import FilePrediction, predict_file

NO_MODEL = "/nonexistent/model"  # a refusal naming the bound comes before the model is looked for


def test_more_texts_than_the_bound_are_refused_before_the_model_loads(monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_PREDICT_ROWS", "3")
    with pytest.raises(ValueError, match=r"texts to classify is 4 rows; the limit is 3 rows \(STUDIO_MAX_PREDICT"):
        predict(NO_MODEL, ["a", "b", "c", "d"])


def test_a_file_with_more_rows_than_the_bound_is_refused_before_the_model_loads(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("STUDIO_MAX_PREDICT_ROWS", "3")
    path = tmp_path / "many.csv"
    path.write_text("text\na\nb\nc\nd\n")
    request = FilePrediction(path=path, text_column="text", output=tmp_path / "out.csv")
    with pytest.raises(ValueError, match=r"many.csv is 4 rows; the limit is 3 rows \(STUDIO_MAX_PREDICT_ROWS\)"):
        predict_file(request, NO_MODEL)


def test_an_evaluation_over_the_bound_is_refused_and_a_row_limit_brings_it_under(monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_EVAL_ROWS", "100")
    with pytest.raises(ValueError, match=r"has 1,122 rows; an evaluation scores at most 100 \(STUDIO_MAX_EVAL_ROWS\)"):
        load_split(EvaluationRequest(model=NO_MODEL, dataset="sample:sentiment", split="train"))
    texts, _, labels = load_split(
        EvaluationRequest(model=NO_MODEL, dataset="sample:sentiment", split="train", limit=100)
    )
    assert len(texts) == len(labels) == 100
