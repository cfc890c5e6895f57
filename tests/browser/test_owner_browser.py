"""Ownership in Chromium: the page that started a job can still stop it after a reload (a new Gradio session), and
another browser cannot."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.app.launch import LaunchedStudio
from tests.browser.conftest import VIEWPORT
from tests.browser.test_train_browser import choose_model

STARTED_TIMEOUT_MS = 120_000  # the first step of a job: the child imports torch and transformers


def test_a_reloaded_page_still_owns_its_job_and_another_browser_does_not(
    page: Page, browser: Browser, studio: LaunchedStudio
):
    page.get_by_role("tab", name="Train").click()
    choose_model(page, "scratch:tiny")
    page.get_by_role("textbox", name="Epochs").fill("30")  # still running when it is stopped
    page.get_by_role("button", name="Start training").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Job #\d+: (queued|running)$"))
    expect(heading).to_be_visible(timeout=STARTED_TIMEOUT_MS)
    job = re.search(r"#(\d+)", heading.inner_text()).group(1)

    stranger = browser.new_context(viewport=VIEWPORT).new_page()
    stranger.goto(studio.url)
    stranger.get_by_role("tab", name="Train").click()
    expect(stranger.get_by_role("heading", name=re.compile(rf"^Job #{job}: "))).to_be_visible()  # re-attached
    stranger.get_by_role("button", name="Stop", exact=True).click()
    expect(stranger.get_by_text(f"job {job} was started by someone else")).to_be_visible()
    stranger.context.close()

    page.reload()  # a new Gradio session; the browser's key stays in its local storage
    page.get_by_role("tab", name="Train").click()
    expect(page.get_by_role("heading", name=re.compile(rf"^Job #{job}: "))).to_be_visible()
    page.get_by_role("button", name="Stop", exact=True).click()

    expect(page.get_by_text("stop requested")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Job #{job}: cancelled")).to_be_visible(timeout=STARTED_TIMEOUT_MS)


def test_a_file_uploaded_from_the_page_loads_by_its_path_after_a_reload_and_not_in_another_browser(
    page: Page, browser: Browser, studio: LaunchedStudio, tmp_path
):
    upload = tmp_path / "my-notes.csv"
    upload.write_text("text,label\na private note,pos\nanother one,neg\nand a third,pos\n")

    page.locator("input[type=file]").first.set_input_files(str(upload))
    expect(page.get_by_text("train 3 rows")).to_be_visible()  # kept, then loaded with the key's cookie
    kept = page.get_by_role("combobox", name="Dataset").first.input_value()
    assert "/uploads/" in kept and kept.endswith("/my-notes.csv")

    page.reload()
    _load(page, kept)
    expect(page.get_by_text("train 3 rows")).to_be_visible()

    stranger = browser.new_context(viewport=VIEWPORT).new_page()
    stranger.goto(studio.url)
    _load(stranger, kept)
    expect(stranger.get_by_text("this upload is someone else's")).to_be_visible()
    stranger.context.close()


def _load(page: Page, source: str) -> None:
    field = page.get_by_role("combobox", name="Dataset").first
    field.fill(source)
    field.press("Enter")
    page.get_by_role("button", name="Load", exact=True).click()
