"""Datasets tab: load a dataset of any size, browse, search, check and shape it, preview tokenization, export it.

The page keeps only a small reference to the open dataset (`engine.datasets.session.DatasetRef`, as a dict in a
`gr.State`); the splits stay memory-mapped in the server process and every view reads only what it shows. A load
that fails raises before any output changes, so the dataset loaded before stays loaded.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import gradio as gr
import pandas as pd
from datasets import DatasetDict

from engine.common.uploads import keep_upload as keep_checked_upload
from engine.datasets.export import EXPORT_FORMATS, export_dataset, export_path
from engine.datasets.overview import overview
from engine.datasets.search import RowFilter, filter_rows, filtered_view
from engine.datasets.session import DatasetRef, open_dataset, open_split, save_shaped, step_code
from engine.datasets.shaping import STEP_KINDS, ShapeStep
from engine.datasets.sources import TABULAR_FORMATS, resolve_text_columns, sample_sources
from engine.datasets.sql import TABLE, run_sql
from engine.datasets.stats import StatsOptions, dataset_stats
from engine.datasets.tokenize_preview import PaddingOptions, tokenize_preview
from engine.datasets.view import PAGE_SIZES, page_offset, read_page, read_row
from engine.models.loading import load_tokenizer
from ui.errors import shows_errors
from ui.plots import datasets as dataset_plots

EXPLANATION = """\
A dataset has **splits**: the model learns from *train*, and *validation* tells you how well it does on rows it has
never seen, so you can compare runs honestly. The **label** column holds the class to predict; its names become the
model's `id2label`. Load a bundled sample, upload a file (CSV, TSV, JSON, JSONL, Parquet) or type a folder path or a
Hub dataset id. Splits stay memory-mapped on disk: browsing, searching and checking a million rows only reads what
is shown."""

PREVIEW_ROWS = 20
CELL_CHARS = 300  # a table cell shows this much of a long text; the row view shows it all
EXPORT_CHOICES = ["current split", "search results", "whole dataset"]


@dataclass
class DatasetsTab:
    source: gr.Dropdown
    loaded_source: gr.State


def _ref(state: dict | None) -> DatasetRef:
    if not state:
        raise ValueError("load a dataset first")
    return DatasetRef.from_dict(state)


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    def cell(value: object) -> object:
        return value[:CELL_CHARS] + "…" if isinstance(value, str) and len(value) > CELL_CHARS else value

    return pd.DataFrame([[cell(row[c]) for c in columns] for row in rows], columns=columns)


def _summary_markdown(ref: DatasetRef, splits) -> str:
    info = overview(ref, splits)
    rows = ", ".join(f"**{name}** {count:,} rows" for name, count in info.splits.items())
    labels = ", ".join(f"`{name}`" for name in info.label_names) or "no `label` column"
    notes = "".join(f"\n\n> {note}" for note in info.notes)
    return f"### `{info.title}`\nSplits: {rows}\n\nLabels: {labels}{notes}"


def _overview_markdown(ref: DatasetRef) -> str:
    info = overview(ref, open_dataset(ref))
    size = f"{info.bytes_on_disk / 2**20:,.1f} MB of Arrow files on disk" if info.bytes_on_disk else "held in memory"
    lines = [f"**Size**: {size}", "", "| split | rows |", "|---|---:|"]
    lines += [f"| {name} | {rows:,} |" for name, rows in info.splits.items()]
    if info.label_column:
        lines += ["", f"**Label column** `{info.label_column}`: {len(info.label_names)} classes"]
    return "\n".join(lines)


def _first_page(ref: DatasetRef, split: str, page_size: int = PREVIEW_ROWS) -> tuple[pd.DataFrame, str]:
    page = read_page(open_split(ref, split), 0, int(page_size))
    return _frame(page.rows, page.columns), page.description


@shows_errors
def load_dataset_view(source: str, config: str, revision: str = "", sample_rows: float | None = 0, sample_split=""):
    """Open a source (or a streaming sample of a Hub dataset) and show its summary, features and first rows."""
    ref = DatasetRef(
        source=(source or "").strip(),
        config=(config or "").strip() or None,
        revision=(revision or "").strip() or None,
        sample_rows=int(sample_rows) if sample_rows else None,
        sample_split=(sample_split or "").strip() or ("train" if sample_rows else None),
    )
    splits = open_dataset(ref)
    first = next(iter(splits))
    info = overview(ref, splits)
    frame, _ = _first_page(ref, first)
    return (
        _summary_markdown(ref, splits),
        pd.DataFrame({"column": list(info.features), "type": list(info.features.values())}),
        gr.update(choices=list(splits), value=first),
        frame,
        ref.to_dict(),
        # A streaming sample is not the dataset: "Use for training" saves it first.
        gr.skip() if ref.sample_rows else ref.source,
    )


@shows_errors
def refresh_views(state: dict, split: str):
    """After a load or a shaping step: the overview, column choices, history, and the first page's position."""
    ref = _ref(state)
    splits = open_dataset(ref)
    shown = split if split in splits else next(iter(splits))
    columns = next(iter(splits.values())).column_names
    info = overview(ref, splits)
    label = "label" if "label" in columns else None
    return (
        _overview_markdown(ref),
        gr.update(choices=columns, value=None),
        gr.update(choices=info.label_names, value=None),
        gr.update(choices=columns, value=label if label else None),
        gr.update(choices=columns, value=[]),
        _history_markdown(ref),
        gr.update(choices=list(splits)),
        0,
        read_page(splits[shown], 0, PREVIEW_ROWS).description,
    )


