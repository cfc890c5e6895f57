"""The task a model was trained for, saved beside its weights as `task.json`: predictions read inputs as training did.

A model folder holds what `save_pretrained` writes plus `task.json`: the `TaskSetup` (task name, columns, label
names, options such as multi-label thresholds tuned on validation or a regression target's scale and range) and
the `Tokenization` (max_length, stride) the features were made with. A QA model must cut a long context into the
same windows it learnt from; a multi-label model must apply the thresholds it was calibrated with.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.common.errors import MissingFileError, StudioError
from engine.common.paths import atomic_file
from engine.tasks.base import TaskSetup, Tokenization

TASK_FILE = "task.json"
FORMAT = 1  # bumped when the file's layout changes, so an old studio refuses a file it cannot read


@dataclass(frozen=True)
class SavedTask:
    """What `task.json` holds: the setup and the tokenization a model was trained with."""

    setup: TaskSetup
    tokenization: Tokenization


def save_task(folder: str | Path, setup: TaskSetup, tokenization: Tokenization) -> Path:
    """Write `task.json` into a model folder (in one rename: a reader never sees half a file).

    Returns:
        The path of the file written.
    """
    path = Path(folder) / TASK_FILE
    data = {
        "format": FORMAT,
        "setup": setup.to_dict(),
        "tokenization": {"max_length": tokenization.max_length, "stride": tokenization.stride},
    }
    with atomic_file(path) as staging:
        staging.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_task(folder: str | Path) -> SavedTask:
    """Read `task.json` from a model folder.

    Raises:
        MissingFileError: the folder has no `task.json` (a model trained before tasks were saved, or not by the
            studio), saying what to do.
        StudioError: a file that is not valid JSON, of a newer format, or missing a field, naming it.
    """
    path = Path(folder) / TASK_FILE
    if not path.is_file():
        raise MissingFileError(
            f"no {TASK_FILE} in {folder}: the model was not trained by this studio's task engine, so its task, labels "
            "and windows are unknown; train it here, or predict with the text-classification Try tab"
        )
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StudioError(f"{path} is not valid JSON ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise StudioError(f"{path} has format {found!r}; this studio reads format {FORMAT}")
    try:
        setup = TaskSetup.from_dict(data["setup"])
        tokenization = Tokenization(**data["tokenization"])
    except (KeyError, TypeError) as error:
        raise StudioError(f"{path} lacks a field or has one of the wrong kind ({error})") from None
    return SavedTask(setup, tokenization)
