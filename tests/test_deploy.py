"""Deployment: the Dockerfile keeps the Spaces conventions, README.md is a valid Space, and `python app.py` serves.

No Docker engine runs here, so the Dockerfile is checked by reading it, and its install and start steps are replayed
in a clean venv as the Spaces user (uid 1000), which takes about a minute.
"""

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from engine.common import paths
from engine.common.paths import REPO_ROOT

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
    assert "install -d -o user -g user /data" in runs[0]  # a volume on /data starts writable for the user
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
    for path in [*(REPO_ROOT / "engine").rglob("*.py"), *(REPO_ROOT / "ui").rglob("*.py"), REPO_ROOT / "app.py"]:
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


def _serve_and_check(tmp_path: Path, python: str = sys.executable, app_dir: Path = REPO_ROOT, user=None) -> None:
    from tests.app.launch import app_py_environment, http_status, serve_app_py

    data_dir, home = tmp_path / "studio-data", tmp_path / "home"
    for folder in (data_dir, home):
        folder.mkdir(exist_ok=True)
        if user is not None:
            os.chown(folder, user, user)
    environ = app_py_environment(data_dir, HOME=str(home), STUDIO_AUTH="ada:s3cret")
    with serve_app_py(environ, tmp_path / "server.log", python=python, app_dir=app_dir, user=user) as served:
        url = served.url
        # STUDIO_AUTH reached launch(): nothing is served before a login, and the right password logs in.
        assert http_status(url + "/gradio_api/login_check") == 401
        wrong = urllib.parse.urlencode({"username": "ada", "password": "nope"}).encode()
        right = urllib.parse.urlencode({"username": "ada", "password": "s3cret"}).encode()
        assert http_status(url + "/login", wrong) == 400
        assert http_status(url + "/login", right) == 200
        # The data directory is the one the environment names, and the server could write to it.
        assert (data_dir / "studio.sqlite3").exists()


def test_python_app_py_serves_on_the_port_in_the_environment_behind_its_login(tmp_path):
    """Replays the Dockerfile's start step (`python app.py`, GRADIO_SERVER_PORT) with the installed interpreter."""
    _serve_and_check(tmp_path)


def _dockerfile_installs() -> list[list[str]]:
    """The Dockerfile's `pip install` commands, as a clean venv runs them on this offline machine.

    `--user` becomes the venv (the same resolution, another folder), and `--index-url "$TORCH_INDEX"` goes: the
    PyTorch index is out of reach here, and the registry this machine does reach serves the same CPU build for
    torch==2.13.0.
    """
    (install,) = [arg for kind, arg in _instructions() if kind == "RUN" and "-r requirements.txt" in arg]
    commands = []
    for command in install.split("&&"):
        words = command.split()
        assert words[:2] == ["pip", "install"], f"the install step runs more than pip: {command!r}"
        if "--index-url" in words:
            index = words.index("--index-url")
            del words[index : index + 2]
        commands.append([word for word in words if word != "--user"])
    return commands


def _dockerignored(root: Path):
    """A copytree ignore function for the patterns in .dockerignore (what `COPY . .` leaves out)."""
    patterns = [line.strip() for line in (root / ".dockerignore").read_text().splitlines() if line.strip()]

    def ignore(folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).relative_to(root)
        ignored = set()
        for name in names:
            path = (relative / name).as_posix()
            if any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(name, p.removeprefix("**/")) for p in patterns):
                ignored.add(name)
        return ignored

    return ignore


def _interpreter_for(uid: int) -> str | None:
    """A Python that `uid` can run and make venvs with: this one's base if it can, else the system's."""
    for candidate in dict.fromkeys([sys._base_executable, shutil.which("python3") or "", "/usr/bin/python3"]):
        if not candidate:
            continue
        try:
            probe = subprocess.run(
                [candidate, "-c", "import ensurepip, venv"], user=uid, capture_output=True, check=False, timeout=60
            )
        except (OSError, KeyError):  # KeyError: no such user; OSError: cannot reach the file
            continue
        if probe.returncode == 0:
            return candidate
    return None


def test_the_dockerfile_install_and_start_replayed_in_a_clean_venv_as_the_spaces_user():
    """No Docker engine runs here, so the image is replayed: uid 1000, a home of its own, requirements.txt
    copied alone, the Dockerfile's pip installs into a fresh venv, the source copied minus .dockerignore, then
    `python app.py`; it must serve behind its login and write its data. Only root can act as another user."""
    if os.geteuid() != 0:
        pytest.skip("not root here: cannot install and start as another user")
    python = _interpreter_for(NON_ROOT_UID)
    if python is None:
        pytest.skip(f"no Python here that uid {NON_ROOT_UID} can run (this one lives in {sys.executable})")
    # Not pytest's tmp_path: its parents are readable by root alone.
    root = Path(tempfile.mkdtemp(prefix="studio-image-"))
    try:
        root.chmod(0o755)
        home = root / "home"
        app_dir = home / "app"
        app_dir.mkdir(parents=True)
        shutil.copy(REPO_ROOT / "requirements.txt", app_dir)  # COPY requirements.txt .
        subprocess.run(["chown", "-R", f"{NON_ROOT_UID}:{NON_ROOT_UID}", str(root)], check=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON"))} | {
            "HOME": str(home),
            "PIP_NO_CACHE_DIR": "1",
            "PYTHONNOUSERSITE": "1",
        }
        venv = home / "venv"
        steps = [[python, "-m", "venv", str(venv)]]
        steps += [[str(venv / "bin" / "python"), "-m", *command] for command in _dockerfile_installs()]
        for step in steps:
            done = subprocess.run(
                step, cwd=app_dir, env=env, user=NON_ROOT_UID, capture_output=True, check=False, timeout=900
            )
            assert done.returncode == 0, f"{' '.join(step)} failed:\n{done.stderr.decode(errors='replace')[-3000:]}"

        # COPY --chown=user . .
        shutil.copytree(REPO_ROOT, app_dir, ignore=_dockerignored(REPO_ROOT), dirs_exist_ok=True)
        subprocess.run(["chown", "-R", f"{NON_ROOT_UID}:{NON_ROOT_UID}", str(app_dir)], check=True)

        _serve_and_check(root, python=str(venv / "bin" / "python"), app_dir=app_dir, user=NON_ROOT_UID)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_upload_limit_reaches_gradio_so_a_bigger_upload_is_refused_while_it_arrives(monkeypatch):
    import inspect

    import gradio as gr

    import app

    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "3")

    options = app.launch_options()

    assert options["max_file_size"] == 3 * 1024 * 1024
    assert "max_file_size" in inspect.signature(gr.Blocks.launch).parameters
