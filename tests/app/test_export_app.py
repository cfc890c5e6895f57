"""The Train tab's run export through `gradio_client`: the `/export_run` zip, the `/reproducing_python` script and a
`config.yaml` imported into the form by `/import_config`, against a launched app."""

import zipfile
from pathlib import Path

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from engine.jobs.store import JobStore
from engine.training.config import TrainConfig
from engine.training.config_file import read_config, write_config
from tests.app.launch import LaunchedStudio, StudioClient
from ui.train_actions import TRAIN_FORM, train_config

# Settings away from every default, so that a field the import forgot to fill would show.
RUN = TrainConfig(
    dataset="sample:sentiment",
    model="scratch:tiny",
    epochs=2.0,
    batch_size=8,
    learning_rate=0.00031,
    max_length=48,
    seed=5,
    name="exported",
    scheduler="cosine",
    warmup_ratio=0.2,
    weight_decay=0.03,
    gradient_accumulation_steps=2,
    max_grad_norm=0.5,
    eval_strategy="steps",
    eval_steps=7,
    load_best_model_at_end=True,
    metric_for_best_model="accuracy",
    early_stopping_patience=2,
    precision="fp32",
    auto_find_batch_size=True,
    gradient_checkpointing=True,
)


@pytest.fixture(scope="module")
def finished_job(studio: LaunchedStudio) -> int:
    """A finished job of `RUN` (marked completed: the queue must not train it while the tests read it)."""
    store = JobStore(studio.database)
    job = store.create(RUN.to_dict())
    store.claim_next("cpu", 1)
    store.mark_completed(job.id, {"accuracy": 0.75, "f1": 0.7}, expected=("running",))
    return job.id


@pytest.fixture
def exported_folder(client: StudioClient, finished_job: int, tmp_path: Path) -> Path:
    archive = client.predict(finished_job, api_name="/export_run")
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(tmp_path)
    return tmp_path / f"job-{finished_job}"


def test_the_export_endpoint_returns_a_zip_with_the_settings_the_script_the_pins_and_the_readme(
    exported_folder: Path, finished_job: int
):
    names = {str(path.relative_to(exported_folder)) for path in exported_folder.rglob("*") if path.is_file()}

    assert {"config.yaml", "train.py", "requirements.txt", "README.md", "model/model.safetensors"} <= names
    assert read_config(exported_folder / "config.yaml") == RUN
    assert f"Job {finished_job} (exported)" in (exported_folder / "README.md").read_text()


def test_an_exported_config_imported_into_the_form_gives_an_identical_config(
    client: StudioClient, exported_folder: Path
):
    *values, note = client.predict(handle_file(exported_folder / "config.yaml"), api_name="/import_config")

    assert train_config(TRAIN_FORM.values(*values)) == RUN
    assert "Filled the form from `config.yaml`" in note
    assert "Not in this form" not in note  # a text-classification run: every setting it gives has a field


def test_a_config_with_unknown_keys_is_refused_naming_every_one(client: StudioClient, tmp_path: Path):
    path = tmp_path / "mine.yaml"
    path.write_text("dataset: sample:sentiment\nmodel: scratch:tiny\nlr: 0.1\noptimizer: adam\n")

    with pytest.raises(AppError, match="mine.yaml: unknown settings 'lr', 'optimizer'"):
        client.predict(handle_file(path), api_name="/import_config")


def test_a_setting_the_form_has_no_field_for_is_named_in_the_note(client: StudioClient, tmp_path: Path):
    path = tmp_path / "entities.yaml"
    path.write_text("dataset: sample:entities\nmodel: scratch:tiny\ntask: token-classification\nepochs: 1\n")

    *values, note = client.predict(handle_file(path), api_name="/import_config")

    assert values[TRAIN_FORM.names.index("dataset")] == "sample:entities"
    assert values[TRAIN_FORM.names.index("epochs")] == "1.0"
    if "task" not in TRAIN_FORM.names:
        assert "Not in this form, so not filled:** task = 'token-classification'" in note


def test_the_reproducing_python_is_the_exported_train_py(client: StudioClient, finished_job: int, exported_folder):
    script = client.predict(finished_job, api_name="/reproducing_python")

    assert script == (exported_folder / "train.py").read_text()
    assert "'learning_rate': 0.00031" in script and "import engine" not in script


def test_exporting_without_a_job_says_to_pick_one(client: StudioClient):
    with pytest.raises(AppError, match="pick a job to export first"):
        client.predict(None, api_name="/export_run")


@pytest.mark.parametrize(
    "run",
    [
        TrainConfig(
            dataset="sample:entities",
            model="scratch:tiny",
            task="token-classification",
            columns={"tokens": "tokens", "tags": "ner_tags"},
            label_all_tokens=True,
            scheme="IOB2",
            epochs=1.0,
        ),
        TrainConfig(
            dataset="sample:questions",
            model="scratch:tiny",
            task="question-answering",
            stride=24,
            max_answer_length=20,
            max_length=96,
        ),
        TrainConfig(dataset="sample:tags", model="scratch:tiny", task="auto", seed=3),
    ],
    ids=["token-classification", "question-answering", "auto"],
)
def test_a_task_config_with_its_columns_and_options_comes_back_identical_through_the_form(
    client: StudioClient, tmp_path: Path, run: TrainConfig
):
    """The form holds a task's column boxes and options (not `columns` itself): the import fills them from it."""
    path = write_config(run, tmp_path / "config.yaml")

    *values, note = client.predict(handle_file(path), api_name="/import_config")

    assert train_config(TRAIN_FORM.values(*values)) == run
    assert "Not in this form" not in note
