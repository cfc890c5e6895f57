"""What the Datasets tab's buttons do: load, browse, search, check, shape, tokenize and export a dataset.

The page keeps only a small reference to the open dataset (`engine.datasets.session.DatasetRef`, as a dict in a
`gr.State`); the splits stay memory-mapped in the server process and every view reads only what it shows. A load
that fails raises before any output changes, so the dataset loaded before stays loaded.
"""

from functools import lru_cache
from pathlib import Path

import gradio as gr
import pandas as pd
from datasets import DatasetDict

from engine.common.errors import StudioError
from engine.common.uploads import keep_upload as keep_checked_upload
from engine.datasets.export import export_dataset, export_path
from engine.datasets.overview import overview
from engine.datasets.search import RowFilter, filter_rows, filtered_view
from engine.datasets.session import DatasetRef, open_dataset, open_split, save_shaped, step_code
from engine.datasets.shaping import STEP_KINDS, ShapeStep
from engine.datasets.sources import TABULAR_FORMATS, resolve_text_columns
from engine.datasets.sql import run_sql
from engine.datasets.stats import StatsOptions, dataset_stats
from engine.datasets.tokenize_preview import PaddingOptions, tokenize_preview
from engine.datasets.view import page_offset, read_page, read_row
from engine.models.loading import load_tokenizer
from ui import owner
from ui.errors import shows_errors
from ui.forms import Field, Form
from ui.plots import datasets as dataset_plots

PREVIEW_ROWS = 20
CELL_CHARS = 300  # a table cell shows this much of a long text; the row view shows it all


def _ref(state: dict | None) -> DatasetRef:
    if not state:
        raise StudioError("load a dataset first")
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


def _chars(value: float | None) -> int | None:
    return int(value) if value not in (None, "") else None


# The search box's fields, read by the search and by "export the search results".
ROW_FILTER_FIELDS = (
    Field("query", lambda value: value or ""),
    Field("column", lambda value: value or None),
    Field("label", lambda value: value or None),
    Field("min_chars", _chars),
    Field("max_chars", _chars),
)
SEARCH_FORM = Form(
    Field("state"),
    Field("split"),
    *ROW_FILTER_FIELDS,
    Field("offset", lambda value: int(value or 0)),
    Field("page_size", lambda value: int(value or PREVIEW_ROWS)),
)


def _row_filter(form: dict, label_column: str | None) -> RowFilter:
    return RowFilter(
        query=form["query"],
        column=form["column"],
        label=form["label"],
        label_column=label_column if form["label"] else None,
        min_chars=form["min_chars"],
        max_chars=form["max_chars"],
    )


@shows_errors
@SEARCH_FORM.listener
def search_rows(form: dict):
    """Search the whole split: a text in a column (or any text column), a label, a length range; a page of matches."""
    ref, split = _ref(form["state"]), form["split"]
    columns = open_split(ref, split).column_names
    label_column = "label" if "label" in columns else None
    view = _search(ref, split, _row_filter(form, label_column))
    if len(view) == 0:
        return pd.DataFrame(
            columns=columns
        ), f"No rows of {split} match (all {len(open_split(ref, split)):,} searched)."
    page = read_page(view, min(form["offset"], len(view) - 1), form["page_size"])
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


SHAPE_FORM = Form(
    Field("state"),
    Field("kind"),
    Field("split", lambda value: value or None),
    Field("column", lambda value: value or None),
    Field("new_name", lambda value: value or None),
    Field("remove_columns", lambda value: tuple(value or ())),
    Field("count", lambda value: int(value) if value else None),
    Field("seed", lambda value: int(value if value is not None else 42)),
    Field("fraction", lambda value: float(value or 0.1)),
)


@shows_errors
@SHAPE_FORM.listener
def apply_shape_step(form: dict):
    """Apply one shaping step to the open dataset; the history shows the `datasets` code of every step."""
    ref, kind = _ref(form["state"]), form["kind"]
    step = ShapeStep(
        kind=kind,
        split=form["split"] if kind in ("shuffle", "select", "sample") else None,
        count=form["count"],
        seed=form["seed"],
        column=form["column"],
        new_name=form["new_name"],
        columns=form["remove_columns"],
        fraction=form["fraction"],
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


EXPORT_FORM = Form(Field("state"), Field("split"), Field("what"), Field("fmt"), Field("name"), *ROW_FILTER_FIELDS)


@shows_errors
@EXPORT_FORM.listener
def export_view(form: dict):
    """Write the current split, the search results or the whole dataset into the data directory's exports."""
    ref, split, what, fmt = _ref(form["state"]), form["split"], form["what"], form["fmt"]
    if what == "whole dataset":
        data = open_dataset(ref)
    elif what == "search results":
        columns = open_split(ref, split).column_names
        label_column = "label" if "label" in columns else None
        data = _search(ref, split, _row_filter(form, label_column))
    else:
        data = open_split(ref, split)
    default = f"{Path(ref.source).stem or ref.source}-{split}"
    written = export_dataset(data, fmt, export_path(form["name"] or default, fmt))
    rows = sum(data.num_rows.values()) if isinstance(data, DatasetDict) else len(data)
    download = str(written) if written.is_file() else None
    return f"Wrote {rows:,} rows to `{written}`.", download


@shows_errors
def keep_upload(
    path: str | None,
    owner_key: str | None = None,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
) -> str:
    """Check an uploaded file (size first, then content) and keep it in its owner's own uploads folder; return it as
    a source. The web server's copy is deleted either way."""
    if not path:
        raise StudioError("no file uploaded")
    try:
        return str(keep_checked_upload(Path(path), set(TABULAR_FORMATS), owner.requester(owner_key, request, profile)))
    finally:
        owner.discard_received(Path(path))
