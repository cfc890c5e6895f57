"""Tiny models of every task, trained once for a test session or module: `scratch:tiny`, three steps on the task's
bundled sample through the task protocol (tests/engine/tasks/trainer_run.py), saved with their `task.json`.

They predict near chance: tests built on them check the shape of results and their ties to the inputs, the setup
and the data, never that a model learnt (tests/engine/tasks/test_samples_learn.py does that).
"""

from pathlib import Path

from engine.tasks.base import Tokenization
from tests.engine.tasks.trainer_run import train_sample

SAMPLES = {
    "text-classification": "sentiment",
    "multi-label-classification": "tags",
    "regression": "similarity",
    "token-classification": "entities",
    "question-answering": "questions",
}
TOKENIZATION = Tokenization(max_length=64, stride=16)


def train_task_models(root: Path, tasks: tuple[str, ...] = tuple(SAMPLES)) -> dict[str, Path]:
    """task name -> a model folder (weights, tokenizer, task.json) under `root`."""
    folders = {}
    for task in tasks:
        folder = root / task
        train_sample(
            task, SAMPLES[task], folder / "run", max_steps=3, tokenization=TOKENIZATION, save_to=folder / "model"
        )
        folders[task] = folder / "model"
    return folders
