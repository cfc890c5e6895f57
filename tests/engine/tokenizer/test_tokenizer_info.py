"""engine.tokenizer.info: one line each for what a tokenizer is, and id <-> token lookups."""

import pytest

from engine.tokenizer.info import describe_tokenizer, id_to_token, token_to_id
from tests.tokenizer_fixtures import bpe_tokenizer, slow_bert_tokenizer, unigram_tokenizer


def test_a_wordpiece_tokenizer_is_described_line_by_line(wordpiece_tokenizer):
    info = describe_tokenizer(wordpiece_tokenizer)

    assert (info.algorithm, info.is_fast, info.vocab_size, info.model_max_length) == ("WordPiece", True, 300, 512)
    assert info.special_tokens["cls_token"] == "[CLS] (2)"
    assert info.normalizer.startswith("BertNormalizer(") and "lowercase=True" in info.normalizer
    assert info.pre_tokenizer == "BertPreTokenizer"
    assert info.cannot_show == ()
    assert [label for label, _ in info.lines()] == [
        "type", "vocabulary", "model max length", "special tokens", "normalizer", "pre-tokenizer",
    ]  # fmt: skip


@pytest.mark.parametrize(("build", "algorithm"), [(bpe_tokenizer, "BPE"), (unigram_tokenizer, "Unigram")])
def test_bpe_and_unigram_tokenizers_are_named(build, algorithm):
    info = describe_tokenizer(build())

    assert info.algorithm == algorithm
    assert info.model_max_length is None  # no limit set: shown as "not set", not as 1e30
    assert dict(info.lines())["model max length"] == "not set"


def test_a_sequence_of_normalizers_lists_its_steps():
    from tokenizers import normalizers

    tokenizer = bpe_tokenizer()
    tokenizer.backend_tokenizer.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase()])

    assert describe_tokenizer(tokenizer).normalizer == "Sequence[NFD, Lowercase]"


def test_a_slow_tokenizer_says_what_it_cannot_show(tmp_path):
    info = describe_tokenizer(slow_bert_tokenizer(tmp_path / "slow"))

    assert (info.algorithm, info.is_fast) == ("WordPiece", False)
    assert any(note.startswith("offsets") for note in info.cannot_show)
    assert dict(info.lines())["type"] == "WordPiece (slow, Python: BertTokenizerLegacy)"


def test_ids_and_tokens_look_each_other_up(wordpiece_tokenizer):
    museum = token_to_id(wordpiece_tokenizer, "museum")

    assert id_to_token(wordpiece_tokenizer, museum) == "museum"
    assert token_to_id(wordpiece_tokenizer, "[SEP]") == wordpiece_tokenizer.sep_token_id


def test_an_id_outside_the_vocabulary_names_the_range(wordpiece_tokenizer):
    with pytest.raises(ValueError, match="id 300 is outside the vocabulary: ids go from 0 to 299"):
        id_to_token(wordpiece_tokenizer, 300)


def test_a_token_outside_the_vocabulary_shows_how_it_is_split(wordpiece_tokenizer):
    with pytest.raises(
        ValueError, match=r"'museums' is not in the vocabulary; as text it is tokenized into \['museum'"
    ):
        token_to_id(wordpiece_tokenizer, "museums")
