"""What the Train tab's Sweep panel does: estimate, start and stop a sweep over the Train form's run, show one, and
repeat the selected job with seeds (a sweep over the seed alone).

The sweep's base run is the Train form as it stands (`ui.train_actions.TRAIN_FORM`); the panel's own fields follow
it in the `/start_sweep` and `/estimate_sweep` endpoints (`SWEEP_FORM`).
"""

import gradio as gr
import pandas as pd

from engine.common.errors import StudioError
from engine.experiments.repeats import check_repeats, repeat_with_seeds
from engine.experiments.sweep_estimate import estimate_sweep
from engine.experiments.sweep_spec import SweepSpec, Vary, parse_vary
from engine.experiments.sweeps import StartedSweep, SweepReport, list_sweeps, start_sweep, stop_sweep, sweep_report
from engine.jobs.catalog import past_runs
from engine.jobs.queue import advance_queue
from engine.jobs.store import DatabaseBusyError, DatabaseUnavailableError
from ui import owner
from ui.errors import shows_errors
from ui.forms import Field, Form, number, optional_text
from ui.train_actions import TRAIN_FORM, train_config

PRUNE_CHOICES = {"auto": None, "on": True, "off": False}  # auto: on for tpe


def vary_lines(text: str | None) -> tuple[Vary, ...]:
    """The settings to vary, one per line (`learning_rate=1e-4,5e-4` or `learning_rate=1e-5:1e-3:log`).

    Raises:
        StudioError: a line the sweep cannot take, naming the box and the line.
    """
    varied = []
    for line_number, line in enumerate((text or "").splitlines(), start=1):
        if line.strip():
            try:
                varied.append(parse_vary(line.strip()))
            except StudioError as error:
                raise StudioError(f"Settings to vary, line {line_number}: {error}") from None
    return tuple(varied)


def _prune(value: str | None) -> bool | None:
    if value not in PRUNE_CHOICES:
        raise StudioError(f"Prune weak trials must be one of {', '.join(PRUNE_CHOICES)}, not {value!r}")
    return PRUNE_CHOICES[value]


# The panel's fields, after the Train form's in the sweep endpoints.
SWEEP_FORM = Form(
    Field("vary", vary_lines, label="Settings to vary"),
    Field("strategy"),
    Field("trials", number(minimum=1, maximum=100, whole=True, empty=None), label="Trials"),
    Field("seeds", number(minimum=1, maximum=10, whole=True, empty=1), label="Seeds"),
    Field("prune", _prune, label="Prune weak trials"),
    Field("sweep_name", optional_text),
)
FORM = Form(*TRAIN_FORM.fields, *SWEEP_FORM.fields)


def sweep_spec(form: dict) -> SweepSpec:
    """The sweep the Train form and the panel describe."""
    base = train_config({name: form[name] for name in TRAIN_FORM.names})
    return SweepSpec(
        base=base,
        vary=form["vary"],
        strategy=form["strategy"],
        trials=form["trials"],
        seeds=form["seeds"],
        name=form["sweep_name"],
        prune=form["prune"],
    )


@shows_errors
@FORM.listener
def estimate(form: dict) -> str:
    """Check the sweep as a start would, and say how many runs it makes and how long they train."""
    spec = sweep_spec(form)
    return f"{spec.describe()}. {estimate_sweep(spec, past_runs()).summary()}."


@shows_errors
@FORM.listener
def start(
    form: dict,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
):
    """Check the sweep and queue all its jobs; return the sweep picked in the list and its id with its job ids."""
    started = start_sweep(sweep_spec(form), requester=owner.requester(owner_key, request, profile))
    gr.Info(f"Sweep {started.sweep_id}: {len(started.job_ids)} jobs queued ({started.description})")
    return sweep_choices(started.sweep_id), {"sweep_id": started.sweep_id, "job_ids": started.job_ids}


def _repeat(job_id: int | None, seeds: float | None, owner_key, request, profile) -> StartedSweep:
    if job_id in (None, ""):
        raise StudioError("Job: select the job to repeat with seeds")
    try:
        count = check_repeats(seeds)
    except StudioError as error:
        raise StudioError(f"Repeats: {error}") from None
    return repeat_with_seeds(int(job_id), count, requester=owner.requester(owner_key, request, profile))


@shows_errors
def repeat_run(
    job_id: int,
    seeds: int = 3,
    owner_key: str | None = None,
    request: gr.Request = None,
    profile: gr.OAuthProfile | None = None,
) -> dict:
    """Repeat job `job_id`'s settings with `seeds` seeds (2 to 10; its own seed first) as a new sweep, owned by the
    caller. Returns `{"sweep_id", "name", "job_ids"}`, as `python -m engine repeat ID --seeds N --detach --json`."""
    started = _repeat(job_id, seeds, owner_key, request, profile)
    return {"sweep_id": started.sweep_id, "name": started.name, "job_ids": started.job_ids}


