"""Validation metrics through `evaluate`, from the metric modules shipped in `assets/metrics/`.

Loading them from the repo (not by name from the Hub) keeps training fully offline.
"""

from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from engine.common.paths import METRICS_DIR

if TYPE_CHECKING:
    import evaluate

METRIC_NAMES = ("accuracy", "f1", "precision", "recall")


@cache
def metric_modules() -> "dict[str, evaluate.EvaluationModule]":
    """The `evaluate` modules by name, loaded once from `assets/metrics/`."""
    import evaluate  # here: it imports scipy and more (seconds), which the web server must not pay for at start

    return {name: evaluate.load(str(METRICS_DIR / name)) for name in METRIC_NAMES}


def classification_metrics(predictions: np.ndarray, references: np.ndarray) -> dict[str, float]:
    """Accuracy, and precision / recall / F1 macro-averaged over classes."""
    results: dict[str, float] = {}
    for name, metric in metric_modules().items():
        extra = {} if name == "accuracy" else {"average": "macro"}
        results.update(metric.compute(predictions=predictions, references=references, **extra))
    return results


def compute_metrics(eval_prediction) -> dict[str, float]:
    """`Trainer`'s `compute_metrics` hook: logits in, metrics out."""
    logits, labels = eval_prediction
    return classification_metrics(np.argmax(logits, axis=-1), labels)