@shows_errors
def preview_split(source: str, config: str, split: str, page_size: float = PREVIEW_ROWS, state: dict | None = None):
    """The first rows of one split: of the open (shaped) dataset when it is this source, else of the source."""
    if not split:
        return pd.DataFrame()
    ref = _ref(state) if state and state.get("source") == source else DatasetRef(source, config or None)
    return _first_page(ref, split, int(page_size or PREVIEW_ROWS))[0]


@shows_errors
def browse(state: dict, split: str, offset: float, page_size: float, move: int = 0):
    """A page of rows from `offset` (moved by `move` pages), with where it is in the split."""
    dataset = open_split(_ref(state), split)
    size = int(page_size or PREVIEW_ROWS)
    start = page_offset(int(offset or 0), size, len(dataset), move) if move else int(offset or 0)
    page = read_page(dataset, start, size)
    return start, _frame(page.rows, page.columns), page.description


def first_page(state: dict, split: str, page_size: float):
    """The first page of a split, with where it is."""
    return browse(state, split, 0, page_size)


@shows_errors
def show_row(state: dict, split: str, index: float) -> dict:
    """One row in full."""
    return read_row(open_split(_ref(state), split), int(index or 0))


# --- search -----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _search(ref: DatasetRef, split: str, row_filter: RowFilter):
    dataset = open_split(ref, split)
    return filtered_view(dataset, filter_rows(dataset, row_filter))


def _row_filter(query, column, label, min_chars, max_chars, label_column) -> RowFilter:
    return RowFilter(
        query=query or "",
        column=column or None,
        label=label or None,
        label_column=label_column if label else None,
        min_chars=int(min_chars) if min_chars not in (None, "") else None,
        max_chars=int(max_chars) if max_chars not in (None, "") else None,
    )


@shows_errors
def search_rows(state, split, query, column, label, min_chars, max_chars, offset=0, page_size=PREVIEW_ROWS):
    """Search the whole split: a text in a column (or any text column), a label, a length range; a page of matches."""
    ref = _ref(state)
    columns = open_split(ref, split).column_names
    label_column = "label" if "label" in columns else None
    view = _search(ref, split, _row_filter(query, column, label, min_chars, max_chars, label_column))
    if len(view) == 0:
        return pd.DataFrame(
            columns=columns
        ), f"No rows of {split} match (all {len(open_split(ref, split)):,} searched)."
    page = read_page(view, min(int(offset or 0), len(view) - 1), int(page_size or PREVIEW_ROWS))
    info = f"**{len(view):,}** of {len(open_split(ref, split)):,} rows of {split} match; {page.description}."
    return _frame(page.rows, page.columns), info


