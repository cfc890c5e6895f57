"""engine.tokenizer.inspection:

Exactly what `tokenizer(text, text_pair, ...)` returns, field by field, for texts, pairs, batches."""

import pytest

from engine.tokenizer.inspection import TokenInput, TokenizeOptions, inspect_tokens, truncated_lengths
from tests.tokenizer_fixtures import bpe_tokenizer, slow_bert_tokenizer


def inspect(tokenizer, text, pair=None, **options):
    return inspect_tokens(tokenizer, TokenInput.single(text, pair), TokenizeOptions(**options))


def only(inspection):
    assert len(inspection.sequences) == 1
    return inspection.sequences[0]


def text_tokens(sequence):
    return [t for t, special in zip(sequence.tokens, sequence.special_tokens_mask, strict=True) if not special]


# --- One text, a pair ----------------------------------------------------------------------------------------------


def test_a_single_text_is_wrapped_in_cls_and_sep(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, "the museum opens"))

    assert sequence.tokens == ["[CLS]", "the", "museum", "opens", "[SEP]"]
    assert sequence.token_type_ids == [0] * 5
    assert sequence.attention_mask == [1] * 5
    assert sequence.segments == [None, 0, 0, 0, None]


def test_pair_inputs_mark_second_segment_with_type_id_1(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, "the museum opens", "at nine"))

    assert sequence.tokens == ["[CLS]", "the", "museum", "opens", "[SEP]", "at", "nine", "[SEP]"]
    assert sequence.token_type_ids == [0, 0, 0, 0, 0, 1, 1, 1]
    assert sequence.segments == [None, 0, 0, 0, None, 1, 1, None]


def test_special_tokens_mask_flags_cls_and_both_seps(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, "the museum", "at nine"))

    assert sequence.special_tokens_mask == [1, 0, 0, 1, 0, 0, 1]


def test_input_ids_are_the_vocabulary_ids_of_the_tokens(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, "the museum"))

    assert sequence.input_ids == wordpiece_tokenizer.convert_tokens_to_ids(sequence.tokens)
    assert sequence.input_ids[0] == wordpiece_tokenizer.cls_token_id


def test_a_tokenizer_without_segment_ids_returns_no_token_type_ids():
    sequence = only(inspect(bpe_tokenizer(), "the soup", "cold"))

    assert sequence.token_type_ids is None
    assert sequence.tokens == ["<s>", "the", "soup", "</s>", "</s>", "cold", "</s>"]


def test_special_tokens_can_be_switched_off(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, "the museum", add_special_tokens=False))

    assert sequence.tokens == ["the", "museum"]
    assert sequence.special_tokens_mask == [0, 0]


# --- Offsets --------------------------------------------------------------------------------------------------------


def test_offsets_map_back_to_the_exact_substrings_of_both_texts(wordpiece_tokenizer):
    text, pair = "The Museum opens, at last!", "Tickets at NINE"
    inspection = inspect(wordpiece_tokenizer, text, pair)

    rows = inspection.rows(0)

    for row, segment in zip(rows, inspection.sequences[0].segments, strict=True):
        source = {0: text, 1: pair, None: ""}[segment]
        assert row["substring"] == source[row["start"] : row["end"]]
    # Word pieces included ("la", "##st"): together the substrings spell each text, spaces aside.
    segments = inspection.sequences[0].segments
    for segment, source in ((0, text), (1, pair)):
        pieces = [row["substring"] for row, s in zip(rows, segments, strict=True) if s == segment]
        assert "".join(pieces) == source.replace(" ", "")
    assert rows[2]["token"] == "museum"  # lower-cased, while the offsets still point at "Museum"


