"""What the Datasets tab's buttons do: load, browse, search, check, shape, tokenize and export a dataset.

The page keeps only a small reference to the open dataset (`engine.datasets.session.DatasetRef`, as a dict in a
`gr.State`); the splits stay memory-mapped in the server process and every view reads only what it shows. A load
that fails raises before any output changes, so the dataset loaded before stays loaded.
"""

import html
from functools import lru_cache
from pathlib import Path

import gradio as gr
import pandas as pd
from datasets import DatasetDict

from engine.common.errors import USER_ERRORS, StudioError
from engine.common.uploads import keep_upload as keep_checked_upload
from engine.datasets.columns import TEXT, guess_roles
from engine.datasets.conll import CONLL_PREFIX, CONLL_SUFFIXES
from engine.datasets.export import export_dataset, export_path
from engine.datasets.overview import overview
from engine.datasets.search import RowFilter, filter_rows, filtered_view
from engine.datasets.session import DatasetRef, open_dataset, open_split, save_shaped, step_code
from engine.datasets.shaping import STEP_KINDS, ShapeStep, is_class_like
from engine.datasets.sources import TABULAR_FORMATS, resolve_text_columns
from engine.datasets.sql import TABLE, run_sql
from engine.datasets.stats import StatsOptions, dataset_stats
from engine.datasets.tokenize_preview import PaddingOptions, tokenize_preview
from engine.datasets.view import page_offset, read_page, read_row
from engine.models.loading import load_tokenizer
from ui import owner
from ui.errors import shows_errors
from ui.forms import Field, Form, number, optional_text, stripped
from ui.plots import datasets as dataset_plots
from ui.task_checks_view import task_check_view
from ui.task_rows_html import task_rows_html

PREVIEW_ROWS = 20
UPLOAD_SUFFIXES = (*TABULAR_FORMATS, *CONLL_SUFFIXES)  # .conll, and .txt read in CoNLL layout when chosen
CONLL_TXT_LABEL = "Read a txt upload as CoNLL"
CELL_CHARS = 300  # a table cell shows this much of a long text; the row view shows it all


def _ref(state: dict | None) -> DatasetRef:
    if not state:
        raise StudioError("Dataset: nothing is loaded yet; press Load to open the dataset the box names")
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


LOAD_FORM = Form(
    Field("source", stripped),
    Field("config", optional_text),
    Field("revision", optional_text),
    # Empty (or 0, as scripts sent before it was a text box): the whole dataset, not a streaming sample.
    Field("sample_rows", number(minimum=0, whole=True, empty=None), label="Streaming sample"),
    Field("sample_split", optional_text),
)


@shows_errors
@LOAD_FORM.listener
def load_dataset_view(form: dict):
    """Open a source (or a streaming sample of a Hub dataset) and show its summary, features and first rows."""
    if not form["source"]:
        raise StudioError("Dataset: no dataset given; pick a sample, upload a file, or type a folder path or Hub id")
    sample_rows = form["sample_rows"] or None
    ref = DatasetRef(
        source=form["source"],
        config=form["config"],
        revision=form["revision"],
        sample_rows=sample_rows,
        sample_split=form["sample_split"] or ("train" if sample_rows else None),
    )
    return _opened(ref, open_dataset(ref))


def _opened(ref: DatasetRef, splits, split: str | None = None) -> tuple:
    """What the page shows of a dataset just opened: summary, features, split choices, the rows of `split` (the
    first split when it has no such split), the reference, and the source the Train tab should train on."""
    shown = split if split in splits else next(iter(splits))
    info = overview(ref, splits)
    frame, _ = _first_page(ref, shown)
    return (
        _summary_markdown(ref, splits),
        pd.DataFrame({"column": list(info.features), "type": list(info.features.values())}),
        gr.update(choices=list(splits), value=shown),
        frame,
        ref.to_dict(),
        # A streaming sample or a shaped dataset is not the source: "Use for training" saves it first.
        gr.skip() if ref.sample_rows or ref.steps else ref.source,
    )


