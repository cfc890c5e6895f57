"""engine.inference.task_predict: one prediction per task from a model folder and the task.json saved beside it.

Each model is `scratch:tiny` trained three steps through the task protocol (tests/engine/tasks/trainer_run.py): what
it predicts is near chance, so these tests check each result's shape and its ties to the input and the setup; the
slow tests in tests/engine/tasks/test_samples_learn.py check predictions of models that learnt.
"""

import math

import pytest

from engine.common.errors import MissingFileError, StudioError
from engine.inference.task_predict import WORD, load_task_model, predict_one, predict_task
from engine.tasks.base import Tokenization
from engine.tasks.saved import load_task
from tests.engine.tasks.trainer_run import train_sample

TOKENIZATION = Tokenization(max_length=64, stride=16)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """task name -> a folder holding a three-step model of that task, its tokenizer and task.json."""
    samples = {
        "text-classification": "sentiment",
        "multi-label-classification": "tags",
        "regression": "similarity",
        "token-classification": "entities",
        "question-answering": "questions",
    }
    folders = {}
    for task, sample in samples.items():
        folder = tmp_path_factory.mktemp(task)
        train_sample(task, sample, folder / "run", max_steps=3, tokenization=TOKENIZATION, save_to=folder / "model")
        folders[task] = folder / "model"
    return folders


def test_the_model_folder_holds_the_setup_and_tokenization_it_was_trained_with(trained):
    saved = load_task(trained["multi-label-classification"])
    assert saved.setup.task == "multi-label-classification" and saved.tokenization == TOKENIZATION
    assert len(saved.setup.option("thresholds")) == len(saved.setup.labels)  # tuned on validation, then saved


def test_text_classification_gives_every_labels_probability_most_likely_first(trained):
    result = predict_task(trained["text-classification"], text="The soup was cold.").result
    probabilities = list(result["scores"].values())
    assert result["label"] == next(iter(result["scores"])) and probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0)


def test_multi_label_gives_every_labels_probability_and_its_saved_threshold(trained):
    model = load_task_model(trained["multi-label-classification"])
    prediction = predict_one(model, text="Kestrel Motors reports record quarterly profits")
    rows = prediction.result["scores"]
    assert {row["label"] for row in rows} == set(model.setup.labels)
    assert [row["probability"] for row in rows] == sorted((row["probability"] for row in rows), reverse=True)
    thresholds = dict(zip(model.setup.labels, model.setup.option("thresholds"), strict=True))
    assert all(row["threshold"] == thresholds[row["label"]] for row in rows)
    assert all(
        0 <= row["probability"] <= 1 and row["predicted"] == (row["probability"] >= row["threshold"]) for row in rows
    )
    predicted = [name for name in model.setup.labels if any(r["label"] == name and r["predicted"] for r in rows)]
    assert prediction.result["labels"] == predicted  # in the setup's label order
    assert prediction.milliseconds > 0


def test_regression_gives_a_value_and_the_range_it_was_trained_on(trained):
    model = load_task_model(trained["regression"])
    result = predict_one(model, text="A man is slicing bread.", text_pair="A guy is cutting bread.").result
    assert math.isfinite(result["value"]) and result["range"] == model.setup.option("range")
    assert result["outside_range"] == (not result["range"][0] <= result["value"] <= result["range"][1])
    with pytest.raises(StudioError, match="text pair is empty; this model needs one"):
        predict_one(model, text="A man is slicing bread.")


def test_token_classification_maps_words_and_entities_back_to_the_texts_characters(trained):
    text = "Ada Marlow joined Orion Labs in Port Arlen, last spring."
    result = predict_task(trained["token-classification"], text=text).result
    assert [word["word"] for word in result["words"]] == [m.group() for m in WORD.finditer(text)]
    assert [w["word"] for w in result["words"]][-3:] == ["last", "spring", "."]
    assert all(text[w["start"] : w["end"]] == w["word"] and 0 <= w["score"] <= 1 for w in result["words"])
    for entity in result["entities"]:
        assert text[entity["start"] : entity["end"]] == entity["text"] and 0 <= entity["score"] <= 1


def test_question_answering_gives_a_span_of_the_context_with_its_score_and_alternatives(trained):
    context = "Quill Works was founded in Eskeby in 1901 by Ada Marlow. " + "Winters there are long. " * 20
    result = predict_task(trained["question-answering"], question="Who founded Quill Works?", context=context).result
    assert result["answer"] == context[result["start"] : result["end"]] != ""
    assert 0 < result["score"] <= 1 and len(result["alternatives"]) == 5
    assert all(alt["answer"] == context[alt["start"] : alt["end"]] for alt in result["alternatives"])
    assert result["score"] >= max(alt["score"] for alt in result["alternatives"])


def test_missing_inputs_and_folders_without_a_task_are_refused(trained, tmp_path):
    with pytest.raises(StudioError, match="context is empty"):
        predict_task(trained["question-answering"], question="Who?", context="  ")
    with pytest.raises(MissingFileError, match="no task.json"):
        load_task_model(tmp_path)
