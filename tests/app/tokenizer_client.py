"""Calling the Tokenizer tab's `/tokenize` endpoint from a test, and reading what it returns."""

import json
import re
from dataclasses import astuple, dataclass, replace

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

SPAN = re.compile(r'<span class="tok ([^"]*)" title="[^"]*" data-index="(\d+)">([^<]*)</span>')


@dataclass(frozen=True)
class TokenizeCall:
    """The inputs of /tokenize, with the page's defaults."""

    model: str = "scratch:tiny"
    text: str = "The soup was cold."
    pair: str = ""
    batch: bool = False
    special: bool = True
    padding: str = "do_not_pad"
    truncation: str = "none"
    max_length: int | None = None
    stride: int = 0
    overflow: bool = False
    compare: str = ""
    sequence: int = 0


@dataclass
class TokenizerView:
    info: str
    summary: str
    spans_html: str
    rows: list[dict]
    matrices: dict | None
    decoded: str
    comparison: str
    comparison_spans: str
    snippet: str

    @property
    def spans(self) -> list[tuple[str, int, str]]:
        """(css classes, position, text shown) of each token span."""
        return [(classes, int(index), shown) for classes, index, shown in SPAN.findall(self.spans_html)]


def shown(output):
    """The value of an output the listener returned as a component (an update carrying value and visibility)."""
    if isinstance(output, dict) and output.get("__type__") == "update":
        return output["value"] if output.get("visible", True) else None
    return output


def tokenize(client: Client, **inputs) -> TokenizerView:
    """Call /tokenize with the page's defaults changed by `inputs`."""
    call = replace(TokenizeCall(), **inputs)
    info, summary, spans, table, matrices, decoded, comparison, comparison_spans, snippet = client.predict(
        *astuple(call), api_name="/tokenize"
    )
    rows = [dict(zip(table["headers"], row, strict=True)) for row in table["data"]]
    matrices, comparison, comparison_spans = shown(matrices), shown(comparison), shown(comparison_spans)
    figure = json.loads(matrices["plot"]) if matrices else None
    return TokenizerView(info, summary, spans, rows, figure, decoded, comparison, comparison_spans, snippet)


def error_of(client: Client, **inputs) -> str:
    with pytest.raises(AppError) as raised:
        tokenize(client, **inputs)
    return str(raised.value)


@dataclass
class TaskView:
    """What /label_alignment and /answer_windows return."""

    summary: str
    html: str
    rows: list[dict]
    snippet: str


def task_view(client: Client, api_name: str, *inputs) -> TaskView:
    """Call a task view endpoint (`/label_alignment` or `/answer_windows`) positionally, in its form's order."""
    summary, html, table, snippet = client.predict(*inputs, api_name=api_name)
    rows = [dict(zip(table["headers"], row, strict=True)) for row in table["data"]]
    return TaskView(summary, html, rows, snippet)
