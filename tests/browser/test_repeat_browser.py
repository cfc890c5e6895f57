"""Repeat with seeds in Chromium: a user selects a finished job, repeats it with two seeds, follows the sweep it
becomes to its mean ± spread, then presses "Compare these runs" and reads the comparison of the repeats."""

import re

import pytest
from playwright.sync_api import Page, expect

from engine.jobs.store import JobStore
from tests.compared_runs import record_run
from tests.conftest import review_rows

SWEEP_TIMEOUT_MS = 300_000  # two one-epoch scratch:tiny runs one after the other, on a busy 2-core machine


@pytest.fixture(scope="module")
def finished_run(studio, tmp_path_factory, write_csv) -> int:
    """A completed run on 96 short reviews (scratch:tiny, one epoch): the page selects it as the latest job."""
    folder = tmp_path_factory.mktemp("repeat-browser-reviews")
    write_csv(folder / "train.csv", review_rows(96))
    write_csv(folder / "validation.csv", review_rows(16))
    settings = {"dataset": str(folder), "epochs": 1.0, "max_length": 32, "learning_rate": 2e-3, "seed": 3}
    return record_run(JobStore(studio.database), 0.8, name="short run", **settings).id


def test_a_job_repeated_with_seeds_shows_its_spread_and_its_runs_compared(page: Page, finished_run: int):
    page.get_by_role("tab", name="Train").click()
    expect(page.get_by_role("combobox", name="Job", exact=True)).to_have_value(re.compile(rf"^#{finished_run} "))

    page.get_by_label("Repeats").fill("2")
    page.get_by_role("button", name="Repeat with seeds").click()

    heading = re.compile(r"^Sweep #\d+ \(short run × 2 seeds\): finished$")
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=SWEEP_TIMEOUT_MS)
    expect(
        page.get_by_text(re.compile(r"^Sweep #\d+ \(short run × 2 seeds\) queued: jobs #\d+, #\d+\."))
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"the base run over seeds: f1 0\.\d{4} ± 0\.\d{4} \(min"))).to_be_visible()

    page.get_by_role("button", name="Compare these runs").click()

    expect(page.get_by_text("The other runs differ from it only by their seed")).to_be_visible()
    expect(page.get_by_text(re.compile(r"the seed-to-seed spread of [\d.e-]+ \(runs #\d+, #\d+"))).to_be_visible()
    expect(page.get_by_text("2 runs compared; the table shows only the settings that differ.")).to_be_visible()
    # The comparison's settings table: a column per run (its header the run's name), a row for the seed.
    header = "short run × 2 seeds #1: seed=3"
    table = page.locator(".table-wrap", has=page.get_by_text("setting", exact=True), has_text=header)
    expect(table).to_contain_text("short run × 2 seeds #2: seed=4")
