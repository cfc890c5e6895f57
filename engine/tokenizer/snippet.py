"""Python that reproduces an inspection: `AutoTokenizer.from_pretrained(...)` and the exact `tokenizer(...)` call."""

from engine.models.loading import bundled_corpus, resolve_model
from engine.models.refs import HUB, parse_model_ref
from engine.tokenizer.inspection import TokenInput, TokenizeOptions

INDENT = "    "


def tokenizer_source(reference: str) -> str:
    """What `from_pretrained` should load for a model reference in a snippet.

    A Hub id stays a Hub id (shareable, even where this machine reads it from its cache); `scratch:`, `job:` and
    folder references become the folder they resolve to, since only this machine knows those names.
    """
    ref = parse_model_ref(reference)
    return ref.name if ref.kind == HUB else resolve_model(ref, bundled_corpus, weights=False)


def _literal(value: str | list[str], depth: int = 1) -> str:
    if isinstance(value, str):
        return repr(value)
    inner = INDENT * (depth + 1)
    return "[\n" + "".join(f"{inner}{item!r},\n" for item in value) + INDENT * depth + "]"


def python_snippet(
    reference: str, source: str, inputs: TokenInput, options: TokenizeOptions, is_fast: bool = True
) -> str:
    """Python that loads the tokenizer and calls it exactly as the inspection did.

    Args:
        reference: the model reference as the user typed it, kept as a comment when it differs from `source`.
        source: what `from_pretrained` loads (see `tokenizer_source`).
        inputs: the text(s) as they were tokenized.
        options: the call's options.
        is_fast: whether to ask for offsets, which only fast tokenizers return.
    """
    text, pair = inputs.call_arguments()
    arguments = [_literal(text)] + ([_literal(pair)] if pair is not None else [])
    keywords = {**options.call_arguments(), "return_special_tokens_mask": True}
    if is_fast:
        keywords["return_offsets_mapping"] = True
    arguments += [f"{name}={value!r}" for name, value in keywords.items()]
    comment = f"  # {reference}" if reference.strip() != source else ""
    call = "".join(f"{INDENT}{argument},\n" for argument in arguments)
    return (
        "from transformers import AutoTokenizer\n\n"
        f"tokenizer = AutoTokenizer.from_pretrained({source!r}){comment}\n"
        f"encoding = tokenizer(\n{call})\n"
        "for name, values in encoding.items():\n"
        f"{INDENT}print(name, values)\n"
    )