@shows_errors
def reopen_dataset(state: dict | None, split: str | None):
    """After a page reload: open again the dataset this browser showed (as shaped), on the split it showed.

    Opening a dataset read before is cheap (its Arrow cache is mapped again). A dataset that cannot be opened any
    more (a deleted upload, an unreachable Hub) is said in the summary, in one line, and nothing is open: no error
    pops up over a page the user has not touched yet, and the Dataset box keeps its text to edit.
    """
    if not state:
        return [gr.skip()] * 6
    source = state.get("source") if isinstance(state, dict) else None
    try:
        ref = DatasetRef.from_dict(state)
        return _opened(ref, open_dataset(ref), split)
    except (*USER_ERRORS, TypeError) as error:  # TypeError: a kept reference of another version of the app
        note = f"Dataset: `{source}` could not be opened again after the reload: {error}"
        return note, gr.skip(), gr.skip(), gr.skip(), {}, gr.skip()


def refresh_reopened(state: dict | None, split: str):
    """The views of a dataset reopened after a reload; nothing when none could be."""
    return refresh_views(state, split) if state else [gr.skip()] * 9


@shows_errors
def refresh_views(state: dict, split: str):
    """After a load or a shaping step: the overview, column choices, history, and the first page's position."""
    ref = _ref(state)
    splits = open_dataset(ref)
    shown = split if split in splits else next(iter(splits))
    columns = next(iter(splits.values())).column_names
    info = overview(ref, splits)
    # The column most steps are about: the label (cast, stratify), else the first text column (drop empty/duplicates).
    # `guess_roles`, not `resolve_text_columns`: a file without a `text` column (`review`) must still open.
    shape_column = info.label_column or guess_roles(next(iter(splits.values())))[0][TEXT] if columns else None
    return (
        _overview_markdown(ref),
        gr.update(choices=columns, value=None),
        gr.update(choices=info.label_names, value=None),
        gr.update(choices=columns, value=shape_column),
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


BROWSE_FORM = Form(
    Field("state"),
    Field("split"),
    Field("offset", number(minimum=0, whole=True, empty=0), label="Jump to row"),
    Field("page_size", number(minimum=1, whole=True, empty=PREVIEW_ROWS), label="Rows per page"),
)


@shows_errors
@BROWSE_FORM.listener
def browse(form: dict, move: int = 0):
    """A page of rows from `offset` (moved by `move` pages), with where it is in the split."""
    dataset = open_split(_ref(form["state"]), form["split"])
    size, offset = form["page_size"], form["offset"]
    start = page_offset(offset, size, len(dataset), move) if move else offset
    page = read_page(dataset, start, size)
    return start, _frame(page.rows, page.columns), page.description


def first_page(state: dict, split: str, page_size: float):
    """The first page of a split, with where it is."""
    return browse(state, split, 0, page_size)


SHOW_ROW_FORM = Form(
    Field("state"), Field("split"), Field("index", number(minimum=0, whole=True, empty=0), label="Row")
)


@shows_errors
@SHOW_ROW_FORM.listener
def show_row(form: dict) -> dict:
    """One row in full."""
    return read_row(open_split(_ref(form["state"]), form["split"]), form["index"])


# --- search -----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _search(ref: DatasetRef, split: str, row_filter: RowFilter):
    dataset = open_split(ref, split)
    return filtered_view(dataset, filter_rows(dataset, row_filter))


# The search box's fields, read by the search and by "export the search results".
ROW_FILTER_FIELDS = (
    Field("query", lambda value: value or ""),
    Field("column", lambda value: value or None),
    Field("label", lambda value: value or None),
    # Empty: no bound.
    Field("min_chars", number(minimum=0, whole=True, empty=None), label="Min characters"),
    Field("max_chars", number(minimum=0, whole=True, empty=None), label="Max characters"),
)
RESULT_OFFSET = Field("offset", number(minimum=0, whole=True, empty=0), label="Result row")
PAGE_SIZE = Field("page_size", number(minimum=1, whole=True, empty=PREVIEW_ROWS), label="Rows per page")
SEARCH_FORM = Form(Field("state"), Field("split"), *ROW_FILTER_FIELDS, RESULT_OFFSET, PAGE_SIZE)


def _row_filter(form: dict, label_column: str | None) -> RowFilter:
    bounded = form["min_chars"] is not None or form["max_chars"] is not None
    if not (form["query"] or form["label"] or bounded):
        raise StudioError("Text: type what to find (or pick a Label, or bound Min / Max characters)")
    if bounded and not form["column"]:
        raise StudioError("Column: pick the column whose length Min / Max characters bound")
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


SQL_FORM = Form(Field("state"), Field("split"), Field("query"), RESULT_OFFSET, PAGE_SIZE)


@shows_errors
@SQL_FORM.listener
def sql_rows(form: dict):
    """A read-only SQL query over the split (table `data`; every split is also a table by its name)."""
    ref, split = _ref(form["state"]), form["split"]
    query = form["query"] or ""
    if not query.strip():
        raise StudioError(f"Read-only SQL: empty; type a query such as SELECT * FROM {TABLE} LIMIT 10")
    result = run_sql(open_dataset(ref), split, query, offset=form["offset"], limit=form["page_size"])
    last = result.offset + len(result.rows)
    info = f"**{result.total:,}** result rows; rows {result.offset:,}–{max(result.offset, last - 1):,} shown."
    return _frame(result.rows, result.columns), info


# --- the task the data is read as ------------------------------------------------------------------------------
# `engine.tasks` imports transformers: imported where a task is first needed, so the server starts without it.
TOKEN_TASKS = ("token-classification", "question-answering")  # their checks count tokens: they need a tokenizer
TASK_CHECK_TOKENIZER = "scratch:small"  # when the Tokenizer box is empty
TASK_CHECK_ROWS = 20_000  # rows a task check reads (a random sample beyond), as the token lengths of Check do


@lru_cache(maxsize=8)
def _cached_choice(ref: DatasetRef, task: str | None, fingerprint: str):
    from engine.tasks.task_rows import choose_task

    return choose_task(open_dataset(ref), task)


def _task_choice(ref: DatasetRef, task: str | None):
    """The task `ref` is read as (`task`, else inferred), cached per open dataset: a text-classification setup reads
    the whole label column, which a page of rows should not pay for each time."""
    splits = open_dataset(ref)
    first = splits["train"] if "train" in splits else next(iter(splits.values()))
    return _cached_choice(ref, task or None, first._fingerprint)


@shows_errors
def infer_task_view(state: dict | None):
    """After a load or a shaping step: the task the columns suggest, picked in the Task box, and what it reads."""
    from engine.tasks.registry import task_names

    if not state:
        return gr.skip(), gr.skip()
    try:
        choice = _task_choice(_ref(state), None)
    except StudioError as error:
        note = f"Task: none inferred ({error}). Pick one to read the data as that task."
        return gr.update(choices=task_names(), value=None), note
    return gr.update(choices=task_names(), value=choice.setup.task), choice.description


@shows_errors
def choose_task_view(state: dict | None, task: str | None) -> str:
    """The Task box changed: what the chosen task reads; a task that cannot read the data says why."""
    return _task_choice(_ref(state), task).description


TASK_ROWS_FORM = Form(
    Field("state"),
    Field("split"),
    Field("offset", number(minimum=0, whole=True, empty=0), label="Jump to row"),
    Field("page_size", number(minimum=1, whole=True, empty=PREVIEW_ROWS), label="Rows per page"),
    Field("task", lambda value: value or None),
)


@shows_errors
@TASK_ROWS_FORM.listener
def task_rows(form: dict) -> str:
    """The Browse page as the task reads it (HTML): tags over the words, the answer in its context, label sets as
    chips, the value beside each text. Only the page is read."""
    from engine.tasks.task_rows import page_rows

    if not form["state"] or not form["split"]:
        return ""
    ref = _ref(form["state"])
    dataset = open_split(ref, form["split"])
    try:
        setup = _task_choice(ref, form["task"]).setup
    except StudioError as error:  # said once by the Task box; the page view says it without a pop-up per page
        return f"<p>{html.escape(str(error))}</p>"
    offset = form["offset"] if form["offset"] < len(dataset) else 0  # a page event of the dataset before
    return task_rows_html(setup.task, page_rows(dataset, setup, offset, form["page_size"], form["split"]))


TASK_CHECK_FORM = Form(
    Field("state"),
    Field("tokenizer", optional_text),
    Field("max_length", number(minimum=8, whole=True, empty=128), label="max_length"),
    Field("stride", number(minimum=0, whole=True, empty=None), label="Stride"),
    Field("split"),
    Field("task", lambda value: value or None),
)


@shows_errors
@TASK_CHECK_FORM.listener
def check_task(form: dict):
    """The checks of the chosen task on the split: label sets, the target's spread, tags and sub-words, answers and
    windows; its lines, two charts and a table."""
    from engine.tasks.base import Tokenization
    from engine.tasks.checks import check_task_data

    ref = _ref(form["state"])
    splits = open_dataset(ref)
    split = form["split"] if form["split"] in splits else next(iter(splits))
    setup = _task_choice(ref, form["task"]).setup
    tokenization = Tokenization(max_length=form["max_length"], stride=form["stride"])
    tokenizer = load_tokenizer(form["tokenizer"] or TASK_CHECK_TOKENIZER) if setup.task in TOKEN_TASKS else None
    check = check_task_data(splits[split], setup, tokenizer, tokenization, split, max_rows=TASK_CHECK_ROWS)
    if check is None:
        text = f"**{setup.task}**: the label balance and text lengths above are its checks."
        return text, None, None, pd.DataFrame()
    view = task_check_view(check)
    read = f"a random {TASK_CHECK_ROWS:,} of {check.sampled_from:,} rows" if check.sampled_from else "every row"
    return f"{view.text}\n\n(split `{split}`, {read})", view.first, view.second, view.table


# --- checks, tokenization ---------------------------------------------------------------------------------------


CHECK_FORM = Form(
    Field("state"),
    Field("tokenizer", optional_text),
    Field("max_length", number(minimum=1, whole=True, empty=128), label="max_length"),
    Field("split"),
)


@shows_errors
@CHECK_FORM.listener
def check_dataset(form: dict):
    """Label distribution, lengths in characters and tokens, lengths per label, empty values, duplicates, leakage."""
    ref, tokenizer, split = _ref(form["state"]), form["tokenizer"], form["split"]
    splits = open_dataset(ref)
    if _reads_no_text(splits):
        note = "Label balance and text lengths are for text rows: see the task checks below."
        return note, *([None] * 5)
    options = StatsOptions(max_length=form["max_length"])
    stats = dataset_stats(splits, options, load_tokenizer(tokenizer) if tokenizer else None)
    stats.tokenizer = tokenizer
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


def _reads_no_text(splits: DatasetDict) -> bool:
    """Data without a text column (words and tags, for one): the label and length checks have nothing to read."""
    try:
        resolve_text_columns(next(iter(splits.values())).column_names)
    except StudioError:
        return True
    return False


TOKENIZE_SPLIT_FORM = Form(
    Field("state"),
    Field("split"),
    Field("tokenizer", lambda value: optional_text(value) or "scratch:tiny"),
    Field("max_length", number(minimum=1, whole=True, empty=128), label="max_length"),
    Field("batch_size", number(minimum=1, whole=True, empty=16), label="Batch size"),
)


@shows_errors
@TOKENIZE_SPLIT_FORM.listener
def tokenize_split(form: dict):
    """Tokenize the split with map(batched=True); the collator's batch of the first 8 rows; padding waste."""
    split = form["split"]
    dataset = open_split(_ref(form["state"]), split)
    text_columns = resolve_text_columns(dataset.column_names)  # a preview needs no label
    options = PaddingOptions(max_length=form["max_length"], batch_size=form["batch_size"])
    preview = tokenize_preview(dataset, load_tokenizer(form["tokenizer"]), text_columns, options)
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
    Field("new_name", optional_text),
    Field("remove_columns", lambda value: tuple(value or ())),
    # Read only by select and sample: empty is no count, so the box never stands in the way of another step.
    Field("count", number(minimum=1, whole=True, empty=None), label="Rows"),
    Field("seed", number(whole=True, empty=42), label="Seed"),
    Field("fraction", number(minimum=0.01, maximum=0.9, empty=0.1), label="Validation fraction"),
)
# What each step needs from the form, named by the page's labels, checked before the step is built.
_STEP_NEEDS = {
    "select": ("count", "Rows: type how many rows to keep (a whole number of at least 1)"),
    "sample": ("count", "Rows: type how many rows to sample (a whole number of at least 1)"),
    "rename": ("new_name", "New name: type the column's new name"),
    "remove": ("remove_columns", "Columns to remove: pick at least one column"),
}


