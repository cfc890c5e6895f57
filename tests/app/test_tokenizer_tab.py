"""The Tokenizer tab through `gradio_client` against a launched app: what a page or a script gets back.

`/tokenize` takes the form's inputs (`TokenizeCall` in tokenizer_client.py, in `ui.tokenizer_url.DEFAULTS` order)
and returns the tokenizer lines, the counts, the token spans (HTML), the per-position table, the matrices, the decode
round trip, the comparison and the Python snippet.
"""

import re
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.app.launch import LaunchedStudio
from tests.app.tokenizer_client import TokenizerView, error_of, task_view, tokenize
from tests.tokenizer_fixtures import slow_bert_folder


def tokens(view: TokenizerView) -> list[str]:
    return [row["token"] for row in view.rows]


def test_the_tokenizer_is_described_one_line_each(client: Client):
    view = tokenize(client)

    assert "- **type**: WordPiece (fast: " in view.info
    assert "- **vocabulary**: " in view.info and "- **model max length**: 512" in view.info
    assert "cls_token: [CLS] (2)" in view.info
    assert "- **normalizer**: BertNormalizer(" in view.info and "- **pre-tokenizer**: BertPreTokenizer" in view.info


def test_pair_inputs_mark_the_second_segment_with_token_type_id_1(client: Client):
    text, pair = "The soup was cold.", "The staff were kind."

    view = tokenize(client, text=text, pair=pair)

    first_sep, last = tokens(view).index("[SEP]"), len(view.rows) - 1
    assert [row["token_type_id"] for row in view.rows] == [0] * (first_sep + 1) + [1] * (last - first_sep)
    second = view.rows[first_sep + 1 : last]
    assert "".join(row["substring"] for row in second) == pair.replace(" ", "")
    assert all(pair[row["start"] : row["end"]] == row["substring"] for row in second)
    assert [index for classes, index, _ in view.spans if classes.startswith("s1")] == [row["index"] for row in second]
    assert [row["special_tokens_mask"] for row in view.rows].count(1) == 3


def test_token_spans_show_the_original_text_and_style_special_tokens_apart(client: Client):
    view = tokenize(client, text="The Soup was cold.")

    assert [shown for classes, _, shown in view.spans if not classes.startswith("special")] == [
        "The", "Soup", "was", "cold", ".",
    ]  # fmt: skip
    assert [(classes, shown) for classes, _, shown in view.spans if classes == "special"] == [
        ("special", "[CLS]"),
        ("special", "[SEP]"),
    ]


def test_padding_to_max_length_sets_attention_mask_0_on_the_pads(client: Client):
    view = tokenize(client, padding="max_length", max_length=12)

    assert tokens(view)[7:] == ["[PAD]"] * 5
    assert [row["attention_mask"] for row in view.rows] == [1] * 7 + [0] * 5
    assert [classes for classes, _, _ in view.spans[7:]] == ["pad"] * 5
    assert "5 padding" in view.summary


def test_truncation_only_second_cuts_the_second_text_and_shows_what_was_cut(client: Client):
    view = tokenize(
        client, text="The soup was cold.", pair="The staff were kind.", truncation="only_second", max_length=10
    )

    assert len(view.rows) == 10
    assert "".join(row["substring"] for row in view.rows if row["token_type_id"] == 1) == "Thestaff"
    assert '<span class="outside"> were kind.</span>' in view.spans_html


def test_a_batch_padded_to_its_longest_line_shows_the_matrices(client: Client):
    view = tokenize(client, text="The soup was cold.\nYes\n", batch=True, padding="longest", sequence=1)

    assert tokens(view) == ["[CLS]", "yes", "[SEP]", "[PAD]", "[PAD]", "[PAD]", "[PAD]"]
    ids, mask = view.matrices["data"]
    assert mask["z"] == [[1] * 7, [1, 1, 1, 0, 0, 0, 0]]
    assert ids["y"] == ["line 1", "line 2"]
    assert "Returned **2 sequences**, showing sequence 1 of 0–1" in view.summary


def test_overflow_with_stride_gives_overlapping_windows(client: Client):
    text = "The soup was cold, but the staff made up for it."
    options = {"truncation": "longest_first", "max_length": 8, "stride": 2, "overflow": True}

    first, second = tokenize(client, text=text, **options), tokenize(client, text=text, sequence=1, **options)

    assert tokens(first)[-3:-1] == tokens(second)[1:3]  # the second window starts with the first one's last two
    assert first.matrices["data"][0]["y"][:2] == ["line 1 · window 0", "line 1 · window 1"]
    text_part = second.spans_html.split('<div class="tokens">')[1]
    assert text_part.count('<span class="outside">') == 2  # the text before and after the window, struck through


def test_a_single_sequence_has_no_matrices_and_no_comparison_without_a_second_tokenizer(client: Client):
    view = tokenize(client)

    assert (view.matrices, view.comparison, view.comparison_spans) == (None, None, None)


