"""engine.tokenizer.roundtrip: decode(ids) with and without special tokens, and what changed on the way."""

from engine.tokenizer.inspection import TokenInput, TokenizeOptions, inspect_tokens
from engine.tokenizer.roundtrip import DECODED_ONLY, INPUT_ONLY, SAME, diff_pieces, round_trip
from tests.tokenizer_fixtures import bpe_tokenizer


def test_decode_round_trip_keeps_the_text_and_shows_the_special_tokens(wordpiece_tokenizer):
    inspection = inspect_tokens(wordpiece_tokenizer, TokenInput.single("the museum opens", "at nine"))

    trip = round_trip(wordpiece_tokenizer, inspection)

    assert trip.decoded == "[CLS] the museum opens [SEP] at nine [SEP]"
    assert trip.decoded_without_special == "the museum opens at nine"
    assert trip.exact
    assert trip.differences == [("the museum opens at nine", SAME)]


def test_lower_casing_shows_as_a_difference_from_the_input(wordpiece_tokenizer):
    inspection = inspect_tokens(wordpiece_tokenizer, TokenInput.single("The Museum"))

    trip = round_trip(wordpiece_tokenizer, inspection)

    assert not trip.exact
    assert trip.differences == [("T", INPUT_ONLY), ("t", DECODED_ONLY), ("he ", SAME), ("M", INPUT_ONLY),
                                ("m", DECODED_ONLY), ("useum", SAME)]  # fmt: skip


def test_truncation_shows_as_text_only_in_the_input(wordpiece_tokenizer):
    options = TokenizeOptions(truncation="longest_first", max_length=4)
    inspection = inspect_tokens(wordpiece_tokenizer, TokenInput.single("the museum opens at nine"), options)

    trip = round_trip(wordpiece_tokenizer, inspection)

    assert trip.decoded_without_special == "the museum"
    assert trip.differences == [("the museum", SAME), (" opens at nine", INPUT_ONLY)]


def test_unknown_characters_are_lost_in_the_round_trip():
    tokenizer = bpe_tokenizer()
    inspection = inspect_tokens(tokenizer, TokenInput.single("soup 42"))

    trip = round_trip(tokenizer, inspection)

    assert "42" not in trip.decoded_without_special
    assert any(kind == INPUT_ONLY and "4" in piece for piece, kind in trip.differences)


def test_diff_pieces_rebuild_both_strings():
    reference, decoded = "Hello, wonderful world", "hello , world!"

    pieces = diff_pieces(reference, decoded)

    assert "".join(p for p, kind in pieces if kind != DECODED_ONLY) == reference
    assert "".join(p for p, kind in pieces if kind != INPUT_ONLY) == decoded
