"""Tokenizer tab: exactly what `tokenizer(text, text_pair, ...)` returns, for a text, a pair or a batch.

The form's inputs are, in order, those of `ui.tokenizer_url.DEFAULTS`, so the same list feeds the `/tokenize`
endpoint, the page address and its restoration.
"""

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from engine.jobs.store import model_choices
from engine.models.loading import load_tokenizer
from engine.tokenizer.compare import Comparison, compare_tokenizers
from engine.tokenizer.info import describe_tokenizer, id_to_token, token_to_id
from engine.tokenizer.inspection import (
    PADDING_CHOICES,
    TRUNCATION_CHOICES,
    Inspection,
    TokenInput,
    TokenizeOptions,
    inspect_tokens,
)
from engine.tokenizer.roundtrip import round_trip
from engine.tokenizer.snippet import python_snippet, tokenizer_source
from engine.tokenizer.stats import TextCounts, output_counts, text_counts
from ui.errors import shows_errors
from ui.token_html import TOKEN_CSS, comparison_html, round_trip_html, token_spans_html
from ui.token_plots import token_matrices
from ui.tokenizer_url import SAMPLE_TEXT, TAB, UPDATE_URL_JS, form_values

EXPLANATION = """\
A model never sees text, only **input_ids**: the tokenizer normalizes the text, splits it into words, cuts words
into tokens from its vocabulary and adds special tokens such as `[CLS]` and `[SEP]`
([course, chapter 2](https://huggingface.co/learn/llm-course/chapter2/4)). For a pair of texts, **token_type_ids**
mark which text a token belongs to (0 first, 1 second); **padding** makes the texts of a batch the same length and
**attention_mask** is 0 on the pads so the model ignores them; **truncation** cuts what does not fit in
`max_length`, and with `return_overflowing_tokens` the rest comes back as more windows that overlap by `stride`
tokens ([chapter 3](https://huggingface.co/learn/llm-course/chapter3/2))."""
TABLE_COLUMNS = [
    "index", "token", "input_id", "token_type_id", "attention_mask", "special_tokens_mask", "start", "end",
    "substring", "unknown",
]  # fmt: skip


@dataclass
class TokenizerTab:
    inputs: list[gr.components.Component]  # the form, in `ui.tokenizer_url.DEFAULTS` order
    outputs: list[gr.components.Component]

    def restore_from_url(self, demo: gr.Blocks, tabs: gr.Tabs) -> None:
        """On page load, fill the form from the address and show the view it describes (see ui.tokenizer_url)."""
        restored = gr.State(False)

        def restore(request: gr.Request):
            values = form_values(dict(request.query_params))
            if values is None:
                return [gr.skip()] * (len(self.inputs) + 2)
            return [*values, gr.Tabs(selected=TAB), True]

        def view_if_restored(was_restored: bool, *values):
            return tokenize_view(*values) if was_restored else [gr.skip()] * len(self.outputs)

        demo.load(restore, None, [*self.inputs, tabs, restored], api_name=False).then(
            view_if_restored, [restored, *self.inputs], self.outputs, api_name=False
        )


