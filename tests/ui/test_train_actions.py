"""ui.train_actions: the Train form is one table; its names are TrainConfig fields and the endpoint's parameters."""

import dataclasses

import gradio as gr
import pytest

import app
from engine.common.access import OPERATOR
from engine.common.errors import StudioError
from engine.jobs.store import Job, JobStore
from engine.training.config import TrainConfig
from engine.training.task_settings import ALL_ROLES, suggested_task
from ui import train_actions
from ui.train_actions import TRAIN_FORM, train_config

# The public order of /start_training and /plan_training (README.md's example calls them positionally).
PUBLIC_ORDER = (
    "dataset", "dataset_config", "text_column", "text_pair_column", "label_column", "model", "epochs", "batch_size",
    "learning_rate", "max_length", "seed", "name", "scheduler", "warmup_ratio", "weight_decay",
    "gradient_accumulation_steps", "max_grad_norm", "eval_strategy", "eval_steps", "load_best_model_at_end",
    "metric_for_best_model", "early_stopping_patience", "precision", "auto_find_batch_size", "gradient_checkpointing",
    "task", "labels_column", "tokens_column", "tags_column", "question_column", "context_column", "answers_column",
    "id_column", "threshold", "tune_thresholds", "delimiter", "standardize", "label_all_tokens", "scheme", "stride",
    "max_answer_length", "n_best",
)  # fmt: skip
# What the page sends by default (the form's initial values), in the public order.
PAGE_DEFAULTS = (
    "sample:sentiment", "", "text", "", "label", "scratch:small", "", 16, "", 128, 42, "", "linear", 0.1, 0.01, 1,
    1.0, "epoch", 0, False, "f1", 0, "auto", False, False,
    "text-classification", "label", "", "", "", "", "", "", 0.5, True, "", False, False, "auto", "", 30, 20,
)  # fmt: skip


@pytest.fixture(scope="module")
def api_info() -> dict:
    return app.build_demo().get_api_info()["named_endpoints"]


def test_the_form_keeps_the_public_order():
    assert TRAIN_FORM.names == PUBLIC_ORDER


def test_every_field_names_the_train_config_setting_it_sets_or_a_task_roles_column():
    settings = {field.name for field in dataclasses.fields(TrainConfig)}
    role_columns = {f"{role}_column" for role in train_actions.TASK_ROLE_COLUMNS}  # gathered into `columns`

    assert set(TRAIN_FORM.names) <= settings | role_columns


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


def _form(**changes) -> tuple:
    return tuple((dict(zip(PUBLIC_ORDER, PAGE_DEFAULTS, strict=True)) | changes).values())


def test_the_page_defaults_train_the_sample_with_its_own_columns():
    config = train_config(TRAIN_FORM.values(*PAGE_DEFAULTS))

    assert (config.text_column, config.label_column, config.batch_size, config.seed) == ("text", "label", 16, 42)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("batch_size", 0, "Batch size: 0 is out of range; type a whole number from 1 to 4096"),
        ("batch_size", 5000, "Batch size: 5000 is out of range; type a whole number from 1 to 4096"),
        ("batch_size", 2.5, "Batch size: 2.5 is not a whole number; type a whole number from 1 to 4096"),
        ("max_length", 4, "Max length: 4 is out of range; type a whole number from 8 to 8192"),
        ("seed", -1, "Seed: -1 is out of range; type a whole number of at least 0"),
        ("seed", 2**32, "seed must be a whole number in [0, 4294967295], not 4294967296"),
        (
            "gradient_accumulation_steps",
            0,
            "Gradient accumulation: 0 is out of range; type a whole number from 1 to 1024",
        ),
        ("epochs", 0, "epochs must be in (0, 1000], not 0.0"),
    ],
)
def test_a_number_out_of_range_is_refused_naming_the_box_and_its_range(field, value, message):
    with pytest.raises(StudioError) as refused:
        train_actions.plan.__wrapped__(*_form(**{field: value}))

    assert str(refused.value) == message


def test_empty_numbers_mean_the_defaults():
    form = TRAIN_FORM.values(*_form(batch_size=None, max_length=None, seed=None, learning_rate=None, epochs=None))

    assert (form["batch_size"], form["max_length"], form["seed"]) == (16, 128, 42)
    assert (form["learning_rate"], form["epochs"]) == (None, None)


