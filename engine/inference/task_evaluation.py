"""Evaluating a model trained for any task on a labelled split, and comparing two models of the same task.

The split is read as training read it (the columns, labels and windows of the model's `task.json`), checked row by
row by the task's `validate`, scored by the task's own `report` (engine/tasks/: per-label or per-entity-type
scores, SQuAD EM / F1, regression errors) and turned into predictions by its `postprocess`. Nothing here computes
a metric: the numbers are the ones training reports.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from datasets import Dataset

from engine.common.errors import NotFoundError, StudioError
from engine.common.limits import limits
from engine.datasets.sources import load_raw
from engine.inference.evaluation import check_request
from engine.inference.task_models import TaskModel, model_outputs, task_model
from engine.inference.task_predict import TaskPrediction, predict_one
from engine.tasks.base import TaskSetup
from engine.tasks.regression import targets_of

DISAGREEMENTS_SHOWN = 200
# Two regression models disagree on a row when their values are further apart than this share of the training range.
REGRESSION_GAP = 0.1


@dataclass(frozen=True)
class TaskEvaluationRequest:
    """What to evaluate: a model reference (`job:<id>`, a folder with `task.json`), a dataset source and its split.

    Attributes:
        task: the task the caller expects (`--task`); the model's own must be the same. None: the model's.
        limit: evaluate the first N rows only.
    """

    model: str
    dataset: str
    split: str = "test"
    config: str | None = None
    limit: int | None = None
    task: str | None = None

    def __post_init__(self) -> None:
        check_request(self.model, self.dataset, self.split, self.limit, "a finished job (job:<id>) or a model folder")


@dataclass
class TaskEvaluation:
    """A task's evaluation of one model on one split.

    Attributes:
        metrics: the task's metrics (the names training reports).
        table: per label (multi-label, text classification) or per entity type (token classification): precision,
            recall, F1, support; empty for regression and question answering.
        errors: the examples worth reading first, worst first (see each task's `report`).
        points: regression only: every row's `row`, `target`, `predicted` and `residual` (predicted - target).
        pairs: multi-label only: label pairs, their confusions and co-occurrence (see `EvaluationReport`).
        patterns: multi-label only: each error pattern and how many rows show it.
        predictions: every row's prediction, as the task's `postprocess` gives it.
    """

    model: str
    dataset: str
    split: str
    task: str
    rows: int
    metrics: dict[str, float]
    table: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    points: list[dict[str, float]] = field(default_factory=list)
    pairs: list[dict[str, Any]] = field(default_factory=list)
    patterns: list[dict[str, Any]] = field(default_factory=list)
    predictions: list[Any] = field(default_factory=list, repr=False)

    def to_dict(self, with_predictions: bool = False) -> dict[str, Any]:
        result = asdict(self)
        if not with_predictions:
            result.pop("predictions")
        return result


def load_task_split(request: TaskEvaluationRequest, model: TaskModel) -> Dataset:
    """The requested split, cut to the row limit and checked row by row against the model's setup.

    Raises:
        NotFoundError: no such split.
        StudioError: an empty split, more rows than `STUDIO_MAX_EVAL_ROWS`, or a row the task cannot score (a column
            the model reads is missing, a label it does not know), named with its row number.
    """
    splits = load_raw(request.dataset.strip(), request.config)
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
    optional = {role.role for role in model.task.roles if role.optional}  # a QA row id, say
    missing = [
        column
        for role, column in model.setup.columns.items()
        if role not in optional and column not in split.column_names
    ]
    if missing:
        raise NotFoundError(
            f"the {request.split} split of {request.dataset} has no column {', '.join(map(repr, missing))}, which "
            f"the model was trained on; its columns are {', '.join(split.column_names)}"
        )
    model.task.validate(split, model.setup, request.split)
    return split


def _points(setup: TaskSetup, examples: Dataset, predictions: list[Any], split: str) -> list[dict[str, float]]:
    """Predicted against true value for every row of a regression split (for a scatter and its residuals)."""
    if setup.task != "regression":
        return []
    targets = targets_of(examples, setup.columns["label"], split)
    return [
        {"row": i, "target": float(t), "predicted": p["value"], "residual": p["value"] - float(t)}
        for i, (t, p) in enumerate(zip(targets, predictions, strict=True))
    ]


def score_task_split(
    request: TaskEvaluationRequest,
    model: TaskModel,
    examples: Dataset,
    on_batch: Callable[[int, int], None] | None = None,
) -> TaskEvaluation:
    """Evaluate a loaded model on a split already read and checked (`load_task_split`)."""
    setup, task = model.setup, model.task
    features = task.preprocess(examples, model.tokenizer, setup, model.tokenization)
    outputs = model_outputs(model, features, on_batch=on_batch)
    report = task.report(setup, outputs, examples, features)
    predictions = task.postprocess(setup, outputs, examples, features)
    return TaskEvaluation(
        model=request.model,
        dataset=request.dataset,
        split=request.split,
        task=setup.task,
        rows=len(examples),
        metrics=report.metrics,
        table=report.table,
        errors=report.errors,
        points=_points(setup, examples, predictions, request.split),
        pairs=report.pairs,
        patterns=report.patterns,
        predictions=predictions,
    )


def evaluate_task(
    request: TaskEvaluationRequest, on_batch: Callable[[int, int], None] | None = None
) -> TaskEvaluation:
    """Evaluate `request.model` with its task's report on a labelled split.

    Raises:
        StudioError: a model without `task.json`, one of another task than `request.task`, or a split it cannot
            score (see `load_task_split`).
    """
    model = task_model(request.model, request.task)
    return score_task_split(request, model, load_task_split(request, model), on_batch)


# Each task's prediction of a row as one short text, for a table of two models' answers.
_ANSWERS: dict[str, Callable[[Any], str]] = {
    "text-classification": lambda p: p["label"],
    "multi-label-classification": lambda p: "; ".join(p["labels"]) or "(none)",
    "regression": lambda p: f"{p['value']:.3f}",
    "token-classification": lambda p: "; ".join(f"{e['type']}: {e['text']}" for e in p["entities"]) or "(none)",
    "question-answering": lambda p: p["answer"],
}


def answer_text(task: str, prediction: Any) -> str:
    """A task's prediction as one short text: a label, a label set, a value, the entities or the answer."""
    return _ANSWERS[task](prediction)


def _input_text(setup: TaskSetup, examples: Dataset, row: int) -> str:
    """What a row asks, in a few words: its text (and second text), its words, or its question."""
    record = examples[row]
    if setup.task == "token-classification":
        return " ".join(record[setup.columns["tokens"]])
    if setup.task == "question-answering":
        return record[setup.columns["question"]]
    return " / ".join(str(record[setup.columns[role]]) for role in ("text", "text_pair") if role in setup.columns)


def _disagree(setup: TaskSetup, first: Any, second: Any) -> bool:
    if setup.task == "regression":
        low, high = setup.option("range", [0.0, 1.0])
        return abs(first["value"] - second["value"]) > REGRESSION_GAP * max(high - low, 1e-9)
    return answer_text(setup.task, first) != answer_text(setup.task, second)


@dataclass
class TaskComparison:
    """Two models of one task evaluated on the same rows, and the rows where their predictions differ."""

    first: TaskEvaluation
    second: TaskEvaluation
    disagreements: list[dict[str, Any]]  # row, input, each model's answer
    disagreement_count: int

    def metrics_table(self) -> list[dict[str, Any]]:
        """One row per metric with both models' values."""
        return [
            {"metric": name, self.first.model: value, self.second.model: self.second.metrics.get(name)}
            for name, value in self.first.metrics.items()
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "first": self.first.to_dict(),
            "second": self.second.to_dict(),
            "metrics": self.metrics_table(),
            "disagreements": self.disagreements,
            "disagreement_count": self.disagreement_count,
        }


def compare_tasks(request: TaskEvaluationRequest, second_model: str) -> TaskComparison:
    """Evaluate `request.model` and `second_model` (the same task) on the same rows of the same split.

    Raises:
        StudioError: the same model twice, a model without `task.json`, two models of different tasks (naming
            both), or a split one of them cannot score.
    """
    second_model = (second_model or "").strip()
    if request.model.strip() == second_model:
        raise StudioError("pick two different models to compare")
    first = task_model(request.model, request.task)
    second = task_model(second_model)
    if second.setup.task != first.setup.task:
        raise StudioError(
            f"second model {second_model!r} was trained for {second.setup.task!r} but model {request.model!r} for "
            f"{first.setup.task!r}: compare two models of the same task"
        )
    examples = load_task_split(request, first)
    first_report = score_task_split(request, first, examples)
    second_request = replace(request, model=second_model)
    second_report = score_task_split(second_request, second, load_task_split(second_request, second))
    rows = [
        {
            "row": row,
            "input": _input_text(first.setup, examples, row),
            request.model: answer_text(first.setup.task, a),
            second_model: answer_text(first.setup.task, b),
        }
        for row, (a, b) in enumerate(zip(first_report.predictions, second_report.predictions, strict=True))
        if _disagree(first.setup, a, b)
    ]
    return TaskComparison(first_report, second_report, rows[:DISAGREEMENTS_SHOWN], len(rows))


def compare_task_inputs(first: str, second: str, **inputs: str | None) -> tuple[TaskPrediction, TaskPrediction]:
    """Both models' predictions for one input; the two must be of the same task.

    Raises:
        StudioError: two models of different tasks (naming both), or a bad input.
    """
    first_model, second_model = task_model(first), task_model(second)
    if first_model.setup.task != second_model.setup.task:
        raise StudioError(
            f"second model {second!r} was trained for {second_model.setup.task!r} but model {first!r} for "
            f"{first_model.setup.task!r}: compare two models of the same task"
        )
    return predict_one(first_model, **inputs), predict_one(second_model, **inputs)
