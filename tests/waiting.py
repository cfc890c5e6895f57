"""Waiting in tests: poll until a condition holds, or fail saying what never happened."""

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(condition: Callable[[], T], what: str, timeout_s: float, interval_s: float = 0.3) -> T:
    """Call `condition` every `interval_s` until it returns something truthy, and return that; fail the test
    after `timeout_s`, naming `what` was awaited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(interval_s)
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")