def test_evaluating_every_steps_without_a_number_names_the_box():
    with pytest.raises(StudioError, match="Eval steps"):
        train_config(TRAIN_FORM.values(*_form(eval_strategy="steps", eval_steps=None)))
    with pytest.raises(StudioError, match="Eval steps: 0 is out of range; type a whole number of at least 1"):
        train_config(TRAIN_FORM.values(*_form(eval_strategy="steps", eval_steps=0)))


def test_epochs_and_learning_rate_are_text_boxes_where_empty_means_the_default():
    form = TRAIN_FORM.values(*_form(epochs=" 2.5 ", learning_rate="5e-5"))
    assert (form["epochs"], form["learning_rate"]) == (2.5, 5e-5)
    assert TRAIN_FORM.values(*_form(epochs=3, learning_rate=None))["epochs"] == 3.0  # a script's numbers work too
    with pytest.raises(StudioError, match=r"^Learning rate: 'fast' is not a number"):
        TRAIN_FORM.values(*_form(learning_rate="fast"))


def test_the_page_has_no_minimum_or_maximum_whose_generic_message_would_reach_the_user(api_info):
    for endpoint in ("/start_training", "/plan_training", "/run_pipeline"):
        for parameter in api_info[endpoint]["parameters"]:
            schema = parameter.get("type") or {}
            assert "minimum" not in schema and "maximum" not in schema, (endpoint, parameter["parameter_name"])


GOVERNED = dict(zip(train_actions.PRESET_FIELDS, ("4", "0.001", "linear", False, 0), strict=True))


def test_a_preset_fills_its_fields_and_custom_puts_back_what_the_user_had():
    *fields, note, saved = train_actions.preset_fields("thorough", "scratch:tiny", None, *GOVERNED.values())

    assert fields == ["20", "", "cosine", True, 3]  # None: the model's own learning rate, an empty box
    assert "Twice the usual epochs" in note
    assert saved == GOVERNED
    # Another preset keeps what the form held before the first one.
    *_, saved_again = train_actions.preset_fields("quick demo", "scratch:tiny", saved, *fields)
    assert saved_again == GOVERNED

    *restored, note, cleared = train_actions.preset_fields("custom", "scratch:tiny", saved_again, *fields)

    assert restored == list(GOVERNED.values())
    assert (note, cleared) == ("Your own settings.", None)


def test_custom_without_a_remembered_form_gives_the_defaults():
    *restored, _, _ = train_actions.preset_fields("custom", "scratch:tiny", None, "20", "", "cosine", True, 3)

    assert restored == ["", "", "linear", False, 0]


def test_the_estimate_after_a_preset_says_what_the_run_takes_or_why_not_yet():
    assert "updates" in train_actions.refresh_plan(*_form(model="scratch:tiny", epochs=1))
    assert train_actions.refresh_plan(*_form(batch_size=0)).startswith("**Not estimated yet:** Batch size: 0 is out")


def test_picking_another_job_empties_every_job_panel_at_once():
    status, bar, loss, metrics, log, details, command, difference = train_actions.cleared_job_panels()

    assert (status, bar, log, details, command) == ("", "", "", {}, "")
    assert difference.empty and list(difference.columns) == train_actions.DIFF_COLUMNS
    assert loss is not None and metrics is not None  # the empty charts, with what will appear there


def test_the_job_details_show_the_one_reproduction_the_cli_shows(store: JobStore):
    job = store.create({"dataset": "sample:topics", "model": "scratch:tiny"})

    shown = train_actions.poll_jobs.__wrapped__(job.id)[6]

    from engine.cli.main import _reproduce

    assert _reproduce(job) in shown and "accelerate launch" in shown


def test_the_first_datasets_task_written_in_the_tab_is_the_one_its_columns_suggest():
    from ui.train_tab import FIRST_DATASET, FIRST_TASK

    assert suggested_task(FIRST_DATASET) == FIRST_TASK


