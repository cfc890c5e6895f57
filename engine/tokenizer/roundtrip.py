"""Decoding the ids back to text, and where the result differs from what was typed.

A tokenizer is not always reversible: normalizers lower-case and strip accents, unknown tokens lose their
characters, truncation drops the end, WordPiece decoding re-spaces punctuation. The round trip shows which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from engine.tokenizer.inspection import Inspection

if TYPE_CHECKING:  # only for hints: transformers costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase

SAME, INPUT_ONLY, DECODED_ONLY = "same", "input only", "decoded only"
# Words and punctuation marks, each with the spaces after it: the units of the first, coarse pass of the diff
# (spaces as units of their own would be the most frequent unit and make the alignment ~25 times slower).
UNITS = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")
# A changed stretch up to this long is compared again character by character ("T" became "t", not "The" "the");
# a character-level diff of a whole 2,000-character text costs ~200 ms, the two passes ~2 ms.
FINE_DIFF_CHARACTERS = 200
# The coarse pass aligns windows of this many units at a time: `SequenceMatcher` grows with the square of its input
# (a 1 MB text took over 300 s in one piece), a window at a time grows with the text (see `_windowed_opcodes`).
WINDOW_UNITS = 256


@dataclass(frozen=True)
class RoundTrip:
    """`decode(ids)` with and without special tokens, against the input it came from.

    `reference` is the input text, or for a pair the two texts joined by a space (how decoders join segments);
    `differences` splits the two strings into pieces that are the same, only in the input, or only in the decoded
    text (without special tokens), in reading order.
    """

    decoded: str
    decoded_without_special: str
    reference: str
    differences: list[tuple[str, str]]

    @property
    def exact(self) -> bool:
        return self.decoded_without_special == self.reference


def _opcodes(a: list[str] | str, b: list[str] | str) -> list[tuple[str, int, int, int, int]]:
    # autojunk off: on long inputs it would treat frequent units (spaces, "the") as noise and misalign.
    return SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def _windowed_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """`SequenceMatcher` opcodes over `a` and `b`, aligned `window` units at a time.

    Each step aligns the next window of both sequences and keeps its opcodes up to the end of the last stretch that
    matched; what follows that stretch is aligned again with the next window, so a change that straddles two windows
    is still found. When that stretch ends in the first half of both windows, the whole window is kept instead, so
    every step moves on by at least half a window: the cost is linear in the length, at the price of a diff that
    may be a little longer than the shortest around a change bigger than half a window.
    """
    opcodes: list[tuple[str, int, int, int, int]] = []
    window, i, j = WINDOW_UNITS, 0, 0
    while i < len(a) or j < len(b):
        steps = _opcodes(a[i : i + window], b[j : j + window])
        last = len(a) - i <= window and len(b) - j <= window
        ends = [index for index, step in enumerate(steps) if step[0] == "equal"]
        if not last and ends and (steps[ends[-1]][2] * 2 > window or steps[ends[-1]][4] * 2 > window):
            steps = steps[: ends[-1] + 1]
        opcodes.extend((tag, i + a0, i + a1, j + b0, j + b1) for tag, a0, a1, b0, b1 in steps)
        i, j = i + steps[-1][2], j + steps[-1][4]
    return opcodes


def _append(pieces: list[tuple[str, str]], piece: str, kind: str) -> None:
    if not piece:
        return
    if pieces and pieces[-1][1] == kind:
        pieces[-1] = (pieces[-1][0] + piece, kind)
    else:
        pieces.append((piece, kind))


def diff_pieces(reference: str, decoded: str) -> list[tuple[str, str]]:
    """Differences between two strings, as (piece, kind) in reading order, down to the character.

    Words are aligned first (a window at a time, so the time grows with the text, not its square), then each changed
    stretch of reasonable length is aligned character by character.
    """
    pieces: list[tuple[str, str]] = []
    units_a, units_b = UNITS.findall(reference), UNITS.findall(decoded)
    for tag, a_start, a_end, b_start, b_end in _windowed_opcodes(units_a, units_b):
        old, new = "".join(units_a[a_start:a_end]), "".join(units_b[b_start:b_end])
        if tag == "equal":
            _append(pieces, old, SAME)
        elif tag == "replace" and len(old) + len(new) <= FINE_DIFF_CHARACTERS:
            for fine, a0, a1, b0, b1 in _opcodes(old, new):
                if fine == "equal":
                    _append(pieces, old[a0:a1], SAME)
                else:
                    _append(pieces, old[a0:a1], INPUT_ONLY)
                    _append(pieces, new[b0:b1], DECODED_ONLY)
        else:
            _append(pieces, old, INPUT_ONLY)
            _append(pieces, new, DECODED_ONLY)
    return pieces


def round_trip(tokenizer: PreTrainedTokenizerBase, inspection: Inspection, index: int = 0) -> RoundTrip:
    """Decode sequence `index` of `inspection` both ways and compare it with its input."""
    sequence = inspection.sequences[index]
    text, pair = inspection.inputs.sample(sequence.sample)
    reference = text if pair is None else f"{text} {pair}"
    without_special = tokenizer.decode(sequence.input_ids, skip_special_tokens=True)
    return RoundTrip(
        decoded=tokenizer.decode(sequence.input_ids),
        decoded_without_special=without_special,
        reference=reference,
        differences=diff_pieces(reference, without_special),
    )
