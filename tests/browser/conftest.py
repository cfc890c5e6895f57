"""The browser tests drive the launched app in Debian's headless Chromium through Playwright (no download)."""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.app.launch import LaunchedStudio, keep_environment, launch_studio
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from ui.owner import COOKIE

VIEWPORT = {"width": 1280, "height": 900}
# A first call builds the scratch tokenizer, and an upload is read by a fresh child process (its imports alone take
# about 2 s idle): seconds on a quiet 2-core machine, measured at over 13 s for a 3-row CSV with the cores 3 times
# over-committed, where 15 s failed.
TIMEOUT_MS = 30_000

expect.set_options(timeout=TIMEOUT_MS)


def require_chromium() -> None:
    """Fail in CI, skip elsewhere, when the system Chromium is missing (Playwright's own download needs a network)."""
    if CHROMIUM.is_file():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaunchedStudio]:
    """Finetune Studio launched for one test module, with its own data directory and no Hub (see tests/app)."""
    require_chromium()
    with launch_studio(tmp_path_factory.mktemp("browser-studio-data")) as launched:
        yield launched


@pytest.fixture(autouse=True)
def _studio_environment(studio: LaunchedStudio, monkeypatch: pytest.MonkeyPatch) -> None:
    keep_environment(studio, monkeypatch)


@pytest.fixture(scope="module")
def browser(studio: LaunchedStudio) -> Iterator[Browser]:
    """Headless Debian Chromium, started once."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, studio: LaunchedStudio) -> Iterator[Page]:
    """The app freshly opened in its own browser context (a new session), 1280 pixels wide."""
    context = browser.new_context(viewport=VIEWPORT)
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    opened.goto(studio.url)
    # Ready as a visitor's page is once it has its owner key (ui/owner.py: a cookie set by the first load event):
    # an upload sent before is kept as the page's session's, which a reload does not carry over.
    opened.wait_for_function(f"document.cookie.includes('{COOKIE}=')")
    yield opened
    context.close()