def test_decode_round_trip_is_shown_with_and_without_special_tokens(client: Client):
    view = tokenize(client, text="The Soup", pair="Cold")

    assert "[CLS] the soup [SEP] cold [SEP]" in view.decoded
    assert "differs from the input" in view.decoded
    assert '<span class="input-only">T</span><span class="decoded-only">t</span>' in view.decoded


def test_unknown_tokens_are_flagged_with_the_unknown_rate(client: Client):
    view = tokenize(client, text="cold ☃")

    assert [row["token"] for row in view.rows if row["unknown"]] == ["[UNK]"]
    assert [shown for classes, _, shown in view.spans if "unk" in classes.split()] == ["☃"]
    assert "**1 unknown** (50.0%)" in view.summary


def test_counts_give_tokens_characters_and_ratios(client: Client):
    view = tokenize(client, text="The soup was cold.")

    assert view.summary.startswith("**5 tokens** for 18 characters and 4 words (3.60 characters and 0.80 words")


def test_comparing_two_tokenizers_shows_counts_and_the_spans_they_split_differently(client: Client):
    view = tokenize(client, text="The staff were kind.", compare="scratch:small")

    assert "| | `scratch:tiny` | `scratch:small` |" in view.comparison
    assert "| tokens | 7 | 5 |" in view.comparison
    assert "**1 span(s) split differently**" in view.comparison
    assert '<span class="differs" title="scratch:tiny: k ##in ##d | scratch:small: kind">kind</span>' in (
        view.comparison_spans
    )


def test_the_snippet_reproduces_the_exact_call(client: Client):
    view = tokenize(client, text="The soup", pair="was cold", padding="max_length", max_length=9)

    namespace: dict = {}
    exec(view.snippet.replace("print(name, values)", "pass"), namespace)
    assert namespace["encoding"]["input_ids"] == [row["input_id"] for row in view.rows]
    assert "padding='max_length'," in view.snippet and "max_length=9," in view.snippet


def test_ids_and_tokens_can_be_looked_up(client: Client):
    soup = tokenize(client, text="soup").rows[1]["input_id"]

    assert client.predict("scratch:tiny", soup, api_name="/id_to_token") == f"id **{soup}** is `soup`"
    assert client.predict("scratch:tiny", "soup", api_name="/token_to_id") == f"`soup` is id **{soup}**"


def test_a_slow_tokenizer_works_and_says_what_it_cannot_show(client: Client, tmp_path: Path):
    folder = slow_bert_folder(tmp_path / "slow-bert")

    view = tokenize(client, model=str(folder), text="The soups were cold.")

    assert tokens(view) == ["[CLS]", "the", "soup", "##s", "were", "cold", ".", "[SEP]"]
    assert {row["substring"] for row in view.rows} == {None}
    assert "- **type**: WordPiece (slow, Python: BertTokenizerLegacy)" in view.info
    assert "- **cannot show**: offsets" in view.info
    assert "return_offsets_mapping" not in view.snippet


