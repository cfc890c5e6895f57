"""A trained model with its task (`task.json`), loaded once, and its outputs on many features in batches."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from datasets import Dataset
from transformers import AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from engine.common.errors import StudioError
from engine.common.settings import remote_code_allowed
from engine.inference.model_task import task_folder
from engine.models.loading import MODEL_LOADING
from engine.tasks.base import Outputs, Task, TaskSetup, Tokenization, load_model
from engine.tasks.registry import get_task
from engine.tasks.saved import TASK_FILE, load_task

BATCH_SIZE = 32
PADDING = -100.0  # what `Trainer` pads logits of different lengths with; the tasks never read past a row's tokens
_CACHE = threading.Lock()


@dataclass
class TaskModel:
    """A model loaded with its task: what predictions and evaluations need, loaded once."""

    folder: Path
    task: Task
    setup: TaskSetup
    tokenization: Tokenization
    tokenizer: PreTrainedTokenizerBase
    model: PreTrainedModel


def load_task_model(folder: str | Path) -> TaskModel:
    """Load a model folder with its `task.json`, tokenizer and weights (safetensors only), ready to predict.

    Raises:
        MissingFileError: no `task.json` in the folder.
        StudioError: a damaged `task.json`, or an unknown task.
    """
    folder = Path(folder)
    saved = load_task(folder)
    task = get_task(saved.setup.task)
    with MODEL_LOADING:
        model = load_model(task, str(folder), saved.setup).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=remote_code_allowed())
    return TaskModel(folder, task, saved.setup, saved.tokenization, tokenizer, model)


@lru_cache(maxsize=2)  # one model to try and one to compare with, as the classifier cache keeps
def _cached(folder: str, stamp: int) -> TaskModel:
    return load_task_model(folder)


def task_model(reference: str, expected: str | None = None) -> TaskModel:
    """The model of a reference with its task, loaded at most once while its folder is unchanged.

    Args:
        expected: a task name the caller asks for (`--task`): the model's own must be the same.

    Raises:
        StudioError: a model without `task.json` (naming what to use instead), or one trained for another task
            than `expected` (naming both).
    """
    folder = task_folder(reference)
    if folder is None:
        raise StudioError(
            f"model {reference!r} carries no {TASK_FILE}, so its task is unknown: use a model trained in this studio "
            "(job:<id> or its folder); a text classifier from elsewhere works with the text-classification views"
        )
    with _CACHE:
        model = _cached(str(folder), (folder / TASK_FILE).stat().st_mtime_ns)
    check_task(reference, model.setup.task, expected)
    return model


def check_task(reference: str, actual: str, expected: str | None) -> None:
    """Refuse a model whose task is not the one asked for, naming both.

    Raises:
        StudioError: `expected` is given and differs from `actual`.
    """
    if expected and expected.strip() != actual:
        get_task(expected)  # an unknown name is told as such, with the known ones
        raise StudioError(f"task is {expected.strip()!r} but model {reference!r} was trained for {actual!r}")


def _padded(parts: list[np.ndarray]) -> np.ndarray:
    """Batches of logits joined along rows, shorter sequences padded as `Trainer` pads them."""
    shape = np.max([part.shape for part in parts], axis=0)
    joined = np.full((sum(len(part) for part in parts), *shape[1:]), PADDING, dtype=np.float32)
    row = 0
    for part in parts:
        joined[(slice(row, row + len(part)), *(slice(0, size) for size in part.shape[1:]))] = part
        row += len(part)
    return joined


def model_outputs(
    model: TaskModel,
    features: Dataset,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, int], None] | None = None,
) -> Outputs:
    """The model's outputs on every feature, as `Trainer.predict` returns them: logits, or start and end logits.

    Args:
        on_batch: called with (features done, features in all) after each batch.
    """
    names = [name for name in model.tokenizer.model_input_names if name in features.column_names]
    collate = model.task.collator(model.tokenizer)
    starts, ends, logits = [], [], []
    for first in range(0, len(features), batch_size):
        rows = features.select(range(first, min(first + batch_size, len(features))))
        batch = collate([{name: row[name] for name in names} for row in rows])
        with torch.inference_mode():
            output = model.model(**batch)
        if hasattr(output, "start_logits"):
            starts.append(output.start_logits.float().numpy())
            ends.append(output.end_logits.float().numpy())
        else:
            logits.append(output.logits.float().numpy())
        if on_batch:
            on_batch(min(first + batch_size, len(features)), len(features))
    return (_padded(starts), _padded(ends)) if starts else _padded(logits)