@shows_errors
def sql_rows(state, split, query, offset=0, page_size=PREVIEW_ROWS):
    """A read-only SQL query over the split (table `data`; every split is also a table by its name)."""
    ref = _ref(state)
    result = run_sql(open_dataset(ref), split, query or "", offset=int(offset or 0), limit=int(page_size or 20))
    last = result.offset + len(result.rows)
    info = f"**{result.total:,}** result rows; rows {result.offset:,}–{max(result.offset, last - 1):,} shown."
    return _frame(result.rows, result.columns), info


# --- checks, tokenization ---------------------------------------------------------------------------------------


@shows_errors
def check_dataset(state: dict, tokenizer: str, max_length: float, split: str):
    """Label distribution, lengths in characters and tokens, lengths per label, empty values, duplicates, leakage."""
    ref = _ref(state)
    splits = open_dataset(ref)
    options = StatsOptions(max_length=int(max_length or 128))
    stats = dataset_stats(splits, options, load_tokenizer(tokenizer) if tokenizer else None)
    stats.tokenizer = tokenizer or None
    sampled = [
        f"{name}: tokens counted on a random {s.tokens.rows:,} of {s.rows:,} rows"
        for name, s in stats.splits.items()
        if s.tokens and s.tokens.rows < s.rows
    ]
    notes = stats.warnings + sampled
    text = "\n".join(f"- {note}" for note in notes) if notes else "No problems found."
    chosen = split if split in stats.splits else next(iter(stats.splits))
    return (
        text,
        dataset_plots.label_distribution(stats),
        dataset_plots.length_histogram(stats, "characters"),
        dataset_plots.length_histogram(stats, "tokens"),
        dataset_plots.lengths_per_label(stats, chosen),
        dataset_plots.quality_bars(stats),
    )


@shows_errors
def tokenize_split(state: dict, split: str, tokenizer: str, max_length: float, batch_size: float):
    """Tokenize the split with map(batched=True); the collator's batch of the first 8 rows; padding waste."""
    dataset = open_split(_ref(state), split)
    text_columns = resolve_text_columns(dataset.column_names)  # a preview needs no label
    options = PaddingOptions(max_length=int(max_length or 128), batch_size=int(batch_size or 16))
    preview = tokenize_preview(dataset, load_tokenizer(tokenizer or "scratch:tiny"), text_columns, options)
    shapes = ", ".join(f"`{name}` {tuple(shape)}" for name, shape in preview.batch_shapes.items())
    summary = (
        f"`{split}.map(tokenize, batched=True)` added **{', '.join(preview.new_columns)}** to {preview.rows:,} rows "
        f"({preview.tokens:,} tokens after truncation; {preview.truncated_rows:,} rows truncated at "
        f"{options.max_length})."
        f"\n\n`DataCollatorWithPadding` on the first {len(preview.first_rows)} rows: {shapes}."
    )
    first = pd.DataFrame(
        [{name: " ".join(map(str, row[name])) for name in preview.new_columns} for row in preview.first_rows]
    )
    waste = pd.DataFrame(
        [
            {"batches": w.strategy, "positions": w.positions, "padding": w.padding, "padding share": f"{w.share:.1%}"}
            for w in preview.waste
        ]
    )
    return summary, first, waste


# --- shaping, training, export ----------------------------------------------------------------------------------


def _history_markdown(ref: DatasetRef) -> str:
    if not ref.steps:
        return "No shaping steps yet: the dataset is as loaded."
    blocks = [
        f"{i}. {STEP_KINDS[step.kind]}\n\n```python\n{code}\n```"
        for i, (step, code) in enumerate(zip(ref.steps, step_code(ref), strict=True), start=1)
    ]
    return "\n\n".join(blocks)


@shows_errors
def apply_shape_step(state, kind, split, column, new_name, remove_columns, count, seed, fraction):
    """Apply one shaping step to the open dataset; the history shows the `datasets` code of every step."""
    ref = _ref(state)
    step = ShapeStep(
        kind=kind,
        split=(split or None) if kind in ("shuffle", "select", "sample") else None,
        count=int(count) if count else None,
        seed=int(seed if seed is not None else 42),
        column=column or None,
        new_name=new_name or None,
        columns=tuple(remove_columns or ()),
        fraction=float(fraction or 0.1),
    )
    shaped = ref.with_step(step)
    splits = open_dataset(shaped)  # raises (and changes nothing) when the step does not apply
    return shaped.to_dict(), _summary_markdown(shaped, splits)


