"""What a tokenizer is: its algorithm, vocabulary, length limit, special tokens and text pipeline; and lookups.

Fast tokenizers carry their whole pipeline (normalizer, pre-tokenizer, model) as a `tokenizers.Tokenizer`, whose
steps are read here from their JSON form. Slow (Python) tokenizers have no such object: their algorithm is inferred
from the attributes the Python implementations use, and what they cannot return is listed in `cannot_show`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.common.errors import NotFoundError, StudioError

if TYPE_CHECKING:  # only for hints: transformers costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase

# Tokenizers without a limit of their own report this "very large" sentinel (transformers' VERY_LARGE_INTEGER).
UNSET_MAX_LENGTH = int(1e20)
SLOW_CANNOT_SHOW = (
    "offsets (so no spans over the text, substrings or split comparison)",
    "overflow windows (a slow tokenizer returns the overflowing tokens as one flat list)",
    "the normalizer and pre-tokenizer (they are Python code, not a pipeline object)",
)


@dataclass(frozen=True)
class TokenizerInfo:
    """One line each: what kind of tokenizer this is and how it prepares text."""

    class_name: str
    is_fast: bool
    algorithm: str  # WordPiece, BPE, Unigram, WordLevel, or what a slow tokenizer's attributes suggest
    vocab_size: int  # every id it can produce, added tokens included (`len(tokenizer)`)
    model_max_length: int | None  # None: the tokenizer sets no limit
    special_tokens: dict[str, str]  # role -> "token (id)"
    normalizer: str
    pre_tokenizer: str
    cannot_show: tuple[str, ...]

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs, in reading order, for the page and the CLI."""
        kind = "fast" if self.is_fast else "slow, Python"
        lines = [
            ("type", f"{self.algorithm} ({kind}: {self.class_name})"),
            ("vocabulary", f"{self.vocab_size:,} tokens"),
            ("model max length", f"{self.model_max_length:,}" if self.model_max_length else "not set"),
            ("special tokens", ", ".join(f"{role}: {token}" for role, token in self.special_tokens.items()) or "none"),
            ("normalizer", self.normalizer),
            ("pre-tokenizer", self.pre_tokenizer),
        ]
        if self.cannot_show:
            lines.append(("cannot show", "; ".join(self.cannot_show)))
        return lines


def describe_component(component: dict | None) -> str:
    """`BertNormalizer(lowercase=True, ...)` or `Sequence[NFD, Lowercase]` from a pipeline step's JSON."""
    if not component:
        return "none"
    kind = component.get("type", "?")
    steps = component.get("normalizers") or component.get("pretokenizers")
    if steps is not None:
        return f"{kind}[{', '.join(describe_component(step) for step in steps)}]"
    settings = [
        f"{name}={value!r}"
        for name, value in component.items()
        if name != "type" and not isinstance(value, (dict, list))
    ]
    return f"{kind}({', '.join(settings)})" if settings else kind


def component_settings(component) -> dict | None:
    """A pipeline step's settings as JSON: only that step is serialised, not the vocabulary with it."""
    return json.loads(component.__getstate__()) if component is not None else None


def slow_algorithm(tokenizer: PreTrainedTokenizerBase) -> str:
    """A slow tokenizer's algorithm, from the attributes its Python implementation keeps."""
    if hasattr(tokenizer, "wordpiece_tokenizer"):
        return "WordPiece"
    if hasattr(tokenizer, "bpe_ranks"):
        return "BPE"
    if hasattr(tokenizer, "sp_model"):
        return "SentencePiece (Unigram or BPE)"
    return "unknown"


def describe_tokenizer(tokenizer: PreTrainedTokenizerBase) -> TokenizerInfo:
    """Describe `tokenizer`: its class, algorithm, vocabulary size, max length, special tokens and text pipeline."""
    special = {
        role: f"{token} ({tokenizer.convert_tokens_to_ids(token)})"
        for role, token in tokenizer.special_tokens_map.items()
        if isinstance(token, str)
    }
    max_length = tokenizer.model_max_length
    if tokenizer.is_fast:
        backend = tokenizer.backend_tokenizer
        algorithm = type(backend.model).__name__
        normalizer = describe_component(component_settings(backend.normalizer))
        pre_tokenizer = describe_component(component_settings(backend.pre_tokenizer))
        cannot_show: tuple[str, ...] = ()
    else:
        algorithm = slow_algorithm(tokenizer)
        normalizer = pre_tokenizer = "not inspectable in a slow tokenizer"
        cannot_show = SLOW_CANNOT_SHOW
    return TokenizerInfo(
        class_name=type(tokenizer).__name__,
        is_fast=tokenizer.is_fast,
        algorithm=algorithm,
        vocab_size=len(tokenizer),
        model_max_length=max_length if max_length and max_length < UNSET_MAX_LENGTH else None,
        special_tokens=special,
        normalizer=normalizer,
        pre_tokenizer=pre_tokenizer,
        cannot_show=cannot_show,
    )


def id_to_token(tokenizer: PreTrainedTokenizerBase, token_id: int) -> str:
    """The token string of a vocabulary id.

    Raises:
        StudioError: an id outside the vocabulary.
    """
    if not 0 <= token_id < len(tokenizer):
        raise StudioError(f"id {token_id} is outside the vocabulary: ids go from 0 to {len(tokenizer) - 1}")
    token = tokenizer.convert_ids_to_tokens(token_id)
    if token is None:
        raise NotFoundError(f"id {token_id} has no token in this vocabulary")
    return token


def token_to_id(tokenizer: PreTrainedTokenizerBase, token: str) -> int:
    """The vocabulary id of a token string, exactly as written (`##ing` for a WordPiece continuation).

    Raises:
        StudioError: a token the vocabulary does not hold; the message says how the tokenizer splits it instead.
    """
    if not token:
        raise StudioError("type a token to look up")
    vocabulary = tokenizer.get_vocab()
    if token in vocabulary:
        return vocabulary[token]
    pieces = tokenizer.tokenize(token)
    ids = tokenizer.convert_tokens_to_ids(pieces)
    raise NotFoundError(f"{token!r} is not in the vocabulary; as text it is tokenized into {pieces} (ids {ids})")
