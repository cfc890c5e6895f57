"""The first minutes in Chromium: every Train and Try button pressed on a fresh page with what the page shows gives a
result or a one-line message naming what to fill, never a component's generic message; the Train form survives a
reload; a user's own CSV, with its own column names, goes from upload to evaluation by picking from dropdowns only.

The tests of this module share one server: they run in order (the first expects no job yet).
"""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from ui import owner

TRAIN_TIMEOUT_MS = 300_000  # one epoch of scratch:tiny: seconds idle, minutes on a busy 2-core machine
STOP_TIMEOUT_MS = 120_000  # a scratch:small run starting, then stopping after its current step
GENERIC = re.compile(r"less than minimum|greater than maximum|Internal error|Traceback|is not a valid value")


def toasts(page: Page):
    return page.get_by_test_id("toast-text")


def says(page: Page, message: str | re.Pattern) -> None:
    """A pop-up with this one-line message shows; then it is closed, so the next one is read alone."""
    toast = toasts(page).filter(has_text=message).first
    expect(toast).to_be_visible()
    text = toast.inner_text()
    assert "\n" not in text.strip() and not GENERIC.search(text), text
    for close in page.get_by_test_id("toast-close").all():
        close.click()


def no_generic_message(page: Page) -> None:
    for text in toasts(page).all_inner_texts():
        assert not GENERIC.search(text), text


def pick(page: Page, combobox: str, value: str) -> None:
    """Open a dropdown, see `value` among its options, and choose it (typed to filter the list, then Enter)."""
    field = page.get_by_role("combobox", name=combobox, exact=True)
    field.click()
    expect(page.get_by_role("option", name=value, exact=True).first).to_be_visible()
    field.fill(value)
    field.press("Enter")
    expect(field).to_have_value(value)


def test_every_train_and_try_button_works_from_the_fresh_pages_defaults(page: Page):
    page.get_by_role("tab", name="Train").click()
    expect(page.get_by_role("combobox", name="Text column", exact=True)).to_have_value("text")
    expect(page.get_by_role("combobox", name="Label column", exact=True)).to_have_value("label")
    expect(page.get_by_role("textbox", name="Learning rate")).to_have_value("")  # empty: the model's default
    expect(page.get_by_role("textbox", name="Epochs")).to_have_value("")

    page.get_by_role("button", name="Check settings and estimate").click()
    expect(page.get_by_text(re.compile(r"1,122 training rows, 710 updates"))).to_be_visible()
    batch = page.get_by_role("spinbutton", name="Batch size")
    batch.fill("0")
    page.get_by_role("button", name="Check settings and estimate").click()
    says(page, "Batch size: 0 is out of range; type a whole number from 1 to 4096")
    batch.fill("16")

    # A preset refreshes the estimate at once; "custom" gives back the form as it was.
    page.get_by_role("radio", name="thorough").check()
    expect(page.get_by_role("textbox", name="Epochs")).to_have_value("20")
    expect(page.get_by_role("textbox", name="Learning rate")).to_have_value("")
    expect(page.get_by_text(re.compile(r"1,122 training rows, 1,420 updates"))).to_be_visible()
    page.get_by_role("radio", name="custom").check()
    expect(page.get_by_role("textbox", name="Epochs")).to_have_value("")
    expect(page.get_by_text(re.compile(r"1,122 training rows, 710 updates"))).to_be_visible()

    for button in ("Stop", "Resume", "Clone"):
        page.get_by_role("button", name=button, exact=True).click()
        says(page, "select a job first")
    page.get_by_role("button", name="Delete", exact=True).click()
    says(page, "tick 'yes, delete its files' first")

    page.get_by_role("button", name="Start training").click()  # the defaults train (scratch:small, 10 epochs)
    job = page.get_by_role("heading", name=re.compile(r"^Job #\d+: (queued|running)$"))
    expect(job).to_be_visible()
    page.get_by_role("button", name="Stop", exact=True).click()
    says(page, re.compile(r"stop requested"))
    expect(page.get_by_role("heading", name=re.compile(r"^Job #\d+: (cancelled|completed)$"))).to_be_visible(
        timeout=STOP_TIMEOUT_MS
    )
    page.get_by_role("checkbox", name="yes, delete its files").check()
    page.get_by_role("button", name="Delete", exact=True).click()
    says(page, re.compile(r"Job \d+ deleted"))

    page.get_by_role("tab", name="Try").click()  # no finished run yet: each button says what to fill
    for tab, button, message in (
        ("Predict", "Predict", "a text to classify is empty"),
        ("Predict a file", "Predict the file", "upload a CSV, TSV or JSONL file first"),
        ("Evaluate", "Evaluate", "no model given"),
        ("Compare", "Compare on this text", "a text to classify is empty"),
        ("Compare", "Compare on the split", "no model given"),
        ("Other tasks", "Run", "fill-mask needs a text"),
        ("Share", "Show the model card", "no model given"),
        ("Share", "Download the model folder (zip)", "no model given"),
    ):
        page.get_by_role("tab", name=tab, exact=True).click()
        page.get_by_role("button", name=button, exact=True).click()
        says(page, message)
    token = page.get_by_label("Hub token (write)")
    token.fill("hf_not_a_real_token")
    page.get_by_role("button", name="Push to the Hub", exact=True).click()
    says(page, "repository id '' should look like user-or-org/model-name")
    expect(token).to_have_value("")  # emptied after a failed push too
    no_generic_message(page)


