"""`Job.log_tail` reads a log from its end: the last lines of a log of any size come back at once, exactly as a
whole read would give them (progress bars' carriage returns, a last line without its newline, UTF-8 across blocks)."""

import time

import pytest

from engine.jobs.store import LOG_BLOCK

CONFIG = {"dataset": "sample:topics", "model": "scratch:tiny", "epochs": 1.0}


def _whole_read(path, lines: int) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.mark.parametrize(
    "text",
    [
        "one line, no newline",
        "a\nb\nc\n",
        "\n\n\n",
        "step 1\rstep 2\rstep 3\r\nsaved\r\n" * 3,
        "".join(f"ligne {i}: déjà vu ✓\n" for i in range(20_000)),  # many blocks, characters cut between them
        "x" * (3 * LOG_BLOCK) + "\nlast",  # one line longer than a block
    ],
)
@pytest.mark.parametrize("lines", [1, 5, 20])
def test_the_tail_is_what_a_whole_read_gives(store, text, lines):
    job = store.create(CONFIG)
    job.log_path.write_text(text, newline="")
    assert job.log_tail(lines) == _whole_read(job.log_path, lines)


def test_the_tail_of_a_one_gigabyte_log_comes_back_at_once(store):
    job = store.create(CONFIG)
    with job.log_path.open("wb") as log:
        log.truncate(2**30)  # sparse: a gigabyte to the file system, nothing written
        log.seek(2**30)
        log.write("".join(f"step {i}\n" for i in range(100)).encode())
    started = time.monotonic()

    tail = job.log_tail(3)

    assert time.monotonic() - started < 0.5  # a whole read takes seconds and a gigabyte of memory
    assert tail == "step 97\nstep 98\nstep 99"
