"""The whole story in Chromium: load a sample, tokenize a pair, train a short run, watch it reach 100%, predict.

A screenshot of each tab is saved on the way (into the test's temporary folder; `tests/browser/screenshot.py`
makes the README's): each must be a non-empty PNG.
"""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

TRAIN_TIMEOUT_MS = 300_000  # one epoch of scratch:tiny on sample:sentiment: seconds idle, minutes on a busy machine
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def shoot(page: Page, folder: Path, tab: str) -> Path:
    path = folder / f"{tab.lower()}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def choose(page: Page, combobox: str, value: str) -> None:
    field = page.get_by_role("combobox", name=combobox, exact=True)
    field.fill(value)
    field.press("Enter")


def test_a_visitor_loads_tokenizes_trains_watches_the_bar_reach_100_and_predicts(page: Page, tmp_path: Path):
    shots = []

    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_role("heading", name="sample:sentiment")).to_be_visible()
    expect(page.get_by_role("gridcell").first).to_be_visible()
    shots.append(shoot(page, tmp_path, "Datasets"))

    page.get_by_role("tab", name="Tokenizer").click()
    page.get_by_role("textbox", name="Text", exact=True).fill("The soup was cold.")
    page.get_by_role("textbox", name="Second text (optional, for sentence pairs)").fill("The staff were kind.")
    page.get_by_role("button", name="Tokenize", exact=True).click()
    expect(page.get_by_role("gridcell", name="[SEP]", exact=True).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ tokens for \d+ characters"))).to_be_visible()
    shots.append(shoot(page, tmp_path, "Tokenizer"))

    page.get_by_role("tab", name="Train").click()
    choose(page, "Model", "scratch:tiny")
    page.get_by_role("spinbutton", name="Epochs").fill("1")
    page.get_by_role("button", name="Start training").click()
    bar = page.get_by_role("progressbar", name="training progress")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=TRAIN_TIMEOUT_MS)
    finished = page.get_by_role("heading", name=re.compile(r"^Job #\d+: completed$"))
    expect(finished).to_be_visible()
    job = re.search(r"#(\d+)", finished.inner_text()).group(1)
    shots.append(shoot(page, tmp_path, "Train"))

    page.get_by_role("tab", name="Try").click()
    model = page.get_by_role("combobox", name="Model", exact=True)
    model.click()
    expect(page.get_by_role("option", name=f"job:{job}")).to_be_visible()  # finished runs are offered
    choose(page, "Model", f"job:{job}")
    page.get_by_role("tab", name="Predict", exact=True).click()
    page.get_by_role("textbox", name=re.compile(r"^Text")).fill("a lovely film, truly charming")
    page.get_by_role("button", name="Predict", exact=True).click()
    expect(page.get_by_test_id("label-output-value")).to_have_text(re.compile(r"^(negative|positive)$"))
    shots.append(shoot(page, tmp_path, "Try"))

    for path in shots:
        content = path.read_bytes()
        assert content.startswith(PNG_MAGIC) and len(content) > 10_000, path
