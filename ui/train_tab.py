"""Train tab: start a fine-tune in a background process, watch it live, review past runs."""

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from engine.common.access import Requester
from engine.common.settings import settings
from engine.datasets.sources import sample_sources
from engine.jobs.actions import clone_job, delete_job, resume_job, start_job, stop_job
from engine.jobs.process import check_alive
from engine.jobs.queue import advance_queue
from engine.jobs.store import ACTIVE, COMPLETED, QUEUED, RUNNING, Job, JobStore, config_difference, model_choices
from engine.training.config import BEST_MODEL_METRICS, EVAL_STRATEGIES, PRECISIONS, SCHEDULERS, TrainConfig
from engine.training.defaults import defaults_help
from engine.training.plan import plan_training
from engine.training.presets import PRESETS, apply_preset
from ui.errors import shows_errors
from ui.plots import loss_curve, metrics_curve
from ui.progress_bar import progress_bar

EXPLANATION = """\
Training runs `Trainer` in a separate process (launched with `accelerate`, on the GPU when there is one), so this page
stays responsive and you can leave it: the run is stored in a database and this tab re-attaches when you come back.
Each batch is padded only to its longest row (**dynamic padding**); after each epoch the model is scored on the
**validation** split, rows it never trained on. Leave epochs and learning rate empty for defaults that suit
the model."""

POLL_SECONDS = 2.0


@dataclass
class TrainTab:
    dataset: gr.Dropdown
    job: gr.Dropdown
    refresh: object  # the function that re-attaches the page to its jobs


