"""One prediction of a model trained for any task, from the `task.json` saved beside it.

The Try tab's view of each task: every label's probability and threshold (multi-label), the value and the range
it was trained on (regression), the entities over the text with their scores and character spans, grouped from
sub-words (token classification), the answer span with its score and the next best (question answering), the
label and its probabilities (text classification).

The input goes through the task's own `preprocess` and `postprocess` (the same tokenization, windows, thresholds
and scale as training), as a one-row split in the training data's layout. `preprocess` also encodes labels, so
the row carries a stand-in label (the first label name, 0.0, no answer) that nothing here reads: the
prediction comes from the model's outputs only.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import Dataset

from engine.common.errors import StudioError
from engine.common.limits import limits, over
from engine.inference.task_models import BATCH_SIZE, TaskModel, load_task_model, model_outputs, task_model
from engine.tasks.base import TaskSetup
from engine.tasks.multi_label import COLUMNS, LIST, thresholds_of

# Words as token-classification data has them (CoNLL style): runs of letters and digits, with inner hyphens and
# apostrophes (`2-1`, `O'Neil`), and each other visible character on its own (`,` `.` `(`).
WORD = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


@dataclass
class TaskPrediction:
    """A task's prediction for one input.

    Attributes:
        task: the task's name.
        result: the prediction in the user's terms; its keys depend on the task (see `predict_one`).
        milliseconds: tokenization, forward pass and post-processing, the model already loaded.
    """

    task: str
    result: dict[str, Any]
    milliseconds: float


def _text(inputs: dict[str, str | None], name: str) -> str:
    """A required input, stripped, within the tokenizer's character limit."""
    value = (inputs.get(name) or "").strip()
    if not value:
        raise StudioError(f"{name.replace('_', ' ')} is empty; this model needs one")
    if len(value) > (bound := limits().tokenize_chars):
        raise over(f"the {name.replace('_', ' ')}", len(value), bound, "tokenize_chars", " characters")
    return value


def _text_columns(setup: TaskSetup, inputs: dict[str, str | None]) -> dict[str, list]:
    """The text (and, for a pair model, the second text) in the setup's columns."""
    row = {setup.columns["text"]: [_text(inputs, "text")]}
    if "text_pair" in setup.columns:
        row[setup.columns["text_pair"]] = [_text(inputs, "text_pair")]
    return row


def _multi_label_row(setup: TaskSetup, inputs: dict[str, str | None]) -> dict[str, list]:
    layout = setup.option("layout")
    if layout == COLUMNS:
        return _text_columns(setup, inputs) | {name: [1 if i == 0 else 0] for i, name in enumerate(setup.labels)}
    stand_in = [setup.labels[0]] if layout == LIST else setup.labels[0]
    return _text_columns(setup, inputs) | {setup.columns["labels"]: [stand_in]}


def _words_row(setup: TaskSetup, inputs: dict[str, str | None]) -> dict[str, list]:
    words = [match.group() for match in WORD.finditer(_text(inputs, "text"))]
    return {setup.columns["tokens"]: [words], setup.columns["tags"]: [[setup.labels[0]] * len(words)]}


def _question_row(setup: TaskSetup, inputs: dict[str, str | None]) -> dict[str, list]:
    return {
        setup.columns["question"]: [_text(inputs, "question")],
        setup.columns["context"]: [_text(inputs, "context")],
        setup.columns["answers"]: [{"text": [], "answer_start": []}],
    }


# Each task's one-row split from the user's inputs, in its training layout with a stand-in label (never read).
_ROWS: dict[str, Callable[[TaskSetup, dict[str, str | None]], dict[str, list]]] = {
    "text-classification": lambda setup, inputs: (
        _text_columns(setup, inputs) | {setup.columns["label"]: [setup.labels[0]]}
    ),
    "multi-label-classification": _multi_label_row,
    "regression": lambda setup, inputs: _text_columns(setup, inputs) | {setup.columns["label"]: [0.0]},
    "token-classification": _words_row,
    "question-answering": _question_row,
}


def _ranked_labels(setup: TaskSetup, prediction: dict, inputs: dict) -> dict[str, Any]:
    scores = dict(sorted(prediction["scores"].items(), key=lambda item: -item[1]))
    return {"label": prediction["label"], "scores": scores}


def _labels_with_thresholds(setup: TaskSetup, prediction: dict, inputs: dict) -> dict[str, Any]:
    thresholds = dict(zip(setup.labels, map(float, thresholds_of(setup)), strict=True))
    rows = [
        {"label": name, "probability": p, "threshold": thresholds[name], "predicted": p >= thresholds[name]}
        for name, p in prediction["scores"].items()
    ]
    return {"labels": prediction["labels"], "scores": sorted(rows, key=lambda row: -row["probability"])}


