"""Screenshots of Finetune Studio for the README, taken in headless Debian Chromium.

    python -m tests.browser.screenshot assets/screenshot.png [--train assets/screenshot-train.png]
                                                             [--tokenizer assets/screenshot-tokenizer.png]
                                                             [--try assets/screenshot-try.png]

The first is the Datasets tab after loading the default dataset (`sample:sentiment`). With `--train`, the second is
the Train tab after a short scratch:tiny run on it has finished, loss curve included. With `--tokenizer`, the
Tokenizer tab on a batch of three sentence pairs padded to the longest, compared with scratch:small. With `--try`
(and `--train`), the Try tab after evaluating that run on the test split. The app runs
with a throw-away data directory and no Hub, exactly as in the tests.

The README's one view per task (`shoot_task_prediction`, `shoot_task_checks`, `shoot_answer_windows`) are taken by
`tests/browser/test_story_entities.py`, clipped to the view and saved in 256 colours.
"""

import argparse
import io
import re
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import Locator, Page, expect, sync_playwright

from tests.app.launch import launch_studio
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

WIDTH = 1280
TRAIN_EPOCHS = "3"
TRAIN_TIMEOUT_MS = 300_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BLOCK = "xpath=ancestor::div[contains(concat(' ', @class, ' '), ' block ')][1]"  # the component a label names
TASK_INFERENCE_MS = 60_000  # the first task view of a server imports the task code (transformers)


def shoot_datasets_tab(page: Page, path: Path) -> None:
    """Load the default dataset and capture the whole page."""
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_text("Labels: negative, positive")).to_be_visible()
    expect(page.get_by_role("gridcell").first).to_be_visible()
    page.screenshot(path=str(path), full_page=True)


def shoot_train_tab(page: Page, path: Path) -> str:
    """Train scratch:tiny on the default dataset for a few epochs, capture the finished run and return its job id."""
    page.get_by_role("tab", name="Train").click()
    model = page.get_by_role("combobox", name="Model")
    model.fill("scratch:tiny")
    model.press("Enter")
    page.get_by_role("textbox", name="Epochs").fill(TRAIN_EPOCHS)
    page.get_by_role("button", name="Start training").click()
    finished = page.get_by_role("heading", name=re.compile(r"^Job #\d+: completed$"))
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT_MS)
    expect(page.get_by_text("Validation accuracy").first).to_be_visible()
    page.wait_for_timeout(3_000)  # one more refresh of the page's timer, so that the curve has every point
    page.screenshot(path=str(path), full_page=True)
    return re.search(r"#(\d+)", finished.inner_text()).group(1)


TOKENIZER_BATCH = (
    "The soup was cold, but the staff made up for it.\tThe waiter apologised twice.\n"
    "Tickets sold out in minutes.\tThe concert was a hit.\n"
    "Rain is expected tomorrow.\tBring an umbrella."
)


def shoot_tokenizer_tab(page: Page, path: Path) -> None:
    """Tokenize a batch of pairs, padded to the longest, compared with scratch:small, and capture the tab."""
    page.get_by_role("tab", name="Tokenizer").click()
    page.get_by_role("textbox", name="Text", exact=True).fill(TOKENIZER_BATCH)
    page.get_by_role("textbox", name="Second text (optional, for sentence pairs)").fill("")  # pairs are on the lines
    page.get_by_role("checkbox", name="Batch: one text per line").check()
    page.get_by_role("radio", name="longest", exact=True).check()
    compare = page.get_by_role("combobox", name="Compare with (optional)")
    compare.fill("scratch:small")
    compare.press("Enter")
    page.get_by_role("button", name="Tokenize", exact=True).click()
    expect(page.get_by_text(re.compile(r"^\d+ tokens for \d+ characters"))).to_be_visible()
    expect(page.get_by_text("span(s) split differently")).to_be_visible()
    page.wait_for_timeout(1_000)  # let the heatmaps finish drawing
    page.screenshot(path=str(path), full_page=True)


def shoot_try_tab(page: Page, path: Path, job: str) -> None:
    """Evaluate the finished run `job` (its id) on the test split, and capture the Try tab's Evaluate view."""
    page.get_by_role("tab", name="Try").click()
    model = page.get_by_role("combobox", name="Model")
    model.fill(f"job:{job}")
    model.press("Enter")
    page.get_by_role("tab", name="Evaluate").click()
    page.get_by_role("button", name="Evaluate", exact=True).click()
    expect(page.get_by_text(re.compile(r"on the test split of .*accuracy"))).to_be_visible()
    page.wait_for_timeout(1_000)  # let the confusion matrix and the reliability diagram finish drawing
    page.screenshot(path=str(path), full_page=True)