def _optional(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _requester(request: gr.Request | None, profile: gr.OAuthProfile | None) -> Requester:
    """The person behind a request: the Hugging Face account signed in, else the login user, else the session.

    Without a request (a direct call, not through the server) it is an anonymous session, never the operator.
    """
    username = profile.username if profile is not None else getattr(request, "username", None)
    return Requester(session=getattr(request, "session_hash", None) or "anonymous", username=username or None)


@shows_errors
def start_training(request: gr.Request, profile: gr.OAuthProfile | None, *values):
    """Validate the settings (the form's fields, in `_train_config` order), queue the job and return its id."""
    job = start_job(_train_config(*values), requester=_requester(request, profile))
    gr.Info(f"Job {job.id} {job.status}: {job.config['model']} on {job.config['dataset']}")
    return _job_choices(job.id), job.to_dict()


@shows_errors
def plan(*values):
    """Check the settings as a launch would, and say what the run will take: device, updates, memory, time."""
    return plan_training(_train_config(*values), JobStore().past_runs()).summary()


def _train_config(
    dataset,
    config,
    text_column,
    pair_column,
    label_column,
    model,
    epochs,
    batch_size,
    lr,
    max_length,
    seed,
    name,
    scheduler,
    warmup_ratio,
    weight_decay,
    grad_accum,
    max_grad_norm,
    eval_strategy,
    eval_steps,
    keep_best,
    metric,
    early_stopping,
    precision,
    auto_batch_size,
    gradient_checkpointing,
) -> TrainConfig:
    return TrainConfig(
        name=_optional(name),
        scheduler=scheduler,
        warmup_ratio=float(warmup_ratio),
        weight_decay=float(weight_decay),
        gradient_accumulation_steps=int(grad_accum or 1),
        max_grad_norm=float(max_grad_norm),
        eval_strategy=eval_strategy,
        eval_steps=int(eval_steps) if eval_strategy == "steps" else None,
        load_best_model_at_end=bool(keep_best),
        metric_for_best_model=metric,
        early_stopping_patience=int(early_stopping) if early_stopping else None,
        precision=precision,
        auto_find_batch_size=bool(auto_batch_size),
        gradient_checkpointing=bool(gradient_checkpointing),
        dataset=(dataset or "").strip(),
        model=(model or "").strip(),
        dataset_config=_optional(config),
        text_column=_optional(text_column),
        text_pair_column=_optional(pair_column),
        label_column=_optional(label_column),
        epochs=float(epochs) if epochs else None,
        batch_size=int(batch_size or 16),
        learning_rate=float(lr) if lr else None,
        max_length=int(max_length or 128),
        seed=int(seed or 0),
    )


CUSTOM = "custom"
DIFF_COLUMNS = ["setting", "this job", "compared job"]


@shows_errors
def preset_fields(preset: str, model: str):
    """Show a preset's choices in the form (what you see is what trains) and its one-line explanation."""
    if preset not in PRESETS:
        return *([gr.update()] * 5), "Your own settings."
    chosen = apply_preset(TrainConfig(dataset="-", model=(model or "scratch:small").strip()), preset)
    return (
        chosen.epochs,
        chosen.learning_rate,
        chosen.scheduler,
        chosen.load_best_model_at_end,
        chosen.early_stopping_patience or 0,
        PRESETS[preset].explanation,
    )


def _job_label(job: Job) -> str:
    # No status here: the choices are not refreshed on every poll, and a stale "running" would mislead.
    return f"#{job.id} · {job.config['model']} on {job.config['dataset']}"


def _compare_choices():
    return gr.update(choices=[(_job_label(job), job.id) for job in JobStore().list()])


def _job_choices(selected: int | None = None):
    jobs = JobStore().list()
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
        if job.status == RUNNING and elapsed and job.step and job.total_steps:
            remaining = f", about {_minutes(elapsed / job.step * (job.total_steps - job.step))} left"
        if elapsed and job.step:  # start-up included: a lower bound on the training speed itself
            rows = job.step * job.config.get("batch_size", 16) * job.config.get("gradient_accumulation_steps", 1)
            speed = f", {rows / elapsed:.1f} samples/s"
        lines.append(f"Step {done}{percent}{epoch}{loss}. Elapsed {_minutes(elapsed)}{remaining}{speed}.")
    if job.device == "cpu" and job.status in ACTIVE:
        lines.append("Training on the **CPU**: it works, slowly. A GPU makes pretrained models practical.")
    if job.status == COMPLETED:
        metrics = job.metrics
        lines.append(
            f"**Validation accuracy {metrics.get('accuracy', 0):.3f}**, macro F1 {metrics.get('f1', 0):.3f} "
            f"(precision {metrics.get('precision', 0):.3f}, recall {metrics.get('recall', 0):.3f}). "
            f"Try it in the **Try** tab as `job:{job.id}`."
        )
    if job.error:
        lines.append(f"**{(job.error_category or 'error').replace('_', ' ')}:** {job.error.splitlines()[0]}")
    return "\n\n".join(lines)


@shows_errors
def job_status(job_id: int) -> dict:
    """Return a job as a dict (status, step, total_steps, loss, metrics, error, config, queue_position)."""
    if job_id in (None, ""):
        return {}
    store = JobStore()
    job = check_alive(store.get(int(job_id)), store)
    return job.to_dict() | {"queue_position": store.queue_position(job)}


def _jobs_table(store: JobStore) -> pd.DataFrame:
    rows = [
        {
            "job": job.id,
            "name": job.name or "",
            "status": f"{job.status} (model folder missing)" if job.model_missing else job.status,
            "model": job.config["model"],
            "dataset": job.config["dataset"],
            "accuracy": round(job.metrics["accuracy"], 4) if "accuracy" in job.metrics else None,
            "f1": round(job.metrics["f1"], 4) if "f1" in job.metrics else None,
            "duration": _minutes(job.duration),
        }
        for job in store.list()
    ]
    return pd.DataFrame(rows, columns=["job", "name", "status", "model", "dataset", "accuracy", "f1", "duration"])


@shows_errors
def poll_jobs(job_id: int | None, compare_ids: list[int] | None = None):
    """Everything the page shows about one job: status text, progress bar, charts (with the compared jobs' curves
    overlaid), log tail, details, the settings that differ from the first compared job, and the jobs table."""
    store = JobStore()
    advance_queue(store)  # notices dead processes and starts queued jobs, even after a server restart
    if job_id in (None, ""):
        empty = pd.DataFrame(columns=DIFF_COLUMNS)
        nothing = ("No training job yet.", "", loss_curve([]), metrics_curve([]), "", {}, "", empty)
        return (*nothing, _jobs_table(store))
    job = store.get(int(job_id))
    events = store.events(job.id)
    compared = [store.get(int(other)) for other in compare_ids or [] if int(other) != job.id]
    others = {f"#{other.id}": store.events(other.id) for other in compared}
    difference = config_difference(job.config, compared[0].config) if compared else []
    details = job.to_dict() | {"queue_position": store.queue_position(job)}
    return (
        _status_markdown(job, store),
        progress_bar(job),
        loss_curve(events, others=others),
        metrics_curve(events, others=others),
        job.log_tail(15),
        details,
        job.command or "",
        pd.DataFrame([(k, str(a), str(b)) for k, a, b in difference], columns=DIFF_COLUMNS),
        _jobs_table(store),
    )


@shows_errors
def stop(job_id: int | None, request: gr.Request, profile: gr.OAuthProfile | None = None):
    """Stop the selected job (only its owner or an operator): after its current step, with a checkpoint saved."""
    job = stop_job(_selected(job_id), requester=_requester(request, profile))
    gr.Info(f"Job {job.id}: stop requested; it saves a checkpoint and stops after the current step.")
    return job.to_dict()


@shows_errors
def resume(job_id: int | None, request: gr.Request, profile: gr.OAuthProfile | None = None):
    """Queue the selected (stopped or failed) job again from its last checkpoint (only its owner or an operator)."""
    job = resume_job(_selected(job_id), requester=_requester(request, profile))
    gr.Info(f"Job {job.id} {job.status}, resuming from its last checkpoint.")
    return job.to_dict()


@shows_errors
def clone(job_id: int | None, request: gr.Request, profile: gr.OAuthProfile | None = None):
    """Start a new job, owned by whoever clicks, with the selected job's settings."""
    job = clone_job(_selected(job_id), requester=_requester(request, profile))
    gr.Info(f"Job {job.id} started with the settings of job {job_id}.")
    return _job_choices(job.id), job.to_dict()


@shows_errors
def delete(job_id: int | None, confirmed: bool, request: gr.Request, profile: gr.OAuthProfile | None = None):
    """Delete the selected finished job with its files (only its owner or an operator), once confirmed."""
    if not confirmed:
        raise ValueError("tick 'yes, delete its files' first: deleting a job removes its model and logs")
    delete_job(_selected(job_id), requester=_requester(request, profile))
    gr.Info(f"Job {job_id} deleted.")
    return _job_choices(), False


def _selected(job_id: int | None) -> int:
    if job_id in (None, ""):
        raise ValueError("select a job first")
    return int(job_id)


# Said before anyone fills the form, not only when Start refuses: which users this server lets train.
TRAINING_NOTES = {
    "nobody": "**Training is switched off on this server** (`STUDIO_TRAINING=nobody`): you can look at past runs "
    "here, and use the Datasets, Tokenizer and Try tabs.",
    "signed-in": "**Only signed-in users can train on this server** (`STUDIO_TRAINING=signed-in`).",
}


def build() -> TrainTab:
    gr.Markdown(EXPLANATION)
    note = TRAINING_NOTES.get(settings().training)
    if note:
        gr.Markdown(note)
    with gr.Row():
        dataset = gr.Dropdown(
            choices=sample_sources(), value="sample:sentiment", allow_custom_value=True, label="Dataset", scale=2
        )
        config = gr.Textbox(label="Hub config", scale=1)
        model = gr.Dropdown(
            choices=model_choices(),
            value="scratch:small",
            allow_custom_value=True,
            label="Model",
            info="scratch:tiny/small, job:<id>, a local folder or a Hub id",
            scale=2,
        )
    with gr.Row():
        text_column = gr.Textbox(label="Text column", info="empty: text (or sentence1)")
        pair_column = gr.Textbox(label="Second text column (pairs)", info="empty: sentence2 when present")
        label_column = gr.Textbox(label="Label column", info="empty: label")
    with gr.Row():
        epochs = gr.Number(label="Epochs", value=None, info=defaults_help("epochs").replace("empty", "empty or 0"))
        batch_size = gr.Number(label="Batch size", value=16, precision=0, minimum=1)
        lr = gr.Number(
            label="Learning rate", value=None, info=defaults_help("learning_rate").replace("empty", "empty or 0")
        )
        max_length = gr.Number(label="Max length (tokens)", value=128, precision=0, minimum=8)
        seed = gr.Number(label="Seed", value=42, precision=0)
    with gr.Row():
        preset = gr.Radio([CUSTOM, *PRESETS], value=CUSTOM, label="Preset", scale=2)
        preset_note = gr.Markdown("Your own settings.")
        name = gr.Textbox(label="Job name (optional)", value="", scale=1)
    with gr.Accordion("Advanced training settings", open=False):
        with gr.Row():
            scheduler = gr.Dropdown(list(SCHEDULERS), value="linear", label="LR schedule", info="decay after warm-up")
            warmup_ratio = gr.Slider(0, 0.5, value=0.1, step=0.01, label="Warm-up ratio", info="share of updates")
            weight_decay = gr.Number(label="Weight decay", value=0.01, info="AdamW regularisation")
            grad_accum = gr.Number(label="Gradient accumulation", value=1, precision=0, info="batches per update")
            max_grad_norm = gr.Number(label="Max grad norm", value=1.0, info="gradient clipping")
        with gr.Row():
            eval_strategy = gr.Radio(list(EVAL_STRATEGIES), value="epoch", label="Evaluate every")
            eval_steps = gr.Number(label="Eval steps", value=0, precision=0, info="with 'steps'")
            keep_best = gr.Checkbox(label="Keep the best checkpoint", value=False)
            metric = gr.Dropdown(list(BEST_MODEL_METRICS), value="f1", label="Best by")
            early_stopping = gr.Number(label="Early stopping patience", value=0, precision=0, info="0: off")
        with gr.Row():
            precision = gr.Dropdown(list(PRECISIONS), value="auto", label="Precision", info="auto: bf16/fp16 on GPU")
            auto_batch_size = gr.Checkbox(label="Auto batch size (halve on out-of-memory)", value=False)
            gradient_checkpointing = gr.Checkbox(label="Gradient checkpointing (less memory, slower)", value=False)
    with gr.Row():
        check = gr.Button("Check settings and estimate", scale=1)
        start = gr.Button("Start training", variant="primary", scale=2)
    plan_note = gr.Markdown()

    with gr.Row():
        job = gr.Dropdown(label="Job", choices=[], interactive=True, scale=3)
        stop_button = gr.Button("Stop", variant="stop", scale=0, min_width=90)
        resume_button = gr.Button("Resume", scale=0, min_width=90)
        clone_button = gr.Button("Clone", scale=0, min_width=90)
        delete_button = gr.Button("Delete", scale=0, min_width=90)
        confirm_delete = gr.Checkbox(label="yes, delete its files", value=False, scale=0, min_width=160)
    status = gr.Markdown()
    bar = gr.HTML()
    with gr.Row():
        curve = gr.Plot(label="Loss")
        metrics = gr.Plot(label="Validation metrics")
    log = gr.Textbox(label="Log (last lines)", lines=10, max_lines=10, autoscroll=True)
    with gr.Row():
        compare = gr.Dropdown(
            label="Overlay other jobs", choices=[], multiselect=True, info="their curves, dashed", scale=2
        )
        difference = gr.Dataframe(label="Settings that differ from the first overlaid job", interactive=False, scale=3)
    with gr.Accordion("Job details (config, the exact launch command, error)", open=False):
        command = gr.Code(
            label="Launch command (copy it to run the job elsewhere, e.g. on a cluster)", language="shell"
        )
        details = gr.JSON()
    jobs = gr.Dataframe(label="All jobs", interactive=False)
    timer = gr.Timer(POLL_SECONDS)

    inputs = [dataset, config, text_column, pair_column, label_column, model, epochs, batch_size, lr, max_length, seed]
    inputs += [name, scheduler, warmup_ratio, weight_decay, grad_accum, max_grad_norm, eval_strategy, eval_steps]
    inputs += [keep_best, metric, early_stopping, precision, auto_batch_size, gradient_checkpointing]
    check.click(plan, inputs, plan_note, api_name="plan_training")
    preset.change(
        preset_fields,
        [preset, model],
        [epochs, lr, scheduler, keep_best, early_stopping, preset_note],
        api_name=False,
    )
    watched = [status, bar, curve, metrics, log, details, command, difference, jobs]
    start.click(start_training, inputs, [job, details], api_name="start_training", concurrency_id="training")
    job.change(poll_jobs, [job, compare], watched, api_name=False, show_progress="hidden")
    compare.change(poll_jobs, [job, compare], watched, api_name=False, show_progress="hidden")
    compare.focus(_compare_choices, None, compare, api_name=False)
    timer.tick(poll_jobs, [job, compare], watched, api_name=False, show_progress="hidden")
    gr.api(job_status, api_name="job_status")
    stop_button.click(stop, job, details, api_name="stop_job")
    resume_button.click(resume, job, details, api_name="resume_job")
    clone_button.click(clone, job, [job, details], api_name="clone_job")
    delete_button.click(delete, [job, confirm_delete], [job, confirm_delete], api_name="delete_job")
    return TrainTab(dataset=dataset, job=job, refresh=_job_choices)
