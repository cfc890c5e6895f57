"""Fixtures of the inference tests: tiny trained models of every task, once per session."""

from pathlib import Path

import pytest

from tests.engine.inference.trained_tasks import train_task_models


@pytest.fixture(scope="session")
def task_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """task name -> a folder holding a three-step `scratch:tiny` model of that task and its task.json."""
    return train_task_models(tmp_path_factory.mktemp("task-models"))