def _needs_class_labels(ref: DatasetRef, kind: str, column: str | None) -> bool:
    """A stratified split needs class ids: true when the column holds plain classes (strings, whole numbers); lists,
    records and decimal targets are split at random instead."""
    if kind != "validation_split" or not column:
        return False
    features = next(iter(open_dataset(ref).values())).features
    return column in features and is_class_like(features[column])


@shows_errors
@SHAPE_FORM.listener
def apply_shape_step(form: dict):
    """Apply one shaping step to the open dataset; the history shows the `datasets` code of every step.

    Carving a validation split from a column of plain values first casts it to ClassLabel (a step of its own in
    the history, said in the summary): `stratify_by_column` needs class ids.
    """
    ref, kind = _ref(form["state"]), form["kind"]
    needed = _STEP_NEEDS.get(kind)
    if needed and not form[needed[0]]:
        raise StudioError(needed[1])
    if kind in ("rename", "cast_label", "validation_split", "drop_empty", "drop_duplicates") and not form["column"]:
        raise StudioError(f"Column: pick the column for the step '{STEP_KINDS[kind]}'")
    note = ""
    if _needs_class_labels(ref, kind, form["column"]):
        ref = ref.with_step(ShapeStep(kind="cast_label", column=form["column"]))
        note = f"\n\n> Cast `{form['column']}` to ClassLabel first (a stratified split needs class ids): step added."
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
    return shaped.to_dict(), _summary_markdown(shaped, splits) + note


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
    conll_txt: bool = False,
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
) -> str:
    """Check an uploaded file (size first, then content) and keep it in its owner's own uploads folder; return it as
    a source. A `.txt` file is a dataset only in CoNLL layout, read so when `conll_txt` chooses it (the source is
    then `conll:<path>`). The web server's copy is deleted either way."""
    if not path:
        raise StudioError("no file uploaded")
    try:
        if Path(path).suffix.lower() == ".txt" and not conll_txt:
            raise StudioError(
                f"{CONLL_TXT_LABEL}: tick it to read {Path(path).name} as CoNLL 'word tag' lines; otherwise upload "
                f"one of {', '.join(TABULAR_FORMATS)} or .conll"
            )
        kept = keep_checked_upload(Path(path), set(UPLOAD_SUFFIXES), owner.requester(owner_key, request, profile))
        return (CONLL_PREFIX if kept.suffix == ".txt" else "") + str(kept)
    finally:
        owner.discard_received(Path(path))
