"""The Train tab in Chromium for a task other than text classification: sample:entities presets token
classification, shows its words and tags pickers and its options, and the run it starts ends with an entity F1."""

import re

from playwright.sync_api import Page, expect

FIRST_INFERENCE_MS = 60_000
TRAIN_TIMEOUT_MS = 300_000  # 2 epochs of scratch:tiny on 800 sentences: under a minute idle, minutes when busy


def choose(page: Page, name: str, value: str) -> None:
    field = page.get_by_role("combobox", name=name, exact=True)
    field.fill(value)
    field.press("Enter")


def test_entities_preset_token_classification_with_its_columns_and_train_to_an_entity_f1(page: Page):
    page.get_by_role("tab", name="Train").click()
    task = page.get_by_role("combobox", name="Task", exact=True)
    expect(task).to_have_value("text-classification")  # what the first dataset, sample:sentiment, suggests
    expect(page.get_by_role("combobox", name="Text column", exact=True)).to_be_visible()

    choose(page, "Dataset", "sample:entities")

    # The first dataset chosen loads the task engine (transformers) to infer its task: 11 s on 2 busy cores.
    expect(task).to_have_value("token-classification", timeout=FIRST_INFERENCE_MS)
    expect(page.get_by_role("combobox", name="Words column", exact=True)).to_have_value("tokens")
    expect(page.get_by_role("combobox", name="Tags column", exact=True)).to_have_value("ner_tags")
    expect(page.get_by_role("combobox", name="Text column", exact=True)).to_be_hidden()
    expect(page.get_by_role("checkbox", name="Label every sub-word")).to_be_visible()
    expect(page.get_by_role("spinbutton", name="Threshold")).to_be_hidden()  # multi-label's option

    choose(page, "Model", "scratch:tiny")
    page.get_by_role("textbox", name="Epochs").fill("2")
    page.get_by_role("button", name="Start training").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Job #\d+: completed$"))).to_be_visible(
        timeout=TRAIN_TIMEOUT_MS
    )
    expect(page.get_by_text(re.compile(r"Validation F1 \(entities\) \d\.\d{3}")).first).to_be_visible()
