"""Predicting a whole file with a model of any task: read a CSV / TSV / JSONL table, predict each row, write it back
with the task's output columns.

The file holds the inputs under the column names the model was trained with (its `task.json`): the text (and
second text) for the classification tasks and regression, the words for token classification (a list in JSON
Lines, or a text, split into words as the Try tab splits it), the question and the context for question answering.
Every input column is kept, and the task's columns are added: `predicted_label` and `confidence`;
`predicted_labels` (`;`-joined) and one `prob_<label>` per label; `predicted_value` and `outside_training_range`;
`entities` (JSON: type, text, character span, score) and `predicted_tags`; `answer`, `answer_start` and
`answer_score`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from engine.common.errors import NotFoundError, StudioError
from engine.common.limits import limits, over
from engine.inference.predict_file import PROBABILITY_PREFIX, READERS, read_table, write_table
from engine.inference.task_models import BATCH_SIZE, TaskModel, task_model
from engine.inference.task_predict import predict_many
from engine.tasks.base import TaskSetup

# Each task's input roles, as `predict_one` takes them (a role the model has no column for is left out).
INPUT_ROLES = {
    "text-classification": ("text", "text_pair"),
    "multi-label-classification": ("text", "text_pair"),
    "regression": ("text", "text_pair"),
    "token-classification": ("tokens",),
    "question-answering": ("question", "context"),
}


@dataclass(frozen=True)
class TaskFilePrediction:
    """A file to predict, where the answers go, and the rows per forward pass."""

    path: Path
    output: Path
    batch_size: int = BATCH_SIZE

    def __post_init__(self) -> None:
        for name, path in (("input", self.path), ("output", self.output)):
            if Path(path).suffix.lower() not in READERS:
                raise StudioError(f"{name} file {Path(path).name!r}: use one of {', '.join(READERS)}")
        if self.batch_size < 1:
            raise StudioError(f"batch size must be at least 1, not {self.batch_size}")


def _cell(value: Any) -> str:
    """A cell as the text a model reads: a list of words joined by spaces, a missing value empty."""
    if isinstance(value, list):
        return " ".join(map(str, value))
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _inputs(model: TaskModel, table: pd.DataFrame, path: Path) -> list[dict[str, str]]:
    """Each row's inputs by role, read from the columns the model was trained with."""
    columns = {
        role: model.setup.columns[role] for role in INPUT_ROLES[model.setup.task] if role in model.setup.columns
    }
    missing = [column for column in columns.values() if column not in table.columns]
    if missing:
        raise NotFoundError(
            f"{path.name} has no column {', '.join(map(repr, missing))}, which the model reads "
            f"({', '.join(f'{role}: {column!r}' for role, column in columns.items())}); its columns are "
            f"{', '.join(map(str, table.columns))}"
        )
    # `predict_one` takes the words of token classification as one `text`, split as the Try tab splits it.
    names = {role: "text" if role == "tokens" else role for role in columns}
    return [
        {names[role]: _cell(value) for role, value in zip(columns, values, strict=True)}
        for values in zip(*(table[column] for column in columns.values()), strict=True)
    ]


def _labels_columns(setup: TaskSetup, results: list[dict[str, Any]]) -> dict[str, list]:
    probabilities = [{row["label"]: row["probability"] for row in r["scores"]} for r in results]
    return {"predicted_labels": [";".join(r["labels"]) for r in results]} | {
        f"{PROBABILITY_PREFIX}{label}": [round(p[label], 6) for p in probabilities] for label in setup.labels
    }


# Each task's output columns for every row, from `predict_many`'s results.
_OUTPUTS: dict[str, Callable[[TaskSetup, list[dict[str, Any]]], dict[str, list]]] = {
    "text-classification": lambda setup, results: {
        "predicted_label": [r["label"] for r in results],
        "confidence": [round(max(r["scores"].values()), 6) for r in results],
    },
    "multi-label-classification": _labels_columns,
    "regression": lambda setup, results: {
        "predicted_value": [round(r["value"], 6) for r in results],
        "outside_training_range": [r["outside_range"] for r in results],
    },
    "token-classification": lambda setup, results: {
        "entities": [json.dumps(r["entities"], ensure_ascii=False) for r in results],
        "predicted_tags": [" ".join(word["tag"] for word in r["words"]) for r in results],
    },
    "question-answering": lambda setup, results: {
        "answer": [r["answer"] for r in results],
        "answer_start": [r["start"] for r in results],
        "answer_score": [round(r["score"], 6) for r in results],
    },
}


def predict_task_file(
    request: TaskFilePrediction,
    model: str,
    task: str | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Predict every row of `request.path` with `model` and write the table with the task's columns to
    `request.output`.

    Args:
        task: the task the caller expects (`--task`); the model's own must be the same.
        on_batch: called with (features done, features in all) after each forward pass.

    Returns:
        The written table.

    Raises:
        StudioError: an unreadable or empty file, one over `STUDIO_MAX_PREDICT_ROWS` rows, a missing column, an empty
            input (naming its row), a model without `task.json` or of another task than `task`.
    """
    table = read_table(request.path)
    if len(table) > (bound := limits().predict_rows):
        raise over(f"{request.path.name}", len(table), bound, "predict_rows", " rows")
    loaded = task_model(model, task)
    results = predict_many(loaded, _inputs(loaded, table, request.path), request.batch_size, on_batch)
    result = table.copy()
    for name, values in _OUTPUTS[loaded.setup.task](loaded.setup, results).items():
        result[name] = values
    write_table(result, request.output)
    return result
