"""Tokenizer tab: exactly what `tokenizer(text, pair, ...)` returns, token by token."""

import gradio as gr
import pandas as pd

from engine.models import load_tokenizer, model_choices
from engine.tokens import PADDING_CHOICES, TokenizeOptions, inspect_tokens
from ui.errors import shows_errors

EXPLANATION = """\
A model never sees text, only **input_ids**: the tokenizer cuts text into tokens and looks each up in its vocabulary,
adding special tokens such as `[CLS]` and `[SEP]`. For a pair of sentences, **token_type_ids** mark which segment a
token belongs to (0 = first, 1 = second), and **attention_mask** is 0 on padding so the model ignores it."""


@shows_errors
def tokenize_text(model: str, text: str, pair: str, max_length: float | None, padding: str, truncation: bool):
    """Tokenize and return the highlighted tokens, one table row per token and a summary line."""
    options = TokenizeOptions(
        max_length=int(max_length) if max_length else None, padding=padding, truncation=bool(truncation)
    )
    view = inspect_tokens(load_tokenizer(model), text, pair or None, options)
    segments = view.token_type_ids or [0] * len(view.tokens)
    highlighted = [
        (token, "special" if special else f"segment {segment}" if view.token_type_ids else None)
        if mask
        else (token, "padding")
        for token, segment, special, mask in zip(
            view.tokens, segments, view.special_tokens_mask, view.attention_mask, strict=True
        )
    ]
    table = pd.DataFrame(view.rows())
    padding_count = view.attention_mask.count(0)
    summary = f"**{len(view.tokens)} tokens**, {sum(view.special_tokens_mask)} special, {padding_count} padding. " + (
        "" if view.token_type_ids is not None else "This tokenizer returns no token_type_ids."
    )
    return highlighted, table, summary


def build() -> gr.Dropdown:
    gr.Markdown(EXPLANATION)
    with gr.Row():
        model = gr.Dropdown(
            choices=model_choices(),
            value="scratch:tiny",
            allow_custom_value=True,
            label="Tokenizer of model",
            info="scratch:tiny, job:<id>, a local folder or a Hub id",
        )
        # No `minimum`: an empty Number is sent as 0, which means "no max_length" here.
        max_length = gr.Number(label="max_length", value=None, precision=0, info="empty or 0: none")
        padding = gr.Radio(list(PADDING_CHOICES), value="do_not_pad", label="padding")
        truncation = gr.Checkbox(label="truncation", value=False)
    text = gr.Textbox(label="Text", value="The soup was cold, but the staff made up for it.", lines=2)
    pair = gr.Textbox(label="Second text (optional, for sentence pairs)", lines=1)
    run = gr.Button("Tokenize", variant="primary")
    summary = gr.Markdown()
    tokens = gr.HighlightedText(
        label="Tokens",
        color_map={"special": "#f59e0b", "segment 0": "#60a5fa", "segment 1": "#34d399", "padding": "#d1d5db"},
        show_legend=True,
    )
    table = gr.Dataframe(label="What the tokenizer returned, per token", interactive=False)
    inputs = [model, text, pair, max_length, padding, truncation]
    run.click(tokenize_text, inputs, [tokens, table, summary], api_name="tokenize")
    return model
