"""The README's "Five minutes in the browser", run in Chromium exactly as written.

The steps are read from README.md, not copied here, so the README and this test cannot drift apart: in each numbered
step, "Open **X**" clicks the tab X, "Press **X**" the button X, "Pick `v` in **X**" chooses v in the dropdown X,
"Type `v` in **X**" fills the text box X, "**X** shows `v`" checks that the dropdown X holds v, and every "quoted
text" must then be on the page (case-sensitive), in the order the step says them. Every other field keeps the page's
default. A fresh data directory per module makes the run the README trains `Job #1`.
"""

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from engine.common.paths import REPO_ROOT
from tests.browser.conftest import TIMEOUT_MS

README = REPO_ROOT / "README.md"
SECTION = "## Five minutes in the browser"
TRAIN_TIMEOUT_MS = 300_000  # a 3-epoch scratch:tiny run: about 10 s idle, minutes on a busy 2-core machine
SLOW_BUTTONS = {"Start training"}  # what the README says after pressing one of these may take TRAIN_TIMEOUT_MS
TABS = ("Tokenizer", "Train", "Try")  # the tabs the walkthrough must open, in this order (Datasets is open at first)

MOVE = re.compile(
    r"\b(?P<click>[Oo]pen|[Pp]ress) \*\*(?P<target>[^*]+)\*\*"
    r"|\b(?P<put>[Pp]ick|[Tt]ype) `(?P<value>[^`]+)` in \*\*(?P<field>[^*]+)\*\*"
    r"|\*\*(?P<shown>[^*]+)\*\* shows `(?P<holds>[^`]+)`"
    r'|"(?P<seen>[^"]+)"'
)
STEP_START = re.compile(r"^(\d+)\. ")
IMAGE = re.compile(r"!\[[^\]]*\]\((?P<path>[^)]+)\)")


@dataclass(frozen=True)
class Move:
    """One thing the README tells the visitor to do ("open", "press", "pick", "type") or to see ("shows", "see")."""

    verb: str
    target: str
    value: str = ""


@dataclass(frozen=True)
class Step:
    number: int
    text: str
    moves: tuple[Move, ...]
    images: tuple[str, ...]


def walkthrough_steps(readme: str) -> list[Step]:
    """The numbered steps of the README's walkthrough section, each with its moves in reading order."""
    assert SECTION in readme, f"README.md has no '{SECTION}' section"
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    chunks: list[tuple[int, list[str]]] = []
    for line in section.splitlines():
        start = STEP_START.match(line)
        if start:
            chunks.append((int(start.group(1)), [line[start.end() :]]))
        elif chunks and (line.startswith("   ") or not line.strip()):
            chunks[-1][1].append(line.strip())
        elif chunks:
            break  # the list ended
    steps = []
    for number, lines in chunks:
        text = " ".join(line for line in lines if line)
        moves = tuple(_move(match) for match in MOVE.finditer(IMAGE.sub("", text)))
        steps.append(Step(number, text, moves, tuple(match["path"] for match in IMAGE.finditer(text))))
    return steps


def _move(match: re.Match) -> Move:
    if match["click"]:
        return Move(match["click"].lower(), match["target"])
    if match["put"]:
        return Move(match["put"].lower(), match["field"], match["value"])
    if match["shown"]:
        return Move("shows", match["shown"], match["holds"])
    return Move("see", match["seen"])


def _text_box(page: Page, label: str) -> Locator:
    # A text box's accessible name is its label followed by its hint ("Epochs empty or 0: ..."): match the start.
    return page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}\b"))


def perform(page: Page, move: Move, timeout_ms: float) -> None:
    """Do one move in the page; role locators see only what is shown, so a label of a hidden tab is not matched.
    A text to see may take `timeout_ms` to appear."""
    if move.verb == "open":
        page.get_by_role("tab", name=move.target, exact=True).click()
    elif move.verb == "press":
        page.get_by_role("button", name=move.target, exact=True).click()
    elif move.verb == "pick":
        field = page.get_by_role("combobox", name=move.target, exact=True)
        field.click()  # opening it offers the current choices (the Try tab lists the finished runs on focus)
        expect(page.get_by_role("option", name=move.value, exact=True).first).to_be_visible()
        field.fill(move.value)
        field.press("Enter")
        expect(field).to_have_value(move.value)
    elif move.verb == "type":
        _text_box(page, move.target).fill(move.value)
    elif move.verb == "shows":
        expect(page.get_by_role("combobox", name=move.target, exact=True)).to_have_value(move.value)
    else:
        shown = page.get_by_text(re.compile(re.escape(move.target))).filter(visible=True).first
        expect(shown).to_be_visible(timeout=timeout_ms)


def test_the_readme_walkthrough_is_four_steps_through_the_tabs_each_doing_and_showing_something():
    steps = walkthrough_steps(README.read_text())

    assert [step.number for step in steps] == [1, 2, 3, 4]
    opened = [move.target for step in steps for move in step.moves if move.verb == "open"]
    assert [tab for tab in opened if tab in TABS + ("Datasets",)] == list(TABS)
    for step in steps:
        verbs = [move.verb for move in step.moves]
        assert "press" in verbs and "see" in verbs, f"step {step.number} presses nothing or shows nothing: {step.text}"
        assert verbs[-1] == "see", f"step {step.number} ends on an action whose result it does not state"
        assert step.images, f"step {step.number} has no screenshot"
        for image in step.images:
            assert (REPO_ROOT / image).is_file(), image


def test_a_newcomer_follows_the_readme_walkthrough_from_load_to_evaluation(page: Page):
    for step in walkthrough_steps(README.read_text()):
        timeout_ms = TIMEOUT_MS
        for move in step.moves:
            if move.verb == "press":
                timeout_ms = TRAIN_TIMEOUT_MS if move.target in SLOW_BUTTONS else TIMEOUT_MS
            perform(page, move, timeout_ms)
        # Error and warning pop-ups only: starting a job also says "Job 1 running" in an info pop-up, still open
        # when a quick run has finished.
        errors = page.locator(".toast-body.error, .toast-body.warning").get_by_test_id("toast-text").all_inner_texts()
        assert errors == [], f"step {step.number} left a message: {errors}"


def test_the_walkthrough_parser_reads_each_move_in_order():
    readme = (
        f'{SECTION}\n\nIntro with a "quote" that is not a step.\n\n'
        "1. **A.** Open **Train**: **Text column** shows `text`; pick `scratch:tiny` in **Model**, type `3` in\n"
        '   **Epochs** and press **Start training**: "Job #1: completed".\n\n'
        "   ![shot](assets/x.png)\n\n"
        '2. Press **Load**: "Labels".\n'
        "Not part of the list.\n\n## Next\n\n3. Press **Elsewhere**.\n"
    )

    steps = walkthrough_steps(readme)

    assert [step.moves for step in steps] == [
        (
            Move("open", "Train"),
            Move("shows", "Text column", "text"),
            Move("pick", "Model", "scratch:tiny"),
            Move("type", "Epochs", "3"),
            Move("press", "Start training"),
            Move("see", "Job #1: completed"),
        ),
        (Move("press", "Load"), Move("see", "Labels")),
    ]
    assert steps[0].images == ("assets/x.png",) and steps[1].images == ()
