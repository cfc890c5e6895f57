"""What the Train tab's buttons do: validate and start a job, re-attach to it, stop, resume, clone and delete it."""

import gradio as gr
import pandas as pd

from engine.common.access import Requester, hide_server_paths, may_see_server_paths
from engine.common.errors import USER_ERRORS, StudioError
from engine.jobs.actions import clone_job, delete_job, resume_job, start_job, stop_job
from engine.jobs.catalog import job_reproduction, past_runs, run_speed
from engine.jobs.process import check_alive
from engine.jobs.queue import advance_queue
from engine.jobs.store import (
    ACTIVE,
    COMPLETED,
    QUEUED,
    RUNNING,
    DatabaseBusyError,
    DatabaseUnavailableError,
    Job,
    JobStore,
    config_difference,
)
from engine.training.config import TASK_METRICS, TrainConfig
from engine.training.plan import plan_training
from engine.training.presets import PRESETS, apply_preset
from engine.training.task_settings import (
    ALL_ROLES,
    BEST_METRICS,
    CHARTED_METRICS,
    NAMED_ROLE_FIELDS,
    TEXT_CLASSIFICATION,
    config_values,
    metric_title,
    role_field,
    roles_of,
    suggested_task,
)
from ui import owner
from ui.column_pickers import filled, layout_of
from ui.errors import shows_errors
from ui.forms import Field, Form, number, optional_text, stripped
from ui.plots.training import loss_curve, metrics_curve
from ui.progress_bar import progress_bar
from ui.task_options_panel import DETECTED, OPTION_TASKS
from ui.train_log import readable_log

DIFF_COLUMNS = ["setting", "this job", "compared job"]


def _patience(value: float | None) -> int | None:
    # Empty (or 0, as older scripts send) is "no early stopping"; a fraction is refused by the config, named.
    return None if not value else int(value) if float(value).is_integer() else value


# The roles whose columns are not text classification's own fields: `columns` in the config.
TASK_ROLE_COLUMNS = tuple(role for role in ALL_ROLES if role not in NAMED_ROLE_FIELDS)


def _detected(value: str | None) -> str | None:
    # "auto" (or nothing): the task reads it from the data.
    return None if not value or value == DETECTED else value


# The Train form, in the order of the public `/start_training` and `/plan_training` endpoints: each name is the
# `TrainConfig` field it sets. Append new fields at the end, so that scripts calling the endpoints positionally work.
TRAIN_FORM = Form(
    Field("dataset", stripped),
    Field("dataset_config", optional_text),
    Field("text_column", optional_text),
    Field("text_pair_column", optional_text),
    Field("label_column", optional_text),
    Field("model", stripped),
    # Empty epochs and learning rate: the model's defaults (their ranges are checked by `TrainConfig`).
    Field("epochs", number(empty=None), label="Epochs"),
    Field("batch_size", number(minimum=1, maximum=4096, whole=True, empty=16), label="Batch size"),
    Field("learning_rate", number(empty=None), label="Learning rate"),
    Field("max_length", number(minimum=8, maximum=8192, whole=True, empty=128), label="Max length"),
    Field("seed", number(minimum=0, whole=True, empty=42), label="Seed"),  # its maximum: `TrainConfig`
    Field("name", optional_text),
    Field("scheduler"),
    Field("warmup_ratio", float),
    Field("weight_decay", float),
    Field(
        "gradient_accumulation_steps",
        number(minimum=1, maximum=1024, whole=True, empty=1),
        label="Gradient accumulation",
    ),
    Field("max_grad_norm", float),
    Field("eval_strategy"),
    Field("eval_steps"),  # read only with eval_strategy "steps" (see train_config)
    Field("load_best_model_at_end", bool),
    Field("metric_for_best_model"),
    Field("early_stopping_patience", _patience),
    Field("precision"),
    Field("auto_find_batch_size", bool),
    Field("gradient_checkpointing", bool),
    # The task, the columns of its other roles, and its options (`engine.training.task_settings.config_values`
    # keeps only the task's own). Without them (a script of before), the form trains text classification.
    Field("task", stripped),
    *(Field(role_field(role), optional_text) for role in TASK_ROLE_COLUMNS),
    Field("threshold", number(empty=None), label="Threshold"),
    Field("tune_thresholds", bool),
    Field("delimiter", optional_text),
    Field("standardize", bool),
    Field("label_all_tokens", bool),
    Field("scheme", _detected),
    Field("stride", number(whole=True, empty=None), label="Stride"),
    Field("max_answer_length", number(whole=True, empty=None), label="Max answer length"),
    Field("n_best", number(whole=True, empty=None), label="Candidates (n best)"),
)


