"""Decoding the ids back to text, and where the result differs from what was typed.

A tokenizer is not always reversible: normalizers lower-case and strip accents, unknown tokens lose their
characters, truncation drops the end, WordPiece decoding re-spaces punctuation. The round trip shows which.
"""

from dataclasses import dataclass
from difflib import SequenceMatcher

from transformers import PreTrainedTokenizerBase

from engine.tokens import Inspection

SAME, INPUT_ONLY, DECODED_ONLY = "same", "input only", "decoded only"


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


def diff_pieces(reference: str, decoded: str) -> list[tuple[str, str]]:
    """Character-level differences between two strings, as (piece, kind) in reading order."""
    if reference == decoded:
        return [(reference, SAME)] if reference else []
    pieces: list[tuple[str, str]] = []
    # autojunk off: on long texts it would treat frequent characters (spaces, "e") as noise and misalign.
    for tag, a_start, a_end, b_start, b_end in SequenceMatcher(None, reference, decoded, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append((reference[a_start:a_end], SAME))
            continue
        if a_end > a_start:
            pieces.append((reference[a_start:a_end], INPUT_ONLY))
        if b_end > b_start:
            pieces.append((decoded[b_start:b_end], DECODED_ONLY))
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
