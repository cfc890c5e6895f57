"""How many tokens a text costs under a tokenizer, and how much of it the vocabulary does not know."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.tokenizer.inspection import Inspection, SequenceView, TokenInput

if TYPE_CHECKING:  # only for hints: transformers costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase


@dataclass(frozen=True)
class TextCounts:
    """The texts themselves under a tokenizer: no special tokens, no truncation, no padding.

    `unknown` counts tokens that became the unknown token; `has_unk_token` is False for tokenizers that can
    encode any text (byte-level BPE), where the rate is always 0.
    """

    characters: int
    words: int  # whitespace-separated words, as a reader counts them
    tokens: int
    unknown: int
    has_unk_token: bool

    @property
    def chars_per_token(self) -> float:
        return self.characters / self.tokens if self.tokens else 0.0

    @property
    def words_per_token(self) -> float:
        return self.words / self.tokens if self.tokens else 0.0

    @property
    def unk_rate(self) -> float:
        return self.unknown / self.tokens if self.tokens else 0.0


@dataclass(frozen=True)
class OutputCounts:
    """What one `tokenizer(...)` call returned, over all its sequences."""

    sequences: int
    positions: int  # every returned position: tokens, special tokens and padding
    special: int  # special_tokens_mask 1 (padding included, as the tokenizer marks it)
    padding: int  # attention_mask 0


def text_counts(tokenizer: PreTrainedTokenizerBase, inputs: TokenInput) -> TextCounts:
    """Count characters, words, tokens and unknown tokens of every text and second text of `inputs`."""
    texts = list(inputs.texts) + list(inputs.pairs or ())
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    unk = tokenizer.unk_token_id
    return TextCounts(
        characters=sum(len(text) for text in texts),
        words=sum(len(text.split()) for text in texts),
        tokens=sum(len(row) for row in ids),
        unknown=sum(row.count(unk) for row in ids) if unk is not None else 0,
        has_unk_token=unk is not None,
    )


def output_counts(inspection: Inspection) -> OutputCounts:
    """Count the positions, special tokens and padding the call returned."""
    sequences = inspection.sequences
    return OutputCounts(
        sequences=len(sequences),
        positions=sum(len(s.input_ids) for s in sequences),
        special=sum(sum(s.special_tokens_mask) for s in sequences),
        padding=sum(s.attention_mask.count(0) for s in sequences),
    )


def unknown_rate(sequence: SequenceView, unk_token_id: int | None) -> float:
    """The share of a sequence's text tokens (not special, not padding) that are the unknown token."""
    text_ids = [
        token_id
        for token_id, special, mask in zip(
            sequence.input_ids, sequence.special_tokens_mask, sequence.attention_mask, strict=True
        )
        if mask and not special
    ]
    if unk_token_id is None or not text_ids:
        return 0.0
    return text_ids.count(unk_token_id) / len(text_ids)
