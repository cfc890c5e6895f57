"""The Tokenizer tab in Chromium: the views render, and the page address carries the view to another browser."""

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Browser, Page, expect

SUMMARY = re.compile(r"^\d+ tokens for \d+ characters and \d+ words")
VIEWPORT = {"width": 1280, "height": 900}


def tokenize_and_wait(page: Page) -> None:
    """Click Tokenize and wait for the counts line ("13 tokens for 49 characters...") or an error pop-up."""
    page.get_by_role("button", name="Tokenize", exact=True).click()
    expect(page.get_by_text(SUMMARY).or_(page.get_by_test_id("toast-text")).first).to_be_visible()


def test_tokenizing_shows_the_spans_the_table_and_the_round_trip(page: Page):
    page.get_by_role("tab", name="Tokenizer").click()
    page.get_by_role("textbox", name="max_length").fill("64")

    tokenize_and_wait(page)

    assert page.get_by_test_id("toast-text").all_inner_texts() == []
    expect(page.locator(".tok.special").filter(has_text="[CLS]")).to_be_visible()
    expect(page.locator(".tokens .tok.s0").first).to_have_text("The")  # the original text, not the token "the"
    expect(page.get_by_role("gridcell", name="[SEP]", exact=True)).to_be_visible()
    expect(page.get_by_text("decode(ids, skip_special_tokens=True)")).to_be_visible()
    expect(page.get_by_text("tokenizer = AutoTokenizer.from_pretrained(")).to_be_visible()


def test_the_page_address_carries_the_view_and_restores_it_elsewhere(page: Page, browser: Browser):
    page.get_by_role("tab", name="Tokenizer").click()
    page.get_by_role("textbox", name="Text", exact=True).fill("Zebras were cold.")
    page.get_by_role("textbox", name="Second text (optional, for sentence pairs)").fill("Yes")
    page.get_by_role("radio", name="max_length").check()
    page.get_by_role("textbox", name="max_length").fill("16")
    tokenize_and_wait(page)
    expect(page).to_have_url(re.compile(r"text=Zebras"))
    counts = page.get_by_text(SUMMARY).inner_text().splitlines()[0]

    query = parse_qs(urlparse(page.url).query)
    assert (query["tab"], query["pair"], query["padding"], query["max_length"]) == (
        ["tokenizer"], ["Yes"], ["max_length"], ["16"],
    )  # fmt: skip
    context = browser.new_context(viewport=VIEWPORT)  # another browser session opening the shared link
    shared = context.new_page()
    shared.goto(page.url)

    expect(shared.get_by_role("tab", name="Tokenizer")).to_have_attribute("aria-selected", "true")
    expect(shared.get_by_role("textbox", name="Text", exact=True)).to_have_value("Zebras were cold.")
    expect(shared.get_by_role("radio", name="max_length")).to_be_checked()
    expect(shared.get_by_text(SUMMARY)).to_contain_text(counts)
    expect(shared.locator(".tok.pad").first).to_be_visible()
    context.close()


def test_the_task_views_show_labels_per_token_and_answer_windows(page: Page):
    page.get_by_role("tab", name="Tokenizer").click()
    page.get_by_text("Label alignment (token classification)").click()
    page.get_by_role("button", name="Load row").first.click()  # sample:entities, validation row 0

    expect(page.get_by_role("textbox", name="Words with tags")).to_have_value(re.compile(r"^Rosa/B-PER Brennan/I-PER"))
    expect(page.get_by_text(re.compile(r"^\d+ words → \d+ tokens"))).to_be_visible()
    expect(page.locator(".word-head").filter(has_text="Brennan").first).to_contain_text("I-PER")
    expect(page.locator(".label.ignored").first).to_have_text("-100")
    page.get_by_role("checkbox", name="label all tokens").check()
    page.get_by_role("button", name="Align labels").click()
    expect(page.get_by_text(re.compile(r"get -100 \(special tokens\), which the loss skips"))).to_be_visible()

    page.get_by_text("Answer windows (question answering)").click()
    page.get_by_role("button", name="Show windows").click()

    expect(page.get_by_text(re.compile(r"is whole in window\(s\) \d"))).to_be_visible()
    expect(page.locator(".window-head").first).to_contain_text("not in this window")
    expect(page.locator(".tok.start").first).to_be_visible()
    expect(page.get_by_text("positions.append((cls, cls))  # not in this window")).to_be_visible()
    assert page.get_by_test_id("toast-text").all_inner_texts() == []