@shows_errors
def undo_shape_step(state):
    """Drop the last shaping step."""
    ref = _ref(state).undo()
    return ref.to_dict(), _summary_markdown(ref, open_dataset(ref))


@shows_errors
def use_for_training(state):
    """Save the shaped dataset with save_to_disk (when shaped) and make it the Train tab's dataset."""
    ref = _ref(state)
    if not ref.steps and not ref.sample_rows:
        return ref.source, f"The Train tab will train on `{ref.source}`."
    folder = save_shaped(ref)
    return str(folder), f"Saved with `save_to_disk` to `{folder}`; the Train tab will train on it."


@shows_errors
def export_view(state, split, what, fmt, name, query, column, label, min_chars, max_chars):
    """Write the current split, the search results or the whole dataset into the data directory's exports."""
    ref = _ref(state)
    if what == "whole dataset":
        data = open_dataset(ref)
    elif what == "search results":
        columns = open_split(ref, split).column_names
        label_column = "label" if "label" in columns else None
        data = _search(ref, split, _row_filter(query, column, label, min_chars, max_chars, label_column))
    else:
        data = open_split(ref, split)
    default = f"{Path(ref.source).stem or ref.source}-{split}"
    written = export_dataset(data, fmt, export_path(name or default, fmt))
    rows = sum(data.num_rows.values()) if isinstance(data, DatasetDict) else len(data)
    download = str(written) if written.is_file() else None
    return f"Wrote {rows:,} rows to `{written}`.", download


@shows_errors
def keep_upload(path: str | None) -> str:
    """Check an uploaded file (size first, then content) and keep it in the data directory; return it as a source."""
    if not path:
        raise ValueError("no file uploaded")
    return str(keep_checked_upload(Path(path), set(TABULAR_FORMATS)))


# --- layout -----------------------------------------------------------------------------------------------------


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
            sample_rows = gr.Number(
                value=0, precision=0, label="Streaming sample", info="first N rows only, for very large Hub datasets"
            )
            sample_split = gr.Textbox(value="", label="Sample split", info="the split to sample (default train)")
    return source, config, load, revision, sample_rows, sample_split