def test_rows_give_one_table_row_per_position_with_every_field(wordpiece_tokenizer):
    rows = inspect(wordpiece_tokenizer, "the museum", "at nine").rows(0)

    assert [row["index"] for row in rows] == list(range(7))
    assert rows[5] == {
        "index": 5,
        "token": "nine",
        "input_id": wordpiece_tokenizer.convert_tokens_to_ids("nine"),
        "token_type_id": 1,
        "attention_mask": 1,
        "special_tokens_mask": 0,
        "start": 3,
        "end": 7,
        "substring": "nine",
        "unknown": False,
    }
    assert rows[0]["substring"] == "" and (rows[0]["start"], rows[0]["end"]) == (0, 0)


def test_unknown_tokens_are_flagged_in_the_rows():
    rows = inspect(bpe_tokenizer(), "the soup 42").rows(0)

    assert [row["token"] for row in rows if row["unknown"]] == ["<unk>", "<unk>"]
    assert [row["substring"] for row in rows if row["unknown"]] == ["4", "2"]


def test_asking_for_a_sequence_that_is_not_there_names_the_range(wordpiece_tokenizer):
    with pytest.raises(ValueError, match="no sequence 3: the output has sequences 0 to 0"):
        inspect(wordpiece_tokenizer, "the museum").rows(3)


# --- Padding --------------------------------------------------------------------------------------------------------


def test_padding_to_max_length_sets_attention_mask_0_on_the_pads(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, "the museum", max_length=7, padding="max_length"))

    assert sequence.tokens == ["[CLS]", "the", "museum", "[SEP]", "[PAD]", "[PAD]", "[PAD]"]
    assert sequence.attention_mask == [1, 1, 1, 1, 0, 0, 0]
    assert sequence.input_ids[-3:] == [wordpiece_tokenizer.pad_token_id] * 3
    assert sequence.segments[-3:] == [None] * 3


def test_padding_longest_leaves_a_single_text_as_it_is(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, "the museum", padding="longest"))

    assert "[PAD]" not in sequence.tokens


def test_padding_longest_pads_a_batch_to_its_longest_line(wordpiece_tokenizer):
    inputs = TokenInput.from_lines("the museum\nthe museum opens at nine\n")

    inspection = inspect_tokens(wordpiece_tokenizer, inputs, TokenizeOptions(padding="longest"))

    assert inspection.matrix("attention_mask") == [[1, 1, 1, 1, 0, 0, 0], [1] * 7]
    assert [len(row) for row in inspection.matrix("input_ids")] == [7, 7]
    assert [s.sample for s in inspection.sequences] == [0, 1]


# --- Truncation -----------------------------------------------------------------------------------------------------

PAIR = ("the museum opens at nine", "the train leaves")  # 5 and 3 tokens


@pytest.mark.parametrize(
    ("strategy", "first", "second"),
    [
        ("longest_first", ["the", "museum", "opens"], ["the", "train", "leaves"]),
        ("only_first", ["the", "museum", "opens"], ["the", "train", "leaves"]),
        ("only_second", ["the", "museum", "opens", "at", "nine"], ["the"]),
    ],
)
def test_truncation_strategies_cut_the_end_of_the_right_text(wordpiece_tokenizer, strategy, first, second):
    sequence = only(inspect(wordpiece_tokenizer, *PAIR, truncation=strategy, max_length=9))  # room for 6 of 8

    kept = {0: [], 1: []}
    for token, segment in zip(sequence.tokens, sequence.segments, strict=True):
        if segment is not None:
            kept[segment].append(token)
    assert (kept[0], kept[1]) == (first, second)
    assert len(sequence.tokens) == 9


def test_longest_first_cuts_the_longer_text_first(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, *PAIR, truncation="longest_first", max_length=10))

    assert text_tokens(sequence) == ["the", "museum", "opens", "at", "the", "train", "leaves"]


def test_truncation_of_a_single_text_keeps_its_beginning_and_the_closing_sep(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, "the museum opens at nine", truncation="longest_first", max_length=4))

    assert sequence.tokens == ["[CLS]", "the", "museum", "[SEP]"]


