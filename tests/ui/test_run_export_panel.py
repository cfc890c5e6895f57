"""ui.run_export_panel: who may export a job, and a config shown in the Train form's components."""

import gradio as gr
import pytest

from engine.common.access import Requester
from engine.jobs.store import JobStore
from engine.training.config import TrainConfig
from ui import run_export_panel
from ui.run_export_panel import export_job_zip, form_values, not_in_form, reproducing_python

OWNER_KEY = "k" * 40
RUN = TrainConfig(dataset="sample:sentiment", model="scratch:tiny", epochs=1.0, learning_rate=0.00012345678, seed=3)


@pytest.fixture
def someone_elses_job(store: JobStore, monkeypatch) -> int:
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "data-dir")  # a shared server: paths are private to their owner
    return store.create(RUN.to_dict(), owner=Requester(browser_key=OWNER_KEY).owner).id


def test_another_visitor_cannot_export_a_job_on_a_shared_server(someone_elses_job):
    with pytest.raises(gr.Error, match="started by someone else"):
        export_job_zip(someone_elses_job, "o" * 40)


def test_its_owner_exports_it(someone_elses_job):
    assert export_job_zip(someone_elses_job, OWNER_KEY).endswith(".zip")


def test_another_visitor_sees_the_python_with_server_paths_cut(someone_elses_job, monkeypatch):
    monkeypatch.setattr(run_export_panel, "reproducing_script", lambda job: f"data = '{job.config['dataset']}'\n")
    monkeypatch.setattr(run_export_panel, "hide_server_paths", lambda text: text.replace("sample:", "…/"))

    assert reproducing_python(someone_elses_job, OWNER_KEY) == "data = 'sample:sentiment'\n"
    assert reproducing_python(someone_elses_job, "o" * 40) == "data = '…/sentiment'\n"


def test_a_run_that_cannot_be_exported_shows_why_where_the_code_goes(store: JobStore):
    job = store.create(TrainConfig(dataset="sample:nothing", model="scratch:tiny").to_dict())

    shown = reproducing_python(job.id)

    assert shown.startswith(f"# no standalone train.py for job {job.id}: ") and "unknown sample 'nothing'" in shown


def test_a_config_fills_text_boxes_in_full_numbers_and_choices_as_they_are():
    with gr.Blocks():
        form = [gr.Textbox(), gr.Textbox(), gr.Number(), gr.Dropdown(), gr.Textbox()]
    names = ("epochs", "learning_rate", "early_stopping_patience", "metric_for_best_model", "dataset_config")

    assert form_values(RUN, names, form) == ["1.0", "0.00012345678", 0, None, ""]


def test_settings_the_form_lacks_are_named_with_their_values():
    config = TrainConfig(dataset="sample:entities", model="scratch:tiny", task="token-classification", seed=9)

    assert not_in_form(config, ("dataset", "model", "seed")) == {"task": "token-classification"}
