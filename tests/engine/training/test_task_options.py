"""Each task's options as `TrainConfig` fields: checked by field and range, refused for another task, reaching the
task's setup (and question answering's windows), the reproduce command and the CLI; the form's table of roles."""

import inspect

import pytest

from engine.cli.main import build_parser, config_from_args
from engine.common.errors import StudioError
from engine.tasks.registry import TASKS
from engine.training.config import TrainConfig
from engine.training.data import prepare_training_data
from engine.training.plan import count_parameters, plan_training
from engine.training.reproduce import reproduce_command
from engine.training.task_settings import (
    ALL_ROLES,
    BEST_METRICS,
    CHARTED_METRICS,
    OPTION_DEFAULTS,
    TASK_OPTIONS,
    TASK_ROLES,
    config_values,
    guess_columns,
    roles_of,
    suggested_task,
)


def test_the_forms_table_of_roles_is_each_tasks_own():
    for name, task in TASKS.items():
        mirrored = [(s.role, s.defaults, s.description, s.optional) for s in TASK_ROLES[name]]
        assert mirrored == [(r.role, r.defaults, r.description, r.optional) for r in task.roles], name
    assert set(ALL_ROLES) == {role.role for task in TASKS.values() for role in task.roles}


def test_every_option_reaches_a_keyword_its_tasks_setup_takes():
    for name, options in TASK_OPTIONS.items():
        accepted = set(inspect.signature(TASKS[name].setup).parameters)
        assert {target for option, target in options.items() if option != "stride"} <= accepted, name
    assert set(OPTION_DEFAULTS) == {option for options in TASK_OPTIONS.values() for option in options}


def test_auto_shows_the_text_classification_roles_and_guesses_follow_the_hub_layouts():
    assert [spec.role for spec in roles_of("auto")] == ["text", "text_pair", "label"]
    assert guess_columns("token-classification", ["id", "tokens", "ner_tags"]) == {
        "tokens": "tokens",
        "tags": "ner_tags",
    }
    assert guess_columns("regression", ["sentence1", "sentence2", "score"])["label"] == "score"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"task": "multi-label-classification", "threshold": 1.0}, r"threshold must be in \(0, 1\), not 1.0"),
        ({"task": "multi-label-classification", "delimiter": ""}, "delimiter must be 1 to 5 characters"),
        ({"task": "token-classification", "scheme": "BILOU"}, "scheme must be one of IOB1, IOB2, BIOES, IOBES"),
        ({"task": "question-answering", "stride": 64}, r"stride must be a whole number in \[0, 63\]"),
        ({"task": "question-answering", "max_answer_length": 0}, r"max_answer_length must be .* in \[1, 128\]"),
        ({"task": "question-answering", "n_best": 101}, r"n_best must be a whole number in \[1, 100\]"),
        ({"task": "regression", "threshold": 0.3}, "threshold is an option of multi-label-.*, not of regression"),
        ({"task": "text-classification", "label_all_tokens": True}, "label_all_tokens is an option of token-"),
    ],
)  # fmt: skip
def test_a_bad_option_is_refused_naming_the_field_and_its_range_or_task(changes, message):
    with pytest.raises(StudioError, match=message):
        TrainConfig(dataset="d", model="m", **changes)


def test_an_inferred_tasks_foreign_option_is_refused_once_the_task_is_known():
    config = TrainConfig(dataset="sample:entities", model="scratch:tiny", task="auto", standardize=True)

    with pytest.raises(StudioError, match="standardize is an option of regression, not of token-classification"):
        prepare_training_data(config)


def test_token_classification_options_reach_the_setup():
    config = TrainConfig(
        dataset="sample:entities",
        model="scratch:tiny",
        task="token-classification",
        label_all_tokens=True,
        scheme="BIOES",
    )

    setup = prepare_training_data(config).setup

    assert setup.option("label_all_subwords") is True
    assert setup.option("scheme") == "IOBES"  # BIOES is IOBES by another name


def test_multi_label_options_reach_the_setup_and_switching_tuning_off_keeps_the_one_threshold():
    config = TrainConfig(
        dataset="sample:tags",
        model="scratch:tiny",
        task="multi-label-classification",
        threshold=0.3,
        tune_thresholds=False,
    )
    data = prepare_training_data(config)

    assert (data.setup.option("threshold"), data.setup.option("tune_thresholds")) == (0.3, False)
    assert data.task.calibrate(data.setup, None, None, None) is data.setup  # nothing tuned, nothing read


def test_regression_standardize_keeps_the_targets_scale_to_map_predictions_back():
    config = TrainConfig(dataset="sample:similarity", model="scratch:tiny", task="regression", standardize=True)

    setup = prepare_training_data(config).setup

    assert setup.option("standardize") is True and setup.option("std") > 0
    assert 0 <= setup.option("mean") <= 5  # similarity scores from 0 to 5


def test_question_answering_span_options_reach_the_setup():
    config = TrainConfig(
        dataset="sample:questions", model="scratch:tiny", task="question-answering", max_answer_length=12, n_best=5
    )

    setup = prepare_training_data(config).setup

    assert (setup.option("max_answer_length"), setup.option("n_best")) == (12, 5)


def test_the_cli_takes_every_option_and_the_command_reads_back_the_same():
    arguments = ["train", "--dataset", "sample:questions", "--model", "scratch:tiny", "--task", "question-answering"]
    arguments += ["--stride", "16", "--max-answer-length", "20", "--n-best", "7"]

    config = config_from_args(build_parser().parse_args(arguments))
    command = reproduce_command(config, "out").split()[3:-2]  # past `python -m engine`, before `--output-dir out`

    assert (config.stride, config.max_answer_length, config.n_best) == (16, 20, 7)
    assert config_from_args(build_parser().parse_args(command)) == config


