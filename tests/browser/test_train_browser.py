"""The Train tab in Chromium: a preset fills the form, a run starts from the page, its bar reaches 100%."""

import re

from playwright.sync_api import Page, expect

from engine.training.presets import PRESETS

TRAIN_TIMEOUT_MS = 240_000  # 3 epochs of scratch:tiny on sample:sentiment: seconds idle, minutes on a busy machine


def choose_model(page: Page, model: str) -> None:
    field = page.get_by_role("combobox", name="Model")
    field.fill(model)
    field.press("Enter")


def test_a_preset_fills_the_form_and_the_run_it_starts_completes_with_a_full_bar(page: Page):
    page.get_by_role("tab", name="Train").click()
    choose_model(page, "scratch:tiny")

    page.get_by_role("radio", name="quick demo").check()

    # scratch models default to 10 epochs; the quick demo takes a third of them, rounded.
    expect(page.get_by_role("textbox", name="Epochs")).to_have_value("3")
    expect(page.get_by_text(PRESETS["quick demo"].explanation)).to_be_visible()
    page.get_by_role("button", name="Advanced training settings").click()
    expect(page.get_by_role("checkbox", name="Keep the best checkpoint")).not_to_be_checked()

    page.get_by_role("button", name="Check settings and estimate").click()
    # The plan follows the preset: 3 epochs of 71 batches of 16 (1,122 rows), evaluated after each.
    expect(
        page.get_by_text(
            re.compile(r"Trains on the CPU in (bf16|fp32): it works, slowly\. 1,122 training rows, 213 updates, 3 ev")
        )
    ).to_be_visible()
    page.get_by_role("button", name="Start training").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Job #\d+: completed$"))).to_be_visible(
        timeout=TRAIN_TIMEOUT_MS
    )
    bar = page.get_by_role("progressbar", name="training progress")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(bar).to_contain_text(re.compile(r"completed: step (\d+)/\1 \(100%\)"))
    expect(page.get_by_text("Validation accuracy").first).to_be_visible()
