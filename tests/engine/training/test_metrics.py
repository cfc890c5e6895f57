"""engine.training.metrics:

Accuracy plus macro-averaged precision / recall / F1, from the metric modules in assets/."""

import numpy as np
import pytest
from transformers import EvalPrediction

from engine.training.metrics import METRIC_NAMES, classification_metrics, compute_metrics

# Three classes, four rows. Per class (precision, recall, F1): 0 -> (1, 1, 1); 1 -> (1/2, 1, 2/3); 2 -> (1, 1/2, 2/3).
PREDICTIONS = np.array([0, 1, 1, 2])
REFERENCES = np.array([0, 1, 2, 2])


def test_metrics_are_accuracy_and_macro_averages_computed_by_hand():
    metrics = classification_metrics(PREDICTIONS, REFERENCES)

    assert set(metrics) == set(METRIC_NAMES)
    assert metrics["accuracy"] == pytest.approx(3 / 4)
    assert metrics["precision"] == pytest.approx((1 + 1 / 2 + 1) / 3)
    assert metrics["recall"] == pytest.approx((1 + 1 + 1 / 2) / 3)
    assert metrics["f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)  # 7/9; micro and weighted F1 would be 3/4


def test_a_classifier_that_always_answers_the_majority_class_has_a_low_macro_f1():
    metrics = classification_metrics(np.array([0, 0, 0, 0]), np.array([0, 0, 0, 1]))

    assert metrics["accuracy"] == pytest.approx(3 / 4)
    assert metrics["f1"] == pytest.approx((6 / 7 + 0) / 2)


def test_compute_metrics_takes_the_argmax_of_the_logits():
    logits = np.array([[2.0, 0.1, 0.0], [0.0, 3.0, 1.0], [0.0, 0.5, 0.2], [0.0, 0.0, 9.0]])

    metrics = compute_metrics(EvalPrediction(predictions=logits, label_ids=REFERENCES))

    assert metrics == classification_metrics(PREDICTIONS, REFERENCES)
