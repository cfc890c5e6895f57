"""Datasets tab: load a dataset of any size, browse, search, check and shape it, preview tokenization, export it.

The layout is here; what the buttons do is in `ui.datasets_actions`.
"""

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr
from gradio.events import Dependency

from engine.datasets.export import EXPORT_FORMATS
from engine.datasets.shaping import STEP_KINDS
from engine.datasets.sources import sample_sources
from engine.datasets.sql import TABLE
from engine.datasets.view import PAGE_SIZES
from ui import datasets_actions as actions
from ui.datasets_actions import PREVIEW_ROWS
from ui.saved_form import SavedForm
from ui.task_rows_html import TASK_ROWS_CSS

EXPLANATION = """\
A dataset has **splits**: the model learns from *train*, and *validation* tells you how well it does on rows it has
never seen, so you can compare runs honestly. The **label** column holds the class to predict; its names become the
model's `id2label`. Load a bundled sample, upload a file (CSV, TSV, JSON, JSONL, Parquet, or CoNLL `.conll` / `.txt`
word-and-tag files) or type a folder path or a Hub dataset id. Splits stay memory-mapped on disk: browsing,
searching and checking a million rows only reads what is shown."""

EXPORT_CHOICES = ["current split", "search results", "whole dataset"]


@dataclass
class DatasetsTab:
    loaded_source: gr.State  # the source the Train tab should train on, set by a load or "Use for training"
    saved_form: SavedForm  # the dataset, config and split chosen, and the dataset open, back after a reload
    reopen: Callable[[Dependency], None]  # after the saved form is restored: open its dataset again

    def restore_on_load(self, demo: gr.Blocks) -> None:
        """When the page loads, put back the Dataset box, config and split this browser kept, and open again the
        dataset it showed, on that split."""
        self.reopen(self.saved_form.restore_on_load(demo))


def _load_row():
    with gr.Row():
        source = gr.Dropdown(
            choices=sample_sources(),
            value="sample:sentiment",
            allow_custom_value=True,
            label="Dataset",
            info="sample:<name>, a file or folder path on the server (save_to_disk folders too), or a Hub dataset id",
            scale=3,
        )
        config = gr.Textbox(label="Hub config", info="e.g. mrpc for glue", scale=1)
        load = gr.Button("Load", variant="primary", scale=0)
    with gr.Accordion("Hub options: revision, streaming sample", open=False):
        with gr.Row():
            revision = gr.Textbox(value="", label="Revision", info="branch, tag or commit (Hub only)")
            sample_rows = gr.Textbox(
                value="",
                label="Streaming sample",
                placeholder="empty: the whole dataset",
                info="first N rows only, for very large Hub datasets",
            )
            sample_split = gr.Textbox(value="", label="Sample split", info="the split to sample (default train)")
    return source, config, load, revision, sample_rows, sample_split


