"""The bounds of one tokenizer call: max_length, text, batch and output size, refused before the tokenizer runs;
and a round-trip diff whose time grows with the text, not its square."""

import random
import signal
import time
from contextlib import contextmanager

import pytest

from engine.common.limits import limits
from engine.tokenizer import roundtrip
from engine.tokenizer.inspection import TokenInput, TokenizeOptions, inspect_tokens
from engine.tokenizer.roundtrip import DECODED_ONLY, INPUT_ONLY, diff_pieces


@contextmanager
def at_most(seconds: int):
    """Fail (rather than hang the run) when the block takes longer: the quadratic diff took minutes."""

    def give_up(*_):
        raise AssertionError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_padding_to_a_max_length_of_1e12_is_refused_before_the_tokenizer_allocates_it(wordpiece_tokenizer):
    # Before: tokenizers aborted the process ("memory allocation of 4000000000000 bytes failed").
    wordpiece_tokenizer.model_max_length = int(1e30)  # a tokenizer that sets no limit of its own
    options = TokenizeOptions(padding="max_length", max_length=10**12)
    with pytest.raises(ValueError, match=r"max_length 1,000,000,000,000 is over the server's limit .*, 32,768"):
        inspect_tokens(wordpiece_tokenizer, TokenInput.single("the soup"), options)


def test_the_server_bound_on_max_length_moves_with_its_variable(wordpiece_tokenizer, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_LENGTH", "100")
    options = TokenizeOptions(padding="max_length", max_length=101)
    with pytest.raises(ValueError, match=r"max_length 101 is over the server's limit \(STUDIO_MAX_LENGTH\), 100"):
        inspect_tokens(wordpiece_tokenizer, TokenInput.single("the soup"), options)


def test_max_length_is_bounded_by_the_model_limit_when_it_is_smaller(wordpiece_tokenizer):
    assert wordpiece_tokenizer.model_max_length == 512
    options = TokenizeOptions(padding="max_length", max_length=513)
    with pytest.raises(ValueError, match=r"max_length 513 is over this model's limit \(model_max_length\), 512"):
        inspect_tokens(wordpiece_tokenizer, TokenInput.single("the soup"), options)
    padded = inspect_tokens(
        wordpiece_tokenizer, TokenInput.single("the soup"), TokenizeOptions(padding="max_length", max_length=512)
    )
    assert len(padded.sequences[0].input_ids) == 512


def test_padding_a_batch_beyond_the_output_bound_is_refused_naming_it(wordpiece_tokenizer, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_TOKENIZE_POSITIONS", "1000")
    inputs = TokenInput.from_lines("the soup\nwas cold\nthe staff")
    with pytest.raises(ValueError, match=r"about 1,200 positions .* limit is 1,000 \(STUDIO_MAX_TOKENIZE_POSITIONS\)"):
        inspect_tokens(wordpiece_tokenizer, inputs, TokenizeOptions(padding="max_length", max_length=400))
    assert (
        len(
            inspect_tokens(
                wordpiece_tokenizer, inputs, TokenizeOptions(padding="max_length", max_length=333)
            ).sequences
        )
        == 3
    )


def test_overflow_windows_that_step_one_token_at_a_time_count_against_the_output_bound(
    wordpiece_tokenizer, monkeypatch
):
    monkeypatch.setenv("STUDIO_MAX_TOKENIZE_POSITIONS", "5000")
    text = " ".join(["the soup was cold"] * 400)  # 1,600 tokens: windows of 8 moving on by 1 make ~1,600 of them
    options = TokenizeOptions(truncation="longest_first", max_length=8, stride=5, return_overflowing_tokens=True)
    with pytest.raises(ValueError, match="STUDIO_MAX_TOKENIZE_POSITIONS"):
        inspect_tokens(wordpiece_tokenizer, TokenInput.single(text), options)


def test_text_and_batch_beyond_their_bounds_are_refused_before_tokenizing(monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_TOKENIZE_CHARS", "100")
    monkeypatch.setenv("STUDIO_MAX_TOKENIZE_BATCH", "3")
    with pytest.raises(ValueError, match=r"text to tokenize is 101 characters; the limit is 100 characters"):
        TokenInput.single("x" * 101)
    with pytest.raises(ValueError, match=r"batch is 4 lines; the limit is 3 lines \(STUDIO_MAX_TOKENIZE_BATCH\)"):
        TokenInput.from_lines("a\nb\nc\nd")
    assert len(TokenInput.single("x" * 100).texts[0]) == 100


def _changed_text(characters: int) -> tuple[str, str]:
    rng = random.Random(0)
    words = "The Soup was Cold , and the Staff were Kind . Café".split()
    text = " ".join(rng.choice(words) for _ in range(characters // 3))[:characters]
    return text, text.lower()  # a lower-casing normalizer: a difference in almost every word


def test_the_round_trip_diff_of_the_largest_text_allowed_takes_linear_time():
    reference, decoded = _changed_text(limits().tokenize_chars)
    started = time.perf_counter()
    with at_most(60):  # before: ~30 s for 100,000 characters, 300 s and more for 1 MB
        pieces = diff_pieces(reference, decoded)
    small_reference, small_decoded = _changed_text(limits().tokenize_chars // 10)
    small_started = time.perf_counter()
    diff_pieces(small_reference, small_decoded)
    small_s, large_s = time.perf_counter() - small_started, small_started - started
    assert large_s < 30 * small_s + 1.0, (small_s, large_s)  # ten times the text: ~ten times the time, not 100
    assert "".join(p for p, kind in pieces if kind != DECODED_ONLY) == reference
    assert "".join(p for p, kind in pieces if kind != INPUT_ONLY) == decoded


def changed(pieces: list[tuple[str, str]]) -> tuple[int, int]:
    """How many characters are only in the input, and how many only in the decoded text."""
    return tuple(sum(len(p) for p, kind in pieces if kind == side) for side in (INPUT_ONLY, DECODED_ONLY))


def test_the_windowed_diff_finds_as_few_changes_as_a_diff_in_one_piece(monkeypatch):
    rng = random.Random(1)
    words = "the soup was cold and staff were kind".split()
    for _ in range(40):  # up to 4,000 units: several windows, changes straddling their edges, a cut end
        reference = " ".join(rng.choice(words) for _ in range(rng.randint(1, 2000)))
        decoded = "".join(c.upper() if rng.random() < 0.01 else c for c in reference)
        decoded = decoded[: rng.randint(0, len(decoded))]
        windowed = diff_pieces(reference, decoded)
        with monkeypatch.context() as whole:
            whole.setattr(roundtrip, "WINDOW_UNITS", 10**9)
            in_one_piece = diff_pieces(reference, decoded)
        assert changed(windowed) == changed(in_one_piece)
        assert "".join(p for p, kind in windowed if kind != DECODED_ONLY) == reference
        assert "".join(p for p, kind in windowed if kind != INPUT_ONLY) == decoded
