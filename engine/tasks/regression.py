"""Regression: one number per text or pair (a similarity score, a rating), one output and mean squared error.

With `standardize`, the model learns the target standardised with the train split's mean and standard deviation
(useful when the scale is far from 1), and every prediction and metric is mapped back to the original scale.
"""

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from datasets import Dataset, Value
from transformers import AutoModelForSequenceClassification, EvalPrediction

from engine.common.errors import StudioError
from engine.tasks.base import (
    CardMetadata,
    ColumnRole,
    EvaluationReport,
    MetricsFunction,
    Outputs,
    TaskSetup,
    Tokenization,
    logits_of,
    resolve_roles,
    row_error,
)
from engine.tasks.scores import pearson, r_squared, spearman
from engine.tasks.text_inputs import PAIR_ROLE, TEXT_ROLE, padding_collator, text_corpus, tokenize_texts

TARGET_ROLE = ColumnRole("label", ("label", "score", "target", "labels"), "a number per row (a score, a rating)")
ERRORS_SHOWN = 50


def targets_of(split: Dataset, column: str, split_name: str) -> np.ndarray:
    """The target column as floats; a value that is not a finite number is refused, naming its row."""
    values = []
    for index, value in enumerate(split[column]):
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise row_error(split_name, index, f"the {column!r} target {value!r} is not a number")
        values.append(number)
    return np.asarray(values, dtype=np.float64)


def regression_scores(predictions: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """MSE, RMSE, MAE, Pearson and Spearman correlation and R², on the original scale."""
    errors = predictions - targets
    mse = float((errors**2).mean()) if len(errors) else 0.0
    return {
        "mse": mse,
        "rmse": math.sqrt(mse),
        "mae": float(np.abs(errors).mean()) if len(errors) else 0.0,
        "pearson": pearson(predictions, targets),
        "spearman": spearman(predictions, targets),
        "r2": r_squared(predictions, targets),
    }


def to_original_scale(values: np.ndarray, setup: TaskSetup) -> np.ndarray:
    return values * setup.option("std", 1.0) + setup.option("mean", 0.0)


class Regression:
    """A number per text (or pair): one linear output trained with mean squared error."""

    name = "regression"
    title = "regression"
    roles = (TEXT_ROLE, PAIR_ROLE, TARGET_ROLE)
    model_class = AutoModelForSequenceClassification
    metric_names = ("mse", "rmse", "mae", "pearson", "spearman", "r2")
    best_metric = "rmse"
    greater_is_better = False
    calibrates = False
    length_grouping = True

    def matches(self, split: Dataset) -> bool:
        try:
            columns = resolve_roles(self.roles, split.column_names)
        except ValueError:
            return False
        feature = split.features[columns["label"]]
        return isinstance(feature, Value) and feature.dtype.startswith("float")

    def setup(
        self,
        train: Dataset,
        columns: Mapping[str, str | None] | None = None,
        *,
        standardize: bool = False,
        **options: Any,
    ) -> TaskSetup:
        """Read the target column (and, with `standardize`, its mean and standard deviation) from the train split."""
        resolved = resolve_roles(self.roles, train.column_names, columns)
        targets = targets_of(train, resolved["label"], "train")
        settings: dict[str, Any] = {**options, "standardize": standardize}
        # The training range is what a prediction page shows next to a value; a value beyond it is extrapolated.
        settings["range"] = [float(targets.min()), float(targets.max())] if len(targets) else [0.0, 0.0]
        if standardize:
            std = float(targets.std())
            if std == 0:
                raise StudioError(f"the {resolved['label']!r} target is the same on every train row; nothing to learn")
            settings.update(mean=float(targets.mean()), std=std)
        return TaskSetup(self.name, resolved, (resolved["label"],), settings)

    def validate(self, split: Dataset, setup: TaskSetup, split_name: str) -> None:
        resolve_roles(self.roles, split.column_names, setup.columns)
        targets_of(split, setup.columns["label"], split_name)

    def corpus(self, split: Dataset, setup: TaskSetup) -> list[str]:
        return text_corpus(split, setup)

    def preprocess(self, split, tokenizer, setup: TaskSetup, tokenization: Tokenization) -> Dataset:
        targets = targets_of(split, setup.columns["label"], str(split.split or "split"))
        scaled = (targets - setup.option("mean", 0.0)) / setup.option("std", 1.0)
        return tokenize_texts(split, tokenizer, setup, tokenization, scaled.tolist(), label_feature=Value("float32"))

    def model_kwargs(self, setup: TaskSetup) -> dict[str, Any]:
        name = setup.labels[0] if setup.labels else "value"
        return {"num_labels": 1, "problem_type": "regression", "id2label": {0: name}, "label2id": {name: 0}}

    def collator(self, tokenizer):
        return padding_collator(tokenizer)

    def _values(self, outputs: Outputs, setup: TaskSetup) -> np.ndarray:
        return to_original_scale(logits_of(outputs).reshape(-1).astype(np.float64), setup)

    def metrics(self, setup: TaskSetup, examples: Dataset, features: Dataset) -> MetricsFunction:
        def compute(prediction: EvalPrediction) -> dict[str, float]:
            targets = to_original_scale(np.asarray(prediction.label_ids, dtype=np.float64).reshape(-1), setup)
            return regression_scores(self._values(prediction.predictions, setup), targets)

        return compute

    def calibrate(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> TaskSetup:
        return setup

    def postprocess(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> list[dict]:
        return [{"value": float(value)} for value in self._values(outputs, setup)]

    def report(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> EvaluationReport:
        predictions = self._values(outputs, setup)
        targets = targets_of(examples, setup.columns["label"], str(examples.split or "split"))
        text, pair = setup.columns["text"], setup.columns.get("text_pair")
        worst = np.argsort(-np.abs(predictions - targets), kind="stable")[:ERRORS_SHOWN]
        errors = [
            {
                "row": int(i),
                "text": examples[int(i)][text],
                **({"text_pair": examples[int(i)][pair]} if pair else {}),
                "target": float(targets[i]),
                "predicted": float(predictions[i]),
                "error": float(predictions[i] - targets[i]),
            }
            for i in worst
        ]
        return EvaluationReport(regression_scores(predictions, targets), [], errors)

    def card(self, setup: TaskSetup) -> CardMetadata:
        return CardMetadata("text-classification", self.metric_names)
