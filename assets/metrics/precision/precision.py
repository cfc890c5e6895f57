"""Precision for single-label classification, macro-averaged by default: tp / (tp + fp).

Shipped with Finetune Studio so that `evaluate.load` never needs the network. Macro averaging is the default
because it weighs every class equally, so a model that ignores a rare class cannot hide behind the big ones.
"""

import datasets
import evaluate
import numpy as np

_DESCRIPTION = "Precision = tp / (tp + fp), per class, then averaged."
_KWARGS = """
Args:
    predictions (list of int): predicted class ids.
    references (list of int): true class ids.
    average (str): 'macro' (mean over classes, the default), 'weighted' (mean weighted by class support)
        or 'micro' (counts pooled over classes).
Returns:
    precision (float): in [0, 1]; a class with an empty denominator counts as 0.
"""


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros_like(numerator, dtype=float), where=denominator > 0)


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class Precision(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
        )

    def _compute(self, predictions, references, average="macro"):
        if average not in ("macro", "weighted", "micro"):
            raise ValueError(f"average must be 'macro', 'weighted' or 'micro', not {average!r}")
        predictions, references = np.asarray(predictions), np.asarray(references)
        classes = np.union1d(predictions, references)
        tp = np.array([np.sum((predictions == c) & (references == c)) for c in classes], dtype=float)
        fp = np.array([np.sum((predictions == c) & (references != c)) for c in classes], dtype=float)
        fn = np.array([np.sum((predictions != c) & (references == c)) for c in classes], dtype=float)
        if average == "micro":
            tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
        scores = _ratio(tp, tp + fp)
        if average == "weighted":
            support = tp + fn
            return {"precision": float(np.sum(scores * support) / max(support.sum(), 1.0))}
        return {"precision": float(scores.mean()) if len(scores) else 0.0}
