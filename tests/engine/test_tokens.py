"""engine.tokens: exactly what `tokenizer(text, pair, ...)` returns, field by field."""

import pytest

from engine.tokens import TokenizeOptions, inspect_tokens


def test_a_single_text_is_wrapped_in_cls_and_sep(wordpiece_tokenizer):
    view = inspect_tokens(wordpiece_tokenizer, "the museum opens")

    assert view.tokens == ["[CLS]", "the", "museum", "opens", "[SEP]"]
    assert view.token_type_ids == [0] * 5
    assert view.attention_mask == [1] * 5


def test_pair_inputs_mark_second_segment_with_type_id_1(wordpiece_tokenizer):
    view = inspect_tokens(wordpiece_tokenizer, "the museum opens", "at nine")

    assert view.tokens == ["[CLS]", "the", "museum", "opens", "[SEP]", "at", "nine", "[SEP]"]
    assert view.token_type_ids == [0, 0, 0, 0, 0, 1, 1, 1]


def test_special_tokens_mask_flags_cls_and_both_seps(wordpiece_tokenizer):
    view = inspect_tokens(wordpiece_tokenizer, "the museum", "at nine")

    assert view.special_tokens_mask == [1, 0, 0, 1, 0, 0, 1]


def test_input_ids_are_the_vocabulary_ids_of_the_tokens(wordpiece_tokenizer):
    view = inspect_tokens(wordpiece_tokenizer, "the museum")

    assert view.input_ids == wordpiece_tokenizer.convert_tokens_to_ids(view.tokens)
    assert view.input_ids[0] == wordpiece_tokenizer.cls_token_id


def test_offsets_point_into_each_segment_and_are_empty_for_special_tokens(wordpiece_tokenizer):
    view = inspect_tokens(wordpiece_tokenizer, "The Museum", "at nine")

    assert view.offsets == [(0, 0), (0, 3), (4, 10), (0, 0), (0, 2), (3, 7), (0, 0)]
    assert view.tokens[2] == "museum"  # lower-cased, while its offsets still point at "Museum"


def test_padding_to_max_length_adds_pad_tokens_that_are_masked_out(wordpiece_tokenizer):
    view = inspect_tokens(
        wordpiece_tokenizer, "the museum", options=TokenizeOptions(max_length=7, padding="max_length")
    )

    assert view.tokens == ["[CLS]", "the", "museum", "[SEP]", "[PAD]", "[PAD]", "[PAD]"]
    assert view.attention_mask == [1, 1, 1, 1, 0, 0, 0]
    assert view.input_ids[-3:] == [wordpiece_tokenizer.pad_token_id] * 3


def test_padding_longest_leaves_a_single_text_as_it_is(wordpiece_tokenizer):
    view = inspect_tokens(wordpiece_tokenizer, "the museum", options=TokenizeOptions(padding="longest"))

    assert "[PAD]" not in view.tokens


def test_truncation_cuts_to_max_length_and_keeps_the_final_sep(wordpiece_tokenizer):
    options = TokenizeOptions(max_length=4, truncation=True)

    view = inspect_tokens(wordpiece_tokenizer, "the museum opens at nine", options=options)

    assert view.tokens == ["[CLS]", "the", "museum", "[SEP]"]


def test_without_truncation_a_long_text_is_kept_whole(wordpiece_tokenizer):
    view = inspect_tokens(wordpiece_tokenizer, "the museum opens at nine", options=TokenizeOptions(max_length=4))

    assert len(view.tokens) == 7


def test_special_tokens_can_be_switched_off(wordpiece_tokenizer):
    view = inspect_tokens(wordpiece_tokenizer, "the museum", options=TokenizeOptions(add_special_tokens=False))

    assert view.tokens == ["the", "museum"]
    assert view.special_tokens_mask == [0, 0]


def test_rows_give_one_table_row_per_token(wordpiece_tokenizer):
    rows = inspect_tokens(wordpiece_tokenizer, "the museum", "at nine").rows()

    assert [row["position"] for row in rows] == list(range(7))
    assert rows[5] == {
        "position": 5,
        "token": "nine",
        "input_id": wordpiece_tokenizer.convert_tokens_to_ids("nine"),
        "token_type_id": 1,
        "attention_mask": 1,
        "offsets": [3, 7],
        "special": False,
    }


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_text_asks_for_one(wordpiece_tokenizer, text):
    with pytest.raises(ValueError, match="type a text to tokenize"):
        inspect_tokens(wordpiece_tokenizer, text)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"padding": "always"}, "padding must be one of do_not_pad, longest, max_length, not 'always'"),
        ({"max_length": 0}, "max_length must be at least 1, not 0"),
        ({"padding": "max_length"}, "padding='max_length' needs a max_length"),
    ],
)
def test_tokenize_options_reject_what_the_tokenizer_cannot_do(options, message):
    with pytest.raises(ValueError, match=message):
        TokenizeOptions(**options)


def test_default_options_are_special_tokens_without_padding_or_truncation():
    options = TokenizeOptions()

    assert (options.max_length, options.padding, options.truncation, options.add_special_tokens) == (
        None,
        "do_not_pad",
        False,
        True,
    )
