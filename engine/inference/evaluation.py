"""Evaluating a text classifier on a labelled dataset split: scores, confusion matrix, errors and calibration.

The dataset's labels are matched to the model's by *name* (`id2label`), never by position: a split whose labels
are the strings "positive" / "negative" evaluates correctly against a model whose id 0 is "positive", whatever
order the dataset would have sorted them in.
"""

from dataclasses import asdict, dataclass, field

import numpy as np
from datasets import ClassLabel, Dataset

from engine.common.errors import NotFoundError, StudioError
from engine.common.limits import limits
from engine.datasets.sources import load_raw, resolve_columns
from engine.models.classifier import Classifier, load_classifier
from engine.training.metrics import metric_modules

CALIBRATION_BINS = 10
MISCLASSIFIED_SHOWN = 100  # the most confident mistakes are the telling ones; the rest are counted


@dataclass(frozen=True)
class EvaluationRequest:
    """What to evaluate: a model reference, and a dataset source with its split and columns."""

    model: str
    dataset: str
    split: str = "test"
    config: str | None = None
    text_column: str | None = None
    pair_column: str | None = None
    label_column: str | None = None
    limit: int | None = None  # evaluate the first N rows only

    def __post_init__(self) -> None:
        models = "a finished job, a local folder or a Hub classifier"
        check_request(self.model, self.dataset, self.split, self.limit, models)


def check_request(model: str, dataset: str, split: str, limit: int | None, models: str) -> None:
    """Refuse an evaluation request missing its model, dataset or split, or with a limit below 1; `models` says
    what the caller's model box takes.

    Raises:
        StudioError: naming the missing or wrong field.
    """
    if not (model or "").strip():
        raise StudioError(f"no model given: pick {models}")
    if not (dataset or "").strip():
        raise StudioError("no dataset given: a sample, a file or folder path, or a Hub id")
    if not (split or "").strip():
        raise StudioError("no split given (train, validation or test)")
    if limit is not None and limit < 1:
        raise StudioError(f"limit must be at least 1, not {limit}")


@dataclass
class ClassScores:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class CalibrationBin:
    """Rows whose top probability fell in [low, high): how confident the model was, and how often right."""

    low: float
    high: float
    count: int
    confidence: float | None
    accuracy: float | None


@dataclass
class EvaluationReport:
    """Everything one evaluation found. `predictions` holds every row; `misclassified` the most confident errors."""

    model: str
    dataset: str
    split: str
    labels: list[str]
    rows: int
    accuracy: float
    f1_macro: float
    f1_micro: float
    per_class: list[ClassScores]
    confusion_matrix: list[list[int]]  # rows: true labels, columns: predicted labels, both in `labels` order
    calibration: list[CalibrationBin]
    expected_calibration_error: float
    misclassified: list[dict]
    predictions: list[dict] = field(repr=False)

    def examples(self, true_label: str, predicted_label: str) -> list[dict]:
        """The rows of one confusion-matrix cell, most confident first."""
        rows = [p for p in self.predictions if p["true"] == true_label and p["predicted"] == predicted_label]
        return sorted(rows, key=lambda row: row["confidence"], reverse=True)

    def to_dict(self, with_predictions: bool = False) -> dict:
        result = asdict(self)
        if not with_predictions:
            result.pop("predictions")
        return result


def label_names(split: Dataset, column: str) -> list[str]:
    """Each row's label as a name: `ClassLabel` ids become their names, other values their text.

    Raises:
        StudioError: a row without a label.
    """
    feature = split.features[column]
    values = split[column]
    if isinstance(feature, ClassLabel):
        return [feature.int2str(int(value)) for value in values]
    if any(value is None or str(value).strip() == "" for value in values):
        raise StudioError(f"label column {column!r} has empty values; every row needs a label to be evaluated")
    return [str(value) for value in values]


def match_labels(dataset_labels: list[str], model_labels: list[str]) -> list[int]:
    """The model's label id for each dataset label, matched by name.

    Integer labels (`0`, `1`) also match the `LABEL_0`, `LABEL_1` names of a model saved without label names.

    Raises:
        StudioError: dataset labels the model does not know, naming both sets.
    """
    ids = {name: index for index, name in enumerate(model_labels)}
    generic = all(name == f"LABEL_{index}" for index, name in enumerate(model_labels))
    unknown = sorted({label for label in dataset_labels if label not in ids})
    if unknown and generic and all(label.isdigit() and int(label) < len(model_labels) for label in unknown):
        return [ids[label] if label in ids else int(label) for label in dataset_labels]
    if unknown:
        raise StudioError(
            f"the dataset has labels the model does not know: {', '.join(unknown[:10])}; "
            f"the model's labels are {', '.join(model_labels)}"
        )
    return [ids[label] for label in dataset_labels]