EVAL_STEPS = Field("eval_steps", number(minimum=1, whole=True, empty=None), label="Eval steps")


def train_config(form: dict) -> TrainConfig:
    """The `TrainConfig` of the Train form's values (by name)."""
    eval_steps = None
    if form["eval_strategy"] == "steps":
        eval_steps = EVAL_STEPS.read(form["eval_steps"])
        if eval_steps is None:
            raise StudioError('Eval steps: evaluating every "steps" needs a number of updates (1 or more)')
    return TrainConfig(**config_values(form | {"eval_steps": eval_steps}))


def suggest_task(source: str | None, config: str | None):
    """The task the chosen dataset's columns suggest; the task shown stays while the dataset cannot be read (half
    typed, or not reachable: the column note says why) or no task reads it."""
    try:
        return suggested_task(source or "", config) if (source or "").strip() else gr.skip()
    except USER_ERRORS:
        return gr.skip()


def task_fields(task: str, source: str | None, config: str | None, metric: str | None, *columns: str | None):
    """The form for `task`: its roles' column pickers shown (each with what it holds) and filled from the dataset,
    the others hidden; the metrics keep-best may watch; and its options' row shown."""
    shown = {spec.role: spec for spec in roles_of(task)}
    layout, problem = layout_of(source, config)
    current = dict(zip(ALL_ROLES, columns, strict=True))
    updates = filled(ALL_ROLES, layout, problem, current)
    for role, update in zip(ALL_ROLES, updates, strict=False):
        update.update(visible=role in shown, info=shown[role].description if role in shown else None)
    choices = TrainConfig(dataset="-", model="-", task=task).best_metric_choices()
    chosen = metric if metric in choices else BEST_METRICS.get(task, choices[0])
    rows = [gr.update(visible=name == task) for name in OPTION_TASKS]
    return *updates, gr.update(choices=list(choices), value=chosen), *rows


@shows_errors
@TRAIN_FORM.listener
def start_training(
    form: dict,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
):
    """Validate the settings (the Train form's fields), queue the job and return its id."""
    job = start_job(train_config(form), requester=owner.requester(owner_key, request, profile))
    gr.Info(f"Job {job.id} {job.status}: {job.config['model']} on {job.config['dataset']}")
    return job_choices(job.id), job.to_dict()


@shows_errors
@TRAIN_FORM.listener
def plan(form: dict):
    """Check the settings as a launch would, and say what the run will take: device, updates, memory, time."""
    return plan_training(train_config(form), past_runs()).summary()


@shows_errors
def refresh_plan(*values) -> str:
    """The estimate after a preset changed the form; a form that cannot be estimated yet says why in the note
    (a preset click is no request for a check, so no error popup)."""
    try:
        return plan_training(train_config(TRAIN_FORM.values(*values)), past_runs()).summary()
    except StudioError as error:
        return f"**Not estimated yet:** {error}"


# The fields a preset sets, in the order `preset_fields` takes and returns them.
PRESET_FIELDS = ("epochs", "learning_rate", "scheduler", "load_best_model_at_end", "early_stopping_patience")


