"""engine.tasks.alignment: the label each sub-word token trains on, as the task's preprocessing gives it."""

import pytest
from datasets import ClassLabel, Dataset, Features, List, Value

from engine.common.errors import NotFoundError, StudioError
from engine.tasks.alignment import (
    label_alignment,
    label_alignment_of_row,
    parse_tagged,
    row_sentence,
    sentence_setup,
    tagged_text,
)
from engine.tasks.base import Tokenization
from engine.tasks.registry import get_task
from tests import tiny_models

TASK = get_task("token-classification")
# The tiny tokenizer knows "is" and "paris" whole and spells "marlow" letter by letter: m ##a ##r ##l ##o ##w.
WORDS, TAGS = ["Marlow", "is", "paris"], ["B-PER", "O", "B-LOC"]


def _setup(**options):
    split = Dataset.from_dict({"tokens": [WORDS, ["Ada", "Marlow"]], "ner_tags": [TAGS, ["B-PER", "I-PER"]]})
    return TASK.setup(split, **options)


def test_a_words_first_piece_gets_its_tag_and_specials_and_later_pieces_get_minus_100():
    alignment = label_alignment(WORDS, TAGS, tiny_models.tokenizer(), _setup())
    assert [t.token for t in alignment.tokens] == [
        "[CLS]",
        "m",
        "##a",
        "##r",
        "##l",
        "##o",
        "##w",
        "is",
        "paris",
        "[SEP]",
    ]
    assert [t.word_id for t in alignment.tokens] == [None, 0, 0, 0, 0, 0, 0, 1, 2, None]
    assert [t.label for t in alignment.tokens] == ["-100", "B-PER"] + ["-100"] * 5 + ["O", "B-LOC", "-100"]
    assert [t.label_id for t in alignment.tokens][:2] == [-100, _setup().labels.index("B-PER")]
    assert alignment.rows()[2] == {"position": 2, "token": "##a", "word_id": 0, "word": "Marlow", "label": "-100"}
    assert alignment.lost_words == 0


def test_labelling_every_sub_word_shows_the_inside_tag_on_later_pieces():
    alignment = label_alignment(WORDS, TAGS, tiny_models.tokenizer(), _setup(label_all_subwords=True))
    assert [t.label for t in alignment.tokens] == ["-100", "B-PER"] + ["I-PER"] * 5 + ["O", "B-LOC", "-100"]


def test_a_short_max_length_shows_the_words_it_cuts_off():
    alignment = label_alignment(WORDS, TAGS, tiny_models.tokenizer(), _setup(), Tokenization(max_length=8))
    assert [t.token for t in alignment.tokens] == ["[CLS]", "m", "##a", "##r", "##l", "##o", "##w", "[SEP]"]
    assert alignment.lost_words == 2 and alignment.max_length == 8


def test_a_row_with_class_label_ids_is_aligned_by_tag_name():
    features = Features({"tokens": List(Value("string")), "ner_tags": List(ClassLabel(names=["O", "B-LOC"]))})
    split = Dataset.from_dict({"tokens": [["is", "paris"]], "ner_tags": [[0, 1]]}, features=features)
    alignment = label_alignment_of_row(split, 0, tiny_models.tokenizer(), TASK.setup(split))
    assert alignment.tags == ["O", "B-LOC"]
    assert [t.label for t in alignment.tokens] == ["-100", "O", "B-LOC", "-100"]
    with pytest.raises(NotFoundError, match="row must be between 0 and 0, not 3"):
        label_alignment_of_row(split, 3, tiny_models.tokenizer(), TASK.setup(split))


def test_bad_sentences_are_refused_as_training_refuses_them():
    with pytest.raises(StudioError, match="3 words in 'tokens' but 2 tags"):
        label_alignment(WORDS, TAGS[:2], tiny_models.tokenizer(), _setup())
    with pytest.raises(StudioError, match="tag 'B-ORG' is not among the train split's"):
        label_alignment(WORDS, ["B-ORG", "O", "O"], tiny_models.tokenizer(), _setup())
    regression = get_task("regression").setup(Dataset.from_dict({"text": ["a"], "label": [1.0]}))
    with pytest.raises(StudioError, match="token-classification view; this setup is regression"):
        label_alignment(WORDS, TAGS, tiny_models.tokenizer(), regression)


def test_typed_word_slash_tag_text_reads_back_as_words_and_tags():
    assert parse_tagged("Ada/B-PER  1/2/O is/O") == (["Ada", "1/2", "is"], ["B-PER", "O", "O"])
    assert tagged_text(["Ada", "1/2"], ["B-PER", "O"]) == "Ada/B-PER 1/2/O"
    with pytest.raises(StudioError, match="sentence: 'Ada' is not word/TAG"):
        parse_tagged("Ada Marlow/I-PER")
    with pytest.raises(StudioError, match="sentence: no words"):
        parse_tagged("  ")
    with pytest.raises(StudioError, match="the word 'New York' is empty or holds a space"):
        tagged_text(["New York"], ["B-LOC"])


def test_a_typed_sentence_alone_sets_up_its_own_tags_as_labels():
    setup = sentence_setup(["Ada", "Marlow", "is"], ["B-PER", "I-PER", "O"], label_all_subwords=True)
    assert setup.labels == ("O", "B-PER", "I-PER") and setup.option("label_all_subwords") is True


def test_a_dataset_row_gives_its_words_and_tag_names_naming_a_bad_row_by_its_number():
    features = Features({"tokens": List(Value("string")), "ner_tags": List(ClassLabel(names=["O", "B-LOC"]))})
    split = Dataset.from_dict({"tokens": [["is", "paris"], ["x"]], "ner_tags": [[0, 1], [0]]}, features=features)
    setup = TASK.setup(split)
    assert row_sentence(split, 0, setup, "validation") == (["is", "paris"], ["O", "B-LOC"])
    with pytest.raises(NotFoundError, match="row must be between 0 and 1, not 2"):
        row_sentence(split, 2, setup, "validation")
    broken = Dataset.from_dict({"tokens": [["a"], ["b", "c"]], "ner_tags": [["O"], ["O"]]})
    with pytest.raises(StudioError, match="row 1 of validation: 2 words in 'tokens' but 1 tags"):
        row_sentence(broken, 1, TASK.setup(broken.select([0])), "validation")
