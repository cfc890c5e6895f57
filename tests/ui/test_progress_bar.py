"""ui.progress_bar: the bar's width, label and colour follow the job row."""

from dataclasses import replace

from engine.jobs.store import JobStore
from ui.progress_bar import COLOURS, progress_bar, progress_fraction


def _job(status: str, step: int, total: int | None):
    store = JobStore()
    job = store.create({"dataset": "sample:sentiment", "model": "scratch:tiny"})
    return replace(job, status=status, step=step, total_steps=total)


def test_a_running_job_fills_the_bar_to_its_share_of_steps():
    html = progress_bar(_job("running", 30, 120))

    assert 'aria-valuenow="25"' in html and "width:25.0%" in html
    assert "running: step 30/120 (25%)" in html
    assert COLOURS["running"] in html


def test_a_completed_job_is_full_even_when_early_stopping_ended_it_short():
    job = _job("completed", 40, 120)

    assert progress_fraction(job) == 1.0
    assert COLOURS["completed"] in progress_bar(job)


def test_a_job_without_a_step_total_yet_shows_an_empty_bar():
    html = progress_bar(_job("queued", 0, None))

    assert "width:0.0%" in html and "step 0/?" in html


def test_a_failed_job_is_drawn_in_red_and_no_job_draws_nothing():
    assert COLOURS["failed"] in progress_bar(_job("failed", 5, 10))
    assert progress_bar(None) == ""
