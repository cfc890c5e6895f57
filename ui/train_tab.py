"""Train tab: start a fine-tune in a background process, watch it live, review past runs."""

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from engine.common.settings import settings
from engine.datasets.columns import LABEL, TEXT, TEXT_PAIR
from engine.datasets.sources import sample_sources
from engine.jobs.catalog import model_choices
from engine.jobs.store import database_problem
from engine.training.config import (
    BEST_MODEL_METRICS,
    DEFAULT_TASK,
    EVAL_STRATEGIES,
    INFER_TASK,
    PRECISIONS,
    SCHEDULERS,
    TASK_METRICS,
)
from engine.training.defaults import defaults_help
from engine.training.presets import PRESETS
from engine.training.task_settings import ALL_ROLES, role_field, roles_of
from ui import compare_panel, run_export_panel, sweep_panel
from ui import train_actions as actions
from ui.column_pickers import column_pickers, layout_of
from ui.saved_form import SavedForm
from ui.task_options_panel import OPTION_TASKS, build_task_options

EXPLANATION = """\
Training runs `Trainer` in a separate process (launched with `accelerate`, on the GPU when there is one), so this page
stays responsive and you can leave it: the run is stored in a database and this tab re-attaches when you come back.
Each batch is padded only to its longest row (**dynamic padding**); after each epoch the model is scored on the
**validation** split, rows it never trained on. Leave epochs and learning rate empty for defaults that suit
the model."""

POLL_SECONDS = 2.0
FIRST_DATASET = "sample:sentiment"
FIRST_TASK = DEFAULT_TASK  # what sample:sentiment's columns suggest


CUSTOM = "custom"


@dataclass
class TrainTab:
    dataset: gr.Dropdown
    job: gr.Dropdown
    reattach: Callable  # on page load: the job choices, the latest job picked (jobs live in the database)
    saved_form: SavedForm  # the form as this browser last left it, put back when the page loads


# Said before anyone fills the form, not only when Start refuses: which users this server lets train.
TRAINING_NOTES = {
    "nobody": "**Training is switched off on this server** (`STUDIO_TRAINING=nobody`): you can look at past runs "
    "here, and use the Datasets, Tokenizer and Try tabs.",
    "signed-in": "**Only signed-in users can train on this server** (`STUDIO_TRAINING=signed-in`).",
}