@shows_errors
def preset_fields(preset: str, model: str, before_preset: dict | None, *current):
    """Show a preset's choices in the form (what you see is what trains), its one-line explanation, and what the form
    held before the first preset; "custom" puts that back (or the defaults), not the last preset's choices."""
    if preset not in PRESETS:
        restored = before_preset or {"scheduler": "linear", "load_best_model_at_end": False}
        defaults = {"epochs": "", "learning_rate": "", "early_stopping_patience": 0}
        return *(restored.get(name, defaults.get(name)) for name in PRESET_FIELDS), "Your own settings.", None
    saved = before_preset if before_preset is not None else dict(zip(PRESET_FIELDS, current, strict=True))
    chosen = apply_preset(TrainConfig(dataset="-", model=(model or "scratch:small").strip()), preset)
    return (
        _shown(chosen.epochs),
        _shown(chosen.learning_rate),  # None: the model's own, shown as an empty box
        chosen.scheduler,
        chosen.load_best_model_at_end,
        chosen.early_stopping_patience or 0,
        PRESETS[preset].explanation,
        saved,
    )


def _shown(number: float | None) -> str:
    """A number as its text box shows it: `3`, `0.0005`; empty for None (the default)."""
    return "" if number is None else f"{number:g}"


def _job_label(job: Job) -> str:
    # No status here: the choices are not refreshed on every poll, and a stale "running" would mislead.
    return f"#{job.id} · {job.config['model']} on {job.config['dataset']}"


def compare_choices():
    return gr.update(choices=[(_job_label(job), job.id) for job in JobStore().list()])


def job_choices(selected: int | None = None):
    try:
        jobs = JobStore().list()
    except (DatabaseUnavailableError, DatabaseBusyError):  # on page load: the tab's note already says why
        return gr.update(choices=[], value=None)
    choices = [(_job_label(job), job.id) for job in jobs]
    if selected is None and jobs:
        selected = jobs[0].id
    return gr.update(choices=choices, value=selected)


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s" if seconds >= 60 else f"{seconds:.0f} s"


def _status_markdown(job: Job, store: JobStore) -> str:
    lines = [f"### Job #{job.id}{f' ({job.name})' if job.name else ''}: {job.status}"]
    if job.status == QUEUED:
        lines.append(f"Waiting for the {job.device.upper()}: position {store.queue_position(job)} in its queue.")
    else:
        done = f"{job.step}/{job.total_steps}" if job.total_steps else f"{job.step}/?"
        percent = f" ({job.step / job.total_steps:.0%})" if job.total_steps else ""
        epoch = f", epoch {job.epoch:.2f}" if job.epoch is not None else ""
        loss = f", training loss {job.loss:.4f}" if job.loss is not None else ""
        elapsed = job.duration
        remaining = speed = ""
        run = run_speed(job)  # counted from the last start: a resumed run's earlier steps are not this run's speed
        if run and job.status == RUNNING and run.remaining_seconds is not None:
            remaining = f", about {_minutes(run.remaining_seconds)} left"
        if run:  # start-up included: a lower bound on the training speed itself
            speed = f", {run.samples_per_second:.1f} samples/s"
        lines.append(f"Step {done}{percent}{epoch}{loss}. Elapsed {_minutes(elapsed)}{remaining}{speed}.")
    if job.device == "cpu" and job.status in ACTIVE:
        lines.append("Training on the **CPU**: it works, slowly. A GPU makes pretrained models practical.")
    if job.status == COMPLETED:
        lines.append(f"{_scores_text(job)} Try it in the **Try** tab as `job:{job.id}`.")
    if job.error:
        lines.append(f"**{(job.error_category or 'error').replace('_', ' ')}:** {job.error.splitlines()[0]}")
    return "\n\n".join(lines)


