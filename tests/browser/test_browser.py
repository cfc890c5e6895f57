"""The page as a user sees it in Chromium: the tabs, loading a dataset, errors, re-attaching to a job.

The Tokenizer tab has its own module, test_tokenizer.py.
"""

import csv
import re

from playwright.sync_api import Page, expect

from engine.common.paths import SAMPLES_DIR
from tests.app.launch import LaunchedStudio, StudioClient

TABS = ["Datasets", "Tokenizer", "Train", "Try"]


def error_toasts(page: Page):
    """The messages of the error pop-ups a `gr.Error` shows (they close by themselves after a few seconds)."""
    return page.get_by_test_id("toast-text")


def assert_no_error_shown(page: Page) -> None:
    """Check, right now, that no error pop-up is open (`expect(...).to_have_count(0)` would wait for it to close)."""
    assert error_toasts(page).all_inner_texts() == []


def test_the_page_shows_the_four_tabs_in_workflow_order(page: Page):
    expect(page.get_by_role("heading", name="Finetune Studio")).to_be_visible()
    # The first tab list is the app's; the Datasets tab has its own (Browse, Search...) inside it.
    expect(page.get_by_role("tablist").first.get_by_role("tab")).to_have_text(TABS)
    expect(page.get_by_role("tab", name="Datasets")).to_have_attribute("aria-selected", "true")


def test_loading_the_default_dataset_shows_its_splits_and_first_rows(page: Page):
    with (SAMPLES_DIR / "sentiment" / "train.csv").open(newline="") as handle:
        first_row = next(csv.DictReader(handle))

    page.get_by_role("button", name="Load", exact=True).click()

    expect(page.get_by_role("heading", name="sample:sentiment")).to_be_visible()
    expect(page.get_by_text("train 1,122 rows, validation 140 rows, test 140 rows")).to_be_visible()
    expect(page.get_by_text("Labels: negative, positive")).to_be_visible()
    expect(page.get_by_role("combobox", name="Split")).to_have_value("train")
    expect(page.get_by_role("gridcell", name=first_row["text"], exact=True)).to_be_visible()
    assert_no_error_shown(page)


def test_a_wrong_dataset_shows_the_engines_message_in_a_pop_up(page: Page):
    source = page.get_by_role("combobox", name="Dataset")
    source.fill("sample:weather")
    source.press("Enter")

    page.get_by_role("button", name="Load", exact=True).click()

    expect(error_toasts(page)).to_have_text(
        [re.compile(r"^unknown sample 'weather'; samples are .*paraphrase, .*sentiment")]
    )


def test_a_reloaded_page_re_attaches_the_train_tab_to_the_latest_job(page: Page, studio: LaunchedStudio):
    client = StudioClient(studio.url)
    _, job = client.predict(
        "sample:topics", "", "", "", "", "scratch:tiny", 1, 16, None, 32, 0, api_name="/start_training"
    )

    page.reload()
    page.get_by_role("tab", name="Train").click()

    latest = re.compile(rf"^#{job['id']} .*scratch:tiny on sample:topics$")
    expect(page.get_by_role("combobox", name="Job", exact=True)).to_have_value(latest)
    expect(page.get_by_role("heading", name=re.compile(rf"^Job #{job['id']}: "))).to_be_visible()
