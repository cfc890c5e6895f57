"""Deployment: the Dockerfile keeps the Spaces conventions, README.md is a valid Space, and `python app.py` serves.

No Docker engine runs here and a fresh `pip install` takes minutes, so the Dockerfile is checked by reading it, and
the start step (`python app.py`) is replayed with the interpreter already installed.
"""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from engine import paths
from engine.paths import REPO_ROOT

START_TIMEOUT_S = 120.0
NON_ROOT_UID = 1000  # the Spaces user


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (REPO_ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_dockerfile_follows_the_spaces_conventions():
    steps = _instructions()
    kinds = [kind for kind, _ in steps]
    argument = dict(steps)

    assert re.fullmatch(r"python:3\.\d+-slim", argument["FROM"])
    runs = [arg for kind, arg in steps if kind == "RUN"]
    assert "useradd --create-home --uid 1000 user" in runs[0] and argument["USER"] == "user"
    assert argument["EXPOSE"] == "7860" and "GRADIO_SERVER_PORT=7860" in argument["ENV"]
    assert argument["CMD"] == '["python", "app.py"]' and kinds[-1] == "CMD"
    copies = [(i, arg) for i, (kind, arg) in enumerate(steps) if kind == "COPY"]
    installs = [i for i, (kind, arg) in enumerate(steps) if kind == "RUN" and "-r requirements.txt" in arg]
    (first_copy, first), (source_copy, source) = copies
    assert first.endswith("requirements.txt .") and source.endswith(". .")
    assert first_copy < installs[0] < source_copy  # requirements installed before the source: cached layers
    assert kinds.index("USER") < installs[0]  # installed by, and writable for, the non-root user
    assert "STUDIO_DATA_DIR" not in argument["ENV"]  # chosen at start: /data when the Space has persistent storage


def test_the_readme_front_matter_makes_the_repo_a_docker_space():
    text = (REPO_ROOT / "README.md").read_text()
    assert text.startswith("---\n")
    front = yaml.safe_load(text.split("---\n", 2)[1])

    assert front["sdk"] == "docker" and front["app_port"] == 7860 and front["pinned"] is False
    assert front["title"] and front["emoji"] and front["colorFrom"] and front["colorTo"]


def test_the_readme_documents_every_studio_variable_the_code_reads():
    read = set()
    for path in [*(REPO_ROOT / "engine").glob("*.py"), *(REPO_ROOT / "ui").glob("*.py"), REPO_ROOT / "app.py"]:
        read |= set(re.findall(r"\"(STUDIO_[A-Z_]+)\"", path.read_text()))
    settings_table = (REPO_ROOT / "README.md").read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]

    assert read, "no STUDIO_ variable found: the pattern is wrong"
    assert sorted(name for name in read if f"`{name}`" not in settings_table) == []


def test_without_studio_data_dir_data_goes_to_persistent_storage_when_there_is_some(tmp_path, monkeypatch):
    monkeypatch.delenv("STUDIO_DATA_DIR")
    monkeypatch.setattr(paths, "PERSISTENT_STORAGE", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    assert paths.data_dir() == tmp_path / "studio-data"

    (tmp_path / "data").mkdir()
    assert paths.data_dir() == tmp_path / "data" / "studio-data"


def _free_port() -> int:
    from tests.app.launch import free_port

    return free_port()


def _environment(data_dir: Path, port: int, home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("STUDIO_", "GRADIO_"))}
    return env | {
        "HOME": str(home),
        "STUDIO_DATA_DIR": str(data_dir),
        "STUDIO_AUTH": "ada:s3cret",
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "HF_ENDPOINT": f"http://127.0.0.1:{_free_port()}",  # the Hub is unreachable, as everywhere in the tests
        "GRADIO_ANALYTICS_ENABLED": "False",
    }


def _status(url: str, data: bytes | None = None) -> int:
    try:
        with urllib.request.urlopen(url, data=data, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _serve_and_check(tmp_path: Path, user: int | None = None) -> None:
    port, data_dir, home = _free_port(), tmp_path / "studio-data", tmp_path / "home"
    for folder in (data_dir, home):
        folder.mkdir()
        if user is not None:
            os.chown(folder, user, user)
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=REPO_ROOT,
        env=_environment(data_dir, port, home),
        stdout=log,
        stderr=subprocess.STDOUT,
        user=user,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if _status(url + "/") == 200:
                    break
            except OSError:  # not listening yet
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"python app.py did not answer on {url}:\n{(tmp_path / 'server.log').read_text()[-3000:]}")
        # STUDIO_AUTH reached launch(): nothing is served before a login, and the right password logs in.
        assert _status(url + "/gradio_api/login_check") == 401
        wrong = urllib.parse.urlencode({"username": "ada", "password": "nope"}).encode()
        right = urllib.parse.urlencode({"username": "ada", "password": "s3cret"}).encode()
        assert _status(url + "/login", wrong) == 400
        assert _status(url + "/login", right) == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_python_app_py_serves_on_the_port_in_the_environment_behind_its_login(tmp_path):
    """Replays the Dockerfile's start step (`python app.py`, GRADIO_SERVER_PORT) with the installed interpreter."""
    _serve_and_check(tmp_path)


def test_python_app_py_serves_as_the_non_root_spaces_user(tmp_path):
    """The same start as uid 1000, the user the Dockerfile and Spaces run as; only possible from root."""
    if os.geteuid() != 0:
        pytest.skip("not root here: cannot start the server as another user")
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import gradio"],
            cwd=REPO_ROOT,
            user=NON_ROOT_UID,
            capture_output=True,
            check=False,
            timeout=120,
        )
        reason = probe.stderr.decode(errors="replace").strip().splitlines()[-1:] if probe.returncode else None
    except (PermissionError, KeyError) as error:  # KeyError: no such user
        reason = str(error)
    if reason:
        pytest.skip(f"uid {NON_ROOT_UID} cannot run this interpreter ({sys.executable}): {reason}")
    tmp_path.chmod(0o777)
    _serve_and_check(tmp_path, user=NON_ROOT_UID)


def test_the_upload_limit_reaches_gradio_so_a_bigger_upload_is_refused_while_it_arrives(monkeypatch):
    import inspect

    import gradio as gr

    import app

    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "3")

    options = app.launch_options()

    assert options["max_file_size"] == 3 * 1024 * 1024
    assert "max_file_size" in inspect.signature(gr.Blocks.launch).parameters
