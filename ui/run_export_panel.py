"""The Train tab's run export panel: the selected job as a zip (config.yaml, a standalone train.py, pinned
requirements, README), the Python that reproduces it, and a `config.yaml` uploaded into the Train form.

Mounted by `ui/train_tab.py` with one call; everything it does is in `engine.jobs.export` and
`engine.training.config_file`.
"""

from dataclasses import dataclass, fields
from pathlib import Path

import gradio as gr

from engine.common.access import hide_server_paths, may_see_server_paths
from engine.common.errors import NotAllowedError, StudioError
from engine.jobs.export import export_zip, reproducing_script
from engine.jobs.store import Job, JobStore
from engine.training.config import INFER_TASK, TrainConfig
from engine.training.config_file import NOT_WRITTEN, read_config
from engine.training.task_settings import ALL_ROLES, role_field
from ui import owner
from ui.errors import shows_errors

EXPLANATION = """\
**Export** the selected job as a zip: `config.yaml` (its settings), a standalone `train.py` (the Hugging Face
course's recipe with those settings: plain `transformers`, `datasets` and `accelerate`, no Finetune Studio), the
pinned `requirements.txt` and a `README.md` with the `accelerate launch` commands for one GPU, many GPUs or a
cluster. **Import** a `config.yaml` (from an export, or written by hand) to fill the form above with its settings."""


@dataclass
class RunExportPanel:
    export: gr.Button
    archive: gr.File
    upload: gr.File
    note: gr.Markdown
    python: gr.Code


def build(
    job: gr.Dropdown, form_names: tuple[str, ...], form: list[gr.components.Component], owner_key: gr.BrowserState
) -> RunExportPanel:
    """Lay out the panel below the jobs table and wire it: `job` is the job picker; `form_names` and `form` are
    the Train form's field names (its `TrainConfig` fields) and components, in the same order, which an import fills.
    """
    with gr.Accordion("Export or import a run (config.yaml, a standalone train.py)", open=False):
        gr.Markdown(EXPLANATION)
        with gr.Row():
            export = gr.Button("Export the selected job (zip)", scale=1)
            archive = gr.File(label="Exported run", interactive=False, scale=2)
            upload = gr.File(
                label="Import a config.yaml into the form", file_types=[".yaml", ".yml"], type="filepath", scale=2
            )
        note = gr.Markdown()
        python = gr.Code(label="The Python that reproduces this run (the exported train.py)", language="python")
    export.click(export_job_zip, [job, owner_key], archive, api_name=False, concurrency_limit=2)
    upload.upload(
        lambda path: import_config(path, form_names, form), upload, [*form, note], api_name="import_config"
    ).success(lambda: None, None, upload, api_name=False)  # emptied: the same file can be uploaded again
    job.change(reproducing_python, [job, owner_key], python, api_name=False, show_progress="hidden")
    # A script names a job by its id: the job dropdown only takes the ids this page has listed.
    gr.api(export_run, api_name="export_run", concurrency_limit=2)
    gr.api(reproducing_python, api_name="reproducing_python")
    return RunExportPanel(export=export, archive=archive, upload=upload, note=note, python=python)


def _owned_job(job_id: int | str | None, owner_key: str | None, request: gr.Request | None) -> tuple[Job, bool]:
    """The selected job, and whether the requester may see its server paths (its owner, an operator, or anyone on a
    server where paths may be typed anyway)."""
    if job_id in (None, ""):
        raise StudioError("Job: pick a job to export first")
    job = JobStore().get(int(job_id))
    return job, may_see_server_paths(job.owner, owner.requester(owner_key, request, None))


@shows_errors
def export_job_zip(job_id: int | None, owner_key: str | None = None, request: gr.Request = None) -> str:
    """Export the job (`engine.jobs.export.export_zip`) and return the zip to download. Only its owner (or an
    operator) exports it where server paths are private: the export names them, and copies the models it used."""
    job, allowed = _owned_job(job_id, owner_key, request)
    if not allowed:
        raise NotAllowedError(
            f"job {job.id} was started by someone else; its export holds this server's paths and files, so only "
            "the session or user that started it, or an operator, can export it"
        )
    return str(export_zip(job.id))


