"""What the Tokenizer tab's buttons do: inspect a tokenizer call, compare two tokenizers, look up the vocabulary."""

import gradio as gr
import pandas as pd

from engine.common.errors import StudioError
from engine.models.loading import load_tokenizer
from engine.tokenizer.compare import Comparison, compare_tokenizers
from engine.tokenizer.info import describe_tokenizer, id_to_token, token_to_id
from engine.tokenizer.inspection import Inspection, TokenInput, TokenizeOptions, inspect_tokens
from engine.tokenizer.roundtrip import round_trip
from engine.tokenizer.snippet import python_snippet, tokenizer_source
from engine.tokenizer.stats import TextCounts, output_counts, text_counts
from ui.errors import shows_errors
from ui.forms import Field, Form, number
from ui.plots.tokenizer import token_matrices
from ui.token_html import comparison_html, round_trip_html, token_spans_html

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
