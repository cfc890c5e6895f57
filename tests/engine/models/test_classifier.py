"""engine.models.classifier and engine.inference.predict:

Loading once, refusing what is not a classifier, answering in order."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from engine.inference.predict import predict, predict_one
from engine.models.classifier import MODEL_CACHE_SIZE, load_classifier
from tests.conftest import review_rows
from tests.tiny_models import biased_classifier, encoder_without_head, favoured_probability

LABELS = ["sport", "politics", "tech"]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("classifier-models")


@pytest.fixture(scope="module")
def always_tech(models: Path) -> str:
    return str(biased_classifier(models / "always-tech", LABELS, favour=2))


def test_one_prediction_names_the_favoured_label_with_tokens_and_latency(always_tech):
    prediction = predict_one(always_tech, "a lovely film", "truly superb")

    assert prediction.label == "tech"
    assert next(iter(prediction.scores)) == "tech"  # most likely first
    assert prediction.scores["tech"] == pytest.approx(favoured_probability(3))
    assert sum(prediction.scores.values()) == pytest.approx(1.0)
    assert prediction.tokens[:4] == ["[CLS]", "a", "lovely", "film"]
    assert prediction.tokens.count("[SEP]") == 2  # a pair: two segments
    assert prediction.milliseconds is not None and prediction.milliseconds > 0


def test_a_model_stays_loaded_between_predictions(always_tech):
    assert load_classifier(always_tech) is load_classifier(always_tech)
    assert MODEL_CACHE_SIZE >= 1


def test_batched_probabilities_come_back_in_the_input_order(always_tech):
    classifier = load_classifier(always_tech)
    texts = review_rows(40)["text"]
    texts[3] = "short"  # very different lengths, so the length-sorted batches reorder the rows
    texts[7] = " ".join(texts[:10])

    together = classifier.probabilities(texts, batch_size=8)
    alone = np.stack([classifier.probabilities([text])[0] for text in texts])

    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_concurrent_predictions_from_several_threads_all_succeed_and_agree(always_tech):
    texts = review_rows(24)["text"]
    expected = [p.scores for p in predict(always_tech, texts)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda text: predict_one(always_tech, text).scores, texts))

    for got, want in zip(results, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-5)


def test_a_model_folder_without_a_classification_head_is_refused(models):
    encoder = encoder_without_head(models / "encoder")

    with pytest.raises(ValueError, match=r"has no text-classification head .*fine-tune it in the Train tab first"):
        predict_one(str(encoder), "hello")


def test_pickled_weights_are_not_loaded(models):
    folder = biased_classifier(models / "pickled", LABELS, favour=0)
    weights = folder / "model.safetensors"
    torch.save(load_file(weights), folder / "pytorch_model.bin")
    weights.unlink()

    with pytest.raises(ValueError, match=r"holds only pickled weights \(pytorch_model.bin\).*safetensors only"):
        predict_one(str(folder), "hello")
