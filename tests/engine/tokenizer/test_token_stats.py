"""engine.tokenizer.stats: counts of characters, words and tokens, and the unknown-token rate."""

import pytest

from engine.tokenizer.inspection import TokenInput, TokenizeOptions, inspect_tokens
from engine.tokenizer.stats import output_counts, text_counts, unknown_rate
from tests.tokenizer_fixtures import bpe_tokenizer


def test_text_counts_cover_both_texts_without_special_tokens(wordpiece_tokenizer):
    counts = text_counts(wordpiece_tokenizer, TokenInput.single("the museum opens", "at nine"))

    assert (counts.characters, counts.words, counts.tokens, counts.unknown) == (23, 5, 5, 0)
    assert counts.chars_per_token == pytest.approx(23 / 5)
    assert counts.words_per_token == pytest.approx(1.0)


def test_unknown_tokens_are_counted_with_their_rate():
    counts = text_counts(bpe_tokenizer(), TokenInput.single("the soup 42"))

    assert (counts.tokens, counts.unknown) == (4, 2)
    assert counts.unk_rate == pytest.approx(0.5)


def test_output_counts_see_special_tokens_and_padding_of_every_sequence(wordpiece_tokenizer):
    inputs = TokenInput.from_lines("the museum\nthe museum opens at nine")
    inspection = inspect_tokens(wordpiece_tokenizer, inputs, TokenizeOptions(padding="max_length", max_length=8))

    counts = output_counts(inspection)

    assert (counts.sequences, counts.positions, counts.padding) == (2, 16, 5)
    assert counts.special == 4 + 5  # [CLS] and [SEP] twice; the tokenizer marks padding as special too


def test_the_unknown_rate_of_a_sequence_ignores_special_tokens_and_padding():
    tokenizer = bpe_tokenizer()
    inspection = inspect_tokens(
        tokenizer, TokenInput.single("the 4"), TokenizeOptions(padding="max_length", max_length=10)
    )

    assert unknown_rate(inspection.sequences[0], tokenizer.unk_token_id) == pytest.approx(0.5)
    assert unknown_rate(inspection.sequences[0], None) == 0.0
