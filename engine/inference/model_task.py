"""Which task a model reference was trained for, read without loading it (nor torch): the Try tab asks this on
every model change to show that task's views.

A model folder made by the studio holds `task.json` (engine/tasks/saved.py). A reference without one (a Hub
classifier, a folder saved elsewhere, a `scratch:` model) has no task here: the text-classification paths
(`engine.inference.predict`, `evaluation`) serve it, as they did before tasks existed.
"""

import json
from pathlib import Path

from engine.models.loading import bundled_corpus, resolve_model
from engine.models.refs import JOB, LOCAL, parse_model_ref

TASK_FILE = "task.json"  # engine.tasks.saved.TASK_FILE, which imports transformers: the page must not at start


def task_folder(reference: str) -> Path | None:
    """The folder of a `job:<id>` or local model that carries a `task.json`; None for any other model.

    Raises:
        StudioError: a malformed reference, a job without a model, a missing folder (see `parse_model_ref`).
    """
    ref = parse_model_ref(reference)
    if ref.kind not in (JOB, LOCAL):
        return None
    folder = Path(resolve_model(ref, bundled_corpus, weights=False))
    return folder if (folder / TASK_FILE).is_file() else None


def saved_setup(reference: str) -> dict | None:
    """The setup in a model's `task.json` as plain data (`task`, `columns`, `labels`, `options`), or None when it
    carries no readable one (the full check of the file, with its messages, is `engine.tasks.saved.load_task`'s,
    when the model is loaded)."""
    folder = task_folder(reference)
    if folder is None:
        return None
    try:
        setup = json.loads((folder / TASK_FILE).read_text(encoding="utf-8"))["setup"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(setup, dict) or not isinstance(setup.get("task"), str):
        return None
    return setup


def task_of(reference: str) -> str | None:
    """The task a model reference was trained for, or None when it carries no readable `task.json`."""
    setup = saved_setup(reference)
    return setup["task"] if setup else None
