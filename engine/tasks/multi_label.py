"""Multi-label classification: any number of labels per text, sigmoid outputs and binary cross-entropy.

Labels come as a list column (`["sports", "politics"]`), a delimited string (`sports;politics`, the delimiter
detected or given) or one 0/1 column per label. A label is predicted when its probability reaches its threshold:
0.5, or one per label tuned on validation (`calibrate`) and kept in the setup, so predictions use the same.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from datasets import ClassLabel, Dataset, List, Value
from transformers import AutoModelForSequenceClassification, EvalPrediction

from engine.common.errors import NotFoundError, StudioError
from engine.tasks.base import (
    CardMetadata,
    ColumnRole,
    EvaluationReport,
    MetricsFunction,
    Outputs,
    TaskSetup,
    Tokenization,
    is_text,
    item_feature,
    label_config,
    logits_of,
    resolve_roles,
    row_error,
)
from engine.tasks.multi_label_errors import error_patterns, error_rows, label_pairs, pattern_counts
from engine.tasks.scores import per_label_scores, safe_divide
from engine.tasks.text_inputs import PAIR_ROLE, TEXT_ROLE, padding_collator, text_corpus, tokenize_texts

LABELS_ROLE = ColumnRole(
    "labels",
    ("labels", "label", "tags", "topics"),
    "the labels of each row: a list, a delimited string, or 0/1 columns (label_columns)",
    optional=True,  # 0/1 columns replace it
)
DELIMITERS = (";", "|", ",")  # tried in this order when none is given: ";" and "|" rarely occur inside a label
# Inferring the task, only these say "several labels": a comma also joins words inside one label ("arts, culture").
INFERRED_DELIMITERS = (";", "|")
INFERENCE_ROWS = 1000
DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)
ERRORS_SHOWN = 50
LIST, DELIMITED, COLUMNS = "list", "delimited", "columns"


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-logits))


def detect_delimiter(values: Sequence[str]) -> str:
    """The first of `DELIMITERS` that occurs in any value; `;` when none does (every row has one label)."""
    return next((d for d in DELIMITERS if any(d in value for value in values if value)), DELIMITERS[0])


def _binary_columns(split: Dataset, exclude: set[str]) -> list[str]:
    """Integer or boolean columns holding only 0 and 1: one label each."""
    found = []
    for name, feature in split.features.items():
        if name in exclude or not isinstance(feature, Value):
            continue
        if feature.dtype == "bool" or "int" in feature.dtype:
            if set(split.unique(name)) <= {0, 1}:
                found.append(name)
    return found


def row_label_names(split: Dataset, setup: TaskSetup, split_name: str) -> list[list[str]]:
    """Each row's label names, checked: a list or delimited row with no label is refused (it means the label is
    missing); an all-zero row of 0/1 columns is kept (it says "none of these" explicitly)."""
    layout = setup.option("layout")
    if layout == COLUMNS:
        matrix = np.column_stack([np.asarray(split[name]) for name in setup.labels])
        return [[setup.labels[j] for j in np.flatnonzero(row)] for row in matrix]
    column = setup.columns["labels"]
    item = item_feature(split.features[column])
    rows: list[list[str]] = []
    for index, value in enumerate(split[column]):
        if layout == LIST:
            names = [
                item.int2str(v) if isinstance(item, ClassLabel) else str(v) for v in (value or []) if v is not None
            ]
        else:
            delimiter = setup.option("delimiter")
            names = [part.strip() for part in str(value or "").split(delimiter) if part.strip()]
        if not names:
            raise row_error(split_name, index, f"no label in {column!r}; every row needs at least one")
        rows.append(names)
    return rows


def multi_hot(rows: list[list[str]], setup: TaskSetup, split_name: str) -> np.ndarray:
    """Rows of label names as a (rows, labels) float32 0/1 matrix; a label the train split lacks is refused."""
    ids = {name: i for i, name in enumerate(setup.labels)}
    matrix = np.zeros((len(rows), len(setup.labels)), dtype=np.float32)
    for index, names in enumerate(rows):
        for name in names:
            if name not in ids:
                raise row_error(split_name, index, f"label {name!r} is not among the train split's")
            matrix[index, ids[name]] = 1.0
    return matrix


def multi_label_scores(predicted: np.ndarray, actual: np.ndarray, labels: Sequence[str]) -> tuple[dict, list]:
    """Micro, macro and samples F1, subset accuracy, micro precision / recall, and the per-label table.

    `samples_f1` averages each row's F1 between its true and predicted label sets; a row with neither (possible
    with 0/1 columns) scores 1, as scikit-learn's `zero_division=1` makes it.
    """
    predicted, actual = predicted.astype(bool), actual.astype(bool)
    precision, recall, f1, support = per_label_scores(predicted, actual)
    overlap = (predicted & actual).sum()
    micro_precision = float(safe_divide(overlap, predicted.sum()))
    micro_recall = float(safe_divide(overlap, actual.sum()))
    row_sizes = predicted.sum(axis=1) + actual.sum(axis=1)
    row_f1 = np.where(row_sizes == 0, 1.0, safe_divide(2 * (predicted & actual).sum(axis=1), row_sizes))
    metrics = {
        "f1_micro": float(safe_divide(2 * micro_precision * micro_recall, micro_precision + micro_recall)),
        "f1_macro": float(f1.mean()),
        "f1_samples": float(row_f1.mean()) if len(row_f1) else 0.0,
        "subset_accuracy": float((predicted == actual).all(axis=1).mean()) if len(actual) else 0.0,
        "precision_micro": micro_precision,
        "recall_micro": micro_recall,
    }
    table = [
        {"label": name, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for name, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]
    return metrics, table


def tune_thresholds(probabilities: np.ndarray, actual: np.ndarray) -> list[float]:
    """Per label, the threshold of `THRESHOLD_GRID` with the best F1 on these rows; ties go to the one nearest
    0.5, and a label with no positive row keeps 0.5 (nothing to tune on)."""
    thresholds = []
    for j in range(actual.shape[1]):
        if not actual[:, j].any():
            thresholds.append(DEFAULT_THRESHOLD)
            continue
        scores = [per_label_scores(probabilities[:, [j]] >= t, actual[:, [j]])[2][0] for t in THRESHOLD_GRID]
        best = max(scores)
        candidates = [t for t, score in zip(THRESHOLD_GRID, scores, strict=True) if score == best]
        thresholds.append(float(min(candidates, key=lambda t: abs(t - DEFAULT_THRESHOLD))))
    return thresholds


def thresholds_of(setup: TaskSetup) -> np.ndarray:
    return np.asarray(setup.option("thresholds") or [setup.option("threshold", DEFAULT_THRESHOLD)] * len(setup.labels))


class MultiLabelClassification:
    """Any number of labels per text (or pair): one sigmoid per label."""

    name = "multi-label-classification"
    title = "multi-label classification"
    roles = (TEXT_ROLE, PAIR_ROLE, LABELS_ROLE)
    model_class = AutoModelForSequenceClassification
    metric_names = ("f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "precision_micro", "recall_micro")
    best_metric = "f1_micro"
    greater_is_better = True
    calibrates = True
    # Texts with more tags are longer (measured on sample:tags: 4-6 words for one tag, 13-20 for three), so batches
    # of similar lengths hold rows with as many tags: the model then learns the batch's tag count, and stayed at one
    # predicted tag per row (micro F1 0.34 against the plain recipe's 0.60). The same recipe with length grouping
    # added fell to 0.0.
    length_grouping = False

    def matches(self, split: Dataset) -> bool:
        try:
            columns = resolve_roles(self.roles, split.column_names)
        except ValueError:
            return False
        if "labels" in columns:
            feature = split.features[columns["labels"]]
            item = item_feature(feature)
            if is_text(feature):  # delimited, or single labels as text
                sample = split.select(range(min(len(split), INFERENCE_ROWS)))[columns["labels"]]
                return any(d in value for value in sample if value for d in INFERRED_DELIMITERS)
            return isinstance(item, ClassLabel) or (is_text(item))
        return len(_binary_columns(split, set(columns.values()))) >= 2

    def setup(
        self,
        train: Dataset,
        columns: Mapping[str, str | None] | None = None,
        *,
        label_columns: Sequence[str] | None = None,
        delimiter: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        tune_thresholds: bool = True,
        **options: Any,
    ) -> TaskSetup:
        """Read the label layout and names from the train split.

        Args:
            label_columns: one 0/1 column per label, instead of a labels column.
            delimiter: what separates labels in a delimited string column; detected among `; | ,` when None.
            threshold: the probability at or above which a label is predicted, for every label.
            tune_thresholds: whether `calibrate` replaces it by one threshold per label, tuned on validation.
        """
        if not 0 < threshold < 1:
            raise StudioError(f"threshold must be between 0 and 1 (exclusive), not {threshold}")
        resolved = resolve_roles(self.roles, train.column_names, columns)
        settings: dict[str, Any] = {**options, "threshold": threshold, "tune_thresholds": tune_thresholds}
        if label_columns or "labels" not in resolved:
            label_columns = list(label_columns or _binary_columns(train, set(resolved.values())))
            missing = [name for name in label_columns if name not in train.column_names]
            if missing or len(label_columns) < 2:
                raise NotFoundError(
                    f"no labels column (looked for {', '.join(LABELS_ROLE.defaults)}) and "
                    + (f"label column {missing[0]!r} not found" if missing else "fewer than two 0/1 label columns")
                    + f"; columns are {', '.join(train.column_names)}"
                )
            resolved.pop("labels", None)
            setup = TaskSetup(self.name, resolved, tuple(label_columns), {**settings, "layout": COLUMNS})
        else:
            column = resolved["labels"]
            feature = train.features[column]
            item = item_feature(feature)
            if isinstance(item, ClassLabel):
                setup = TaskSetup(self.name, resolved, tuple(item.names), {**settings, "layout": LIST})
            elif item is not None or (is_text(feature)):
                layout = LIST if item is not None else DELIMITED
                if layout == DELIMITED:
                    settings["delimiter"] = delimiter or detect_delimiter(train[column])
                partial = TaskSetup(self.name, resolved, (), {**settings, "layout": layout})
                names = sorted({name for row in row_label_names(train, partial, "train") for name in row})
                setup = TaskSetup(self.name, resolved, tuple(names), partial.options)
            else:
                raise StudioError(
                    f"labels column {column!r} holds {feature}; multi-label classification takes a list of labels, "
                    "a delimited string (sports;politics) or one 0/1 column per label (label_columns)"
                )
        self.validate(train, setup, "train")
        return setup

    def validate(self, split: Dataset, setup: TaskSetup, split_name: str) -> None:
        resolve_roles(self.roles, split.column_names, setup.columns)
        if setup.option("layout") == COLUMNS:
            for name in setup.labels:
                if name not in split.column_names:
                    raise NotFoundError(f"label column {name!r} not found in {split_name}")
                values = set(split.unique(name))
                if not values <= {0, 1}:
                    raise StudioError(
                        f"label column {name!r} of {split_name} holds {sorted(values - {0, 1})[:3]}; 0/1 only"
                    )
        multi_hot(row_label_names(split, setup, split_name), setup, split_name)

    def corpus(self, split: Dataset, setup: TaskSetup) -> list[str]:
        return text_corpus(split, setup)

    def preprocess(self, split, tokenizer, setup: TaskSetup, tokenization: Tokenization) -> Dataset:
        name = str(split.split or "split")
        targets = multi_hot(row_label_names(split, setup, name), setup, name)
        # float32 lists: BCE-with-logits needs float targets of the logits' dtype.
        return tokenize_texts(split, tokenizer, setup, tokenization, targets.tolist(), label_feature=_FLOATS)

    def model_kwargs(self, setup: TaskSetup) -> dict[str, Any]:
        return label_config(setup.labels, "multi_label_classification")

    def collator(self, tokenizer):
        return padding_collator(tokenizer)

    def metrics(self, setup: TaskSetup, examples: Dataset, features: Dataset) -> MetricsFunction:
        def compute(prediction: EvalPrediction) -> dict[str, float]:
            predicted = sigmoid(logits_of(prediction.predictions)) >= thresholds_of(setup)
            return multi_label_scores(predicted, np.asarray(prediction.label_ids) > 0.5, setup.labels)[0]

        return compute

    def calibrate(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> TaskSetup:
        if not setup.option("tune_thresholds", True):  # the one `threshold` for every label, as the user chose
            return setup
        actual = np.asarray(features["labels"]) > 0.5
        return setup.with_options(thresholds=tune_thresholds(sigmoid(logits_of(outputs)), actual))

    def postprocess(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> list[dict]:
        probabilities, thresholds = sigmoid(logits_of(outputs)), thresholds_of(setup)
        return [
            {
                "labels": [setup.labels[j] for j in np.flatnonzero(row >= thresholds)],
                "scores": dict(zip(setup.labels, map(float, row), strict=True)),
            }
            for row in probabilities
        ]

    def report(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> EvaluationReport:
        probabilities = sigmoid(logits_of(outputs))
        predicted, actual = probabilities >= thresholds_of(setup), np.asarray(features["labels"]) > 0.5
        metrics, table = multi_label_scores(predicted, actual, setup.labels)
        for row, threshold in zip(table, thresholds_of(setup), strict=True):
            row["threshold"] = float(threshold)
        patterns = error_patterns(predicted, actual, setup.labels)
        texts = examples[setup.columns["text"]]
        errors = error_rows(predicted, actual, setup.labels, texts, patterns)[:ERRORS_SHOWN]
        return EvaluationReport(
            metrics, table, errors, label_pairs(predicted, actual, setup.labels), pattern_counts(patterns)
        )

    def card(self, setup: TaskSetup) -> CardMetadata:
        return CardMetadata("text-classification", self.metric_names)


_FLOATS = List(Value("float32"))
