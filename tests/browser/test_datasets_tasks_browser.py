"""The Datasets tab reads a token-classification sample as its task, in Chromium: the Task box shows the inferred
task, Browse colours each entity's words with its tag, and picking another task that cannot read the data says why."""

from playwright.sync_api import Page, expect


def test_sample_entities_shows_its_task_and_tags_coloured_over_the_words(page: Page):
    dataset = page.get_by_label("Dataset", exact=True)
    dataset.fill("sample:entities")
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_role("heading", name="sample:entities")).to_be_visible(timeout=60_000)

    expect(page.get_by_text("Task: token-classification, inferred from the columns")).to_be_visible(timeout=30_000)
    expect(page.get_by_label("Task", exact=True)).to_have_value("token-classification")

    person = page.locator('.task-row span.word[data-tag="B-PER"]').first
    expect(person).to_be_visible(timeout=30_000)
    assert person.evaluate("e => getComputedStyle(e).backgroundColor") not in ("", "rgba(0, 0, 0, 0)")
    outside = page.locator('.task-row span.word[title="O"]').first
    assert outside.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    expect(page.locator(".task-row")).to_have_count(20)  # the page shown, not the split

    page.get_by_role("button", name="Next ▶", exact=True).click()
    expect(page.locator(".task-row .row-no").first).to_have_text("#20", timeout=30_000)

    task = page.get_by_label("Task", exact=True)
    task.click()
    page.get_by_role("option", name="text-classification", exact=True).click()
    toast = page.get_by_test_id("toast-text").first
    expect(toast).to_contain_text("Task: the data cannot be read as text-classification", timeout=30_000)
