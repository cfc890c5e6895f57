"""The Train tab's run export in Chromium: pick a finished job, press Export, download its zip and read its Python;
upload a config.yaml and see the form filled with it."""

import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engine.jobs.store import JobStore
from engine.training.config import TrainConfig
from tests.app.launch import LaunchedStudio

EXPORT_TIMEOUT_MS = 120_000  # the scratch model is built on first use: seconds idle, a minute on a busy machine
RUN = TrainConfig(dataset="sample:sentiment", model="scratch:tiny", epochs=1.0, batch_size=8, seed=4, name="to export")


@pytest.fixture(scope="module")
def finished_job(studio: LaunchedStudio) -> int:
    store = JobStore(studio.database)
    job = store.create(RUN.to_dict(), name=RUN.name)
    store.claim_next("cpu", 1)
    store.mark_completed(job.id, {"accuracy": 0.75, "f1": 0.7}, expected=("running",))
    return job.id


def open_export_panel(page: Page) -> None:
    page.get_by_role("tab", name="Train").click()
    page.get_by_role("button", name=re.compile(r"^Export or import a run")).click()


def test_a_finished_job_exports_as_a_zip_and_shows_its_python(page: Page, finished_job: int, tmp_path: Path):
    open_export_panel(page)
    expect(page.get_by_role("combobox", name="Job", exact=True)).to_have_value(re.compile(rf"^#{finished_job} "))
    expect(page.get_by_text("SETTINGS = {").first).to_be_visible(timeout=EXPORT_TIMEOUT_MS)

    page.get_by_role("button", name="Export the selected job (zip)").click()
    row = page.get_by_role("row", name=re.compile(rf"^job-{finished_job}-run-\w+\.zip "))
    expect(row).to_be_visible(timeout=EXPORT_TIMEOUT_MS)
    link = row.get_by_role("link")  # its name is the size: "1004.5 KB"
    with page.expect_download() as download:
        link.click()
    archive = tmp_path / "run.zip"
    download.value.save_as(archive)

    names = set(zipfile.ZipFile(archive).namelist())
    assert {f"job-{finished_job}/{name}" for name in ("config.yaml", "train.py", "requirements.txt")} <= names


def test_an_uploaded_config_fills_the_form(page: Page, finished_job: int, tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_text("dataset: sample:topics\nmodel: scratch:tiny\nepochs: 2.5\nlearning_rate: 0.0007\nseed: 9\n")
    open_export_panel(page)

    page.locator("input[type=file][accept*='.yaml']").set_input_files(config)

    expect(page.get_by_text("Filled the form from config.yaml")).to_be_visible(timeout=EXPORT_TIMEOUT_MS)
    expect(page.get_by_role("textbox", name="Epochs")).to_have_value("2.5")
    expect(page.get_by_role("textbox", name="Learning rate")).to_have_value("0.0007")
    expect(page.get_by_role("spinbutton", name="Seed")).to_have_value("9")
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value("sample:topics")