def test_the_train_form_survives_a_reload(page: Page):
    page.get_by_role("tab", name="Train").click()
    page.get_by_role("spinbutton", name="Batch size").fill("8")
    page.get_by_role("textbox", name="Epochs").fill("2")
    page.get_by_role("textbox", name="Job name (optional)").fill("my first run")
    pick(page, "Dataset", "sample:paraphrase")
    expect(page.get_by_role("combobox", name="Second text column (pairs)", exact=True)).to_have_value("sentence2")
    page.wait_for_timeout(1_500)  # the last change reaches the browser's storage

    page.reload()
    page.get_by_role("tab", name="Train").click()

    expect(page.get_by_role("spinbutton", name="Batch size")).to_have_value("8")
    expect(page.get_by_role("textbox", name="Epochs")).to_have_value("2")
    expect(page.get_by_role("textbox", name="Job name (optional)")).to_have_value("my first run")
    expect(page.get_by_role("combobox", name="Dataset", exact=True)).to_have_value("sample:paraphrase")
    expect(page.get_by_role("combobox", name="Text column", exact=True)).to_have_value("sentence1")
    expect(page.get_by_role("combobox", name="Second text column (pairs)", exact=True)).to_have_value("sentence2")


def test_a_users_own_csv_goes_from_upload_to_evaluation_with_columns_picked_from_dropdowns(page: Page, tmp_path: Path):
    rows = [("a lovely film and truly charming", "pos"), ("dull and far too long", "neg")] * 30
    upload = tmp_path / "train.csv"
    upload.write_text("review,sentiment\n" + "".join(f"{text},{label}\n" for text, label in rows))

    page.wait_for_function(f"document.cookie.includes('{owner.COOKIE}=')")  # the upload is kept as this browser's
    page.locator("input[type=file]").first.set_input_files(str(upload))
    expect(page.get_by_text("train 60 rows").or_(toasts(page)).first).to_be_visible()
    assert toasts(page).all_inner_texts() == []

    page.get_by_role("tab", name="Train").click()
    expect(page.get_by_role("combobox", name="Text column", exact=True)).to_have_value("review")
    expect(page.get_by_role("combobox", name="Label column", exact=True)).to_have_value("sentiment")
    pick(page, "Text column", "review")
    pick(page, "Label column", "sentiment")
    model = page.get_by_role("combobox", name="Model", exact=True)
    model.fill("scratch:tiny")
    model.press("Enter")
    page.get_by_role("textbox", name="Epochs").fill("1")
    page.get_by_role("button", name="Start training").click()
    finished = page.get_by_role("heading", name=re.compile(r"^Job #\d+: completed$"))
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    job = re.search(r"#(\d+)", finished.inner_text()).group(1)

    page.get_by_role("tab", name="Try").click()
    pick(page, "Model", f"job:{job}")
    page.get_by_role("tab", name="Predict", exact=True).click()
    page.get_by_role("textbox", name=re.compile(r"^Text")).fill("a charming film")
    page.get_by_role("button", name="Predict", exact=True).click()
    expect(page.get_by_test_id("label-output-value")).to_have_text(re.compile(r"^(neg|pos)$"))

    page.get_by_role("tab", name="Evaluate", exact=True).click()
    # The model's own dataset, its only split and its columns, chosen for the user.
    expect(page.get_by_role("combobox", name="Split", exact=True)).to_have_value("train")
    expect(page.get_by_role("combobox", name="Text column", exact=True)).to_have_value("review")
    expect(page.get_by_role("combobox", name="Label column", exact=True)).to_have_value("sentiment")
    page.get_by_role("button", name="Evaluate", exact=True).click()
    expect(page.get_by_text(re.compile(r"on the train split of .*train\.csv.*accuracy"))).to_be_visible()
    no_generic_message(page)