@shows_errors
def repeat(
    job_id: int | None,
    seeds: float | None,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
):
    """The "Repeat with seeds" button: the selected job repeated as a new sweep; the Sweep panel opened on it, a note
    naming it, and its id with its job ids."""
    started = _repeat(job_id, seeds, owner_key, request, profile)
    note = (
        f"Sweep #{started.sweep_id} ({started.name}) queued: jobs {', '.join(f'#{i}' for i in started.job_ids)}. "
        "Its summary gives the mean ± spread over the seeds; **Compare these runs** shows them side by side."
    )
    gr.Info(f"Sweep {started.sweep_id}: job {int(job_id)} repeated with {len(started.job_ids)} seeds")
    started_ids = {"sweep_id": started.sweep_id, "job_ids": started.job_ids}
    return gr.update(open=True), sweep_choices(started.sweep_id), note, started_ids


@shows_errors
def stop(
    sweep_id: int | None,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
) -> str:
    """Stop the whole sweep: queued trials are cancelled, running ones stop after their step."""
    if sweep_id is None:
        raise StudioError("Sweep: pick a sweep to stop")
    jobs = stop_sweep(int(sweep_id), requester=owner.requester(owner_key, request, profile))
    return f"Sweep {int(sweep_id)} stopping: " + ", ".join(f"job {job.id} {job.status}" for job in jobs)


def sweep_choices(selected: int | None = None):
    """The sweeps to pick from, newest first (the newest picked when none is)."""
    try:
        sweeps = list_sweeps()
    except (DatabaseUnavailableError, DatabaseBusyError):
        return gr.update(choices=[], value=None)
    choices = [(f"#{s['sweep_id']} · {s['name']}", s["sweep_id"]) for s in sweeps]
    if selected is None and sweeps:
        selected = sweeps[0]["sweep_id"]
    return gr.update(choices=choices, value=selected)


@shows_errors
def sweep_status(sweep_id: int) -> dict:
    """A sweep as JSON: its trials sorted by the metric, the best, the importance of each setting, the seeds."""
    advance_queue()
    return sweep_report(int(sweep_id)).to_dict()


def _summary(report: SweepReport) -> str:
    done = report.counts.get("completed", 0)
    counts = ", ".join(f"{n} {status}" for status, n in report.counts.items())
    lines = [f"### Sweep #{report.sweep_id} ({report.name}): {report.status}", f"{report.description}. {counts}."]
    if report.best is not None:
        settings = ", ".join(f"{name}={value}" for name, value in report.best.settings.items()) or "the base run"
        lines.append(
            f"**Best: job #{report.best.job_id}, {report.metric} {report.best.value:.4f}** with {settings} "
            f"({done} completed, ranked by {report.metric}, {'higher' if report.direction == 'maximize' else 'lower'}"
            " is better)."
        )
    if report.importance:
        shares = ", ".join(f"{name} {share:.0%}" for name, share in report.importance.items())
        lines.append(f"Importance of each setting ({report.importance_method}): {shares}.")
    for setting, rows in report.breakdown.items():
        means = ", ".join(f"{row['value']}: {row['mean']:.4f} ({row['runs']} runs)" for row in rows)
        lines.append(f"- {report.metric} by {setting}: {means}")
    for spread in report.seeds:
        settings = ", ".join(f"{name}={value}" for name, value in spread.settings.items()) or "the base run"
        lines.append(f"- {settings} over seeds: {report.metric} {spread.describe()}")
    return "\n\n".join(lines)


def _trials_table(report: SweepReport) -> pd.DataFrame:
    settings = list(report.trials[0].settings) if report.trials else []
    rows = [
        {
            "trial": row.number,
            "job": row.job_id,
            "status": row.status,
            report.metric: None if row.value is None else round(row.value, 4),
            **row.settings,
            "step": f"{row.step}/{row.total_steps or '?'}",
            "note": row.error or "",
        }
        for row in report.trials
    ]
    return pd.DataFrame(rows, columns=["trial", "job", "status", report.metric, *settings, "step", "note"])


def show(sweep_id: int | None):
    """The sweep view: the summary (status, best, importance, seeds) and the trials sorted by the metric."""
    if sweep_id is None:
        return "No sweep yet: fill the Train form, list the settings to vary and press **Start sweep**.", None
    try:
        report = sweep_report(int(sweep_id))
    except StudioError as error:
        return f"**Sweep #{sweep_id} cannot be read:** {error}", None
    return _summary(report), _trials_table(report)
