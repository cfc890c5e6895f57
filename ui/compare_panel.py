"""The Train tab's "Compare runs" panel: any runs (picked, or by a filter) overlaid, the settings they differ in,
their parallel coordinates and which is best, by what margin, against the seed-to-seed spread.

Layout and handlers are together: the panel is small, and all of its work is `engine.experiments.compare`. Another
panel opens it on a selection of its own through `ComparePanel.compare_sweep` (the Sweep panel's "Compare these runs").
"""

from dataclasses import dataclass, replace

import gradio as gr
import pandas as pd

from engine.common.access import Requester, hide_server_paths, may_see_server_paths
from engine.common.errors import StudioError
from engine.experiments.compare import Comparison, RunFilter, compare_jobs, run_label, select_jobs
from engine.experiments.curves import MAX_SMOOTHING, X_AXES
from engine.jobs.store import Job, JobStatus, JobStore
from ui import owner
from ui.errors import shows_errors
from ui.plots.comparison import comparison_curves, parallel_coordinates

EXPLANATION = """\
Pick runs by hand or by a filter (a name, status, dataset, model or sweep id) and press **Compare**: every series the
runs logged, overlaid; the settings they differ in; and the best run by the metric, with its margin over the
runner-up set against the **seed-to-seed spread** (runs that differ only by their seed show how much luck alone
moves the metric)."""
SMOOTHING = 0.6  # TensorBoard's default: the trend shows, a dip of a few steps still does
PICK_RUNS = "Pick runs or a filter, then press **Compare**."


@dataclass
class ComparePanel:
    accordion: gr.Accordion
    runs: gr.Dropdown
    filters: list[gr.components.Component]  # name, status, dataset, model, sweep id
    compare: gr.Button
    verdict: gr.Markdown
    settings: gr.Dataframe
    inputs: list  # what `compare_view` reads, in its order
    outputs: list  # what it draws

    def compare_sweep(self, button: gr.Button, sweep: gr.Dropdown, owner_key: gr.BrowserState) -> None:
        """`button` opens this panel on the runs of the sweep picked in `sweep` (its filters cleared) and compares
        them."""
        button.click(
            sweep_selection, [sweep, owner_key], [self.accordion, self.runs, *self.filters], api_name=False
        ).success(compare_view, self.inputs, self.outputs, api_name=False)


def _seen_by(job: Job, viewer: Requester) -> Job:
    """The job as `viewer` may see it: another visitor's server paths cut to their last names."""
    return job if may_see_server_paths(job.owner, viewer) else replace(job, config=hide_server_paths(job.config))


def _comparison(
    store: JobStore, viewer: Requester, job_ids, run_filter: RunFilter, metric, axis, smoothing, show_all
) -> Comparison:
    jobs = [_seen_by(job, viewer) for job in select_jobs(store, [int(i) for i in job_ids or []], run_filter)]
    return compare_jobs(store, jobs, metric, axis, float(smoothing), bool(show_all))


@shows_errors
def compare_runs(
    job_ids: list[int],
    metric: str = "",
    axis: str = "step",
    smoothing: float = SMOOTHING,
    show_all: bool = False,
    name: str = "",
    status: str = "",
    dataset: str = "",
    model: str = "",
    sweep: str = "",
    owner_key: str | None = None,
    request: gr.Request = None,
) -> dict:
    """Compare runs: those in `job_ids` and those the filter (name, status, dataset, model, sweep, each "contains")
    matches. Returns the runs with their `metric` (blank: the runs' own best metric), the best run, its margin over
    the runner-up, the seed-to-seed spread and whether the margin is beyond it, the verdict in words, and the
    settings that differ (all of them with `show_all`). Another visitor's server paths are cut to their last names."""
    run_filter = RunFilter(name, status, dataset, model, sweep)
    viewer = owner.requester(owner_key, request, None)
    return _comparison(JobStore(), viewer, job_ids, run_filter, metric, axis, smoothing, show_all).to_dict()


def _settings_frame(comparison: Comparison | None) -> pd.DataFrame:
    if comparison is None:
        return pd.DataFrame(columns=["setting"])
    return pd.DataFrame(comparison.settings, columns=comparison.columns)


