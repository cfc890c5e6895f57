"""engine.inference.predict: inputs are checked before any model is loaded (the CLI test runs a real prediction)."""

import pytest

import engine.inference.predict
from engine.inference.predict import predict


@pytest.fixture(autouse=True)
def no_model_loading(monkeypatch):
    monkeypatch.setattr(engine.inference.predict, "load_classifier", lambda reference: pytest.fail("loaded a model"))


@pytest.mark.parametrize(
    ("texts", "pairs", "message"),
    [
        ([], None, "no text to classify"),
        (["fine", "  "], None, "a text to classify is empty"),
        (["one", "two"], ["only one"], "2 texts but 1 second texts"),
    ],
)
def test_bad_inputs_are_rejected_before_loading_the_model(texts, pairs, message):
    with pytest.raises(ValueError, match=message):
        predict("scratch:tiny", texts, pairs)
