"""The app tests talk to a real launched server through `gradio_client`, as a script or another Space would."""

from collections.abc import Iterator

import pytest

from tests.app.launch import LaunchedStudio, StudioClient, keep_environment, launch_studio


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaunchedStudio]:
    """Finetune Studio launched for one test module, with its own data directory and no Hub.

    Module-scoped: without `__init__.py` files pytest's "package" scope is the whole session, and the environment
    the launch sets must be put back before other test folders run. A relaunch is fast; the import is done once.
    """
    with launch_studio(tmp_path_factory.mktemp("app-studio-data")) as launched:
        yield launched


@pytest.fixture(autouse=True)
def _studio_environment(studio: LaunchedStudio, monkeypatch: pytest.MonkeyPatch) -> None:
    keep_environment(studio, monkeypatch)


@pytest.fixture(scope="module")
def studio_url(studio: LaunchedStudio) -> str:
    """The launched app's address."""
    return studio.url


@pytest.fixture
def client(studio_url: str) -> StudioClient:
    """A fresh API client: one browser session, as if a page had just been opened."""
    return StudioClient(studio_url)
