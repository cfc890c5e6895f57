"""The run's stop poll: a database read throttled to once a second, a stop once seen never forgotten."""

from engine.training import progress
from engine.training.progress import throttled


def test_a_throttled_check_is_asked_at_most_once_per_interval_and_keeps_a_stop(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    answers, calls = iter([False, True, False]), []

    def check():
        calls.append(now[0])
        return next(answers)

    poll = throttled(check, seconds=1.0)
    assert poll() is False and calls == [100.0]  # asked at once: a stop sent before the run began is seen
    now[0] = 100.5
    assert poll() is False and calls == [100.0]  # within the second: the last answer, no read
    now[0] = 101.0
    assert poll() is True and calls == [100.0, 101.0]
    now[0] = 105.0
    assert poll() is True and calls == [100.0, 101.0]  # a stop is not taken back
