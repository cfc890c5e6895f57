"""Launch Finetune Studio in this process on a free local port: for the app tests, the browser tests and screenshots.

Each launch builds its own Blocks with `app.build_demo()` (what `app.demo` is) and launches it the way `python app.py`
does, so two launches never share a server or a queue. The app reads its settings from the environment on every call
(`STUDIO_DATA_DIR`, `HF_ENDPOINT`), and the training child inherits it, so the launch sets them for as long as the
server runs and puts the old values back afterwards. The Hub is always out of reach (`HF_ENDPOINT` is a local port
nothing listens on): the tests behave the same on a laptop, in CI and on a machine with a network.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from gradio_client import Client

from tests.waiting import wait_until

HOST = "127.0.0.1"
CONCURRENCY = 4  # as `python app.py` launches it
CALL_TIMEOUT_S = 120.0  # no single call takes this long: a test that waits longer has found a hang
# A job still running when the server closes is waited for this long, then its process group is stopped.
JOB_GRACE_S = 60.0


def free_port() -> int:
    """Return a local TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def studio_environment(data_dir: Path) -> dict[str, str | None]:
    """The variables the server and its training children read; None means "unset"."""
    return {
        "STUDIO_DATA_DIR": str(data_dir),
        "HF_ENDPOINT": f"http://{HOST}:{free_port()}",  # connection refused at once: the Hub is unreachable
        "HF_HUB_OFFLINE": None,  # unset, so that errors name the unreachable endpoint whatever the machine says
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_TEMP_DIR": str(data_dir / "gradio-uploads"),
        "TOKENIZERS_PARALLELISM": "false",
    }


def app_py_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `python app.py` child: this process's without its STUDIO_ and GRADIO_ settings, with
    `studio_environment(data_dir)` applied, listening on HOST at a free port, then `extra` on top."""
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("STUDIO_", "GRADIO_"))}
    environ |= {"GRADIO_SERVER_NAME": HOST, "GRADIO_SERVER_PORT": str(free_port())}
    for name, value in studio_environment(data_dir).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return environ | extra


@dataclass(frozen=True)
class LaunchedStudio:
    """A running app: its address, its data directory and the environment it runs with."""

    url: str
    data_dir: Path
    environ: dict[str, str | None]

    @property
    def database(self) -> Path:
        return self.data_dir / "studio.sqlite3"


def _apply(environ: dict[str, str | None]) -> dict[str, str | None]:
    saved = {name: os.environ.get(name) for name in environ}
    for name, value in environ.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    return saved


def stop_jobs(database: Path) -> None:
    """Wait for the jobs this server started, then stop the process group of any still running."""
    if not database.is_file():
        return
    from engine.jobs.process import pid_alive
    from engine.jobs.store import ACTIVE, JobStore

    store = JobStore(database)
    deadline = time.monotonic() + JOB_GRACE_S
    while any(job.status in ACTIVE and pid_alive(job.pid) for job in store.list()) and time.monotonic() < deadline:
        time.sleep(0.5)
    for job in store.list():
        if job.status in ACTIVE and pid_alive(job.pid):
            with suppress(ProcessLookupError):  # it may end between the check and the signal
                os.killpg(job.pid, signal.SIGTERM)  # each job runs in its own session: its pid is its group id


@contextmanager
def launch_studio(data_dir: Path) -> Iterator[LaunchedStudio]:
    """Run the app with its queue on a free port, with `data_dir` as its data directory; yield its address."""
    data_dir.mkdir(parents=True, exist_ok=True)
    environ = studio_environment(data_dir)
    saved = _apply(environ)
    try:
        import app
        import engine.common.hub

        engine.common.hub._last_success = 0.0  # forget a Hub check made before the endpoint changed
        demo = app.build_demo()
        _, url, _ = demo.queue(default_concurrency_limit=CONCURRENCY).launch(
            prevent_thread_lock=True,
            server_name=HOST,
            server_port=free_port(),
            quiet=True,
            theme=app.THEME,
            css=app.CSS,
        )
        try:
            yield LaunchedStudio(url=url.rstrip("/"), data_dir=data_dir, environ=environ)
        finally:
            demo.close(verbose=False)
            stop_jobs(data_dir / "studio.sqlite3")
    finally:
        _apply(saved)


def http_status(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    """The HTTP status of a GET (or a form POST with `data`), without following redirects."""

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.build_opener(NoRedirects).open(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass(frozen=True)
class ServedApp:
    """`python app.py` running: its address and its process id."""

    url: str
    pid: int


@contextmanager
def serve_app_py(
    environ: dict[str, str],
    log_path: Path,
    python: str = sys.executable,
    app_dir: Path | None = None,
    user: int | None = None,
    start_timeout_s: float = 120.0,
) -> Iterator[ServedApp]:
    """Start `python app.py` (the Dockerfile's CMD) in its own process with `environ`, and yield its address and
    pid once it answers; `GRADIO_SERVER_PORT` in `environ` chooses the port. Everything it prints goes to
    `log_path`."""
    from engine.common.paths import REPO_ROOT

    url = f"http://{HOST}:{environ['GRADIO_SERVER_PORT']}"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [python, "app.py"], cwd=app_dir or REPO_ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT, user=user
        )
        try:
            deadline = time.monotonic() + start_timeout_s
            while time.monotonic() < deadline and server.poll() is None:
                with suppress(OSError):  # not listening yet
                    if http_status(url + "/") == 200:
                        break
                time.sleep(0.5)
            else:
                raise AssertionError(f"python app.py did not answer on {url}:\n{log_path.read_text()[-3000:]}")
            yield ServedApp(url=url, pid=server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)


def wait_for_status(client: Client, job_id: int, condition, what: str, timeout_s: float, interval_s=0.5) -> dict:
    """Poll `/job_status` until `condition(status)` holds and return that status; fail after `timeout_s`."""

    def status_if_met() -> dict | None:
        status = client.predict(job_id, api_name="/job_status")
        return status if condition(status) else None

    return wait_until(status_if_met, what, timeout_s, interval_s)


class StudioClient(Client):
    """A `gradio_client.Client` whose calls give up after `CALL_TIMEOUT_S`: a stuck queue fails a test, not the run."""

    def __init__(self, url: str) -> None:
        super().__init__(url, verbose=False)

    def predict(self, *args, api_name: str | None = None, **kwargs):
        return self.submit(*args, api_name=api_name, **kwargs).result(timeout=CALL_TIMEOUT_S)


def keep_environment(studio: LaunchedStudio, monkeypatch) -> None:
    """Give one test the server's environment: a shared fixture may point `STUDIO_DATA_DIR` elsewhere per test."""
    import engine.common.hub

    for name, value in studio.environ.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(engine.common.hub, "_last_success", 0.0)
