"""The Datasets and Tokenizer tabs as a first-time user meets them, in Chromium: every button works from the values
the page shows, or says in one line which field to fill; a failure never covers an input with an error overlay; the
form comes back after a reload; two uploads of one file name stay two datasets."""

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

# A message that names a field: the field's label, a colon, what to do ("Rows: type how many rows to keep").
FIELD_MESSAGE = re.compile(r"^\w[\w /()]*: \S")
# What Gradio's own components say: names no field.
GENERIC_MESSAGE = re.compile(r"Value .* (less|greater) than|is not a valid|Error$")
# The error overlays (status trackers) shown over a component that holds a field the user types in or picks from.
OVERLAID_INPUTS_JS = """() => [...document.querySelectorAll('span.error')]
    .filter(e => e.offsetParent !== null && e.closest('.block'))
    .map(e => e.closest('.block'))
    .filter(b => b.querySelector('input, textarea') && !b.querySelector('table'))
    .map(b => b.innerText.trim().slice(0, 60))"""


def toasts(page: Page) -> Locator:
    return page.get_by_test_id("toast-text")


def close_toasts(page: Page) -> None:
    for button in page.get_by_test_id("toast-close").all():
        button.click()
    expect(toasts(page)).to_have_count(0)


def assert_no_overlay_on_an_input(page: Page) -> None:
    assert page.evaluate(OVERLAID_INPUTS_JS) == []


def press(page: Page, button: str, result: Locator) -> str:
    """Click a button with the form as it is; wait for its result or its message. Return the message ("" for a
    result), after checking it names a field, is no generic component message, and left no overlay on an input."""
    page.get_by_role("button", name=button, exact=True).click()
    expect(result.or_(toasts(page)).first).to_be_visible(timeout=60_000)  # Check builds the scratch tokenizer
    messages = toasts(page).all_inner_texts()
    assert_no_overlay_on_an_input(page)
    for message in messages:
        assert FIELD_MESSAGE.match(message) and not GENERIC_MESSAGE.search(message), f"{button}: {message!r}"
    if messages:
        close_toasts(page)
    return messages[0] if messages else ""


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def test_every_datasets_button_works_from_the_defaults_or_names_the_field_to_fill(page: Page):
    open_tab(page, "Search")
    assert press(page, "Search the whole split", page.get_by_text("rows of train match")).startswith("Dataset: ")

    open_tab(page, "Browse")
    assert press(page, "Load", page.get_by_role("heading", name="sample:sentiment")) == ""
    assert press(page, "Next ▶", page.get_by_text("rows 20–39 of 1,122")) == ""
    assert press(page, "◀ Previous", page.get_by_text("rows 0–19 of 1,122")) == ""
    assert press(page, "Show row in full", page.get_by_text('"label"')) == ""

    open_tab(page, "Search")
    assert press(page, "Search the whole split", page.get_by_text("rows of train match")).startswith("Text: ")
    assert press(page, "Run SQL", page.get_by_text("**2** result rows").or_(page.get_by_text("2 result rows"))) == ""

    open_tab(page, "Check")
    assert press(page, "Check the dataset", page.locator(".js-plotly-plot").first) == ""

    open_tab(page, "Shape")
    assert press(page, "Apply step", page.get_by_text("ds = ds.shuffle(seed=42)")) == ""
    assert press(page, "Undo last step", page.get_by_text("No shaping steps yet")) == ""
    assert press(page, "Use for training", page.get_by_text("The Train tab will train on")) == ""

    open_tab(page, "Tokenize")
    assert press(page, "Tokenize the split", page.get_by_text(re.compile(r"batched=True\) added"))) == ""

    open_tab(page, "Export")
    assert press(page, "Export", page.get_by_text("Wrote 1,122 rows to")) == ""


def test_each_shape_step_from_the_defaults_applies_or_names_the_field_to_fill(page: Page):
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_role("heading", name="sample:sentiment")).to_be_visible()
    open_tab(page, "Shape")
    step = page.get_by_role("combobox", name="Step")
    never = page.get_by_text("no such text on the page")  # a step that cannot apply shows only its message
    expected = {  # step: (the message's start, or "" and the code the history then shows)
        "keep the first N rows": ("Rows: ", never),
        "rename a column": ("New name: ", never),
        "remove columns": ("Columns to remove: ", never),
        "cast the label column to ClassLabel": ("", page.get_by_text("ds.cast_column('label', ClassLabel")),
        "drop rows whose column is empty": ("", page.get_by_text("ds = ds.filter(")),
    }
    for kind, (message, result) in expected.items():
        step.click()
        page.get_by_role("option", name=kind, exact=True).click()
        shown = press(page, "Apply step", result)
        assert shown.startswith(message) if message else shown == "", f"{kind}: {shown!r}"


def test_a_failed_load_leaves_the_dataset_box_readable_and_editable(page: Page):
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_role("combobox", name="Split")).to_have_value("train")
    source = page.get_by_role("combobox", name="Dataset")
    source.fill("sample:weather")
    source.press("Enter")

    page.get_by_role("button", name="Load", exact=True).click()

    expect(toasts(page)).to_have_text([re.compile(r"^unknown sample 'weather'; samples are [\w, ]*\bsentiment\b")])
    assert_no_overlay_on_an_input(page)
    expect(source).to_have_value("sample:weather")
    expect(page.get_by_role("combobox", name="Split")).to_have_value("train")  # the open dataset stays open
    source.fill("sample:topics")
    expect(source).to_have_value("sample:topics")


