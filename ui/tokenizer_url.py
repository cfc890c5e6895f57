"""The Tokenizer tab's state in the page address, so that a view can be shared and restored.

After each successful inspection a small script (`UPDATE_URL_JS`) writes the form into the query string; when a
page opens with those parameters, `form_values` turns them back into the form's values (anything malformed falls
back to the default, so a hand-edited link still opens).
"""

from collections.abc import Mapping

from engine.tokenizer.inspection import PADDING_CHOICES, TRUNCATION_CHOICES

TAB = "tokenizer"
SAMPLE_TEXT = "The soup was cold, but the staff made up for it."
# Query parameter -> the form's initial value, in the order of the form's inputs.
DEFAULTS: dict[str, object] = {
    "tokenizer": "scratch:tiny",
    "text": SAMPLE_TEXT,
    "pair": "",
    "batch": False,
    "special": True,
    "padding": "do_not_pad",
    "truncation": "none",
    "max_length": None,
    "stride": 0,
    "overflow": False,
    "compare": "",
    "sequence": 0,
}
CHOICES = {"padding": PADDING_CHOICES, "truncation": TRUNCATION_CHOICES}

UPDATE_URL_JS = f"""
({", ".join(DEFAULTS)}) => {{
    const values = {{{", ".join(DEFAULTS)}}};
    const params = new URLSearchParams(window.location.search);
    params.set("tab", "{TAB}");
    for (const [name, value] of Object.entries(values)) {{
        if (value === null || value === undefined || value === "") params.delete(name);
        else params.set(name, value === true ? "1" : value === false ? "0" : String(value));
    }}
    const query = "?" + params.toString();
    window.history.replaceState(null, "", window.location.pathname + query + window.location.hash);
    // On Hugging Face Spaces the app runs in an iframe: the Space page updates its own address on this message.
    if (window.parent !== window) window.parent.postMessage({{ queryString: query }}, "https://huggingface.co");
    return [];
}}
"""


def _parse(name: str, raw: str) -> object:
    default = DEFAULTS[name]
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if name in CHOICES:
        return raw if raw in CHOICES[name] else default
    if name in ("max_length", "stride", "sequence"):
        return int(raw) if raw.strip().isdigit() else default
    return raw


def form_values(query: Mapping[str, str]) -> list[object] | None:
    """The form's values from a page's query parameters, in `DEFAULTS` order; None when the link holds no view.

    A link holds a view when it names the tokenizer tab or carries a text.
    """
    if query.get("tab") != TAB and not query.get("text"):
        return None
    return [_parse(name, query[name]) if name in query else default for name, default in DEFAULTS.items()]
