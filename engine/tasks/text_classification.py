"""Single-label classification of a text or a pair: one label per row, softmax and cross-entropy."""

from collections.abc import Mapping
from typing import Any

import numpy as np
from datasets import ClassLabel, Dataset, Value
from transformers import AutoModelForSequenceClassification, EvalPrediction

from engine.tasks.base import (
    CardMetadata,
    ColumnRole,
    EvaluationReport,
    MetricsFunction,
    Outputs,
    TaskSetup,
    Tokenization,
    is_text,
    label_config,
    logits_of,
    resolve_roles,
    row_error,
)
from engine.tasks.scores import per_label_scores
from engine.tasks.text_inputs import PAIR_ROLE, TEXT_ROLE, padding_collator, text_corpus, tokenize_texts

LABEL_ROLE = ColumnRole("label", ("label", "labels"), "one class per row: a name or an integer")
ERRORS_SHOWN = 50  # the most confident mistakes a report lists


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _label_names(split: Dataset, column: str) -> tuple[str, ...]:
    feature = split.features[column]
    if isinstance(feature, ClassLabel):
        return tuple(feature.names)
    values = set(split[column])
    if None in values:
        raise row_error("train", split[column].index(None), f"the {column!r} label is empty")
    if all(isinstance(value, int | np.integer) for value in values):
        return tuple(str(value) for value in sorted(values))  # integers in numeric order, not as text
    return tuple(sorted(str(value) for value in values))


def encode_labels(split: Dataset, setup: TaskSetup, split_name: str) -> list[int]:
    """Each row's label as its id in `setup.labels`."""
    column = setup.columns["label"]
    feature = split.features[column]
    if isinstance(feature, ClassLabel):
        names = [feature.int2str(value) if value is not None and value >= 0 else None for value in split[column]]
    else:
        names = [None if value is None else str(value) for value in split[column]]
    ids = {name: i for i, name in enumerate(setup.labels)}
    encoded = []
    for index, name in enumerate(names):
        if name not in ids:
            problem = "the label is empty" if name is None else f"label {name!r} is not among the train split's"
            raise row_error(split_name, index, f"{problem} ({', '.join(setup.labels)})")
        encoded.append(ids[name])
    return encoded


def classification_scores(predicted: np.ndarray, actual: np.ndarray, labels: tuple[str, ...]) -> tuple[dict, list]:
    """Accuracy and macro precision / recall / F1 (over every label), and the per-label table."""
    one_hot = np.eye(len(labels), dtype=bool)
    precision, recall, f1, support = per_label_scores(one_hot[predicted], one_hot[actual])
    metrics = {
        "accuracy": float((predicted == actual).mean()) if len(actual) else 0.0,
        "f1": float(f1.mean()),
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
    }
    table = [
        {"label": name, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for name, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]
    return metrics, table


class TextClassification:
    """One class per text (or pair), as the studio trained from the start."""

    name = "text-classification"
    title = "text classification"
    roles = (TEXT_ROLE, PAIR_ROLE, LABEL_ROLE)
    model_class = AutoModelForSequenceClassification
    metric_names = ("accuracy", "f1", "precision", "recall")
    best_metric = "f1"
    greater_is_better = True
    calibrates = False
    length_grouping = True

    def matches(self, split: Dataset) -> bool:
        try:
            columns = resolve_roles(self.roles, split.column_names)
        except ValueError:
            return False
        feature = split.features[columns["label"]]
        return isinstance(feature, ClassLabel) or (
            is_text(feature) or (isinstance(feature, Value) and "int" in feature.dtype)
        )

    def setup(self, train: Dataset, columns: Mapping[str, str | None] | None = None, **options: Any) -> TaskSetup:
        resolved = resolve_roles(self.roles, train.column_names, columns)
        setup = TaskSetup(self.name, resolved, _label_names(train, resolved["label"]), dict(options))
        self.validate(train, setup, "train")
        return setup

    def validate(self, split: Dataset, setup: TaskSetup, split_name: str) -> None:
        resolve_roles(self.roles, split.column_names, setup.columns)
        encode_labels(split, setup, split_name)

    def corpus(self, split: Dataset, setup: TaskSetup) -> list[str]:
        return text_corpus(split, setup)

    def preprocess(self, split, tokenizer, setup: TaskSetup, tokenization: Tokenization) -> Dataset:
        return tokenize_texts(
            split, tokenizer, setup, tokenization, encode_labels(split, setup, split.split or "split")
        )

    def model_kwargs(self, setup: TaskSetup) -> dict[str, Any]:
        return label_config(setup.labels, "single_label_classification")

    def collator(self, tokenizer):
        return padding_collator(tokenizer)

    def metrics(self, setup: TaskSetup, examples: Dataset, features: Dataset) -> MetricsFunction:
        def compute(prediction: EvalPrediction) -> dict[str, float]:
            predicted = logits_of(prediction.predictions).argmax(axis=-1)
            return classification_scores(predicted, np.asarray(prediction.label_ids), setup.labels)[0]

        return compute

    def calibrate(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> TaskSetup:
        return setup

    def postprocess(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> list[dict]:
        probabilities = softmax(logits_of(outputs))
        return [
            {"label": setup.labels[int(row.argmax())], "scores": dict(zip(setup.labels, map(float, row), strict=True))}
            for row in probabilities
        ]

    def report(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> EvaluationReport:
        probabilities = softmax(logits_of(outputs))
        predicted, actual = probabilities.argmax(axis=-1), np.asarray(features["labels"])
        metrics, table = classification_scores(predicted, actual, setup.labels)
        text, pair = setup.columns["text"], setup.columns.get("text_pair")
        wrong = sorted(np.flatnonzero(predicted != actual), key=lambda i: -probabilities[i, predicted[i]])
        errors = [
            {
                "row": int(i),
                "text": examples[int(i)][text],
                **({"text_pair": examples[int(i)][pair]} if pair else {}),
                "label": setup.labels[actual[i]],
                "predicted": setup.labels[predicted[i]],
                "confidence": float(probabilities[i, predicted[i]]),
            }
            for i in wrong[:ERRORS_SHOWN]
        ]
        return EvaluationReport(metrics, table, errors)

    def card(self, setup: TaskSetup) -> CardMetadata:
        return CardMetadata("text-classification", self.metric_names)