def load_split(request: EvaluationRequest) -> tuple[list[str], list[str] | None, list[str]]:
    """The split's texts, second texts (or None) and label names, as the request names them.

    Raises:
        StudioError: an unknown split or column, an empty split, or more rows than `STUDIO_MAX_EVAL_ROWS` (after the
            request's row limit).
    """
    splits = load_raw(request.dataset, request.config)
    if request.split not in splits:
        raise NotFoundError(f"no split {request.split!r} in {request.dataset} (splits are {', '.join(splits)})")
    split = splits[request.split]
    if request.limit:
        split = split.select(range(min(request.limit, len(split))))
    if len(split) == 0:
        raise StudioError(f"the {request.split} split of {request.dataset} has no rows")
    if len(split) > (bound := limits().eval_rows):
        raise StudioError(
            f"the {request.split} split of {request.dataset} has {len(split):,} rows; an evaluation scores at most "
            f"{bound:,} (STUDIO_MAX_EVAL_ROWS): set a row limit"
        )
    columns = resolve_columns(split.column_names, request.text_column, request.pair_column, request.label_column)
    texts = [str(text or "") for text in split[columns.text]]
    pairs = [str(text or "") for text in split[columns.text_pair]] if columns.text_pair else None
    return texts, pairs, label_names(split, columns.label)


def calibration(confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS) -> list[CalibrationBin]:
    """Reliability diagram data: equal-width confidence bins with each bin's mean confidence and accuracy."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    # The top bin is closed on the right, so that a confidence of exactly 1.0 is counted.
    index = np.clip(np.digitize(confidence, edges[1:-1], right=False), 0, bins - 1)
    result = []
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        result.append(
            CalibrationBin(
                low=float(edges[b]),
                high=float(edges[b + 1]),
                count=count,
                confidence=float(confidence[members].mean()) if count else None,
                accuracy=float(correct[members].mean()) if count else None,
            )
        )
    return result


def expected_calibration_error(bins: list[CalibrationBin]) -> float:
    """The rows-weighted mean gap between confidence and accuracy over the bins (0 is perfectly calibrated)."""
    total = sum(b.count for b in bins)
    if not total:
        return 0.0
    return float(sum(b.count / total * abs(b.confidence - b.accuracy) for b in bins if b.count))


def _per_class(matrix: np.ndarray, labels: list[str]) -> list[ClassScores]:
    scores = []
    for index, label in enumerate(labels):
        tp = matrix[index, index]
        predicted, support = matrix[:, index].sum(), matrix[index, :].sum()
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(ClassScores(label, float(precision), float(recall), float(f1), int(support)))
    return scores


def evaluate_model(request: EvaluationRequest, on_batch=None) -> EvaluationReport:
    """Evaluate `request.model` on a labelled split.

    Raises:
        StudioError: the model is not a text classifier, the split or a column does not exist, or the dataset's
            labels are not the model's.
    """
    load_classifier(request.model)  # a model that is no classifier fails before the dataset is read
    return score_rows(request, *load_split(request), on_batch=on_batch)


def score_rows(
    request: EvaluationRequest, texts: list[str], pairs: list[str] | None, truth: list[str], on_batch=None
) -> EvaluationReport:
    """Evaluate `request.model` on rows already read (texts, second texts or None, label names)."""
    classifier = load_classifier(request.model)
    references = match_labels(truth, classifier.labels)  # before the forward passes: a mismatch fails at once
    probabilities = classifier.probabilities(texts, pairs, on_batch=on_batch)
    return build_report(request, classifier, texts, pairs, references, probabilities)


def build_report(
    request: EvaluationRequest,
    classifier: Classifier,
    texts: list[str],
    pairs: list[str] | None,
    references: list[int],
    probabilities: np.ndarray,
) -> EvaluationReport:
    """Scores, confusion matrix, calibration and errors from the model's probabilities on labelled rows."""
    labels = classifier.labels
    predicted = probabilities.argmax(axis=1)
    truth = np.asarray(references)
    confidence = probabilities.max(axis=1)
    correct = predicted == truth
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    np.add.at(matrix, (truth, predicted), 1)
    metrics = metric_modules()  # the same `evaluate` modules that score training runs
    f1_macro = metrics["f1"].compute(predictions=predicted, references=truth, average="macro")["f1"]
    f1_micro = metrics["f1"].compute(predictions=predicted, references=truth, average="micro")["f1"]
    accuracy = metrics["accuracy"].compute(predictions=predicted, references=truth)["accuracy"]
    rows = [
        {
            "index": i,
            "text": texts[i],
            **({"text_pair": pairs[i]} if pairs is not None else {}),
            "true": labels[truth[i]],
            "predicted": labels[predicted[i]],
            "confidence": float(confidence[i]),
        }
        for i in range(len(texts))
    ]
    mistakes = sorted((row for row in rows if row["true"] != row["predicted"]), key=lambda r: -r["confidence"])
    shown = [
        {**row, "tokens": classifier.tokens(row["text"], row.get("text_pair"))}
        for row in mistakes[:MISCLASSIFIED_SHOWN]
    ]
    bins = calibration(confidence, correct)
    return EvaluationReport(
        model=request.model,
        dataset=request.dataset,
        split=request.split,
        labels=labels,
        rows=len(texts),
        accuracy=float(accuracy),
        f1_macro=float(f1_macro),
        f1_micro=float(f1_micro),
        per_class=_per_class(matrix, labels),
        confusion_matrix=matrix.tolist(),
        calibration=bins,
        expected_calibration_error=expected_calibration_error(bins),
        misclassified=shown,
        predictions=rows,
    )
