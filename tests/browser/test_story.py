"""The whole story in Chromium: load a sample, tokenize a pair, train a short run, watch it reach 100%, predict.

A screenshot of each tab is taken on the way, each a non-empty PNG. They are the README's screenshots, taken by
the same functions as `tests/browser/screenshot.py`: into the test's temporary folder, or into the folder that
`SCREENSHOTS_DIR` names (`SCREENSHOTS_DIR=assets python -m pytest tests/browser/test_story.py` refreshes them).
"""

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.screenshot import shoot_datasets_tab, shoot_tokenizer_tab, shoot_train_tab, shoot_try_tab

TRAIN_TIMEOUT_MS = 300_000  # one epoch of scratch:tiny on sample:sentiment: seconds idle, minutes on a busy machine
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# The README's file names, so that SCREENSHOTS_DIR=assets replaces them.
README_SHOTS = {
    "Datasets": "screenshot.png",
    "Tokenizer": "screenshot-tokenizer.png",
    "Train": "screenshot-train.png",
    "Try": "screenshot-try.png",
}


def choose(page: Page, combobox: str, value: str) -> None:
    field = page.get_by_role("combobox", name=combobox, exact=True)
    field.fill(value)
    field.press("Enter")


def test_a_visitor_loads_tokenizes_trains_watches_the_bar_reach_100_and_predicts(page: Page, tmp_path: Path):
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots = {tab: folder / name for tab, name in README_SHOTS.items()}

    shoot_datasets_tab(page, shots["Datasets"])  # loads the default dataset, sample:sentiment
    expect(page.get_by_role("heading", name="sample:sentiment")).to_be_visible()

    page.get_by_role("tab", name="Tokenizer").click()
    page.get_by_role("textbox", name="Text", exact=True).fill("The soup was cold.")
    page.get_by_role("textbox", name="Second text (optional, for sentence pairs)").fill("The staff were kind.")
    page.get_by_role("button", name="Tokenize", exact=True).click()
    expect(page.get_by_role("gridcell", name="[SEP]", exact=True).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ tokens for \d+ characters"))).to_be_visible()
    shoot_tokenizer_tab(page, shots["Tokenizer"])  # then a batch of pairs, compared with scratch:small

    shoot_train_tab(page, shots["Train"])  # scratch:tiny, a few epochs, until "completed"
    bar = page.get_by_role("progressbar", name="training progress")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=TRAIN_TIMEOUT_MS)
    finished = page.get_by_role("heading", name=re.compile(r"^Job #\d+: completed$"))
    job = re.search(r"#(\d+)", finished.inner_text()).group(1)

    page.get_by_role("tab", name="Try").click()
    model = page.get_by_role("combobox", name="Model", exact=True)
    model.click()
    expect(page.get_by_role("option", name=f"job:{job}")).to_be_visible()  # finished runs are offered
    choose(page, "Model", f"job:{job}")
    page.get_by_role("tab", name="Predict", exact=True).click()
    page.get_by_role("textbox", name=re.compile(r"^Text")).fill("a lovely film, truly charming")
    page.get_by_role("button", name="Predict", exact=True).click()
    expect(page.get_by_test_id("label-output-value")).to_have_text(re.compile(r"^(negative|positive)$"))
    shoot_try_tab(page, shots["Try"], job)  # the run evaluated on the test split

    for path in shots.values():
        content = path.read_bytes()
        assert content.startswith(PNG_MAGIC) and len(content) > 10_000, path
