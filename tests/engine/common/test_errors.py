"""User errors against bugs: the `StudioError` hierarchy, how the app shows each (`shows_errors`) and the CLI's exit
codes (2 for the user's mistake, 1 with a traceback for a bug)."""

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest

from engine.cli import main as cli
from engine.common.errors import (
    USER_ERRORS,
    HubUnreachableError,
    MissingFileError,
    NotAllowedError,
    NotFoundError,
    StudioError,
)
from tests.cli.conftest import run_main
from ui.errors import shows_errors

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("error", "builtins"),
    [
        (StudioError("x"), (ValueError,)),
        (NotFoundError("x"), (LookupError, ValueError)),
        (MissingFileError("x"), (FileNotFoundError, OSError, ValueError)),
        (NotAllowedError("x"), (ValueError,)),
        (HubUnreachableError("x"), (ConnectionError, OSError, ValueError)),
    ],
)
def test_every_user_error_is_a_studio_error_and_the_builtin_a_caller_expects(error, builtins):
    assert isinstance(error, StudioError) and isinstance(error, USER_ERRORS)
    for builtin in builtins:
        assert isinstance(error, builtin)


def _bug(error: Exception):
    return pytest.param(error, id=type(error).__name__)


BUGS = [_bug(KeyError("secret internal key")), _bug(TypeError("secret internal key")), _bug(ValueError("secret"))]


@pytest.mark.parametrize("bug", [*BUGS, _bug(LookupError("x")), _bug(FileNotFoundError("/x"))])
def test_a_builtin_error_is_not_a_user_error(bug):
    assert not isinstance(bug, USER_ERRORS)


def test_the_app_shows_a_user_error_as_its_message():
    @shows_errors
    def listener():
        raise NotFoundError("no split 'dev'; splits are train, test")

    with pytest.raises(gr.Error) as raised:
        listener()
    assert raised.value.message == "no split 'dev'; splits are train, test"


@pytest.mark.parametrize("bug", BUGS)
def test_the_app_shows_a_bug_as_an_internal_error_whose_id_is_in_the_log(bug, caplog: pytest.LogCaptureFixture):
    @shows_errors
    def listener():
        raise bug  # e.g. a KeyError from a bug: not the user's fault

    with caplog.at_level(logging.ERROR, logger="ui.errors"), pytest.raises(gr.Error) as raised:
        listener()
    message = raised.value.message
    match = re.fullmatch(r"Internal error ([0-9a-f]{8}): .*Details are in the server log under that id\.", message)
    assert match, message
    assert type(bug).__name__ not in message and "secret" not in message and "Traceback" not in message
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.exc_info and record.exc_info[1] is bug  # the traceback is in the log, under that id
    assert "listener" in record.getMessage()


def test_each_bug_gets_its_own_incident_id():
    @shows_errors
    def listener():
        raise RuntimeError("boom")

    ids = set()
    for _ in range(3):
        with pytest.raises(gr.Error) as raised:
            listener()
        ids.add(raised.value.message.split(":")[0])
    assert len(ids) == 3


def test_the_cli_ends_a_user_error_with_one_line_and_exit_code_2(capsys: pytest.CaptureFixture, tmp_path: Path):
    code, out, err = run_main(capsys, "rows", str(tmp_path / "missing.csv"))
    assert code == 2
    assert err == f"error: no such file or folder: {tmp_path / 'missing.csv'}\n"
    assert out == ""


def test_the_cli_lets_a_bug_raise_in_process(monkeypatch: pytest.MonkeyPatch):
    def buggy(args):
        return args.no_such_option  # an AttributeError: a bug, not the user's mistake

    monkeypatch.setattr(cli, "cmd_jobs", buggy)
    with pytest.raises(AttributeError):  # not turned into `error: ...` and exit code 2
        cli.main(["jobs"])


def test_the_cli_ends_a_bug_with_its_traceback_and_exit_code_1(tmp_path: Path):
    script = (
        "import sys\n"
        "from engine.cli import main as cli\n"
        "def buggy(args):\n"
        "    return args.no_such_option\n"
        "cli.cmd_jobs = buggy\n"
        "sys.exit(cli.main(['jobs']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "AttributeError" in done.stderr
    assert not any(line.startswith("error: ") for line in done.stderr.splitlines())