def test_loading_another_dataset_empties_the_panels_about_the_previous_one(page: Page):
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_role("heading", name="sample:sentiment")).to_be_visible()
    open_tab(page, "Export")
    press(page, "Export", page.get_by_text("Wrote 1,122 rows to"))
    source = page.get_by_role("combobox", name="Dataset")
    source.fill("sample:topics")
    source.press("Enter")

    page.get_by_role("button", name="Load", exact=True).click()

    expect(page.get_by_role("heading", name="sample:topics")).to_be_visible()
    expect(page.get_by_text("Wrote 1,122 rows to")).to_have_count(0)


def test_every_tokenizer_button_works_from_the_defaults_or_names_the_field_to_fill(page: Page):
    open_tab(page, "Tokenizer")
    assert press(page, "Tokenize", page.get_by_text(re.compile(r"^\d+ tokens for \d+ characters"))) == ""
    page.get_by_text("Look up the vocabulary").click()
    assert press(page, "id → token", page.get_by_text(re.compile(r"^id 0 is"))) == ""
    assert press(page, "token → id", page.get_by_text(re.compile(r" is id \d+$"))).startswith("token: ")


def test_the_chosen_dataset_and_tokenizer_form_come_back_after_a_reload(page: Page):
    source = page.get_by_role("combobox", name="Dataset")
    source.fill("sample:topics")
    source.press("Enter")
    page.get_by_role("textbox", name="Hub config").fill("default")
    open_tab(page, "Tokenizer")
    page.get_by_role("textbox", name="Text", exact=True).fill("Kept across a reload.")
    model = page.get_by_role("combobox", name="Tokenizer of model")
    model.fill("scratch:small")
    model.press("Enter")
    page.wait_for_timeout(500)  # the last change reaches the browser's storage

    page.reload()

    expect(page.get_by_role("combobox", name="Dataset")).to_have_value("sample:topics")
    expect(page.get_by_role("textbox", name="Hub config")).to_have_value("default")
    open_tab(page, "Tokenizer")
    expect(page.get_by_role("textbox", name="Text", exact=True)).to_have_value("Kept across a reload.")
    expect(page.get_by_role("combobox", name="Tokenizer of model")).to_have_value("scratch:small")


def test_two_uploads_of_one_file_name_show_two_distinct_sources_each_with_its_own_rows(page: Page, tmp_path: Path):
    sources, first_rows = [], []
    drop_zone = page.locator(".block").filter(has_text="…or upload a file")
    for number, text in enumerate(["the first file's row", "the second file's row"]):
        upload = tmp_path / str(number) / "train.csv"
        upload.parent.mkdir()
        upload.write_text(f"text,label\n{text},pos\nanother {text},neg\n")

        drop_zone.locator("input[type=file]").set_input_files(str(upload))  # waits for an empty drop zone

        expect(page.get_by_role("gridcell", name=text, exact=True)).to_be_visible()
        sources.append(page.get_by_role("combobox", name="Dataset").input_value())
        first_rows.append(text)

    assert sources[0] != sources[1]
    assert all(source.endswith("/train.csv") for source in sources)
    for source, text in zip(sources, first_rows, strict=True):  # each name still opens its own file
        box = page.get_by_role("combobox", name="Dataset")
        box.fill(source)
        box.press("Enter")
        page.get_by_role("button", name="Load", exact=True).click()
        expect(page.get_by_role("gridcell", name=text, exact=True)).to_be_visible()


def test_after_a_reload_the_dataset_and_split_shown_are_open_again(page: Page):
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_role("heading", name="sample:sentiment")).to_be_visible()
    page.get_by_role("combobox", name="Split").click()
    page.get_by_role("option", name="test", exact=True).click()
    first_test_row = page.get_by_role("gridcell", name=re.compile(r"^It faded badly after the first wash\."))
    expect(first_test_row).to_be_visible()
    page.wait_for_timeout(500)  # the last change reaches the browser's storage

    page.reload()

    expect(page.get_by_role("heading", name="sample:sentiment")).to_be_visible()
    expect(page.get_by_role("combobox", name="Split")).to_have_value("test")
    expect(first_test_row).to_be_visible()
    expect(page.get_by_text("rows 0–19 of 140")).to_be_visible()
    expect(toasts(page)).to_have_count(0)


def test_after_a_reload_a_deleted_upload_is_said_in_one_line_and_the_box_stays_editable(page: Page, tmp_path: Path):
    upload = tmp_path / "gone.csv"
    upload.write_text("text,label\na row soon deleted,pos\nanother,neg\n")
    page.locator(".block").filter(has_text="…or upload a file").locator("input[type=file]").set_input_files(
        str(upload)
    )
    expect(page.get_by_role("gridcell", name="a row soon deleted", exact=True)).to_be_visible()
    source = page.get_by_role("combobox", name="Dataset")
    kept = Path(source.input_value())
    page.wait_for_timeout(500)  # the last change reaches the browser's storage
    kept.unlink()

    page.reload()

    expect(page.get_by_text(f"Dataset: {kept} could not be opened again after the reload")).to_be_visible()
    expect(toasts(page)).to_have_count(0)
    assert_no_overlay_on_an_input(page)
    expect(source).to_have_value(str(kept))
    expect(page.get_by_role("gridcell", name="a row soon deleted", exact=True)).to_have_count(0)
    source.fill("sample:topics")
    source.press("Enter")
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_role("heading", name="sample:topics")).to_be_visible()
