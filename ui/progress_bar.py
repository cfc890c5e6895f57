"""A job's progress as a bar: HTML drawn from the job row, so that a glance says how far a run is."""

from html import escape

from engine.jobs.store import CANCELLED, COMPLETED, FAILED, INTERRUPTED, PRUNED, QUEUED, RUNNING, Job

# Colours by status: the bar's colour says how the run ended without reading the text.
COLOURS = {
    QUEUED: "#9ca3af",
    RUNNING: "#3b82f6",
    COMPLETED: "#22c55e",
    FAILED: "#ef4444",
    CANCELLED: "#f59e0b",
    INTERRUPTED: "#f59e0b",
    PRUNED: "#f59e0b",  # stopped early by its sweep, like a user's stop
}


def progress_fraction(job: Job) -> float:
    """The share of planned optimizer steps done, 0 to 1 (1 for a completed job: early stopping ends it short)."""
    if job.status == COMPLETED:
        return 1.0
    if not job.total_steps:
        return 0.0
    return min(1.0, max(0.0, job.step / job.total_steps))


def progress_bar(job: Job | None) -> str:
    """An accessible progress bar (role="progressbar" with its value) labelled with step / total and percent."""
    if job is None:
        return ""
    fraction = progress_fraction(job)
    total = job.total_steps or "?"
    label = f"{job.status}: step {job.step}/{total} ({fraction:.0%})"
    colour = COLOURS.get(job.status, COLOURS[RUNNING])
    return (
        f'<div class="studio-progress" role="progressbar" aria-label="training progress" '
        f'aria-valuemin="0" aria-valuemax="100" aria-valuenow="{fraction * 100:.0f}" '
        f'style="background:#e5e7eb;border-radius:6px;height:22px;position:relative;overflow:hidden">'
        f'<div style="width:{fraction * 100:.1f}%;background:{colour};height:100%;transition:width 0.5s"></div>'
        f'<span style="position:absolute;inset:0;text-align:center;line-height:22px;font-size:13px;color:#111">'
        f"{escape(label)}</span></div>"
    )
