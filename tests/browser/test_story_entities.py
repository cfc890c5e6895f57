"""A visitor's whole story with token classification, in Chromium, at the defaults the page shows: load
sample:entities (its task inferred, its tags coloured over the words), see in the Tokenizer tab which tokens train on
a tag and which get -100, train scratch:tiny with the Task the data preset, and in Try see the names of a new
sentence highlighted: a person and a place.

The Try tab's view is the README's token-classification screenshot, taken into the test's temporary folder or into
the folder that `SCREENSHOTS_DIR` names (`SCREENSHOTS_DIR=assets python -m pytest tests/browser/test_story_entities.py`
refreshes it).
"""

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.screenshot import BLOCK, PNG_MAGIC, shoot_answer_windows, shoot_task_checks, shoot_task_prediction

FIRST_INFERENCE_MS = 60_000  # the first task view of a server imports the task code (transformers): 11 s when busy
TRAIN_TIMEOUT_MS = 600_000  # the page's 10 epochs of scratch:tiny on 800 sentences: 80 s on 2 quiet cores
# Names and a template of the sample, in a sentence it does not hold: the model tags by word.
SENTENCE = "Clara Halvorsen said the team would travel to Alder Bay on Monday ."


def choose(page: Page, combobox: str, value: str) -> None:
    field = page.get_by_role("combobox", name=combobox, exact=True)
    field.fill(value)
    field.press("Enter")


def test_a_visitor_loads_entities_aligns_a_row_trains_a_tagger_and_sees_a_name_highlighted(page: Page, tmp_path: Path):
    shot = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path) / "screenshot-task-entities.png"

    # Datasets: the task is read from the columns, and each entity's words are coloured with its tag.
    page.get_by_label("Dataset", exact=True).fill("sample:entities")
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_role("heading", name="sample:entities")).to_be_visible(timeout=FIRST_INFERENCE_MS)
    inferred = page.get_by_text("Task: token-classification, inferred from the columns")
    expect(inferred).to_be_visible(timeout=FIRST_INFERENCE_MS)
    person = page.locator('.task-row span.word[data-tag="B-PER"]').first
    expect(person).to_be_visible()
    assert person.evaluate("e => getComputedStyle(e).backgroundColor") not in ("", "rgba(0, 0, 0, 0)")

    # Tokenizer: a row of the sample, each token with the tag it trains on; special tokens get -100.
    page.get_by_role("tab", name="Tokenizer").click()
    page.get_by_text("Label alignment (token classification)").click()
    page.get_by_role("button", name="Load row").first.click()  # sample:entities, validation row 0
    expect(page.get_by_role("textbox", name="Words with tags")).to_have_value(re.compile(r"^\w+/B-PER \w+/I-PER"))
    expect(
        page.get_by_text(re.compile(r"^\d+ words → \d+ tokens: \d+ train on a label, \d+ get -100"))
    ).to_be_visible()
    expect(page.locator(".label.ignored").first).to_have_text("-100")

    # Train: the dataset loaded above, its task preset; scratch:tiny, the rest as the page shows it (10 epochs: after
    # 2 the tagger found one of the two names, at probability 0.39; after 10 both, at 0.98 and 0.95).
    page.get_by_role("tab", name="Train").click()
    expect(page.get_by_role("combobox", name="Dataset", exact=True)).to_have_value("sample:entities")
    expect(page.get_by_role("combobox", name="Task", exact=True)).to_have_value(
        "token-classification", timeout=FIRST_INFERENCE_MS
    )
    expect(page.get_by_role("combobox", name="Tags column", exact=True)).to_have_value("ner_tags")
    choose(page, "Model", "scratch:tiny")
    expect(page.get_by_role("textbox", name="Epochs")).to_have_value("")  # empty: 10 epochs for a scratch model
    page.get_by_role("button", name="Start training").click()
    finished = page.get_by_role("heading", name=re.compile(r"^Job #\d+: completed$"))
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    expect(page.get_by_text(re.compile(r"Validation F1 \(entities\) \d\.\d{3}")).first).to_be_visible()
    job = re.search(r"#(\d+)", finished.inner_text()).group(1)

    # Try: the finished tagger gets the token-classification view; the names of a new sentence highlighted.
    page.get_by_role("tab", name="Try").click()
    page.get_by_role("combobox", name="Model", exact=True).click()
    expect(page.get_by_role("option", name=f"job:{job}")).to_be_visible()  # finished runs are offered
    choose(page, "Model", f"job:{job}")
    expect(page.get_by_text("This model was trained for token classification")).to_be_visible()
    page.get_by_role("tab", name="Predict", exact=True).click()
    page.get_by_role("textbox", name="Text", exact=True).fill(SENTENCE)
    page.get_by_role("button", name="Predict", exact=True).click()
    expect(page.get_by_text(re.compile(r"^\d+ entities \(grouped from sub-words"))).to_be_visible()
    expect(page.get_by_test_id("highlighted-text:category-legend")).to_have_text(re.compile(r"PER\s*LOC"))
    details = page.get_by_text("Details", exact=True).locator(BLOCK)  # the entities: type, span and score
    expect(details.get_by_role("row").filter(has_text="Clara Halvorsen")).to_contain_text("PER")
    expect(details.get_by_role("row").filter(has_text="Alder Bay")).to_contain_text("LOC")
    shoot_task_prediction(page, shot)
    expect(page.locator(".toast-body.error")).to_have_count(0)  # no step said anything went wrong
    content = shot.read_bytes()
    assert content.startswith(PNG_MAGIC) and 10_000 < len(content) < 250_000


def test_the_other_tasks_views_make_a_readme_screenshot_each(page: Page, tmp_path: Path):
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots = [folder / f"screenshot-task-{name}.png" for name in ("questions", "tags", "similarity")]

    shoot_answer_windows(page, shots[0])  # a row of sample:questions cut into windows, the answer marked
    shoot_task_checks(page, shots[1], "sample:tags", "Multi-label")  # labels per row, co-occurrence
    # The dataset loaded presets the Train tab's task and its Best-by metrics; the form kept in the browser once
    # refused the old metric against the new choices, in an error toast (shown 10 s) on every multi-label or
    # regression dataset.
    page.get_by_role("tab", name="Train").click()
    expect(page.get_by_role("combobox", name="Task", exact=True)).to_have_value("multi-label-classification")
    page.wait_for_timeout(2_000)  # the form's save follows the task's fields
    expect(page.locator(".toast-body.error")).to_have_count(0)
    shoot_task_checks(page, shots[2], "sample:similarity", "Regression target")  # histogram, box plot

    for path in shots:
        content = path.read_bytes()
        assert content.startswith(PNG_MAGIC) and 10_000 < len(content) < 250_000, path
