"""Each task trains through a plain `transformers.Trainer` built from its protocol alone, on its bundled sample."""

import math

import pytest

from engine.tasks.base import Tokenization
from engine.tasks.registry import get_task
from tests.engine.tasks.trainer_run import train_sample


@pytest.mark.parametrize(
    ("task_name", "sample"),
    [
        ("text-classification", "sentiment"),
        ("multi-label-classification", "tags"),
        ("regression", "similarity"),
        ("token-classification", "entities"),
        ("question-answering", "questions"),
    ],
)
def test_a_few_steps_of_scratch_tiny_give_well_formed_metrics_report_and_predictions(tmp_path, task_name, sample):
    run = train_sample(task_name, sample, tmp_path, max_steps=3, tokenization=Tokenization(max_length=64, stride=16))
    task = get_task(task_name)
    for metrics in (run.before, run.after):
        assert set(task.metric_names) <= {key.removeprefix("eval_") for key in metrics}
        assert all(math.isfinite(metrics[f"eval_{name}"]) for name in task.metric_names)
    assert set(run.report.metrics) == set(task.metric_names)
    assert all(math.isfinite(value) for value in run.report.metrics.values())
    assert len(run.predictions) == len(run.examples)
    assert run.setup.to_dict()["task"] == task_name
