"""engine.tokenizer.compare: two tokenizers on the same text, their counts and where they split differently."""

from engine.models.scratch import train_wordpiece
from engine.tokenizer.compare import compare_tokenizers, split_spans
from engine.tokenizer.inspection import TokenInput
from tests.tokenizer_fixtures import slow_bert_tokenizer


def test_comparison_of_two_tokenizers_finds_the_words_they_split_differently(corpus, wordpiece_tokenizer):
    small = train_wordpiece(corpus, vocab_size=60)  # too small for whole words: they split into pieces
    text = "the museum opens"

    comparison = compare_tokenizers(wordpiece_tokenizer, small, TokenInput.single(text))

    spans = comparison.spans[0]
    assert "".join(span.text for span in spans) == text
    differing = {span.text: (span.tokens_a, span.tokens_b) for span in spans if not span.same}
    assert differing["museum"] == (["museum"], small.tokenize("museum"))
    assert len(small.tokenize("museum")) > 1
    assert comparison.differing == len(differing)
    assert comparison.counts_a.tokens == len(wordpiece_tokenizer.tokenize(text))
    assert comparison.counts_b.tokens == len(small.tokenize(text))
    assert comparison.counts_b.tokens > comparison.counts_a.tokens


def test_a_tokenizer_compared_with_itself_agrees_everywhere(wordpiece_tokenizer):
    comparison = compare_tokenizers(
        wordpiece_tokenizer, wordpiece_tokenizer, TokenInput.single("the museum", "at nine")
    )

    assert comparison.texts == ["the museum", "at nine"]
    assert comparison.differing == 0
    assert comparison.counts_a == comparison.counts_b


def test_split_spans_cut_only_where_both_tokenizers_cut():
    text = "unhappy cat"
    a = [("un", 0, 2), ("happy", 2, 7), ("cat", 8, 11)]
    b = [("unh", 0, 3), ("appy", 3, 7), ("cat", 8, 11)]

    spans = split_spans(text, a, b)

    assert [(s.text, s.tokens_a, s.tokens_b, s.same) for s in spans] == [
        ("unhappy", ["un", "happy"], ["unh", "appy"], False),
        (" ", [], [], True),
        ("cat", ["cat"], ["cat"], True),
    ]


def test_a_slow_tokenizer_is_compared_by_counts_only(wordpiece_tokenizer, tmp_path):
    slow = slow_bert_tokenizer(tmp_path / "slow")

    comparison = compare_tokenizers(wordpiece_tokenizer, slow, TokenInput.single("the soup was cold"))

    assert comparison.spans is None
    assert comparison.counts_b.tokens == 4
