"""ui.token_html and ui.plots.tokenizer: the Tokenizer tab's spans, round trip, comparison, matrices and task views."""

from engine.models.scratch import train_wordpiece
from engine.tasks.alignment import label_alignment, sentence_setup
from engine.tasks.base import Tokenization
from engine.tasks.windows import answer_windows, question_setup
from engine.tokenizer.compare import compare_tokenizers
from engine.tokenizer.inspection import TokenInput, TokenizeOptions, inspect_tokens
from engine.tokenizer.roundtrip import round_trip
from tests import tiny_models
from ui.plots.tokenizer import row_labels, token_matrices
from ui.token_html import alignment_html, comparison_html, round_trip_html, token_spans_html, windows_html


def test_spans_cover_the_original_text_with_html_escaped(wordpiece_tokenizer):
    inspection = inspect_tokens(wordpiece_tokenizer, TokenInput.single("The <museum> & at", "nine"))

    html = token_spans_html(inspection)

    assert "&lt;" in html and "<museum>" not in html
    assert 'data-index="1">The</span> <span class="tok s0 b unk" title="#2 · id 1 · [UNK]"' in html  # shades alternate
    assert 'data-index="5">&amp;</span> <span class="tok s0 b"' in html  # the space between stays plain text
    nine = wordpiece_tokenizer.convert_tokens_to_ids("nine")
    assert f'<span class="tok s1 a" title="#8 · id {nine} · nine" data-index="8">nine</span>' in html


def test_text_cut_by_truncation_is_struck_through(wordpiece_tokenizer):
    options = TokenizeOptions(truncation="longest_first", max_length=4)
    inspection = inspect_tokens(wordpiece_tokenizer, TokenInput.single("the museum opens at nine"), options)

    assert '<span class="outside"> opens at nine</span>' in token_spans_html(inspection)


def test_the_round_trip_marks_lost_and_added_text(wordpiece_tokenizer):
    inspection = inspect_tokens(wordpiece_tokenizer, TokenInput.single("The museum"))

    html = round_trip_html(round_trip(wordpiece_tokenizer, inspection))

    assert '<span class="input-only">T</span><span class="decoded-only">t</span>he museum' in html
    assert "[CLS] the museum [SEP]" in html


def test_the_comparison_highlights_only_the_spans_split_differently(corpus, wordpiece_tokenizer):
    small = train_wordpiece(corpus, vocab_size=60)
    comparison = compare_tokenizers(wordpiece_tokenizer, small, TokenInput.single("the museum"))

    html = comparison_html(comparison, "big", "small")

    assert html.count('class="differs"') == comparison.differing >= 1
    assert 'title="big: museum | small: ' in html


def test_matrices_have_a_row_per_window_and_padding_as_zeros(wordpiece_tokenizer):
    inputs = TokenInput.from_lines("the museum opens at nine\nat nine")
    options = TokenizeOptions(
        padding="max_length", truncation="longest_first", max_length=5, stride=1, return_overflowing_tokens=True
    )
    inspection = inspect_tokens(wordpiece_tokenizer, inputs, options)

    figure = token_matrices(inspection)

    ids, mask = figure.data
    assert list(ids.y) == row_labels(inspection)
    assert row_labels(inspection)[:2] == ["line 1 · window 0", "line 1 · window 1"]
    assert row_labels(inspection)[-1] == "line 2"
    assert list(mask.z[-1]) == [1, 1, 1, 1, 0]


def test_the_alignment_view_boxes_each_word_over_its_pieces_with_word_ids_and_labels():
    words, tags = ["Marlow", "is", "<b>"], ["B-PER", "O", "O"]
    setup = sentence_setup(words, tags)

    html = alignment_html(label_alignment(words, tags, tiny_models.tokenizer(), setup))

    assert html.count('<span class="word">') == 3 and "Marlow<em>B-PER</em>" in html
    assert "&lt;b&gt;<em>O</em>" in html and "<b>" not in html  # user text is escaped
    assert '<span class="tok special">[CLS]</span><span class="wid">special</span>' in html
    marlow = html[html.index("Marlow<em>") : html.index("is<em>")]
    assert marlow.count('<span class="wid">0</span>') == 6  # m ##a ##r ##l ##o ##w, all word 0
    assert marlow.count('<span class="label">B-PER</span>') == 1 and marlow.count("label ignored") == 5


def test_the_alignment_view_strikes_the_words_max_length_cut():
    words, tags = ["Marlow", "is", "paris"], ["B-PER", "O", "B-LOC"]
    alignment = label_alignment(words, tags, tiny_models.tokenizer(), sentence_setup(words, tags), Tokenization(8))

    assert '<span class="lost" title="cut by max_length: no token, no label">is/O paris/B-LOC</span>' in (
        alignment_html(alignment)
    )


def test_the_windows_view_marks_the_answer_or_the_cls_token_training_points_at():
    context = "the museum opens at nine . " * 6 + "paris is the capital of france ."
    view = answer_windows(
        "what is the capital",
        context,
        tiny_models.tokenizer(),
        question_setup(),
        Tokenization(24, 4),
        "capital of france",
    )
    tokenizer = tiny_models.tokenizer()

    html = windows_html(view, set(tokenizer.all_special_tokens), tokenizer.cls_token)

    blocks = html.split('<div class="window">')[1:]
    assert len(blocks) == len(view.windows) > 2
    assert "not in this window: start and end point at the CLS token" in blocks[0]
    assert '<span class="tok special target" title="#0 · question">[CLS]</span>' in blocks[0]
    last = blocks[-1]
    assert "target" not in last and f"answer: tokens {view.windows[-1].answer[0]} to" in last
    assert '<span class="tok start" title=' in last and '<span class="tok end" title=' in last
    assert 'class="tok answer"' in last and 'class="tok question"' in last