def test_tuning_off_is_written_as_its_negative_flag_and_read_back():
    arguments = [
        "train",
        "--dataset",
        "sample:tags",
        "--model",
        "scratch:tiny",
        "--task",
        "multi-label-classification",
    ]
    config = config_from_args(build_parser().parse_args([*arguments, "--no-tune-thresholds", "--threshold", "0.4"]))

    command = reproduce_command(config, "out")

    assert "--no-tune-thresholds" in command and "--threshold 0.4" in command
    assert "--tune-thresholds" not in reproduce_command(TrainConfig(dataset="d", model="m"), "out")


@pytest.mark.parametrize(
    ("task", "sample"),
    [("token-classification", "entities"), ("question-answering", "questions"), ("regression", "similarity")],
)
def test_the_parameter_count_is_the_real_model_with_the_tasks_head(task, sample):
    data = prepare_training_data(TrainConfig(dataset=f"sample:{sample}", model="scratch:tiny", task=task))

    counted, architecture = count_parameters(TrainConfig(dataset="d", model="scratch:tiny"), 0, data.task, data.setup)

    real = data.task.model_class.from_config(architecture)
    assert counted == sum(p.numel() for p in real.parameters())
    head = {"token-classification": "classifier", "question-answering": "qa_outputs", "regression": "classifier"}[task]
    outputs = {"token-classification": len(data.setup.labels), "question-answering": 2, "regression": 1}[task]
    assert getattr(real, head).out_features == outputs  # start and end for QA, one per tag, one value


def test_a_question_answering_plan_counts_windows_not_rows():
    config = TrainConfig(
        dataset="sample:questions", model="scratch:tiny", task="question-answering", max_length=64, stride=8, epochs=1
    )

    plan = plan_training(config)

    assert plan.train_windows is not None and plan.train_windows > plan.train_rows
    assert plan.steps == -(-plan.train_windows // config.batch_size)
    assert f"{plan.train_rows:,} training rows ({plan.train_windows:,} windows)" in plan.summary()


def test_the_default_best_metric_of_each_task_is_its_own():
    assert BEST_METRICS == {name: task.best_metric for name, task in TASKS.items()}
    assert all(set(CHARTED_METRICS[name]) <= set(task.metric_names) for name, task in TASKS.items())


FORM = {
    "task": "token-classification",
    "dataset": "sample:entities",
    "model": "scratch:tiny",
    "text_column": "text",  # a guess left in a hidden picker
    "text_pair_column": None,
    "label_column": "label",
    **{f"{role}_column": None for role in ("labels", "question", "context", "answers", "id")},
    "tokens_column": "tokens",
    "tags_column": "ner_tags",
    "threshold": 0.5,  # a hidden option of another task, at the page's value
    "tune_thresholds": False,
    "delimiter": None,
    "standardize": True,
    "label_all_tokens": True,
    "scheme": "IOB2",
    "stride": None,
    "max_answer_length": 30,
    "n_best": 20,
}


def test_a_form_sends_only_its_tasks_columns_and_options():
    config = TrainConfig(**config_values(FORM))

    assert config.columns == {"tokens": "tokens", "tags": "ner_tags"}
    assert (config.text_column, config.label_column) == (None, None)
    assert (config.label_all_tokens, config.scheme) == (True, "IOB2")
    assert (config.threshold, config.tune_thresholds, config.standardize, config.max_answer_length) == (
        None,
        True,
        False,
        None,
    )


def test_a_form_left_to_auto_sends_the_text_classification_columns_as_before():
    config = TrainConfig(**config_values(FORM | {"task": "auto", "dataset": "sample:sentiment"}))

    assert (config.task, config.text_column, config.label_column, config.columns) == ("auto", "text", "label", None)
    assert config.label_all_tokens is False


@pytest.mark.parametrize(("sample", "task"), [("entities", "token-classification"), ("similarity", "regression")])
def test_the_task_suggested_for_a_dataset_is_the_one_inferred_from_its_columns(sample, task):
    assert suggested_task(f"sample:{sample}") == task


def test_the_run_evaluates_features_in_their_own_order_while_training_in_length_groups(tiny_csv_folder, tmp_path):
    # Tasks read a prediction's feature by position (QA offsets, word ids); Trainer's length-grouped evaluation
    # handed back predictions in another order.
    from datasets import Dataset
    from torch.utils.data import SequentialSampler
    from transformers import AutoModelForSequenceClassification, BertConfig

    from engine.training.recipe import training_arguments
    from engine.training.run import StudioTrainer

    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", epochs=1, learning_rate=1e-3)
    arguments = training_arguments(config, tmp_path, total_steps=1)
    model = AutoModelForSequenceClassification.from_config(
        BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    )
    features = Dataset.from_dict({"input_ids": [[1] * n for n in (3, 9, 1, 7, 2, 8)], "label": [0, 1, 0, 1, 0, 1]})
    trainer = StudioTrainer(model=model, args=arguments, train_dataset=features, eval_dataset=features)

    assert arguments.train_sampling_strategy == "group_by_length"
    assert isinstance(trainer._get_eval_sampler(features), SequentialSampler)
    assert list(trainer._get_eval_sampler(features)) == list(range(6))