def _value_in_range(setup: TaskSetup, prediction: dict, inputs: dict) -> dict[str, Any]:
    low, high = setup.option("range", [None, None])
    value = prediction["value"]
    outside = low is not None and not low <= value <= high
    return {"value": value, "range": [low, high], "outside_range": outside}


def _entities_over_text(setup: TaskSetup, prediction: dict, inputs: dict) -> dict[str, Any]:
    text = _text(inputs, "text")
    spans = [match.span() for match in WORD.finditer(text)]
    entities = [
        {
            "type": entity["type"],
            "text": text[spans[entity["start"]][0] : spans[entity["end"]][1]],
            "start": spans[entity["start"]][0],
            "end": spans[entity["end"]][1],
            "score": entity["score"],
        }
        for entity in prediction["entities"]
    ]
    words = [
        {"word": text[a:b], "start": a, "end": b, "tag": tag, "score": score}
        for (a, b), tag, score in zip(spans, prediction["tags"], prediction["scores"], strict=True)
    ]
    return {"entities": entities, "words": words}


def _answer(setup: TaskSetup, prediction: dict, inputs: dict) -> dict[str, Any]:
    return prediction


# Each task's result from its `postprocess` output, with what the Try tab shows beside it.
_RESULTS: dict[str, Callable[[TaskSetup, dict, dict], dict[str, Any]]] = {
    "text-classification": _ranked_labels,
    "multi-label-classification": _labels_with_thresholds,
    "regression": _value_in_range,
    "token-classification": _entities_over_text,
    "question-answering": _answer,
}


def predict_one(model: TaskModel, **inputs: str | None) -> TaskPrediction:
    """The task's prediction for one input.

    Args:
        inputs: `text` (and `text_pair` for a pair model) for the classification tasks, regression and token
            classification; `question` and `context` for question answering.

    Returns:
        A `TaskPrediction` whose `result` holds, by task:
        - text-classification: `label`, `scores` (label -> probability, most likely first);
        - multi-label-classification: `labels` (those predicted), `scores` (per label: `label`, `probability`,
          `threshold`, `predicted`; most likely first);
        - regression: `value`, `range` (the train split's min and max), `outside_range`;
        - token-classification: `entities` (`type`, `text`, `start` / `end` characters, `score`: the mean of its
          words' probabilities) and `words` (each word's span, tag and probability);
        - question-answering: `answer`, `start` / `end` characters in the context, `score` (its share among the
          candidates), `alternatives` (the next best, same fields).

    Raises:
        StudioError: an input the task needs is empty or over the character limit, naming it.
    """
    started = time.perf_counter()
    result = predict_many(model, [inputs])[0]
    return TaskPrediction(model.setup.task, result, (time.perf_counter() - started) * 1000)


def predict_many(
    model: TaskModel,
    inputs: list[dict[str, str | None]],
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """The task's result (see `predict_one`) for each of many inputs, in batches.

    Raises:
        StudioError: an input the task needs is empty or over the character limit, naming it and, among many, its
            row (counted from 1).
    """
    setup = model.setup
    columns: dict[str, list] = {}
    for number, one in enumerate(inputs, start=1):
        try:
            row = _ROWS[setup.task](setup, one)
        except StudioError as error:
            raise StudioError(f"row {number}: {error}" if len(inputs) > 1 else str(error)) from None
        for name, values in row.items():
            columns.setdefault(name, []).extend(values)
    examples = Dataset.from_dict(columns)
    features = model.task.preprocess(examples, model.tokenizer, setup, model.tokenization)
    outputs = model_outputs(model, features, batch_size, on_batch)
    predictions = model.task.postprocess(setup, outputs, examples, features)
    return [_RESULTS[setup.task](setup, p, one) for p, one in zip(predictions, inputs, strict=True)]


def predict_task(folder: str | Path, **inputs: str | None) -> TaskPrediction:
    """Load the model of `folder` with its task and predict one input (see `predict_one`)."""
    return predict_one(load_task_model(folder), **inputs)


def predict_reference(reference: str, task: str | None = None, **inputs: str | None) -> TaskPrediction:
    """Predict one input with the model of a reference (`job:<id>`, a folder), loaded once and kept warm.

    Raises:
        StudioError: a model without `task.json`, one trained for another task than `task`, or a bad input.
    """
    return predict_one(task_model(reference, task), **inputs)