@shows_errors
def export_run(job_id: int, owner_key: str | None = None, request: gr.Request = None) -> gr.FileData:
    """Export a job by its id: a zip of config.yaml, a standalone train.py, requirements.txt and README.md."""
    path = export_job_zip(job_id, owner_key, request)
    return gr.FileData(path=path, orig_name=Path(path).name)


@shows_errors
def reproducing_python(job_id: int | None = None, owner_key: str | None = None, request: gr.Request = None) -> str:
    """The standalone train.py that reproduces the job (server paths cut for another visitor), or, in a comment,
    why there is none."""
    if job_id in (None, ""):
        return ""
    job, allowed = _owned_job(job_id, owner_key, request)
    try:
        script = reproducing_script(job)
    except StudioError as error:  # a task without a recipe, a dataset gone: said where the code would be
        script = f"# no standalone train.py for job {job.id}: {error}\n"
    return script if allowed else hide_server_paths(script)


def form_values(config: TrainConfig, form_names: tuple[str, ...], form: list[gr.components.Component]) -> list:
    """The values that show `config` in the Train form's components, in the form's order: a setting left to its
    default (None) is an empty text box, a 0 in a number box (eval steps, patience: 0 is none), an empty choice; a
    number in a text box is written in full (`repr`), so that reading the form back gives the same number."""
    values = []
    columns = config.task_columns()
    for name, component in zip(form_names, form, strict=True):
        value, kind = _config_value(config, name, columns), type(component)
        if kind is gr.Textbox:
            value = "" if value is None else repr(value) if isinstance(value, float) else str(value)
        elif kind is gr.Number and value is None and name in _ZERO_IS_NONE:
            value = 0
        values.append(value)
    return values


# The form's column boxes by their field name (`tokens_column`...), each a role of the config's `columns`.
_ROLE_OF_FIELD = {role_field(role): role for role in ALL_ROLES}
# Number boxes where the form writes "none" as 0; the task options' boxes (stride, n best...) are left empty instead.
_ZERO_IS_NONE = ("eval_steps", "early_stopping_patience")


def _config_value(config: TrainConfig, name: str, columns: dict[str, str]) -> object:
    """The value of form field `name` for `config`: its own field, a role's column, or "auto" for a task, tagging
    scheme or delimiter that the config leaves to the data (the form's word for None there)."""
    if name in _ROLE_OF_FIELD and not hasattr(config, name):
        return columns.get(_ROLE_OF_FIELD[name])
    value = getattr(config, name)
    if name in ("task", "scheme") and value is None:
        return INFER_TASK  # "auto", as the Task and Scheme choices say it
    return value


def not_in_form(config: TrainConfig, form_names: tuple[str, ...]) -> dict:
    """The settings `config` gives that the form has no field for, with their values (None ones left out)."""
    defaults = TrainConfig(dataset=config.dataset, model=config.model)
    # The config's role -> column mapping fills the column boxes, when the form has them.
    through_roles = ("columns",) if any(name in _ROLE_OF_FIELD for name in form_names) else ()
    return {
        item.name: getattr(config, item.name)
        for item in fields(TrainConfig)
        if item.name not in (*form_names, *NOT_WRITTEN, *through_roles)
        and getattr(config, item.name) != getattr(defaults, item.name)
    }


@shows_errors
def import_config(path: str | None, form_names: tuple[str, ...], form: list[gr.components.Component]) -> list:
    """Read an uploaded `config.yaml` (`engine.training.config_file.read_config`) into the form's values, and a note
    saying what was filled; an unknown key, a mistyped value or a value out of range is an error naming the field."""
    if not path:
        raise StudioError("Import: upload a config.yaml")
    config = read_config(path, name=Path(path).name)
    left = not_in_form(config, form_names)
    note = f"Filled the form from `{Path(path).name}`: {config.model} on {config.dataset}."
    if left:
        listed = ", ".join(f"{name} = {value!r}" for name, value in left.items())
        note += f" **Not in this form, so not filled:** {listed}; train it with `python -m engine train --config`."
    return [*form_values(config, form_names, form), note]