def test_without_truncation_a_long_text_is_kept_whole(wordpiece_tokenizer):
    sequence = only(inspect(wordpiece_tokenizer, "the museum opens at nine", max_length=4))

    assert len(sequence.tokens) == 7


@pytest.mark.parametrize("strategy", ["longest_first", "only_first", "only_second"])
def test_truncated_lengths_mirror_the_tokenizers_library(wordpiece_tokenizer, strategy):
    words = "the museum opens at nine the train leaves at noon".split()
    for first in range(1, 8):
        for second in range(1, 8):
            for room in range(2, 12):
                expected_first, expected_second = truncated_lengths(first, second, room, strategy)
                if min(expected_first, expected_second) < 1:
                    continue  # refused by check_fits before the tokenizer is called
                encoding = wordpiece_tokenizer(
                    " ".join(words[:first]), " ".join(words[:second]), truncation=strategy, max_length=room + 3
                )
                ids = encoding.sequence_ids()
                assert (ids.count(0), ids.count(1)) == (expected_first, expected_second), (first, second, room)


# --- Overflow windows -----------------------------------------------------------------------------------------------


def test_overflow_with_stride_yields_overlapping_windows(wordpiece_tokenizer):
    text = "the museum opens at nine the train leaves at noon"
    options = {"truncation": "longest_first", "max_length": 6, "stride": 2, "return_overflowing_tokens": True}

    inspection = inspect(wordpiece_tokenizer, text, **options)

    windows = [text_tokens(s) for s in inspection.sequences]
    assert windows[0] == ["the", "museum", "opens", "at"]
    for previous, following in zip(windows, windows[1:], strict=False):
        assert following[:2] == previous[-2:]  # stride 2: each window starts with the last two of the one before
    assert [s.window for s in inspection.sequences] == list(range(len(windows)))
    assert {s.sample for s in inspection.sequences} == {0}
    covered = {start for s in inspection.sequences for start, end in s.offsets if end > start}
    whole = wordpiece_tokenizer(text, return_offsets_mapping=True)["offset_mapping"]
    assert covered == {start for start, end in whole if end > start}  # together the windows cover the whole text


def test_overflow_windows_of_a_batch_say_which_line_they_come_from(wordpiece_tokenizer):
    inputs = TokenInput.from_lines("the museum opens at nine\nat noon")
    options = TokenizeOptions(truncation="longest_first", max_length=4, stride=1, return_overflowing_tokens=True)

    inspection = inspect_tokens(wordpiece_tokenizer, inputs, options)

    assert [(s.sample, s.window) for s in inspection.sequences] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]


# --- Inputs ---------------------------------------------------------------------------------------------------------


def test_a_batch_of_tab_separated_lines_is_a_batch_of_pairs():
    inputs = TokenInput.from_lines("the museum\tat nine\n\nthe train\tat noon\n")

    assert inputs.texts == ("the museum", "the train")
    assert inputs.pairs == ("at nine", "at noon")
    assert inputs.call_arguments() == (["the museum", "the train"], ["at nine", "at noon"])


def test_a_single_text_is_called_with_strings_and_a_blank_pair_is_no_pair():
    assert TokenInput.single("the museum", "  ").call_arguments() == ("the museum", None)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("", "type at least one line of text to tokenize"),
        ("\n  \n", "type at least one line of text to tokenize"),
        (
            "a\tb\nc\n",
            "line 2 has no tab while line 1 has one: in a batch of pairs every line is 'text<TAB>second text'",
        ),
        ("a\tb\n\t c\n", "line 2 has an empty first text"),
    ],
)
def test_a_malformed_batch_names_the_line(lines, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        TokenInput.from_lines(lines)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_text_asks_for_one(text):
    with pytest.raises(ValueError, match="type a text to tokenize"):
        TokenInput.single(text)


# --- Settings the tokenizer cannot apply ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"padding": "always"}, "padding must be one of do_not_pad, longest, max_length, not 'always'"),
        ({"truncation": "only_third"}, "truncation must be one of none, longest_first, only_first, only_second"),
        ({"max_length": 0}, "max_length must be at least 1, not 0"),
        ({"padding": "max_length"}, "padding='max_length' needs a max_length"),
        ({"stride": -1}, "stride must be 0 or more, not -1"),
        ({"stride": 2, "max_length": 8, "truncation": "longest_first"}, "stride 2 only applies with return_overflow"),
        ({"return_overflowing_tokens": True, "max_length": 8}, "return_overflowing_tokens needs a truncation"),
        ({"return_overflowing_tokens": True, "truncation": "longest_first"}, "return_overflowing_tokens needs a max_"),
        (
            {"return_overflowing_tokens": True, "truncation": "longest_first", "max_length": 8, "stride": 8},
            "stride 8 must be less than max_length 8",
        ),
    ],
)
def test_tokenize_options_reject_what_the_tokenizer_cannot_do(options, message):
    with pytest.raises(ValueError, match=message):
        TokenizeOptions(**options)