def save_small_png(page: Page, path: Path, top: Locator, bottom: Locator) -> None:
    """Capture the page from the top of `top` to the bottom of `bottom`, full width, as a PNG of at most 256
    colours: the README's task screenshots show one view each, at a third of a full-colour capture's size with the
    text as sharp (the page is flat colours, the plots a few lines)."""
    page.wait_for_timeout(1_500)  # let the plots, highlights and tables finish drawing
    # Page coordinates (a full-page clip is measured from the top of the page, not of the viewport).
    start = top.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    end = bottom.evaluate("e => e.getBoundingClientRect().bottom + window.scrollY")
    clip = {"x": 0, "y": max(start - 12, 0), "width": WIDTH, "height": end - start + 24}
    captured = Image.open(io.BytesIO(page.screenshot(full_page=True, clip=clip)))
    captured.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def shoot_task_prediction(page: Page, path: Path) -> None:
    """Capture the Try tab's prediction of another task, from the model picker to the details table."""
    top = page.get_by_role("combobox", name="Model", exact=True)
    save_small_png(page, path, top, page.get_by_text("Details", exact=True).locator(BLOCK))


def shoot_task_checks(page: Page, path: Path, source: str, checked: str) -> None:
    """Load `source` in the Datasets tab, run its task's checks, wait for the text that starts with `checked`
    ("Multi-label", "Regression target") and capture the task and its checks (counts, plots, rows)."""
    page.get_by_role("tab", name="Datasets").click()
    page.get_by_label("Dataset", exact=True).filter(visible=True).fill(source)  # the Train tab has one too
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_role("heading", name=source)).to_be_visible(timeout=TASK_INFERENCE_MS)
    inferred = page.get_by_text(re.compile(r"^Task: .*, inferred from the columns"))
    expect(inferred).to_be_visible(timeout=TASK_INFERENCE_MS)
    page.get_by_role("tab", name="Check", exact=True).click()
    page.get_by_role("button", name="Check for the task").click()
    expect(page.get_by_text(re.compile(rf"^{checked}, [\d,]+ rows"))).to_be_visible(timeout=TASK_INFERENCE_MS)
    top = page.get_by_text(re.compile(r"^Task checks"))
    save_small_png(page, path, top, page.get_by_text("Rows to look at", exact=True).locator(BLOCK))


def shoot_answer_windows(page: Page, path: Path) -> None:
    """Open the Tokenizer tab's answer windows view on a row of sample:questions and capture it."""
    page.get_by_role("tab", name="Tokenizer").click()
    accordion = page.get_by_text("Answer windows (question answering)")
    accordion.click()
    page.get_by_role("button", name="Load row").last.click()  # sample:questions, validation row 0
    expect(page.get_by_text(re.compile(r"is whole in window\(s\) \d"))).to_be_visible(timeout=TASK_INFERENCE_MS)
    table = page.get_by_text("Each window: the context it covers and the answer", exact=True).locator(BLOCK)
    save_small_png(page, path, accordion, table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="PNG of the Datasets tab")
    parser.add_argument("--train", type=Path, help="also a PNG of the Train tab after a short run")
    parser.add_argument("--tokenizer", type=Path, help="also a PNG of the Tokenizer tab on a batch of pairs")
    parser.add_argument("--try", dest="try_tab", type=Path, help="with --train: a PNG of the run's evaluation")
    args = parser.parse_args(argv)
    if args.try_tab and not args.train:
        parser.error("--try evaluates the run that --train makes: give both")
    if not CHROMIUM.is_file():
        print(f"{CHROMIUM} is missing: install Debian's chromium package", file=sys.stderr)
        return 1
    with (
        tempfile.TemporaryDirectory(prefix="studio-screenshot-") as data_dir,
        launch_studio(Path(data_dir)) as studio,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        page.goto(studio.url)
        shoot_datasets_tab(page, args.out)
        print(f"wrote {args.out}")
        if args.train:
            job = shoot_train_tab(page, args.train)
            print(f"wrote {args.train}")
        if args.tokenizer:
            shoot_tokenizer_tab(page, args.tokenizer)
            print(f"wrote {args.tokenizer}")
        if args.try_tab:
            shoot_try_tab(page, args.try_tab, job)
            print(f"wrote {args.try_tab}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