def _scores_text(job: Job) -> str:
    """A finished job's validation scores in words, its task's leading metric first and in bold."""
    metrics, task = job.metrics, job.config.get("task") or TEXT_CLASSIFICATION
    if task == TEXT_CLASSIFICATION:  # as every run read before there were tasks
        return (
            f"**Validation accuracy {metrics.get('accuracy', 0):.3f}**, macro F1 {metrics.get('f1', 0):.3f} "
            f"(precision {metrics.get('precision', 0):.3f}, recall {metrics.get('recall', 0):.3f})."
        )
    names = [name for name in TASK_METRICS.get(task, ()) if isinstance(metrics.get(name), int | float)]
    if not names:
        return "No validation scores recorded."
    first, *rest = sorted(names, key=lambda name: name != BEST_METRICS.get(task))
    others = ", ".join(f"{metric_title(task, name)} {metrics[name]:.3f}" for name in rest)
    return f"**Validation {metric_title(task, first)} {metrics[first]:.3f}**" + (f" ({others})." if others else ".")


@shows_errors
def job_status(job_id: int, owner_key: str | None = None, request: gr.Request = None) -> dict:
    """Return a job as a dict (status, step, total_steps, loss, metrics, error, config, queue_position); server
    paths cut to their last name for anyone but its owner and operators (`engine.common.access`)."""
    if job_id in (None, ""):
        return {}
    store = JobStore()
    job = check_alive(store.get(int(job_id)), store)
    return _as_seen_by(
        job, owner.requester(owner_key, request, None), job.to_dict() | {"queue_position": store.queue_position(job)}
    )


def _as_seen_by(job: Job, requester: Requester, shown: object) -> object:
    """What `requester` may see of `job`'s texts: all of it for its owner, server paths hidden for others."""
    return shown if may_see_server_paths(job.owner, requester) else hide_server_paths(shown)


def _jobs_table(store: JobStore, requester: Requester) -> pd.DataFrame:
    rows = [
        {
            "job": job.id,
            "name": job.name or "",
            "status": f"{job.status} (model folder missing)" if job.model_missing else job.status,
            "model": _as_seen_by(job, requester, job.config["model"]),
            "dataset": _as_seen_by(job, requester, job.config["dataset"]),
            "task": job.config.get("task") or TEXT_CLASSIFICATION,
            "accuracy": round(job.metrics["accuracy"], 4) if "accuracy" in job.metrics else None,
            "f1": round(job.metrics["f1"], 4) if "f1" in job.metrics else None,
            "score": _leading_score(job),
            "duration": _minutes(job.duration),
        }
        for job in store.list()
    ]
    columns = ["job", "name", "status", "model", "dataset", "task", "accuracy", "f1", "score", "duration"]
    return pd.DataFrame(rows, columns=columns)


def _leading_score(job: Job) -> str:
    """The score keep-best watches by default for the job's task, named (`rmse 0.9487`); empty before it has one.
    Every task has one, where accuracy and F1 are only some tasks' metrics."""
    task = job.config.get("task") or TEXT_CLASSIFICATION
    name = BEST_METRICS.get(task)
    value = job.metrics.get(name) if name else None
    return f"{name} {value:.4f}" if isinstance(value, int | float) else ""


LOG_LINES = 15  # what the log box shows: its newest lines, scrolled into view


def _log_view(job: Job) -> str:
    # Read more than is shown: progress bars and the weight-loading table shrink to a line or two once readable.
    return "\n".join(readable_log(job.log_tail(LOG_LINES * 8)).splitlines()[-LOG_LINES:])


def _reproduction_text(job: Job) -> str:
    """The commands that train this job again elsewhere (`engine.jobs.catalog.job_reproduction`), or why not."""
    reproduced = job_reproduction(job)
    if reproduced is None:
        return "# this job's settings are damaged in the database: nothing to reproduce"
    return reproduced.text()


