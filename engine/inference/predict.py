"""Running a text classifier on a text, a pair of texts or a list of them: labels and probabilities."""

import time
from dataclasses import dataclass, field

from engine.common.errors import StudioError
from engine.common.limits import limits, over
from engine.models.classifier import load_classifier


@dataclass
class Prediction:
    """The most likely label and every label's probability (they sum to 1), most likely first."""

    label: str
    scores: dict[str, float]
    tokens: list[str] = field(default_factory=list)  # what the model saw (single predictions only)
    milliseconds: float | None = None  # tokenization + forward pass, the model already loaded


def check_inputs(texts: list[str], pairs: list[str] | None = None) -> None:
    """Refuse inputs no model could classify, before any model is loaded.

    Raises:
        StudioError: no text, more than `STUDIO_MAX_PREDICT_ROWS` texts, an empty text, or `pairs` of a different
            length.
    """
    if not texts:
        raise StudioError("no text to classify")
    if len(texts) > (bound := limits().predict_rows):
        raise over("the texts to classify", len(texts), bound, "predict_rows", " rows")
    if any(not (text or "").strip() for text in texts):
        raise StudioError("a text to classify is empty")
    if pairs is not None and len(pairs) != len(texts):
        raise StudioError(f"{len(texts)} texts but {len(pairs)} second texts")


def _ranked(labels: list[str], probabilities) -> dict[str, float]:
    scores = {label: float(p) for label, p in zip(labels, probabilities, strict=True)}
    return dict(sorted(scores.items(), key=lambda item: item[1], reverse=True))


def predict(reference: str, texts: list[str], pairs: list[str] | None = None) -> list[Prediction]:
    """Classify `texts` (each with its `pairs` entry as second segment, when given).

    Raises:
        StudioError: bad inputs (see `check_inputs`), or a model that is not a text classifier.
    """
    check_inputs(texts, pairs)
    classifier = load_classifier(reference)
    probabilities = classifier.probabilities(texts, pairs)
    predictions = []
    for row in probabilities:
        scores = _ranked(classifier.labels, row)
        predictions.append(Prediction(label=next(iter(scores)), scores=scores))
    return predictions


def predict_one(reference: str, text: str, pair: str | None = None) -> Prediction:
    """Classify one input, with the tokens the model saw and the time the prediction took."""
    check_inputs([text], [pair] if pair else None)
    classifier = load_classifier(reference)
    started = time.perf_counter()
    probabilities = classifier.probabilities([text], [pair] if pair else None)[0]
    milliseconds = (time.perf_counter() - started) * 1000
    scores = _ranked(classifier.labels, probabilities)
    return Prediction(next(iter(scores)), scores, classifier.tokens(text, pair or None), milliseconds)
