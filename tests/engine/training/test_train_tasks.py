"""The run's task: chosen or inferred, its columns by role, its metrics and keep-best default, checked before a run."""

import pytest

from engine.common.errors import StudioError
from engine.tasks.registry import TASKS
from engine.training.config import TASK_METRICS, TrainConfig
from engine.training.data import prepare_training_data
from engine.training.recipe import best_model_metric
from engine.training.reproduce import train_arguments

SAMPLE_TASKS = {
    "sentiment": "text-classification",
    "tags": "multi-label-classification",
    "similarity": "regression",
    "entities": "token-classification",
    "questions": "question-answering",
}


def test_the_configs_table_of_task_metrics_is_the_registrys():
    assert TASK_METRICS == {name: task.metric_names for name, task in TASKS.items()}


def test_an_old_config_without_a_task_trains_text_classification():
    config = TrainConfig.from_dict({"dataset": "sample:sentiment", "model": "scratch:tiny"})

    assert config.task == "text-classification"


@pytest.mark.parametrize("sample", list(SAMPLE_TASKS))
def test_a_task_left_to_the_data_is_inferred_from_each_samples_columns(sample, studio_data_dir):
    data = prepare_training_data(TrainConfig(dataset=f"sample:{sample}", model="scratch:tiny", task="auto"))

    assert data.task.name == SAMPLE_TASKS[sample]
    assert {"train", "validation"} <= set(data.splits)


def test_text_and_label_fields_are_the_text_classification_roles_beside_columns():
    config = TrainConfig(dataset="d", model="m", text_column="review", columns={"label": "stars"})

    assert config.task_columns() == {"text": "review", "label": "stars"}
    with pytest.raises(StudioError, match="the label column is named twice: 'stars' and 'rating'"):
        TrainConfig(dataset="d", model="m", label_column="stars", columns={"label": "rating"})


def test_an_unknown_task_or_a_metric_of_another_task_is_refused_naming_the_choices():
    with pytest.raises(StudioError, match="task must be one of text-classification, multi-label"):
        TrainConfig(dataset="d", model="m", task="summarization")
    with pytest.raises(StudioError, match="metric_for_best_model must be one of mse, rmse, mae, pearson"):
        TrainConfig(dataset="d", model="m", task="regression", metric_for_best_model="f1")


@pytest.mark.parametrize(
    ("task", "metric", "expected"),
    [
        ("regression", None, ("rmse", False)),
        ("regression", "pearson", ("pearson", True)),
        ("regression", "mae", ("mae", False)),
        ("text-classification", None, ("f1", True)),
        ("question-answering", "loss", ("loss", False)),
    ],
)
def test_keep_best_watches_the_tasks_own_metric_unless_one_is_named(task, metric, expected):
    config = TrainConfig(dataset="d", model="m", task=task, metric_for_best_model=metric)

    assert best_model_metric(config, TASKS[task]) == expected


def test_the_reproduce_command_names_the_task_and_each_role_column():
    config = TrainConfig(
        dataset="d", model="m", task="token-classification", columns={"tokens": "words", "tags": "ner"}
    )

    arguments = train_arguments(config)

    assert arguments[arguments.index("--task") + 1] == "token-classification"
    assert [arguments[i + 1] for i, flag in enumerate(arguments) if flag == "--column"] == ["tokens=words", "tags=ner"]


def test_only_a_task_that_tunes_on_validation_pays_a_last_prediction_pass():
    # run.train's last pass over validation tunes something (multi-label thresholds) only when `calibrates`
    from engine.tasks.registry import get_task, task_names

    assert [name for name in task_names() if get_task(name).calibrates] == ["multi-label-classification"]