def cleared_job_panels():
    """The job panels with nothing in them: shown the moment another job is picked, until its own are read."""
    return ("", "", loss_curve([]), metrics_curve([]), "", {}, "", pd.DataFrame(columns=DIFF_COLUMNS))


@shows_errors
def poll_jobs(
    job_id: int | None,
    compare_ids: list[int] | None = None,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
):
    """Everything the page shows about one job: status text, progress bar, charts (with the compared jobs' curves
    overlaid), log tail, details, the settings that differ from the first compared job, and the jobs table. Another
    visitor's job is shown with its server paths cut to their last names."""
    store = JobStore()
    advance_queue(store)  # notices dead processes and starts queued jobs, even after a server restart
    viewer = owner.requester(owner_key, request, profile)
    if job_id in (None, ""):
        empty = pd.DataFrame(columns=DIFF_COLUMNS)
        nothing = ("No training job yet.", "", loss_curve([]), metrics_curve([]), "", {}, "", empty)
        return (*nothing, _jobs_table(store, viewer))
    job = store.get(int(job_id))
    events = store.events(job.id)
    compared = [store.get(int(other)) for other in compare_ids or [] if int(other) != job.id]
    others = {f"#{other.id}": store.events(other.id) for other in compared}
    difference = config_difference(job.config, compared[0].config) if compared else []
    details = job.to_dict() | {"queue_position": store.queue_position(job)}
    rows = [(k, str(_as_seen_by(job, viewer, a)), str(_as_seen_by(compared[0], viewer, b))) for k, a, b in difference]
    return (
        _as_seen_by(job, viewer, _status_markdown(job, store)),
        progress_bar(job),
        loss_curve(events, others=others),
        metrics_curve(
            events, CHARTED_METRICS.get(job.config.get("task"), CHARTED_METRICS[TEXT_CLASSIFICATION]), others
        ),
        _as_seen_by(job, viewer, _log_view(job)),
        _as_seen_by(job, viewer, details),
        _as_seen_by(job, viewer, _reproduction_text(job)),
        pd.DataFrame(rows, columns=DIFF_COLUMNS),
        _jobs_table(store, viewer),
    )


@shows_errors
def stop(
    job_id: int | None,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
):
    """Stop the selected job (only its owner or an operator): after its current step, with a checkpoint saved."""
    job = stop_job(_selected(job_id), requester=owner.requester(owner_key, request, profile))
    gr.Info(f"Job {job.id}: stop requested; it saves a checkpoint and stops after the current step.")
    return job.to_dict()


@shows_errors
def resume(
    job_id: int | None,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
):
    """Queue the selected (stopped or failed) job again from its last checkpoint (only its owner or an operator)."""
    job = resume_job(_selected(job_id), requester=owner.requester(owner_key, request, profile))
    gr.Info(f"Job {job.id} {job.status}, resuming from its last checkpoint.")
    return job.to_dict()


@shows_errors
def clone(
    job_id: int | None,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
):
    """Start a new job, owned by whoever clicks, with the selected job's settings."""
    job = clone_job(_selected(job_id), requester=owner.requester(owner_key, request, profile))
    gr.Info(f"Job {job.id} started with the settings of job {job_id}.")
    return job_choices(job.id), job.to_dict()


@shows_errors
def delete(
    job_id: int | None,
    confirmed: bool,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
):
    """Delete the selected finished job with its files (only its owner or an operator), once confirmed."""
    if not confirmed:
        raise StudioError("tick 'yes, delete its files' first: deleting a job removes its model and logs")
    delete_job(_selected(job_id), requester=owner.requester(owner_key, request, profile))
    gr.Info(f"Job {job_id} deleted.")
    return job_choices(), False


def _selected(job_id: int | None) -> int:
    if job_id in (None, ""):
        raise StudioError("select a job first")
    try:
        return int(job_id)
    except (TypeError, ValueError):
        raise StudioError(f"Job: {job_id!r} is not a job id; pick one from the list") from None