def test_max_length_below_the_special_tokens_count_is_refused(wordpiece_tokenizer):
    with pytest.raises(ValueError, match="max_length 2 leaves no room for text: this tokenizer adds 3 special tokens "
                       "to a pair; use a max_length of at least 4"):  # fmt: skip
        inspect(wordpiece_tokenizer, "the museum", "at nine", truncation="longest_first", max_length=2)


def test_a_stride_not_below_what_a_window_keeps_is_refused(wordpiece_tokenizer):
    options = {"truncation": "longest_first", "max_length": 5, "stride": 3, "return_overflowing_tokens": True}

    with pytest.raises(ValueError, match="stride 3 must be less than the 3 tokens of text each window keeps"):
        inspect(wordpiece_tokenizer, "the museum opens at nine", **options)


def test_a_stride_too_big_for_the_cut_text_of_a_pair_names_the_line(wordpiece_tokenizer):
    inputs = TokenInput.from_lines("the museum\tat nine\nthe museum opens\tat nine the train leaves at noon")
    options = TokenizeOptions(truncation="only_second", max_length=8, stride=2, return_overflowing_tokens=True)

    with pytest.raises(ValueError, match="line 2: stride 2 must be less than the 2 tokens of text each window keeps"):
        inspect_tokens(wordpiece_tokenizer, inputs, options)


def test_only_second_truncation_with_no_room_left_for_the_second_text_is_refused(wordpiece_tokenizer):
    with pytest.raises(ValueError, match="the first text alone is 5 tokens and max_length 6 holds 3"):
        inspect(wordpiece_tokenizer, "the museum opens at nine", "the train", truncation="only_second", max_length=6)


def test_a_pair_only_truncation_needs_a_pair(wordpiece_tokenizer):
    with pytest.raises(ValueError, match="truncation='only_second' needs a second text"):
        inspect(wordpiece_tokenizer, "the museum", truncation="only_second", max_length=4)


# --- A slow (Python) tokenizer --------------------------------------------------------------------------------------


def test_a_slow_tokenizer_works_without_offsets(tmp_path):
    slow = slow_bert_tokenizer(tmp_path / "slow")

    inspection = inspect(slow, "The soups were cold", "staff kind")

    sequence = only(inspection)
    assert not inspection.is_fast
    assert sequence.tokens == ["[CLS]", "the", "soup", "##s", "were", "cold", "[SEP]", "staff", "kind", "[SEP]"]
    assert sequence.offsets is None and sequence.segments is None
    assert inspection.rows(0)[1]["substring"] is None


def test_a_slow_tokenizer_cannot_return_overflow_windows(tmp_path):
    slow = slow_bert_tokenizer(tmp_path / "slow")
    options = {"truncation": "longest_first", "max_length": 4, "return_overflowing_tokens": True}

    with pytest.raises(ValueError, match="overflow windows need a fast tokenizer; BertTokenizerLegacy is a slow"):
        inspect(slow, "the soup was cold", **options)
