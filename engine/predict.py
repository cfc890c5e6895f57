"""Running a text classifier: label probabilities for a text or a pair of texts, through a `pipeline`."""

from dataclasses import dataclass
from functools import lru_cache

import torch
from transformers import Pipeline, pipeline

from engine.models import bundled_corpus, parse_model_ref, resolve_model


@dataclass
class Prediction:
    """The most likely label and every label's probability (they sum to 1)."""

    label: str
    scores: dict[str, float]


@lru_cache(maxsize=2)  # keep the last models warm: the Try tab calls again and again with the same one
def _classifier(path: str) -> Pipeline:
    device = 0 if torch.cuda.is_available() else -1
    return pipeline("text-classification", model=path, tokenizer=path, device=device)


def load_classifier(reference: str) -> Pipeline:
    """Return a text-classification pipeline for any model reference.

    Raises:
        ValueError: the model has no classification head that `pipeline` can use.
    """
    path = resolve_model(parse_model_ref(reference), bundled_corpus)
    try:
        return _classifier(path)
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot load {reference!r} as a text classifier: {error}") from error


def predict(reference: str, texts: list[str], pairs: list[str] | None = None) -> list[Prediction]:
    """Classify `texts` (each with its `pairs` entry as second segment, when given).

    Raises:
        ValueError: no text, an empty text, or `pairs` of a different length.
    """
    if not texts:
        raise ValueError("no text to classify")
    if any(not (text or "").strip() for text in texts):
        raise ValueError("a text to classify is empty")
    if pairs is not None and len(pairs) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(pairs)} second texts")
    classifier = load_classifier(reference)
    inputs = [{"text": t, "text_pair": p} for t, p in zip(texts, pairs, strict=True)] if pairs else list(texts)
    outputs = classifier(inputs, top_k=None, truncation=True)
    predictions = []
    for scores in outputs:
        ranked = {item["label"]: float(item["score"]) for item in scores}
        predictions.append(Prediction(label=max(ranked, key=ranked.get), scores=ranked))
    return predictions
