"""What the Tokenizer tab's buttons do: inspect a tokenizer call, compare two tokenizers, look up the vocabulary,
and show a task's preprocessing (label alignment, question-answering windows) as training runs it."""

import gradio as gr
import pandas as pd
from datasets import Dataset

from engine.common.errors import StudioError
from engine.datasets.session import DatasetRef, open_split
from engine.models.loading import load_tokenizer
from engine.tokenizer.compare import Comparison, compare_tokenizers
from engine.tokenizer.info import describe_tokenizer, id_to_token, token_to_id
from engine.tokenizer.inspection import Inspection, TokenInput, TokenizeOptions, check_bounds, inspect_tokens
from engine.tokenizer.roundtrip import round_trip
from engine.tokenizer.snippet import alignment_snippet, python_snippet, tokenizer_source, windows_snippet
from engine.tokenizer.stats import TextCounts, output_counts, text_counts
from ui.errors import shows_errors
from ui.forms import Field, Form, number, optional_text, stripped
from ui.plots.tokenizer import token_matrices
from ui.token_html import alignment_html, comparison_html, round_trip_html, token_spans_html, windows_html

TABLE_COLUMNS = [
    "index", "token", "input_id", "token_type_id", "attention_mask", "special_tokens_mask", "start", "end",
    "substring", "unknown",
]  # fmt: skip


_max_length = number(minimum=0, whole=True, empty=None)

# The `/tokenize` endpoint's inputs, in the order of `ui.tokenizer_url.DEFAULTS` (the page address), which names
# `model` "tokenizer" and `show` "sequence".
TOKENIZE_FORM = Form(
    Field("model"),
    Field("text"),
    Field("pair"),
    Field("batch", bool),
    Field("special", bool),
    Field("padding"),
    Field("truncation"),
    # An empty box means "no max_length"; so does 0, which scripts sent while the box was a Number.
    Field("max_length", lambda value: _max_length(value) or None, label="max_length"),
    Field("stride", number(minimum=0, whole=True, empty=0), label="stride"),
    Field("overflow", bool),
    Field("compare"),
    Field("show", number(minimum=0, whole=True, empty=0), label="Show sequence"),
)
LOOK_UP_ID_FORM = Form(Field("model"), Field("token_id", number(minimum=0, whole=True), label="id"))


def _options(form: dict) -> TokenizeOptions:
    return TokenizeOptions(
        add_special_tokens=form["special"],
        padding=form["padding"],
        truncation=form["truncation"],
        max_length=form["max_length"],
        stride=form["stride"],
        return_overflowing_tokens=form["overflow"],
    )


def _summary(inspection: Inspection, counts: TextCounts, shown: int) -> str:
    output = output_counts(inspection)
    unknown = (
        f"**{counts.unknown} unknown** ({counts.unk_rate:.1%})"
        if counts.has_unk_token
        else "no unknown token (this tokenizer can encode any text)"
    )
    windows = f", showing sequence {shown} of 0–{output.sequences - 1}" if output.sequences > 1 else ""
    return (
        f"**{counts.tokens} tokens** for {counts.characters:,} characters and {counts.words:,} words "
        f"({counts.chars_per_token:.2f} characters and {counts.words_per_token:.2f} words per token; no special "
        f"tokens, no truncation) · {unknown}  \n"
        f"Returned **{output.sequences} sequence{'s' if output.sequences > 1 else ''}**{windows}: "
        f"{output.positions} positions, {output.special} special (padding included), {output.padding} padding."
    )


def _info(tokenizer) -> str:
    return "\n".join(f"- **{label}**: {value}" for label, value in describe_tokenizer(tokenizer).lines())


def _comparison_table(comparison: Comparison, name_a: str, name_b: str) -> str:
    a, b = comparison.counts_a, comparison.counts_b
    rows = [
        ("tokens", a.tokens, b.tokens),
        ("characters per token", f"{a.chars_per_token:.2f}", f"{b.chars_per_token:.2f}"),
        ("words per token", f"{a.words_per_token:.2f}", f"{b.words_per_token:.2f}"),
        ("unknown tokens", a.unknown, b.unknown),
    ]
    lines = [f"| | `{name_a}` | `{name_b}` |", "|---|---|---|", *(f"| {r[0]} | {r[1]} | {r[2]} |" for r in rows)]
    if comparison.spans is not None:
        lines.append(f"\n**{comparison.differing} span(s) split differently** (highlighted below; hover for both).")
    return "\n".join(lines)


