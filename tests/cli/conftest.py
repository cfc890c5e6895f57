"""Shared by the CLI tests: running `python -m engine`'s `main()` in this process."""

import pytest

from engine.cli.main import main


def run_main(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """Run `main(ARGS)` here and return (exit code, stdout, stderr): no new interpreter to pay for."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: trains a model for tens of seconds on 2 cores")