def _options(special, padding, truncation, max_length, stride, overflow) -> TokenizeOptions:
    # An empty Number arrives as None and a cleared one as 0: both mean "no max_length".
    return TokenizeOptions(
        add_special_tokens=bool(special),
        padding=padding,
        truncation=truncation,
        max_length=int(max_length) if max_length else None,
        stride=int(stride or 0),
        return_overflowing_tokens=bool(overflow),
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
def tokenize_view(model, text, pair, batch, special, padding, truncation, max_length, stride, overflow, compare, show):
    """Inspect the call; return tokenizer info, counts, spans, table, matrices, round trip, comparison, snippet."""
    if batch and pair and pair.strip():
        raise ValueError("in a batch, put each second text on its line after a tab; leave 'Second text' empty")
    inputs = TokenInput.from_lines(text) if batch else TokenInput.single(text, pair)
    options = _options(special, padding, truncation, max_length, stride, overflow)
    tokenizer = load_tokenizer(model)
    inspection = inspect_tokens(tokenizer, inputs, options)
    shown = int(show or 0)
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
def look_up_id(model: str, token_id: float | None) -> str:
    """The token of a vocabulary id."""
    if token_id is None:
        raise ValueError("type an id to look up")
    return f"id **{int(token_id)}** is `{id_to_token(load_tokenizer(model), int(token_id))}`"


@shows_errors
def look_up_token(model: str, token: str) -> str:
    """The vocabulary id of a token, as written (`##ing` for a WordPiece continuation)."""
    return f"`{token}` is id **{token_to_id(load_tokenizer(model), token)}**"


def build() -> TokenizerTab:
    gr.Markdown(EXPLANATION)
    with gr.Row():
        model = gr.Dropdown(
            choices=model_choices(),
            value="scratch:tiny",
            allow_custom_value=True,
            label="Tokenizer of model",
            info="scratch:tiny, job:<id>, a local folder or a Hub id",
        )
        compare = gr.Dropdown(
            choices=["", *model_choices()],
            value="",
            allow_custom_value=True,
            label="Compare with (optional)",
            info="another tokenizer on the same text",
        )
    info = gr.Markdown()
    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label="Text", value=SAMPLE_TEXT, lines=3)
            pair = gr.Textbox(label="Second text (optional, for sentence pairs)", lines=1)
            batch = gr.Checkbox(
                label="Batch: one text per line", value=False, info="for pairs: text, a tab, then the second text"
            )
        with gr.Column(scale=2):
            special = gr.Checkbox(label="add_special_tokens", value=True)
            padding = gr.Radio(list(PADDING_CHOICES), value="do_not_pad", label="padding")
            truncation = gr.Radio(list(TRUNCATION_CHOICES), value="none", label="truncation")
            with gr.Row():
                # No `minimum`: an empty Number is sent as 0, which means "no max_length" here.
                max_length = gr.Number(label="max_length", value=None, precision=0, info="empty or 0: none")
                stride = gr.Number(label="stride", value=0, precision=0, minimum=0, info="overlap of windows")
            with gr.Row():
                overflow = gr.Checkbox(label="return_overflowing_tokens", value=False)
                sequence = gr.Number(
                    label="Show sequence", value=0, precision=0, minimum=0, info="batch line / window"
                )
    run = gr.Button("Tokenize", variant="primary")
    summary = gr.Markdown()
    spans = gr.HTML(label="Tokens over the text", css_template=TOKEN_CSS)
    table = gr.Dataframe(label="What the tokenizer returned, per position", interactive=False)
    matrices = gr.Plot(label="input_ids and attention_mask of every sequence", visible=False)
    with gr.Accordion("Decode round trip", open=True):
        decoded = gr.HTML(css_template=TOKEN_CSS)
    comparison = gr.Markdown(visible=False)
    comparison_spans = gr.HTML(css_template=TOKEN_CSS, visible=False)
    snippet = gr.Code(label="Reproduce this call in Python", language="python")
    with gr.Accordion("Look up the vocabulary", open=False), gr.Row():
        token_id = gr.Number(label="id", precision=0, minimum=0)
        id_button = gr.Button("id → token")
        token = gr.Textbox(label="token", info="as written in the vocabulary, e.g. ##ing")
        token_button = gr.Button("token → id")
        found = gr.Markdown()

    inputs = [model, text, pair, batch, special, padding, truncation, max_length, stride, overflow, compare, sequence]
    outputs = [info, summary, spans, table, matrices, decoded, comparison, comparison_spans, snippet]
    run.click(tokenize_view, inputs, outputs, api_name="tokenize").success(None, inputs, None, js=UPDATE_URL_JS)
    id_button.click(look_up_id, [model, token_id], found, api_name="id_to_token")
    token_button.click(look_up_token, [model, token], found, api_name="token_to_id")
    return TokenizerTab(inputs, outputs)
