"""What a tokenizer returns for a text, a pair of texts or a batch, field by field.

`inspect_tokens` makes exactly the call a training script makes (`tokenizer(text, text_pair, padding=...,
truncation=..., max_length=..., stride=..., return_overflowing_tokens=...)`) and keeps every field of the answer,
one `SequenceView` per row of the output: per input, or per overflow window when long inputs are cut into several.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.common.errors import NotFoundError, StudioError
from engine.common.limits import limits, over
from engine.tokenizer.info import UNSET_MAX_LENGTH

if TYPE_CHECKING:  # only for hints: transformers costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase

PADDING_CHOICES = ("do_not_pad", "longest", "max_length")
TRUNCATION_CHOICES = ("none", "longest_first", "only_first", "only_second")
PAIR_ONLY_TRUNCATIONS = ("only_first", "only_second")


@dataclass(frozen=True)
class TokenizeOptions:
    """The arguments of `tokenizer(...)` that the Tokenizer tab and `python -m engine tokenize` expose.

    `truncation="none"` is `truncation=False` in the call; `stride` is the number of tokens two consecutive
    overflow windows share, so it only means something with `return_overflowing_tokens`.
    """

    add_special_tokens: bool = True
    padding: str = "do_not_pad"
    truncation: str = "none"
    max_length: int | None = None
    stride: int = 0
    return_overflowing_tokens: bool = False

    def __post_init__(self) -> None:
        if self.padding not in PADDING_CHOICES:
            raise StudioError(f"padding must be one of {', '.join(PADDING_CHOICES)}, not {self.padding!r}")
        if self.truncation not in TRUNCATION_CHOICES:
            raise StudioError(f"truncation must be one of {', '.join(TRUNCATION_CHOICES)}, not {self.truncation!r}")
        if self.max_length is not None and self.max_length < 1:
            raise StudioError(f"max_length must be at least 1, not {self.max_length}")
        if self.stride < 0:
            raise StudioError(f"stride must be 0 or more, not {self.stride}")
        if self.padding == "max_length" and self.max_length is None:
            raise StudioError("padding='max_length' needs a max_length")
        if self.stride and not self.return_overflowing_tokens:
            raise StudioError(
                f"stride {self.stride} only applies with return_overflowing_tokens: it is how many tokens "
                "consecutive overflow windows share"
            )
        if self.return_overflowing_tokens:
            if self.truncation == "none":
                raise StudioError(
                    "return_overflowing_tokens needs a truncation strategy: the windows are what it cuts"
                )
            if self.max_length is None:
                raise StudioError("return_overflowing_tokens needs a max_length: it is the size of each window")
            if self.stride >= self.max_length:
                raise StudioError(f"stride {self.stride} must be less than max_length {self.max_length}")

    def call_arguments(self) -> dict:
        """The keyword arguments of `tokenizer(...)` these options stand for, in the order a snippet shows them."""
        arguments: dict = {
            "add_special_tokens": self.add_special_tokens,
            "padding": self.padding,
            "truncation": False if self.truncation == "none" else self.truncation,
        }
        if self.max_length is not None:
            arguments["max_length"] = self.max_length
        if self.return_overflowing_tokens:
            arguments["stride"] = self.stride
            arguments["return_overflowing_tokens"] = True
        return arguments


@dataclass(frozen=True)
class TokenInput:
    """What is tokenized: one text, a pair, or a batch of texts, each optionally with a second text.

    `pairs` is None, or holds one second text per text. `batched` says whether the call gets lists (a batch,
    even of one line) or plain strings.
    """

    texts: tuple[str, ...]
    pairs: tuple[str, ...] | None = None
    batched: bool = False

    def __post_init__(self) -> None:
        if not self.texts:
            raise StudioError("type at least one line of text to tokenize")
        # Bounded before anything is tokenized: the work (and the page it fills) grows with the text.
        bounds = limits()
        if len(self.texts) > bounds.tokenize_batch:
            raise over("the batch", len(self.texts), bounds.tokenize_batch, "tokenize_batch", " lines")
        characters = sum(map(len, self.texts)) + sum(map(len, self.pairs or ()))
        if characters > bounds.tokenize_chars:
            raise over("the text to tokenize", characters, bounds.tokenize_chars, "tokenize_chars", " characters")
        if not self.batched and len(self.texts) != 1:
            raise StudioError(f"a single input holds one text, not {len(self.texts)}; use a batch")
        if self.pairs is not None and len(self.pairs) != len(self.texts):
            raise StudioError(f"{len(self.texts)} texts but {len(self.pairs)} second texts")
        for number, text in enumerate(self.texts, start=1):
            if not text.strip():
                raise StudioError("type a text to tokenize" if not self.batched else f"text {number} is empty")
        for number, pair in enumerate(self.pairs or (), start=1):
            if not pair.strip():
                raise StudioError("the second text is empty" if not self.batched else f"second text {number} is empty")

    @classmethod
    def single(cls, text: str | None, pair: str | None = None) -> TokenInput:
        """One text, or a pair when `pair` is not blank."""
        if not text or not text.strip():
            raise StudioError("type a text to tokenize")
        return cls((text,), (pair,) if pair and pair.strip() else None)

    @classmethod
    def from_lines(cls, lines: str | None) -> TokenInput:
        """A batch: one text per line, or `text<TAB>second text` on every line for pairs. Blank lines are skipped.

        Raises:
            StudioError: no text at all, or some lines with a tab and others without.
        """
        rows = [(number, line) for number, line in enumerate((lines or "").splitlines(), start=1) if line.strip()]
        if not rows:
            raise StudioError("type at least one line of text to tokenize")
        tabbed = [number for number, line in rows if "\t" in line]
        if not tabbed:
            return cls(tuple(line for _, line in rows), None, batched=True)
        untabbed = [number for number, line in rows if "\t" not in line]
        if untabbed:
            raise StudioError(
                f"line {untabbed[0]} has no tab while line {tabbed[0]} has one: in a batch of pairs every line is "
                "'text<TAB>second text'"
            )
        texts, pairs = [], []
        for number, line in rows:
            text, pair = line.split("\t", 1)
            if not text.strip() or not pair.strip():
                raise StudioError(f"line {number} has an empty {'first' if not text.strip() else 'second'} text")
            texts.append(text)
            pairs.append(pair)
        return cls(tuple(texts), tuple(pairs), batched=True)

    def sample(self, index: int) -> tuple[str, str | None]:
        """The text (and second text) of input number `index`."""
        return self.texts[index], self.pairs[index] if self.pairs is not None else None

    def call_arguments(self) -> tuple[str | list[str], str | list[str] | None]:
        """The first two arguments of `tokenizer(...)`: strings for a single input, lists for a batch."""
        if self.batched:
            return list(self.texts), list(self.pairs) if self.pairs is not None else None
        return self.texts[0], self.pairs[0] if self.pairs is not None else None


@dataclass
class SequenceView:
    """One row of the tokenizer's output: an input, or one overflow window of it.

    `token_type_ids` is None for tokenizers whose model has no segment ids (DistilBERT, RoBERTa) and for slow
    tokenizers, which do not return them unasked. `offsets` and `segments` (0 for the first text, 1 for the
    second, None for special tokens and padding) need a fast tokenizer; a slow one leaves them None.
    """

    sample: int  # the input (batch line) this row comes from
    window: int  # 0, or the number of this overflow window within its input
    tokens: list[str]
    input_ids: list[int]
    token_type_ids: list[int] | None
    attention_mask: list[int]
    special_tokens_mask: list[int]
    offsets: list[tuple[int, int]] | None
    segments: list[int | None] | None


@dataclass
class Inspection:
    """Everything one `tokenizer(...)` call returned, with what went in."""

    inputs: TokenInput
    options: TokenizeOptions
    sequences: list[SequenceView]
    is_fast: bool
    unk_token_id: int | None

    def substring(self, sequence: SequenceView, position: int) -> str | None:
        """The part of the input text that the token at `position` covers ("" for special tokens and padding)."""
        if sequence.offsets is None or sequence.segments is None:
            return None
        segment = sequence.segments[position]
        if segment is None:
            return ""
        text, pair = self.inputs.sample(sequence.sample)
        start, end = sequence.offsets[position]
        return (pair if segment == 1 else text)[start:end]

    def rows(self, index: int = 0) -> list[dict]:
        """One dict per position of sequence `index`, for tables: every field the tokenizer returned.

        Raises:
            StudioError: no sequence `index`.
        """
        if not 0 <= index < len(self.sequences):
            raise NotFoundError(f"no sequence {index}: the output has sequences 0 to {len(self.sequences) - 1}")
        sequence = self.sequences[index]
        rows = []
        for position, token in enumerate(sequence.tokens):
            start, end = sequence.offsets[position] if sequence.offsets is not None else (None, None)
            rows.append(
                {
                    "index": position,
                    "token": token,
                    "input_id": sequence.input_ids[position],
                    "token_type_id": sequence.token_type_ids[position] if sequence.token_type_ids else None,
                    "attention_mask": sequence.attention_mask[position],
                    "special_tokens_mask": sequence.special_tokens_mask[position],
                    "start": start,
                    "end": end,
                    "substring": self.substring(sequence, position),
                    "unknown": self.unk_token_id is not None and sequence.input_ids[position] == self.unk_token_id,
                }
            )
        return rows

    def matrix(self, field: str) -> list[list[int]]:
        """`input_ids` or `attention_mask` of every sequence, one row each (rows have equal length once padded)."""
        if field not in ("input_ids", "attention_mask"):
            raise ValueError(f"no matrix of {field!r}; use input_ids or attention_mask")
        return [list(getattr(sequence, field)) for sequence in self.sequences]


def segment_lengths(tokenizer: PreTrainedTokenizerBase, texts: list[str]) -> list[int]:
    """How many tokens each text is on its own: no special tokens, no truncation."""
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]


def truncated_lengths(first: int, second: int | None, room: int, strategy: str) -> tuple[int, int | None]:
    """The lengths `tokenizers` cuts a text (and second text) to, given `room` tokens for text.

    This mirrors `tokenizers`' `truncate_encodings`, so that settings it would panic on (a stride not below a
    cut length) are refused here with a message; `longest_first` on a pair keeps the shorter text whole when it
    fits in half the room, else gives each text half.
    """
    if second is None:
        return min(first, room), None
    if first + second <= room:
        return first, second
    if strategy == "only_first":
        return room - second, second
    if strategy == "only_second":
        return first, room - first
    short = min(first, second)
    cut_short, cut_long = (short, room - short) if short <= room // 2 else (room // 2, room - room // 2)
    return (cut_short, cut_long) if first <= second else (cut_long, cut_short)


def max_length_bound(tokenizer: PreTrainedTokenizerBase) -> tuple[int, str]:
    """The largest max_length this tokenizer may be called with, and what sets it: the model's own limit
    (`model_max_length`) when it has one below the server's, else the server's (`STUDIO_MAX_LENGTH`)."""
    server = limits().max_length
    model = tokenizer.model_max_length
    if model and model < min(server, UNSET_MAX_LENGTH):
        return int(model), "this model's limit (model_max_length)"
    return server, "the server's limit (STUDIO_MAX_LENGTH)"


def output_positions(lengths: list[int], specials: int, is_pair: bool, options: TokenizeOptions) -> int:
    """An upper bound on the positions (tokens and padding, over all returned sequences) a call returns, from each
    text's own length: what padding to max_length, padding to the longest, or overlapping windows multiply."""
    count = len(lengths) // 2 if is_pair else len(lengths)
    cuts = options.truncation != "none" and options.max_length is not None
    sequences: list[int] = []
    for index in range(count):
        total = lengths[index] + (lengths[count + index] if is_pair else 0) + specials
        if not cuts or total <= options.max_length:
            sequences.append(total)
            continue
        windows = 1
        if options.return_overflowing_tokens:
            # Each further window moves on by what it keeps minus the stride: at least one token.
            step = max(1, options.max_length - specials - options.stride)
            windows += -(-(total - options.max_length) // step)
        sequences.extend([options.max_length] * windows)
    if options.padding == "max_length":
        return sum(max(length, options.max_length) for length in sequences)
    if options.padding == "longest":
        return max(sequences) * len(sequences)
    return sum(sequences)


def check_bounds(tokenizer: PreTrainedTokenizerBase, inputs: TokenInput, options: TokenizeOptions) -> None:
    """Refuse a call whose output would be too big for the server, before the tokenizer allocates it.

    Raises:
        StudioError: a max_length over the model's limit or the server's, or more output positions than
            `STUDIO_MAX_TOKENIZE_POSITIONS` (padding to a large max_length, a stride that makes many windows).
    """
    if options.max_length is not None:
        bound, why = max_length_bound(tokenizer)
        if options.max_length > bound:
            raise StudioError(f"max_length {options.max_length:,} is over {why}, {bound:,}")
    is_pair = inputs.pairs is not None
    specials = tokenizer.num_special_tokens_to_add(pair=is_pair) if options.add_special_tokens else 0
    lengths = segment_lengths(tokenizer, list(inputs.texts) + list(inputs.pairs or ()))
    positions, bound = output_positions(lengths, specials, is_pair, options), limits().tokenize_positions
    if positions > bound:
        raise StudioError(
            f"these settings return about {positions:,} positions (tokens and padding over every sequence); the "
            f"limit is {bound:,} (STUDIO_MAX_TOKENIZE_POSITIONS): use a smaller max_length, batch or a larger stride "
            "step"
        )


def check_fits(tokenizer: PreTrainedTokenizerBase, inputs: TokenInput, options: TokenizeOptions) -> None:
    """Refuse settings this tokenizer cannot apply to these inputs, with the reason, before calling it.

    Raises:
        StudioError: a pair-only truncation without pairs, overflow windows on a slow tokenizer, a max_length that
            leaves no room for text next to the special tokens, or a stride not below what a window holds.
    """
    is_pair = inputs.pairs is not None
    if options.truncation in PAIR_ONLY_TRUNCATIONS and not is_pair:
        raise StudioError(f"truncation={options.truncation!r} needs a second text: it cuts one text of a pair")
    if options.return_overflowing_tokens and not tokenizer.is_fast:
        raise StudioError(
            f"overflow windows need a fast tokenizer; {type(tokenizer).__name__} is a slow (Python) one, which "
            "returns the overflowing tokens as a flat list instead"
        )
    if options.truncation == "none" or options.max_length is None:
        return
    specials = tokenizer.num_special_tokens_to_add(pair=is_pair) if options.add_special_tokens else 0
    room = options.max_length - specials
    if room < 1:
        raise StudioError(
            f"max_length {options.max_length} leaves no room for text: this tokenizer adds {specials} special tokens "
            f"to a {'pair' if is_pair else 'single text'}; use a max_length of at least {specials + 1}"
        )
    lengths = segment_lengths(tokenizer, list(inputs.texts) + list(inputs.pairs or ()))
    count = len(inputs.texts)
    for index in range(count):
        first, second = lengths[index], lengths[count + index] if is_pair else None
        where = f"line {index + 1}: " if inputs.batched else ""
        if options.truncation in PAIR_ONLY_TRUNCATIONS:
            kept = second if options.truncation == "only_first" else first
            if first + second > room and kept >= room:
                kept_name, cut_name = ("second", "first") if kept is second else ("first", "second")
                raise StudioError(
                    f"{where}the {kept_name} text alone is {kept} tokens and max_length {options.max_length} holds "
                    f"{room} next to {specials} special tokens: truncation={options.truncation!r} has no room left "
                    f"for the {cut_name} text"
                )
        cuts = truncated_lengths(first, second, room, options.truncation)
        for name, length, cut in zip(("first", "second"), (first, second), cuts, strict=True):
            if length and cut < 1:
                raise StudioError(
                    f"{where}max_length {options.max_length} leaves {room} tokens for text next to {specials} special "
                    f"tokens, so truncation={options.truncation!r} would cut the {name} text to nothing"
                )
            if length is not None and cut < length and options.stride >= cut:
                raise StudioError(
                    f"{where}stride {options.stride} must be less than the {cut} tokens of text each window keeps "
                    f"(max_length {options.max_length} minus {specials} special tokens"
                    + (f" and the other text's {room - cut} tokens)" if cut < room else ")")
                )


def inspect_tokens(
    tokenizer: PreTrainedTokenizerBase, inputs: TokenInput, options: TokenizeOptions | None = None
) -> Inspection:
    """Tokenize `inputs` with `options` and return every field the tokenizer produced, one view per output row.

    Offsets, segments and special-token masks are asked for too; they do not change the ids.

    Raises:
        StudioError: settings the tokenizer cannot apply (see `check_fits`), an output over the server's bounds (see
            `check_bounds`), or an error from the tokenizer itself.
    """
    options = options or TokenizeOptions()
    check_bounds(tokenizer, inputs, options)
    check_fits(tokenizer, inputs, options)
    text, pair = inputs.call_arguments()
    try:
        encoding = tokenizer(
            text,
            pair,
            **options.call_arguments(),
            return_offsets_mapping=tokenizer.is_fast,
            return_special_tokens_mask=True,
        )
    except Exception as error:  # the tokenizers library raises plain Exceptions ("Truncation error: ...")
        raise StudioError(f"the tokenizer refused these settings: {error}") from error
    nested = inputs.batched or options.return_overflowing_tokens
    rows = encoding["input_ids"] if nested else [encoding["input_ids"]]
    samples = encoding.get("overflow_to_sample_mapping", list(range(len(rows))))

    def field(name: str, index: int) -> list | None:
        if name not in encoding:
            return None
        return list(encoding[name][index] if nested else encoding[name])

    sequences, windows = [], {}
    for index, ids in enumerate(rows):
        sample = int(samples[index])
        windows[sample] = windows.get(sample, -1) + 1
        offsets = field("offset_mapping", index)
        sequences.append(
            SequenceView(
                sample=sample,
                window=windows[sample],
                tokens=tokenizer.convert_ids_to_tokens(list(ids)),
                input_ids=list(ids),
                token_type_ids=field("token_type_ids", index),
                attention_mask=field("attention_mask", index),
                special_tokens_mask=field("special_tokens_mask", index),
                offsets=[tuple(offset) for offset in offsets] if offsets is not None else None,
                segments=encoding.sequence_ids(index) if tokenizer.is_fast else None,
            )
        )
    return Inspection(inputs, options, sequences, tokenizer.is_fast, tokenizer.unk_token_id)
