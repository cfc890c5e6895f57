"""Failed logins across all user names are bounded too: one attacker spraying many names (one or two guesses each,
under every name's own lock-out) is held to `global_failures` per window, refused at once, never slept on."""

import time

from engine.common.access import LoginThrottle, login_check


def test_failures_sprayed_over_many_names_lock_every_name_out_until_the_window_moves_on():
    now = [0.0]
    throttle = LoginThrottle(free_tries=5, global_failures=10, window_s=60.0, clock=lambda: now[0])
    check = login_check((("ada", "s3cret"),), throttle)

    for name in range(10):  # ten names, one wrong password each: no name reaches its own lock-out
        now[0] += 1.0
        assert not check(f"user{name}", "guess")
    assert throttle.locked_for("ada") == 51.0  # the first failure (t=1) leaves the window at t=61
    assert not check("ada", "s3cret")  # refused unchecked, the right password too, and not counted
    assert not check("user99", "guess")

    now[0] = 61.0  # the oldest failure has left the window: one place is free
    assert throttle.locked_for("ada") == 0
    assert check("ada", "s3cret")


def test_a_locked_out_login_is_answered_at_once_whatever_the_wait():
    throttle = LoginThrottle(global_failures=3, window_s=300.0)
    check = login_check((("ada", "s3cret"),), throttle)
    for name in ("a", "b", "c"):
        check(name, "guess")

    started = time.monotonic()
    assert [check(f"name{i}", "guess") for i in range(1_000)] == [False] * 1_000
    assert time.monotonic() - started < 1.0  # Gradio calls this in its event loop: it never sleeps
    assert throttle.locked_for("ada") > 299