@shows_errors
def compare_view(
    job_ids, name, status, dataset, model, sweep, metric, axis, smoothing, log_scale, show_all, owner_key, request=None
):
    """The panel's views: verdict, curves, settings table, parallel coordinates (empty until runs are chosen)."""
    run_filter = RunFilter(name or "", status or "", dataset or "", model or "", sweep or "")
    if not job_ids and run_filter.empty:
        return PICK_RUNS, comparison_curves(None), _settings_frame(None), parallel_coordinates(None)
    viewer = owner.requester(owner_key, request, None)
    comparison = _comparison(JobStore(), viewer, job_ids, run_filter, metric, axis, smoothing, show_all)
    shown = "all settings" if show_all else "only the settings that differ"
    verdict = f"**{comparison.verdict.text}**\n\n{len(comparison.runs)} runs compared; the table shows {shown}."
    return (
        verdict,
        comparison_curves(comparison, bool(log_scale)),
        _settings_frame(comparison),
        parallel_coordinates(comparison),
    )


def _choices(store: JobStore, viewer: Requester) -> list[tuple[str, int]]:
    return [(run_label(_seen_by(job, viewer)), job.id) for job in store.list()]


def run_choices(owner_key: str | None = None, request: gr.Request = None):
    """Every job as a choice, newest first, labelled as the comparison labels it."""
    return gr.update(choices=_choices(JobStore(), owner.requester(owner_key, request, None)))


@shows_errors
def sweep_selection(sweep_id: int | None, owner_key: str | None = None, request: gr.Request = None):
    """The panel opened with a sweep's runs picked and no filter: the accordion, the runs, the five filters."""
    if sweep_id in (None, ""):
        raise StudioError("Sweep: pick the sweep whose runs to compare")
    store = JobStore()
    store.sweep(int(sweep_id))  # an unknown sweep is named, not compared as none
    picked = [job.id for job in store.sweep_jobs(int(sweep_id))]
    choices = _choices(store, owner.requester(owner_key, request, None))
    return gr.update(open=True), gr.update(choices=choices, value=picked), "", "", "", "", ""


def build(owner_key: gr.BrowserState) -> ComparePanel:
    """The "Compare runs" accordion, with its `compare_runs` endpoint."""
    with gr.Accordion("Compare runs", open=False) as accordion:
        gr.Markdown(EXPLANATION)
        with gr.Row():
            runs = gr.Dropdown(label="Runs to compare", choices=[], multiselect=True, scale=3)
            metric = gr.Textbox(label="Metric", placeholder="blank: the runs' own (f1, rmse...)", scale=1)
        with gr.Row():
            name = gr.Textbox(label="Name contains")
            status = gr.Dropdown([("any", ""), *((s.value, s.value) for s in JobStatus)], value="", label="Status")
            dataset = gr.Textbox(label="Dataset contains")
            model = gr.Textbox(label="Model contains")
            sweep = gr.Textbox(label="Sweep id")
        with gr.Row():
            axis = gr.Radio([(label, key) for key, label in X_AXES.items()], value="step", label="x-axis", scale=2)
            smoothing = gr.Slider(0, MAX_SMOOTHING, value=SMOOTHING, step=0.01, label="Smoothing", scale=2)
            log_scale = gr.Checkbox(label="Log scale", value=False, scale=1)
            show_all = gr.Checkbox(label="Show all settings", value=False, scale=1)
        compare = gr.Button("Compare", variant="primary")
        verdict = gr.Markdown(PICK_RUNS)
        curves = gr.Plot(label="Curves")
        settings = gr.Dataframe(label="Settings (only those that differ)", interactive=False, wrap=True)
        parallel = gr.Plot(label="Settings against the metric")
    inputs = [runs, name, status, dataset, model, sweep, metric, axis, smoothing, log_scale, show_all, owner_key]
    outputs = [verdict, curves, settings, parallel]
    runs.focus(run_choices, owner_key, runs, api_name=False)
    compare.click(compare_view, inputs, outputs, api_name=False)
    # A chart setting redraws what is on screen; the slider when it is let go, not at every pixel of a drag.
    for event in (axis.change, log_scale.change, show_all.change, smoothing.release):
        event(compare_view, inputs, outputs, api_name=False, show_progress="hidden")
    gr.api(compare_runs, api_name="compare_runs")
    return ComparePanel(
        accordion=accordion,
        runs=runs,
        filters=[name, status, dataset, model, sweep],
        compare=compare,
        verdict=verdict,
        settings=settings,
        inputs=inputs,
        outputs=outputs,
    )
