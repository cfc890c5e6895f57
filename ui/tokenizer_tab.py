"""Tokenizer tab: exactly what `tokenizer(text, text_pair, ...)` returns, for a text, a pair or a batch.

The form (`ui.tokenizer_actions.TOKENIZE_FORM`) is in the order of `ui.tokenizer_url.DEFAULTS`, so the same list
feeds the `/tokenize` endpoint, the page address and its restoration. The buttons' handlers are in
`ui.tokenizer_actions`.
"""

from dataclasses import dataclass

import gradio as gr

from engine.jobs.catalog import model_choices
from engine.tokenizer.inspection import PADDING_CHOICES, TRUNCATION_CHOICES
from ui import tokenizer_actions as actions
from ui.saved_form import SavedForm
from ui.token_html import TASK_VIEW_CSS, TOKEN_CSS
from ui.tokenizer_url import SAMPLE_TEXT, TAB, UPDATE_URL_JS, form_values

EXPLANATION = """\
A model never sees text, only **input_ids**: the tokenizer normalizes the text, splits it into words, cuts words
into tokens from its vocabulary and adds special tokens such as `[CLS]` and `[SEP]`
([course, chapter 2](https://huggingface.co/learn/llm-course/chapter2/4)). For a pair of texts, **token_type_ids**
mark which text a token belongs to (0 first, 1 second); **padding** makes the texts of a batch the same length and
**attention_mask** is 0 on the pads so the model ignores them; **truncation** cuts what does not fit in
`max_length`, and with `return_overflowing_tokens` the rest comes back as more windows that overlap by `stride`
tokens ([chapter 3](https://huggingface.co/learn/llm-course/chapter3/2))."""


@dataclass
class TokenizerTab:
    inputs: list[gr.components.Component]  # the form, in `ui.tokenizer_url.DEFAULTS` order
    outputs: list[gr.components.Component]
    saved_form: SavedForm  # the tokenizer and text, back after a reload

    def restore_from_url(self, demo: gr.Blocks, tabs: gr.Tabs) -> None:
        """On page load, fill the form from the address and show the view it describes (see ui.tokenizer_url);
        without a view in the address, put back the tokenizer and text this browser kept."""
        restored = gr.State(False)
        self.saved_form.restore_on_load(
            demo, unless=lambda request: form_values(dict(request.query_params)) is not None
        )

        def restore(request: gr.Request):
            values = form_values(dict(request.query_params))
            if values is None:
                return [gr.skip()] * (len(self.inputs) + 2)
            return [*values, gr.Tabs(selected=TAB), True]

        def view_if_restored(was_restored: bool, *values):
            return actions.tokenize_view(*values) if was_restored else [gr.skip()] * len(self.outputs)

        demo.load(restore, None, [*self.inputs, tabs, restored], api_name=False).then(
            view_if_restored, [restored, *self.inputs], self.outputs, api_name=False
        )


def build(kept_form: gr.BrowserState) -> TokenizerTab:
    """The Tokenizer tab; `kept_form` keeps its tokenizer and text across reloads (`ui/saved_form.py`)."""
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
                # A text box, not a Number: Gradio's Number shows 0 when empty, and empty here means "none".
                max_length = gr.Textbox(value="", label="max_length", placeholder="none", info="tokens per sequence")
                stride = gr.Number(label="stride", value=0, precision=0, info="overlap of windows")
            with gr.Row():
                overflow = gr.Checkbox(label="return_overflowing_tokens", value=False)
                sequence = gr.Number(label="Show sequence", value=0, precision=0, info="batch line / window")
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
        token_id = gr.Number(label="id", precision=0)
        id_button = gr.Button("id → token")
        token = gr.Textbox(label="token", info="as written in the vocabulary, e.g. ##ing")
        token_button = gr.Button("token → id")
        found = gr.Markdown()

    inputs = actions.TOKENIZE_FORM.inputs(
        model=model,
        text=text,
        pair=pair,
        batch=batch,
        special=special,
        padding=padding,
        truncation=truncation,
        max_length=max_length,
        stride=stride,
        overflow=overflow,
        compare=compare,
        show=sequence,
    )
    outputs = [info, summary, spans, table, matrices, decoded, comparison, comparison_spans, snippet]
    run.click(actions.tokenize_view, inputs, outputs, api_name="tokenize").success(
        None, inputs, None, js=UPDATE_URL_JS
    )
    id_button.click(actions.look_up_id, [model, token_id], found, api_name="id_to_token")
    token_button.click(actions.look_up_token, [model, token], found, api_name="token_to_id")
    _label_alignment(model)
    _answer_windows(model)
    return TokenizerTab(inputs, outputs, SavedForm(kept_form, model=model, text=text))


