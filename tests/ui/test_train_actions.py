"""ui.train_actions: the Train form is one table; its names are TrainConfig fields and the endpoint's parameters."""

import dataclasses

import pytest

import app
from engine.training.config import TrainConfig
from ui.train_actions import TRAIN_FORM, train_config

# The public order of /start_training and /plan_training (README.md's example calls them positionally).
PUBLIC_ORDER = (
    "dataset", "dataset_config", "text_column", "text_pair_column", "label_column", "model", "epochs", "batch_size",
    "learning_rate", "max_length", "seed", "name", "scheduler", "warmup_ratio", "weight_decay",
    "gradient_accumulation_steps", "max_grad_norm", "eval_strategy", "eval_steps", "load_best_model_at_end",
    "metric_for_best_model", "early_stopping_patience", "precision", "auto_find_batch_size", "gradient_checkpointing",
)  # fmt: skip
# What the page sends by default (the form's initial values), in the public order.
PAGE_DEFAULTS = (
    "sample:sentiment", "", "", "", "", "scratch:small", None, 16, None, 128, 42, "", "linear", 0.1, 0.01, 1, 1.0,
    "epoch", 0, False, "f1", 0, "auto", False, False,
)  # fmt: skip


@pytest.fixture(scope="module")
def api_info() -> dict:
    return app.build_demo().get_api_info()["named_endpoints"]


def test_the_form_keeps_the_public_order():
    assert TRAIN_FORM.names == PUBLIC_ORDER


def test_every_field_names_the_train_config_setting_it_sets():
    settings = {field.name for field in dataclasses.fields(TrainConfig)}

    assert set(TRAIN_FORM.names) <= settings


@pytest.mark.parametrize("endpoint", ["/start_training", "/plan_training"])
def test_the_endpoints_parameters_are_the_forms_names_in_order(api_info, endpoint):
    names = tuple(parameter["parameter_name"] for parameter in api_info[endpoint]["parameters"])

    # Then the browser's owner key (`ui.owner`), last and optional: positional callers of the form are unaffected.
    assert names == (*TRAIN_FORM.names, "owner_key") if endpoint == "/start_training" else TRAIN_FORM.names


def test_each_float_reaches_the_setting_of_its_own_name():
    # Adjacent floats once swapped silently when the form and the config were two positional lists.
    values = dict(zip(PUBLIC_ORDER, PAGE_DEFAULTS, strict=True))
    values |= {"epochs": 3.5, "learning_rate": 3e-4, "warmup_ratio": 0.2, "weight_decay": 0.05, "max_grad_norm": 0.7}

    config = train_config(TRAIN_FORM.values(*values.values()))

    assert (config.epochs, config.learning_rate) == (3.5, 3e-4)
    assert (config.warmup_ratio, config.weight_decay, config.max_grad_norm) == (0.2, 0.05, 0.7)


def test_empty_fields_mean_the_defaults_and_eval_steps_counts_only_with_steps():
    config = train_config(TRAIN_FORM.values(*PAGE_DEFAULTS))

    assert config.epochs is None and config.learning_rate is None and config.dataset_config is None
    assert config.name is None and config.eval_steps is None and config.early_stopping_patience is None
    steps = dict(zip(PUBLIC_ORDER, PAGE_DEFAULTS, strict=True)) | {"eval_strategy": "steps", "eval_steps": 50.0}
    assert train_config(TRAIN_FORM.values(*steps.values())).eval_steps == 50
