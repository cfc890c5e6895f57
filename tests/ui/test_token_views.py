"""ui.token_html and ui.plots.tokenizer: the Tokenizer tab's spans, round trip, comparison and matrices."""

from engine.models.scratch import train_wordpiece
from engine.tokenizer.compare import compare_tokenizers
from engine.tokenizer.inspection import TokenInput, TokenizeOptions, inspect_tokens
from engine.tokenizer.roundtrip import round_trip
from ui.plots.tokenizer import row_labels, token_matrices
from ui.token_html import comparison_html, round_trip_html, token_spans_html


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