@shows_errors
@TOKENIZE_FORM.listener
def tokenize_view(form: dict):
    """Inspect the call; return tokenizer info, counts, spans, table, matrices, round trip, comparison, snippet."""
    model, text, pair, compare = form["model"], form["text"], form["pair"], form["compare"]
    if form["batch"] and pair and pair.strip():
        raise StudioError("in a batch, put each second text on its line after a tab; leave 'Second text' empty")
    inputs = TokenInput.from_lines(text) if form["batch"] else TokenInput.single(text, pair)
    options = _options(form)
    tokenizer = load_tokenizer(model)
    inspection = inspect_tokens(tokenizer, inputs, options)
    shown = form["show"]
    table = pd.DataFrame(inspection.rows(shown), columns=TABLE_COLUMNS)
    several = len(inspection.sequences) > 1
    compared = bool(compare and compare.strip())
    comparison_md = comparison_spans = ""
    if compared:
        comparison = compare_tokenizers(tokenizer, load_tokenizer(compare), inputs)
        comparison_md = _comparison_table(comparison, model, compare)
        comparison_spans = comparison_html(comparison, model, compare)
    return (
        _info(tokenizer),
        _summary(inspection, text_counts(tokenizer, inputs), shown),
        token_spans_html(inspection, shown),
        table,
        gr.Plot(token_matrices(inspection) if several else None, visible=several),
        round_trip_html(round_trip(tokenizer, inspection, shown)),
        gr.Markdown(comparison_md, visible=compared),
        gr.HTML(comparison_spans, visible=compared),
        python_snippet(model, tokenizer_source(model), inputs, options, tokenizer.is_fast),
    )


@shows_errors
@LOOK_UP_ID_FORM.listener
def look_up_id(form: dict) -> str:
    """The token of a vocabulary id."""
    token_id = form["token_id"]
    return f"id **{token_id}** is `{id_to_token(load_tokenizer(form['model']), token_id)}`"


@shows_errors
def look_up_token(model: str, token: str) -> str:
    """The vocabulary id of a token, as written (`##ing` for a WordPiece continuation)."""
    if not token:
        raise StudioError("token: type a token to look up, as written in the vocabulary (e.g. ##ing)")
    return f"`{token}` is id **{token_to_id(load_tokenizer(model), token)}**"


# ---------------------------------------------------------------------------------------------------- task views
ALIGNMENT_SAMPLE = "Rosa/B-PER Brennan/I-PER joined/O Karsk/B-ORG Radio/I-ORG in/O New/B-LOC Halden/I-LOC ./O"
WINDOWS_SAMPLE = (
    "Where did the ferry leave from?",
    "The museum opens at nine and closes at six. Its garden holds a hundred kinds of rose. Visitors often arrive by "
    "ferry in the summer months. The ferry left from Alder Bay at noon and reached the island an hour later.",
    "Alder Bay",
)
ALIGNMENT_COLUMNS = ["position", "token", "word_id", "word", "label"]
WINDOW_COLUMNS = ["window", "tokens", "context", "answer"]
_row = number(minimum=0, whole=True)

ALIGNMENT_FORM = Form(
    Field("model"),
    Field("sentence", stripped),
    Field("dataset", optional_text),
    Field("label_all", bool),
    Field("max_length", number(minimum=8, whole=True), label="max_length"),
)
# A dataset row, for either view (`/alignment_row`, `/answer_row`).
ROW_FORM = Form(Field("dataset", stripped), Field("split", stripped), Field("row", _row, label="row"))
WINDOWS_FORM = Form(
    Field("model"),
    Field("question", stripped),
    Field("context"),
    Field("answer", optional_text),
    Field("answer_start", number(minimum=0, whole=True, empty=None), label="answer start"),
    Field("max_length", number(minimum=8, whole=True), label="max_length"),
    Field("stride", number(minimum=0, whole=True), label="stride"),
)


def _task_split(dataset: str, split: str) -> Dataset:
    if not dataset:
        raise StudioError("dataset: type a dataset to pick a row from (sample:entities, sample:questions, a path...)")
    return open_split(DatasetRef(dataset), split)


def _bounded(tokenizer, first: str, second: str | None, options: TokenizeOptions) -> None:
    """Hold the view's tokenizer call to the Tokenizer tab's bounds (characters, max_length, positions)."""
    check_bounds(tokenizer, TokenInput.single(first, second), options)