def build(owner_key: gr.BrowserState, kept_form: gr.BrowserState) -> DatasetsTab:
    """The Datasets tab; `owner_key` is the browser's key (`ui/owner.py`), sent with each upload; `kept_form` keeps
    the dataset chosen across reloads (`ui/saved_form.py`)."""
    gr.Markdown(EXPLANATION)
    source, config, load, revision, sample_rows, sample_split = _load_row()
    upload = gr.File(label="…or upload a file", file_types=list(actions.UPLOAD_SUFFIXES), type="filepath", height=140)
    conll_txt = gr.Checkbox(
        label=actions.CONLL_TXT_LABEL, value=False, info="one word and its tag per line (.conll files always are)"
    )
    summary = gr.Markdown()
    with gr.Row():
        # Filled once a dataset is open: the task names come from `engine.tasks`, loaded on first use.
        task = gr.Dropdown(
            label="Task",
            choices=[],
            value=None,
            allow_custom_value=True,  # before a load it has no choices; a script may name any task (checked)
            info="inferred from the columns; pick another to read the data as that task",
            scale=1,
        )
        task_note = gr.Markdown()
    dataset_state = gr.State({})
    loaded_source = gr.State("")

    with gr.Tabs():
        with gr.Tab("Browse"):
            with gr.Row():
                features = gr.Dataframe(label="Features", interactive=False, scale=1)
                with gr.Column(scale=3):
                    # Custom values let a script preview a split by name; unknown names get a clear error.
                    with gr.Row():
                        split = gr.Dropdown(label="Split", choices=[], interactive=True, allow_custom_value=True)
                        page_size = gr.Dropdown(label="Rows per page", choices=list(PAGE_SIZES), value=PREVIEW_ROWS)
                        offset = gr.Number(label="Jump to row", value=0, precision=0)
                    with gr.Row():
                        previous = gr.Button("◀ Previous", size="sm")
                        page_info = gr.Markdown()
                        following = gr.Button("Next ▶", size="sm")
                    rows = gr.Dataframe(label="Rows", interactive=False, wrap=True)
                    task_page = gr.HTML(label="The page as the task reads it", css_template=TASK_ROWS_CSS)
            with gr.Row():
                row_index = gr.Number(label="Row", value=0, precision=0, scale=0)
                show = gr.Button("Show row in full", scale=0)
            row_detail = gr.JSON(label="Row")
        with gr.Tab("Overview"):
            overview_text = gr.Markdown()
        with gr.Tab("Search"):
            with gr.Row():
                query = gr.Textbox(label="Text", info="found anywhere in the column (case-insensitive)", scale=2)
                column = gr.Dropdown(
                    label="Column", choices=[], allow_custom_value=True, info="empty: every text column"
                )
                label = gr.Dropdown(label="Label", choices=[], allow_custom_value=True, info="only rows of this label")
                # Text boxes, not Numbers: Gradio's Number shows 0 when empty, and empty here means "no bound".
                min_chars = gr.Textbox(value="", label="Min characters", placeholder="no bound", info="needs a column")
                max_chars = gr.Textbox(value="", label="Max characters", placeholder="no bound", info="needs a column")
            search = gr.Button("Search the whole split")
            sql = gr.Code(
                language="sql",
                label=f"Read-only SQL (DuckDB): the split is table `{TABLE}`",
                lines=3,
                value=f"SELECT label, count(*) AS rows FROM {TABLE} GROUP BY label ORDER BY rows DESC",
            )
            run_query = gr.Button("Run SQL")
            with gr.Row():
                result_offset = gr.Number(label="Result row", value=0, precision=0, scale=0)
                result_info = gr.Markdown()
            results = gr.Dataframe(label="Results", interactive=False, wrap=True)
        with gr.Tab("Check"):
            with gr.Row():
                check_tokenizer = gr.Textbox(label="Tokenizer", value="scratch:tiny", info="any model reference")
                check_length = gr.Number(label="max_length", value=128, precision=0)
                check = gr.Button("Check the dataset", variant="primary")
            warnings = gr.Markdown()
            with gr.Row():
                label_plot = gr.Plot(label="Labels")
                quality_plot = gr.Plot(label="Empty values, duplicates, leakage")
            with gr.Row():
                chars_plot = gr.Plot(label="Characters")
                tokens_plot = gr.Plot(label="Tokens")
            per_label_plot = gr.Plot(label="Lengths per label")
            gr.Markdown("**Task checks** (the Task above): the same max_length, and for question answering a stride")
            with gr.Row():
                check_stride = gr.Textbox(
                    value="", label="Stride", placeholder="a quarter of max_length", info="question answering windows"
                )
                check_task = gr.Button("Check for the task")
            task_text = gr.Markdown()
            with gr.Row():
                task_plot_a = gr.Plot(label="Task check")
                task_plot_b = gr.Plot(label="Task check, second view")
            task_table = gr.Dataframe(label="Rows to look at", interactive=False, wrap=True)
        with gr.Tab("Shape"):
            with gr.Row():
                kind = gr.Dropdown(
                    label="Step", choices=[(text, key) for key, text in STEP_KINDS.items()], value="shuffle"
                )
                shape_column = gr.Dropdown(
                    label="Column", choices=[], allow_custom_value=True, info="rename, cast, stratify, drop"
                )
                new_name = gr.Textbox(label="New name", info="rename")
                remove = gr.Dropdown(label="Columns to remove", choices=[], allow_custom_value=True, multiselect=True)
            with gr.Row():
                shape_split = gr.Dropdown(
                    label="Split", choices=[], allow_custom_value=True, info="shuffle / select / sample; empty: all"
                )
                count = gr.Textbox(
                    value="", label="Rows", placeholder="select / sample only", info="how many rows to keep"
                )
                seed = gr.Number(label="Seed", value=42, precision=0)
                fraction = gr.Number(label="Validation fraction", value=0.1, info="0.01 to 0.9")
            with gr.Row():
                apply = gr.Button("Apply step", variant="primary")
                undo = gr.Button("Undo last step")
                to_train = gr.Button("Use for training")
            training_note = gr.Markdown()
            history = gr.Markdown()
        with gr.Tab("Tokenize"):
            with gr.Row():
                tokenizer = gr.Textbox(label="Tokenizer", value="scratch:tiny", info="any model reference")
                max_length = gr.Number(label="max_length", value=128, precision=0)
                batch_size = gr.Number(label="Batch size", value=16, precision=0)
                run_tokenize = gr.Button("Tokenize the split", variant="primary")
            tokenize_summary = gr.Markdown()
            tokenized_rows = gr.Dataframe(label="New columns, first rows", interactive=False, wrap=True)
            waste = gr.Dataframe(label="Padding over the whole split", interactive=False)
        with gr.Tab("Export"):
            with gr.Row():
                what = gr.Radio(EXPORT_CHOICES, value="current split", label="What")
                export_format = gr.Radio(list(EXPORT_FORMATS), value="csv", label="Format")
                export_name = gr.Textbox(label="Name", info="file name inside the data directory's exports/")
                export = gr.Button("Export", variant="primary")
            export_note = gr.Markdown()
            exported = gr.File(label="Download", interactive=False)

    refresh_outputs = [overview_text, column, label, shape_column, remove, history, shape_split, offset, page_info]
    refresh_inputs = [dataset_state, split]
    load_outputs = [summary, features, split, rows, dataset_state, loaded_source]
    load_inputs = [source, config, revision, sample_rows, sample_split]
    # Every panel that shows a result about the open dataset: emptied when another dataset (or another shape of it)
    # is opened, so that nothing on the page describes the previous one.
    stale = [
        row_detail, results, result_info, warnings, label_plot, quality_plot, chars_plot, tokens_plot,
        per_label_plot, training_note, tokenize_summary, tokenized_rows, waste, export_note, exported,
        task_text, task_plot_a, task_plot_b, task_table,
    ]  # fmt: skip

    def after_change(event):
        """Refresh the views and empty the stale panels once a new dataset (or shape) is open."""
        refreshed = event.success(actions.refresh_views, refresh_inputs, refresh_outputs, api_name=False)
        refreshed.success(lambda: [None] * len(stale), None, stale, api_name=False, show_progress="hidden")
        refreshed.success(actions.infer_task_view, dataset_state, [task, task_note], api_name=False)
        return refreshed

    after_change(load.click(actions.load_dataset_view, load_inputs, load_outputs, api_name="load_dataset"))
    kept = upload.upload(actions.keep_upload, [upload, owner_key, conll_txt], source, api_name="upload_dataset")
    # The Dataset box now names the kept file (its own folder, so two files of one name stay two datasets); the
    # drop zone is emptied for the next file, and its link to the server's deleted copy goes with it.
    kept.then(lambda: None, None, upload, api_name=False, show_progress="hidden")
    after_change(kept.success(actions.load_dataset_view, load_inputs, load_outputs, api_name=False))

    page_outputs = [offset, rows, page_info]
    browse_inputs = [dataset_state, split, offset, page_size]
    split.input(
        actions.preview_split,
        [source, config, split, page_size, dataset_state],
        rows,
        api_name="preview_split",
    ).success(actions.first_page, [dataset_state, split, page_size], page_outputs, api_name=False)
    gr.on([page_size.input, offset.submit], actions.browse, browse_inputs, page_outputs, api_name="browse")
    previous.click(lambda *a: actions.browse(*a, move=-1), browse_inputs, page_outputs, api_name=False)
    following.click(lambda *a: actions.browse(*a, move=1), browse_inputs, page_outputs, api_name=False)
    show.click(actions.show_row, [dataset_state, split, row_index], row_detail, api_name="show_row")

    row_filter = {"query": query, "column": column, "label": label, "min_chars": min_chars, "max_chars": max_chars}
    search_inputs = actions.SEARCH_FORM.inputs(
        state=dataset_state, split=split, **row_filter, offset=result_offset, page_size=page_size
    )
    gr.on(
        [search.click, query.submit],
        actions.search_rows,
        search_inputs,
        [results, result_info],
        api_name="search_rows",
    )
    run_query.click(
        actions.sql_rows,
        [dataset_state, split, sql, result_offset, page_size],
        [results, result_info],
        api_name="run_sql",
    )

    check.click(
        actions.check_dataset,
        [dataset_state, check_tokenizer, check_length, split],
        [warnings, label_plot, chars_plot, tokens_plot, per_label_plot, quality_plot],
        api_name="check_dataset",
    )
    task_check_outputs = [task_text, task_plot_a, task_plot_b, task_table]
    gr.on(
        [check.click, check_task.click],
        actions.check_task,
        [dataset_state, check_tokenizer, check_length, check_stride, split, task],
        task_check_outputs,
        api_name="check_task",
    )
    # The task view of the page follows every page shown (a load, a split, a move, a shaping step) and the Task box.
    chosen = task.input(actions.choose_task_view, [dataset_state, task], task_note, api_name="choose_task")
    chosen.then(lambda: [None] * len(task_check_outputs), None, task_check_outputs, api_name=False)
    gr.on(
        [rows.change, task.change],
        actions.task_rows,
        actions.TASK_ROWS_FORM.inputs(state=dataset_state, split=split, offset=offset, page_size=page_size, task=task),
        task_page,
        api_name="task_rows",
        trigger_mode="always_last",
        show_progress="hidden",
    )

    shape_inputs = actions.SHAPE_FORM.inputs(
        state=dataset_state,
        kind=kind,
        split=shape_split,
        column=shape_column,
        new_name=new_name,
        remove_columns=remove,
        count=count,
        seed=seed,
        fraction=fraction,
    )
    after_change(
        apply.click(actions.apply_shape_step, shape_inputs, [dataset_state, summary], api_name="apply_step")
    ).success(actions.browse, browse_inputs, page_outputs, api_name=False)
    after_change(
        undo.click(actions.undo_shape_step, dataset_state, [dataset_state, summary], api_name="undo_step")
    ).success(actions.browse, browse_inputs, page_outputs, api_name=False)
    to_train.click(
        actions.use_for_training, dataset_state, [loaded_source, training_note], api_name="use_for_training"
    )

    run_tokenize.click(
        actions.tokenize_split,
        [dataset_state, split, tokenizer, max_length, batch_size],
        [tokenize_summary, tokenized_rows, waste],
        api_name="tokenize_split",
    )
    export.click(
        actions.export_view,
        actions.EXPORT_FORM.inputs(
            state=dataset_state, split=split, what=what, fmt=export_format, name=export_name, **row_filter
        ),
        [export_note, exported],
        api_name="export_dataset",
    )
    # The open dataset is kept as its reference (source, options, shaping steps), never its rows.
    saved_form = SavedForm(kept_form, source=source, config=config, split=split, opened=dataset_state)

    def reopen(restored: Dependency) -> None:
        reopened = restored.then(
            actions.reopen_dataset, [dataset_state, split], load_outputs, api_name=False, show_progress="hidden"
        )
        reopened.success(actions.refresh_reopened, refresh_inputs, refresh_outputs, api_name=False).success(
            actions.infer_task_view, dataset_state, [task, task_note], api_name=False
        )

    return DatasetsTab(loaded_source=loaded_source, saved_form=saved_form, reopen=reopen)