def _shaped(task: str, dataset: str, metric: str = "f1", columns: dict | None = None) -> dict:
    """`task_fields`'s updates by what they update: each role's picker, the note, the metric and the option rows."""
    current = [(columns or {}).get(role, "") for role in ALL_ROLES]
    updates = train_actions.task_fields(task, dataset, "", metric, *current)
    count = len(ALL_ROLES)
    return {
        "roles": dict(zip(ALL_ROLES, updates[:count], strict=True)),
        "metric": updates[count + 1],
        "rows": updates[count + 2 :],
    }


def test_token_classification_shows_the_words_and_tags_pickers_filled_and_its_own_metrics():
    shaped = _shaped("token-classification", "sample:entities", columns={"text": "text"})

    shown = {role: update["value"] for role, update in shaped["roles"].items() if update["visible"]}
    assert shown == {"tokens": "tokens", "tags": "ner_tags"}
    assert shaped["roles"]["tags"]["info"] == "one tag per word, as a list"
    assert shaped["metric"]["choices"] == ["precision", "recall", "f1", "accuracy", "loss"]
    assert [row["visible"] for row in shaped["rows"]] == [False, False, True, False]  # its options' row only


def test_regression_reads_the_score_and_keep_best_defaults_to_rmse():
    shaped = _shaped("regression", "sample:similarity", metric="f1")

    shown = {role: update["value"] for role, update in shaped["roles"].items() if update["visible"]}
    assert shown == {"text": "sentence1", "text_pair": "sentence2", "label": "score"}
    assert shaped["metric"]["value"] == "rmse"


def test_a_dataset_that_cannot_be_read_keeps_the_task_shown():
    assert train_actions.suggest_task("no/such/folder/at/all", "") == gr.skip()


def test_the_page_sends_a_token_classification_run_with_its_columns_and_options_only():
    values = dict(zip(PUBLIC_ORDER, PAGE_DEFAULTS, strict=True)) | {"dataset": "sample:entities"}
    values |= {"task": "token-classification", "tokens_column": "tokens", "tags_column": "ner_tags"}
    values |= {"label_all_tokens": True, "scheme": "IOB2", "threshold": 0.5}

    config = train_config(TRAIN_FORM.values(*values.values()))

    assert (config.task, config.columns, config.text_column, config.label_column) == (
        "token-classification",
        {"tokens": "tokens", "tags": "ner_tags"},
        None,
        None,
    )
    assert (config.label_all_tokens, config.scheme, config.threshold, config.max_answer_length) == (
        True,
        "IOB2",
        None,
        None,
    )


def _finished(task: str, metrics: dict) -> Job:
    return Job(id=7, created_at=0, updated_at=0, status="completed", config={"task": task}, metrics=metrics)


def test_a_finished_job_names_its_tasks_scores_the_leading_one_first():
    entities = _finished("token-classification", {"loss": 0.7, "precision": 0.78, "recall": 0.65, "f1": 0.707})
    similarity = _finished("regression", {"loss": 0.9, "mse": 0.9, "rmse": 0.949, "pearson": 0.41})

    assert train_actions._scores_text(entities) == (
        "**Validation F1 (entities) 0.707** (precision (entities) 0.780, recall (entities) 0.650)."
    )
    assert train_actions._scores_text(similarity).startswith("**Validation RMSE (root mean squared error) 0.949** (")
    assert train_actions._scores_text(_finished("text-classification", {"accuracy": 0.9, "f1": 0.8})).startswith(
        "**Validation accuracy 0.900**, macro F1 0.800"
    )


def test_the_jobs_table_names_each_jobs_task_and_its_leading_score(store: JobStore):
    job = store.create({"dataset": "sample:similarity", "model": "scratch:tiny", "task": "regression"})
    store.mark_completed(job.id, {"loss": 0.9, "mse": 0.9, "rmse": 0.94868, "pearson": 0.41}, expected=("queued",))
    older = store.create({"dataset": "sample:topics", "model": "scratch:tiny"})  # a row of before there were tasks

    table = train_actions._jobs_table(store, OPERATOR).set_index("job")

    assert table.loc[job.id, ["task", "score", "f1"]].tolist() == ["regression", "rmse 0.9487", None]
    assert table.loc[older.id, ["task", "score"]].tolist() == ["text-classification", ""]
