"""The Sweep accordion in Chromium: two seeds of a short scratch:tiny run estimated, started from the page, and
followed to the end, with the best trial and the seed spread shown."""

import re

from playwright.sync_api import Page, expect

SWEEP_TIMEOUT_MS = 300_000  # two one-epoch scratch:tiny runs one after the other, on a busy 2-core machine


def test_a_sweep_of_two_seeds_runs_from_the_page_and_shows_the_best_and_the_spread(page: Page):
    page.get_by_role("tab", name="Train").click()
    model = page.get_by_role("combobox", name="Model")
    model.fill("scratch:tiny")
    model.press("Enter")
    page.get_by_role("textbox", name="Epochs").fill("1")
    page.get_by_label("Max length (tokens)").fill("32")

    page.get_by_role("button", name="Sweep: vary settings over several runs").click()
    page.get_by_role("textbox", name="Settings to vary").fill("learning_rate=5e-4")
    page.get_by_label("Seeds").fill("2")
    page.get_by_role("button", name="Estimate sweep").click()
    expect(
        page.get_by_text(re.compile(r"grid over learning_rate=0\.0005, 2 seeds each: 2 runs\. 2 runs, 142 upd"))
    ).to_be_visible()

    page.get_by_role("button", name="Start sweep").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Sweep #\d+ \(grid sweep of learning_rate, seed\): finished$"))
    ).to_be_visible(timeout=SWEEP_TIMEOUT_MS)
    expect(page.get_by_text(re.compile(r"Best: job #\d+, f1 0\.\d{4}"))).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"learning_rate=0\.0005 over seeds: f1 0\.\d{4} ± 0\.\d{4} \(min"))
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"2 seeds each: 2 runs\. 2 completed\."))).to_be_visible()
    trials = page.get_by_label("Trials, best first")  # the Train tab's own job table shows them too
    expect(trials.get_by_role("gridcell", name="completed", exact=True)).to_have_count(2)