def build(owner_key: gr.BrowserState, kept: gr.BrowserState) -> TrainTab:
    """The Train tab; `owner_key` is the browser's key (`ui/owner.py`), sent with each start, stop, resume, clone
    and delete; `kept` (`ui.saved_form.browser_form`, made outside the tabs) keeps the form across reloads."""
    gr.Markdown(EXPLANATION)
    note = TRAINING_NOTES.get(settings().training)
    if note:
        gr.Markdown(note)
    problem = database_problem()
    if problem:  # said before anyone fills the form; the other tabs work without the database
        gr.Markdown(f"**Training is unavailable until the job database is fixed**: {problem}.")
    with gr.Row():
        dataset = gr.Dropdown(
            choices=sample_sources(), value=FIRST_DATASET, allow_custom_value=True, label="Dataset", scale=2
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
    # The first dataset's task, written out rather than inferred here: inferring imports the tasks (transformers),
    # which the server must not pay at start; tests/ui/test_train_actions.py checks it is what the data suggests.
    task = gr.Dropdown(
        [INFER_TASK, *TASK_METRICS],
        value=FIRST_TASK,
        label="Task",
        info="preset from the dataset's columns; decides the columns asked, the metrics and the model's head",
    )
    pickers = column_pickers(
        ALL_ROLES, layout_of(FIRST_DATASET, None)[0], shown=tuple(spec.role for spec in roles_of(FIRST_TASK))
    )
    task_options = build_task_options(FIRST_TASK)
    with gr.Row():
        # No minimum / maximum on the boxes: Gradio's own message for them names no field; the handler checks them
        # (`ui.forms.number`), naming the box and its range. Epochs and learning rate are text boxes: a gr.Number
        # cannot be empty (it shows 0), and empty means the model's default.
        epochs = gr.Textbox(label="Epochs", value="", info=defaults_help("epochs"))
        batch_size = gr.Number(label="Batch size", value=16, precision=0, info="1 to 4,096 rows per device")
        lr = gr.Textbox(label="Learning rate", value="", info=defaults_help("learning_rate"))
        max_length = gr.Number(label="Max length (tokens)", value=128, precision=0, info="8 to 8,192")
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
            eval_steps = gr.Number(label="Eval steps", value=0, precision=0, info="with 'steps': every N updates")
            keep_best = gr.Checkbox(label="Keep the best checkpoint", value=False)
            metric = gr.Dropdown(list(BEST_MODEL_METRICS), value="f1", label="Best by", info="the task's metrics")
            early_stopping = gr.Number(label="Early stopping patience", value=0, precision=0, info="0: off")
        with gr.Row():
            precision = gr.Dropdown(list(PRECISIONS), value="auto", label="Precision", info="auto: bf16/fp16 on GPU")
            auto_batch_size = gr.Checkbox(label="Auto batch size (halve on out-of-memory)", value=False)
            gradient_checkpointing = gr.Checkbox(label="Gradient checkpointing (less memory, slower)", value=False)
    with gr.Row():
        check = gr.Button("Check settings and estimate", scale=1)
        start = gr.Button("Start training", variant="primary", scale=2)
    plan_note = gr.Markdown()
    sweep = sweep_panel.build()

    with gr.Row():
        # Custom values: a script's first call (`/stop_job`, `/clone_job` with an id) comes before any listing of
        # its session's choices, which Gradio would otherwise refuse; the id is checked by the engine instead.
        job = gr.Dropdown(label="Job", choices=[], allow_custom_value=True, interactive=True, scale=3)
        stop_button = gr.Button("Stop", variant="stop", scale=0, min_width=90)
        resume_button = gr.Button("Resume", scale=0, min_width=90)
        clone_button = gr.Button("Clone", scale=0, min_width=90)
        repeat_seeds = gr.Number(label="Repeats", value=3, precision=0, scale=0, min_width=90, info="2 to 10 runs")
        repeat_button = gr.Button("Repeat with seeds", scale=0, min_width=150)
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
    comparison = compare_panel.build(owner_key)
    comparison.compare_sweep(sweep.compare, sweep.sweep, owner_key)
    with gr.Accordion("Job details (config, the command that reproduces it anywhere, error)", open=False):
        command = gr.Code(
            label="Reproduce this run on any machine with Finetune Studio installed (no server or database needed)",
            language="shell",
        )
        details = gr.JSON()
    jobs = gr.Dataframe(label="All jobs", interactive=False)
    timer = gr.Timer(POLL_SECONDS)

    inputs = actions.TRAIN_FORM.inputs(
        dataset=dataset,
        dataset_config=config,
        text_column=pickers.columns[TEXT],
        text_pair_column=pickers.columns[TEXT_PAIR],
        label_column=pickers.columns[LABEL],
        model=model,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=lr,
        max_length=max_length,
        seed=seed,
        name=name,
        scheduler=scheduler,
        warmup_ratio=warmup_ratio,
        weight_decay=weight_decay,
        gradient_accumulation_steps=grad_accum,
        max_grad_norm=max_grad_norm,
        eval_strategy=eval_strategy,
        eval_steps=eval_steps,
        load_best_model_at_end=keep_best,
        metric_for_best_model=metric,
        early_stopping_patience=early_stopping,
        precision=precision,
        auto_find_batch_size=auto_batch_size,
        gradient_checkpointing=gradient_checkpointing,
        task=task,
        **{role_field(role): pickers.columns[role] for role in actions.TASK_ROLE_COLUMNS},
        **task_options.fields,
    )
    # A dataset presets its task; a task shows its columns, its metrics for keep-best and its options.
    roles = [pickers.columns[role] for role in ALL_ROLES]
    shaped = [*roles, pickers.note, metric, *(task_options.rows[name] for name in OPTION_TASKS)]
    shape = (actions.task_fields, [task, dataset, config, metric, *roles], shaped)
    for changed in (dataset.change, config.blur):
        changed(actions.suggest_task, [dataset, config], task, api_name=False, show_progress="hidden").then(
            *shape, api_name=False, show_progress="hidden"
        )
    task.input(*shape, api_name=False, show_progress="hidden")
    run_export_panel.build(job, actions.TRAIN_FORM.names, inputs, owner_key)  # below the jobs: export, import
    check.click(actions.plan, inputs, plan_note, api_name="plan_training")
    sweep.wire(inputs, owner_key)
    sweep.wire_repeat(repeat_button, job, repeat_seeds, owner_key)
    # What the form held before a preset, put back when "custom" is chosen again.
    before_preset = gr.State(None)
    preset_governs = [epochs, lr, scheduler, keep_best, early_stopping]
    preset.change(
        actions.preset_fields,
        [preset, model, before_preset, *preset_governs],
        [*preset_governs, preset_note, before_preset],
        api_name=False,
    ).then(actions.refresh_plan, inputs, plan_note, api_name=False)
    watched = [status, bar, curve, metrics, log, details, command, difference, jobs]
    start.click(
        actions.start_training,
        [*inputs, owner_key],
        [job, details],
        api_name="start_training",
        concurrency_id="training",
    )
    # Another job: nothing of the previous one stays on screen while (or if) the new one is read.
    job.change(actions.cleared_job_panels, None, watched[:-1], api_name=False, show_progress="hidden").then(
        actions.poll_jobs, [job, compare, owner_key], watched, api_name=False, show_progress="hidden"
    )
    compare.change(actions.poll_jobs, [job, compare, owner_key], watched, api_name=False, show_progress="hidden")
    compare.focus(actions.compare_choices, None, compare, api_name=False)
    timer.tick(actions.poll_jobs, [job, compare, owner_key], watched, api_name=False, show_progress="hidden")
    gr.api(actions.job_status, api_name="job_status")
    stop_button.click(actions.stop, [job, owner_key], details, api_name="stop_job")
    resume_button.click(actions.resume, [job, owner_key], details, api_name="resume_job")
    clone_button.click(actions.clone, [job, owner_key], [job, details], api_name="clone_job")
    delete_button.click(actions.delete, [job, confirm_delete, owner_key], [job, confirm_delete], api_name="delete_job")

    # The form survives a reload: this browser keeps its values (local storage), and the page puts them back.
    saved_form = SavedForm(kept, **dict(zip(actions.TRAIN_FORM.names, inputs, strict=True)))
    return TrainTab(dataset=dataset, job=job, reattach=actions.job_choices, saved_form=saved_form)