@shows_errors
@ALIGNMENT_FORM.listener
def alignment_view(form: dict):
    """Align a `word/TAG` sentence's tags to the tokens; return the summary, the view, the table and the snippet.

    The labels are those of the dataset's train split when a dataset is named (as training would number them),
    else the sentence's own tags.
    """
    # Here, not at the top: the tasks import transformers, which the server must not pay for at start.
    from engine.tasks.alignment import label_alignment, parse_tagged, sentence_setup
    from engine.tasks.base import Tokenization
    from engine.tasks.registry import get_task

    words, tags = parse_tagged(form["sentence"])
    tokenization = Tokenization(max_length=form["max_length"])
    tokenizer = load_tokenizer(form["model"])
    _bounded(
        tokenizer, " ".join(words), None, TokenizeOptions(truncation="longest_first", max_length=form["max_length"])
    )
    if form["dataset"]:
        train = open_split(DatasetRef(form["dataset"]), "train")
        setup = get_task("token-classification").setup(train, label_all_subwords=form["label_all"])
    else:
        setup = sentence_setup(words, tags, label_all_subwords=form["label_all"])
    alignment = label_alignment(words, tags, tokenizer, setup, tokenization)
    labelled = sum(token.label_id != -100 for token in alignment.tokens)
    lost = f" · **{alignment.lost_words} word(s) cut** by max_length train nothing" if alignment.lost_words else ""
    summary = (
        f"**{len(words)} words → {len(alignment.tokens)} tokens**: {labelled} train on a label, "
        f"{len(alignment.tokens) - labelled} get -100 (special tokens"
        f"{'' if setup.option('label_all_subwords') else ' and later pieces of a word'}), which the loss skips"
        f"{lost}  \nLabels (id order): {', '.join(setup.labels)}"
    )
    snippet = alignment_snippet(
        form["model"], tokenizer_source(form["model"]), words, tags, list(setup.labels), form["label_all"],
        form["max_length"],
    )  # fmt: skip
    # object dtype: a special token's word_ids entry shows as None (as `word_ids()` returns it), not NaN
    table = pd.DataFrame(alignment.rows(), columns=ALIGNMENT_COLUMNS, dtype=object)
    return summary, alignment_html(alignment), table, snippet


@shows_errors
@ROW_FORM.listener
def alignment_row(form: dict) -> str:
    """A token-classification row as `word/TAG` text, for the alignment view."""
    from engine.tasks.alignment import row_sentence, tagged_text  # here: transformers (see alignment_view)
    from engine.tasks.registry import get_task

    split = _task_split(form["dataset"], form["split"])
    setup = get_task("token-classification").setup(open_split(DatasetRef(form["dataset"]), "train"))
    return tagged_text(*row_sentence(split, form["row"], setup, form["split"]))


@shows_errors
@WINDOWS_FORM.listener
def windows_view(form: dict):
    """Cut a question and context into training's windows, the answer marked; return summary, view, table, snippet."""
    from engine.tasks.base import Tokenization  # here: transformers (see alignment_view)
    from engine.tasks.windows import answer_windows, question_setup

    question, context = form["question"], form["context"] or ""
    tokenization = Tokenization(max_length=form["max_length"], stride=form["stride"])
    tokenizer = load_tokenizer(form["model"])
    if question and context.strip():
        options = TokenizeOptions(
            truncation="only_second", max_length=form["max_length"], stride=form["stride"],
            return_overflowing_tokens=True,
        )  # fmt: skip
        _bounded(tokenizer, question, context, options)
    view = answer_windows(
        question, context, tokenizer, question_setup(), tokenization, form["answer"], form["answer_start"]
    )
    if view.answer is None:
        where = "no answer given: every window points at the CLS token"
    elif view.holding:
        where = f"the answer {view.answer[0]!r} is whole in window(s) {', '.join(map(str, view.holding))}"
    else:
        where = f"no window holds the whole answer {view.answer[0]!r}: raise max_length or the stride"
    summary = (
        f"**{len(view.windows)} window(s)** of at most {view.max_length} tokens sharing {view.stride} tokens of "
        f"context · {where}"
    )
    answer, start = view.answer if view.answer else (None, None)
    snippet = windows_snippet(
        form["model"], tokenizer_source(form["model"]), question, context, answer, start, view.max_length,
        view.stride,
    )  # fmt: skip
    rows = [{**row, "context": "{} to {}".format(*row["context"])} for row in view.rows()]
    table = pd.DataFrame(rows, columns=WINDOW_COLUMNS)
    specials = set(tokenizer.all_special_tokens)
    return summary, windows_html(view, specials, tokenizer.cls_token), table, snippet


@shows_errors
@ROW_FORM.listener
def windows_row(form: dict):
    """A question-answering row's question, context, first answer and its start, for the windows view."""
    from engine.tasks.windows import row_question  # here: transformers (see alignment_view)

    split = _task_split(form["dataset"], form["split"])
    question, context, answer, start = row_question(split, form["row"])
    return question, context, answer, "" if start is None else str(start)
