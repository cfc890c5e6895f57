"""Two tokenizers on the same text: how many tokens each needs, and where they cut the text differently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.tokenizer.inspection import TokenInput
from engine.tokenizer.stats import TextCounts, text_counts

if TYPE_CHECKING:  # only for hints: transformers costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase


@dataclass(frozen=True)
class SplitSpan:
    """A stretch of text between cut points both tokenizers share, with the tokens each made of it.

    Where both lists hold the same pieces at the same offsets the tokenizers agree; whitespace neither covers
    has no tokens on either side.
    """

    start: int
    end: int
    text: str
    tokens_a: list[str]
    tokens_b: list[str]
    same: bool


@dataclass(frozen=True)
class Comparison:
    """Counts for each tokenizer and, for every text (second texts after the first ones), its split spans.

    `spans` is None when either tokenizer is slow: without offsets the cuts cannot be placed on the text.
    """

    counts_a: TextCounts
    counts_b: TextCounts
    texts: list[str]
    spans: list[list[SplitSpan]] | None

    @property
    def differing(self) -> int:
        """How many spans the two tokenizers split differently."""
        return sum(not span.same for spans in self.spans or [] for span in spans)


Piece = tuple[str, int, int]  # a token and the (start, end) of the characters it covers


def _boundaries(pieces: list[Piece]) -> set[int]:
    return {start for _, start, _ in pieces} | {end for _, _, end in pieces}


def split_spans(text: str, pieces_a: list[Piece], pieces_b: list[Piece]) -> list[SplitSpan]:
    """Cut `text` at the boundaries both tokenizers share; (token, start, end) pieces go to the span they start in."""
    cuts = sorted({0, len(text)} | (_boundaries(pieces_a) & _boundaries(pieces_b)))
    spans = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        inside_a = [piece for piece in pieces_a if start <= piece[1] < end]
        inside_b = [piece for piece in pieces_b if start <= piece[1] < end]
        spans.append(
            SplitSpan(
                start=start,
                end=end,
                text=text[start:end],
                tokens_a=[token for token, _, _ in inside_a],
                tokens_b=[token for token, _, _ in inside_b],
                same=[(s, e) for _, s, e in inside_a] == [(s, e) for _, s, e in inside_b],
            )
        )
    return spans


def _pieces(tokenizer: PreTrainedTokenizerBase, texts: list[str]) -> list[list[Piece]]:
    encoding = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
    return [
        list(zip(tokenizer.convert_ids_to_tokens(ids), *zip(*offsets, strict=True), strict=True)) if ids else []
        for ids, offsets in zip(encoding["input_ids"], encoding["offset_mapping"], strict=True)
    ]


def compare_tokenizers(a: PreTrainedTokenizerBase, b: PreTrainedTokenizerBase, inputs: TokenInput) -> Comparison:
    """Tokenize every text of `inputs` with `a` and `b` (no special tokens, no truncation) and compare the splits."""
    texts = list(inputs.texts) + list(inputs.pairs or ())
    spans = None
    if a.is_fast and b.is_fast:
        spans = [
            split_spans(text, pieces_a, pieces_b)
            for text, pieces_a, pieces_b in zip(texts, _pieces(a, texts), _pieces(b, texts), strict=True)
        ]
    return Comparison(text_counts(a, inputs), text_counts(b, inputs), texts, spans)