ALIGNMENT_EXPLANATION = """\
**Token classification** tags words, but the model sees sub-word tokens: each word's tag goes to its first token
through `word_ids()`, and special tokens (and, unless *label all tokens* is ticked, a word's later pieces) get
**-100**, which the loss skips ([course, chapter 7.2](https://huggingface.co/learn/llm-course/chapter7/2)). This is
the function training runs. Type each word with its tag (`Ada/B-PER Marlow/I-PER`) or load a dataset row; the labels
are numbered as the dataset's train split numbers them (the sentence's own tags when no dataset is given)."""

WINDOWS_EXPLANATION = """\
**Question answering** cuts a long context into windows of `max_length` tokens that share `stride` tokens, the
question in each; training marks the answer's start and end token in a window that holds all of it, and points a
window without it at the CLS token ([course, chapter 7.7](https://huggingface.co/learn/llm-course/chapter7/7)). This
is the preprocessing training runs. Type a question, a context and an answer (its start: empty for the first
occurrence), or load a dataset row."""


def _row_picker(dataset: str, split: str) -> tuple[gr.Textbox, gr.Dropdown, gr.Number, gr.Button]:
    with gr.Row():
        source = gr.Textbox(label="Dataset", value=dataset, info="sample:, a path or a Hub id")
        split_box = gr.Dropdown(["train", "validation", "test"], value=split, label="Split", allow_custom_value=True)
        row = gr.Number(label="Row", value=0, precision=0, minimum=0)
        load = gr.Button("Load row")
    return source, split_box, row, load


def _label_alignment(model: gr.Dropdown) -> None:
    """The label alignment view: a tagged sentence's words, tokens, `word_ids` and the label each token trains on."""
    with gr.Accordion("Label alignment (token classification)", open=False):
        gr.Markdown(ALIGNMENT_EXPLANATION)
        sentence = gr.Textbox(label="Words with tags", value=actions.ALIGNMENT_SAMPLE, lines=2)
        dataset, split, row, load = _row_picker("sample:entities", "validation")
        with gr.Row():
            label_all = gr.Checkbox(label="label all tokens", value=False, info="later pieces get the word's I- tag")
            max_length = gr.Number(label="max_length", value=128, precision=0, info="truncation, as in training")
        align = gr.Button("Align labels", variant="primary")
        summary = gr.Markdown()
        view = gr.HTML(css_template=TOKEN_CSS + TASK_VIEW_CSS)
        table = gr.Dataframe(label="Each token: word_ids and label", interactive=False)
        snippet = gr.Code(label="Reproduce this alignment in Python", language="python")
    inputs = actions.ALIGNMENT_FORM.inputs(
        model=model, sentence=sentence, dataset=dataset, label_all=label_all, max_length=max_length
    )
    outputs = [summary, view, table, snippet]
    align.click(actions.alignment_view, inputs, outputs, api_name="label_alignment")
    load.click(
        actions.alignment_row, actions.ROW_FORM.inputs(dataset=dataset, split=split, row=row), sentence,
        api_name="alignment_row",
    ).success(actions.alignment_view, inputs, outputs, api_name=False)  # fmt: skip


def _answer_windows(model: gr.Dropdown) -> None:
    """The QA windows view: a question's overflow windows with the answer's start and end token in each."""
    with gr.Accordion("Answer windows (question answering)", open=False):
        gr.Markdown(WINDOWS_EXPLANATION)
        question = gr.Textbox(label="Question", value=actions.WINDOWS_SAMPLE[0])
        context = gr.Textbox(label="Context", value=actions.WINDOWS_SAMPLE[1], lines=4)
        with gr.Row():
            answer = gr.Textbox(label="Answer", value=actions.WINDOWS_SAMPLE[2], info="empty: no answer")
            answer_start = gr.Textbox(label="answer start", value="", placeholder="first occurrence")
            max_length = gr.Number(label="max_length", value=48, precision=0, info="tokens per window")
            stride = gr.Number(label="stride", value=8, precision=0, info="context tokens two windows share")
        dataset, split, row, load = _row_picker("sample:questions", "validation")
        cut = gr.Button("Show windows", variant="primary")
        summary = gr.Markdown()
        view = gr.HTML(css_template=TOKEN_CSS + TASK_VIEW_CSS)
        table = gr.Dataframe(label="Each window: the context it covers and the answer", interactive=False)
        snippet = gr.Code(label="Reproduce these windows in Python", language="python")
    inputs = actions.WINDOWS_FORM.inputs(
        model=model, question=question, context=context, answer=answer, answer_start=answer_start,
        max_length=max_length, stride=stride,
    )  # fmt: skip
    outputs = [summary, view, table, snippet]
    cut.click(actions.windows_view, inputs, outputs, api_name="answer_windows")
    load.click(
        actions.windows_row, actions.ROW_FORM.inputs(dataset=dataset, split=split, row=row),
        [question, context, answer, answer_start], api_name="answer_row",
    ).success(actions.windows_view, inputs, outputs, api_name=False)  # fmt: skip