BAD_INPUT = {
    "empty text": ({"text": "   "}, "type a text to tokenize"),
    "empty batch": ({"text": "\n\n", "batch": True}, "type at least one line of text to tokenize"),
    "max_length below the special tokens": (
        {"truncation": "longest_first", "max_length": 1},
        "max_length 1 leaves no room for text: this tokenizer adds 2 special tokens to a single text",
    ),
    "stride not below max_length": (
        {"truncation": "longest_first", "max_length": 4, "stride": 4, "overflow": True},
        "stride 4 must be less than max_length 4",
    ),
    "only_second without a pair": ({"truncation": "only_second"}, "truncation='only_second' needs a second text"),
    "padding to max_length without one": ({"padding": "max_length"}, "padding='max_length' needs a max_length"),
    "a batch with the second-text box": (
        {"batch": True, "pair": "x"},
        "in a batch, put each second text on its line after a tab",
    ),
    "unknown scratch size": ({"model": "scratch:huge"}, "unknown scratch model 'scratch:huge'"),
    "sequence out of range": ({"sequence": 4}, "no sequence 4: the output has sequences 0 to 0"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gets_a_message_naming_the_problem(client: Client, case: str):
    inputs, fragment = BAD_INPUT[case]

    message = error_of(client, **inputs)

    assert fragment in message
    assert "Traceback" not in message and "Internal error" not in message


def test_an_unknown_tokenizer_while_the_hub_is_unreachable_fails_fast_with_the_offline_choices(
    client: Client, studio: LaunchedStudio
):
    message = error_of(client, model="studio-tests/no-such-model", compare="")

    assert "cannot fetch model 'studio-tests/no-such-model'" in message
    assert f"the Hugging Face Hub ({studio.environ['HF_ENDPOINT']}) is unreachable" in message
    assert "scratch:tiny" in message


@pytest.mark.parametrize(
    ("api_name", "value", "fragment"),
    [
        ("/id_to_token", 99999, "id 99999 is outside the vocabulary: ids go from 0 to"),
        ("/token_to_id", "soupy", "'soupy' is not in the vocabulary; as text it is tokenized into ['soup', '##y']"),
    ],
)
def test_a_lookup_outside_the_vocabulary_says_why(client: Client, api_name: str, value, fragment: str):
    with pytest.raises(AppError) as raised:
        client.predict("scratch:tiny", value, api_name=api_name)

    assert fragment in str(raised.value)


# ---------------------------------------------------------------------------------------------------- task views
def run_snippet(snippet: str) -> dict:
    namespace: dict = {"print": lambda *args: None}
    exec(compile(snippet, "<snippet>", "exec"), namespace)
    return namespace


def test_label_alignment_shows_each_tokens_word_id_and_the_label_training_gives_it(client: Client):
    sentence = "Rosa/B-PER Brennan/I-PER joined/O Karsk/B-ORG ./O"

    first_only = task_view(client, "/label_alignment", "scratch:tiny", sentence, "sample:entities", False, 128)
    every_piece = task_view(client, "/label_alignment", "scratch:tiny", sentence, "sample:entities", True, 128)

    rows = first_only.rows
    assert rows[0]["token"] == "[CLS]" and rows[0]["word_id"] is None and rows[0]["label"] == "-100"
    brennan = [row for row in rows if row["word"] == "Brennan"]
    assert len(brennan) > 1  # scratch:tiny cuts the name into pieces
    assert [row["label"] for row in brennan] == ["I-PER"] + ["-100"] * (len(brennan) - 1)
    assert {row["word_id"] for row in brennan} == {1}
    assert [row["label"] for row in every_piece.rows if row["word"] == "Brennan"] == ["I-PER"] * len(brennan)
    assert "Labels (id order): O, B-LOC, I-LOC, B-MISC" in first_only.summary  # numbered as sample:entities' train
    assert '<span class="label ignored">-100</span>' in first_only.html and "Brennan<em>I-PER</em>" in first_only.html
    label_ids = run_snippet(first_only.snippet)["label_ids"]
    assert [label == -100 for label in label_ids] == [row["label"] == "-100" for row in rows]


def test_a_dataset_row_loads_as_word_slash_tag_text(client: Client):
    sentence = client.predict("sample:entities", "validation", 1, api_name="/alignment_row")

    assert sentence.startswith("Oskar/B-PER Ivanova/I-PER and/O")
    view = task_view(client, "/label_alignment", "scratch:tiny", sentence, "", False, 8)
    assert "word(s) cut** by max_length" in view.summary and '<span class="lost"' in view.html


def test_answer_windows_mark_the_answer_in_the_window_that_holds_it_and_cls_elsewhere(client: Client):
    context = "The museum opens at nine and closes at six. " * 3 + "The ferry left from Alder Bay at noon."
    question = "Where did the ferry leave from?"

    view = task_view(client, "/answer_windows", "scratch:tiny", question, context, "Alder Bay", "", 32, 8)

    assert len(view.rows) > 2 and view.rows[0]["answer"] == "not in this window"
    assert view.rows[-1]["answer"].startswith("answer: tokens ")
    assert f"is whole in window(s) {len(view.rows) - 1}" in view.summary
    assert 'class="tok special target"' in view.html and 'class="tok start"' in view.html
    positions = run_snippet(view.snippet)["positions"]
    assert positions[0] == (0, 0) and positions[-1] != (0, 0)


def test_a_questions_row_fills_question_context_answer_and_start(client: Client):
    question, context, answer, start = client.predict("sample:questions", "validation", 0, api_name="/answer_row")

    assert context[int(start) : int(start) + len(answer)] == answer and question.endswith("?")


@pytest.mark.parametrize(
    ("api_name", "inputs", "fragment"),
    [
        ("/label_alignment", ("scratch:tiny", "Ada Marlow/I-PER", "", False, 128), "'Ada' is not word/TAG"),
        ("/label_alignment", ("scratch:tiny", "Ada/B-XYZ", "sample:entities", False, 128), "'B-XYZ' is not among"),
        ("/label_alignment", ("scratch:tiny", "Ada/O", "", False, 4), "max_length: 4 is out of range; type a whole"),
        ("/answer_windows", ("scratch:tiny", "Who?", "Ada came.", "Bo", "", 32, 8), "answer 'Bo' is not in"),
        ("/answer_windows", ("scratch:tiny", "Who?", "Ada came.", "Ada", "", 32, 16), "stride must be between 0"),
        ("/alignment_row", ("sample:entities", "validation", 10_000), "row must be between 0 and"),
        ("/answer_row", ("sample:questions", "dev", 0), "no split 'dev'"),
        ("/answer_row", ("sample:sentiment", "validation", 0), "no question column (the question)"),
        ("/alignment_row", ("sample:sentiment", "validation", 0), "no tokens column"),
    ],
)
def test_bad_task_view_input_names_the_problem(client: Client, api_name: str, inputs: tuple, fragment: str):
    with pytest.raises(AppError, match=re.escape(fragment)):
        client.predict(*inputs, api_name=api_name)