def build() -> DatasetsTab:
    gr.Markdown(EXPLANATION)
    source, config, load, revision, sample_rows, sample_split = _load_row()
    upload = gr.File(label="…or upload a file", file_types=list(TABULAR_FORMATS), type="filepath", height=140)
    summary = gr.Markdown()
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
                        offset = gr.Number(label="Jump to row", value=0, precision=0, minimum=0)
                    with gr.Row():
                        previous = gr.Button("◀ Previous", size="sm")
                        page_info = gr.Markdown()
                        following = gr.Button("Next ▶", size="sm")
                    rows = gr.Dataframe(label="Rows", interactive=False, wrap=True)
            with gr.Row():
                row_index = gr.Number(label="Row", value=0, precision=0, minimum=0, scale=0)
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
                min_chars = gr.Number(label="Min characters", precision=0, minimum=0)
                max_chars = gr.Number(label="Max characters", precision=0, minimum=0)
            search = gr.Button("Search the whole split")
            sql = gr.Code(
                language="sql",
                label=f"Read-only SQL (DuckDB): the split is table `{TABLE}`",
                lines=3,
                value=f"SELECT label, count(*) AS rows FROM {TABLE} GROUP BY label ORDER BY rows DESC",
            )
            run_query = gr.Button("Run SQL")
            with gr.Row():
                result_offset = gr.Number(label="Result row", value=0, precision=0, minimum=0, scale=0)
                result_info = gr.Markdown()
            results = gr.Dataframe(label="Results", interactive=False, wrap=True)
        with gr.Tab("Check"):
            with gr.Row():
                check_tokenizer = gr.Textbox(label="Tokenizer", value="scratch:tiny", info="any model reference")
                check_length = gr.Number(label="max_length", value=128, precision=0, minimum=1)
                check = gr.Button("Check the dataset", variant="primary")
            warnings = gr.Markdown()
            with gr.Row():
                label_plot = gr.Plot(label="Labels")
                quality_plot = gr.Plot(label="Empty values, duplicates, leakage")
            with gr.Row():
                chars_plot = gr.Plot(label="Characters")
                tokens_plot = gr.Plot(label="Tokens")
            per_label_plot = gr.Plot(label="Lengths per label")
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
                count = gr.Number(label="Rows", precision=0, minimum=1, info="select / sample")
                seed = gr.Number(label="Seed", value=42, precision=0)
                fraction = gr.Number(label="Validation fraction", value=0.1, minimum=0.01, maximum=0.9)
            with gr.Row():
                apply = gr.Button("Apply step", variant="primary")
                undo = gr.Button("Undo last step")
                to_train = gr.Button("Use for training")
            training_note = gr.Markdown()
            history = gr.Markdown()
        with gr.Tab("Tokenize"):
            with gr.Row():
                tokenizer = gr.Textbox(label="Tokenizer", value="scratch:tiny", info="any model reference")
                max_length = gr.Number(label="max_length", value=128, precision=0, minimum=1)
                batch_size = gr.Number(label="Batch size", value=16, precision=0, minimum=1)
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
    load.click(load_dataset_view, load_inputs, load_outputs, api_name="load_dataset").success(
        refresh_views, refresh_inputs, refresh_outputs, api_name=False
    )
    upload.upload(keep_upload, upload, source, api_name="upload_dataset").success(
        load_dataset_view, load_inputs, load_outputs, api_name=False
    ).success(refresh_views, refresh_inputs, refresh_outputs, api_name=False)

    page_outputs = [offset, rows, page_info]
    browse_inputs = [dataset_state, split, offset, page_size]
    split.input(
        preview_split, [source, config, split, page_size, dataset_state], rows, api_name="preview_split"
    ).success(first_page, [dataset_state, split, page_size], page_outputs, api_name=False)
    gr.on([page_size.input, offset.submit], browse, browse_inputs, page_outputs, api_name="browse")
    previous.click(lambda *a: browse(*a, move=-1), browse_inputs, page_outputs, api_name=False)
    following.click(lambda *a: browse(*a, move=1), browse_inputs, page_outputs, api_name=False)
    show.click(show_row, [dataset_state, split, row_index], row_detail, api_name="show_row")

    search_inputs = [dataset_state, split, query, column, label, min_chars, max_chars, result_offset, page_size]
    gr.on([search.click, query.submit], search_rows, search_inputs, [results, result_info], api_name="search_rows")
    run_query.click(
        sql_rows, [dataset_state, split, sql, result_offset, page_size], [results, result_info], api_name="run_sql"
    )

    check.click(
        check_dataset,
        [dataset_state, check_tokenizer, check_length, split],
        [warnings, label_plot, chars_plot, tokens_plot, per_label_plot, quality_plot],
        api_name="check_dataset",
    )

    shape_inputs = [dataset_state, kind, shape_split, shape_column, new_name, remove, count, seed, fraction]
    apply.click(apply_shape_step, shape_inputs, [dataset_state, summary], api_name="apply_step").success(
        refresh_views, refresh_inputs, refresh_outputs, api_name=False
    ).success(browse, browse_inputs, page_outputs, api_name=False)
    undo.click(undo_shape_step, dataset_state, [dataset_state, summary], api_name="undo_step").success(
        refresh_views, refresh_inputs, refresh_outputs, api_name=False
    ).success(browse, browse_inputs, page_outputs, api_name=False)
    to_train.click(use_for_training, dataset_state, [loaded_source, training_note], api_name="use_for_training")

    run_tokenize.click(
        tokenize_split,
        [dataset_state, split, tokenizer, max_length, batch_size],
        [tokenize_summary, tokenized_rows, waste],
        api_name="tokenize_split",
    )
    export.click(
        export_view,
        [dataset_state, split, what, export_format, export_name, query, column, label, min_chars, max_chars],
        [export_note, exported],
        api_name="export_dataset",
    )
    return DatasetsTab(source=source, loaded_source=loaded_source)
