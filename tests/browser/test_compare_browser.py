"""The Train tab's "Compare runs" panel in Chromium: pick two finished runs, read the verdict and the settings
they differ in, and switch the x-axis."""

import re

import pytest
from playwright.sync_api import Page, expect

from engine.jobs.store import JobStore
from tests.compared_runs import record_run


@pytest.fixture(scope="module")
def two_runs(studio) -> tuple[int, int]:
    store = JobStore(studio.database)
    base = record_run(store, 0.80, name="base lr")
    fast = record_run(store, 0.90, name="high lr", learning_rate=1e-3)
    return base.id, fast.id


def pick_run(page: Page, label: str) -> None:
    field = page.get_by_role("combobox", name="Runs to compare")
    field.click()  # its focus loads the choices: every job in the database
    field.fill(label)
    page.get_by_role("option", name=re.compile(re.escape(label))).click()


def test_two_finished_runs_compared_give_the_verdict_and_only_their_differing_settings(page: Page, two_runs):
    base, fast = two_runs
    page.get_by_role("tab", name="Train").click()
    page.get_by_role("button", name="Compare runs").click()

    pick_run(page, f"#{base} base lr")
    pick_run(page, f"#{fast} high lr")
    page.get_by_role("button", name="Compare", exact=True).click()

    verdict = f"#{fast} is best by validation f1 (0.9), 0.1 above #{base} (0.8)"
    expect(page.get_by_text(verdict)).to_be_visible()
    expect(page.get_by_text("The seed-to-seed spread is unknown")).to_be_visible()
    table = page.locator(".table-wrap", has=page.get_by_text("learning_rate", exact=True))
    expect(table).to_contain_text("0.0005")
    expect(table).to_contain_text("0.001")
    expect(table).not_to_contain_text("warmup_ratio")  # the same in both: hidden until "Show all settings"

    page.get_by_role("checkbox", name="Show all settings").check()
    expect(table).to_contain_text("warmup_ratio")
    page.get_by_role("radio", name="epoch").check()
    expect(page.get_by_text("2 runs compared; the table shows all settings.")).to_be_visible()
