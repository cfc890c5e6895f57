import numpy as np
import pytest
from datasets import ClassLabel, Dataset, Features, List, Value

from engine.common.errors import StudioError
from engine.tasks.base import Tokenization
from engine.tasks.token_classification import (
    IGNORED,
    TokenClassification,
    align_labels,
    detect_scheme,
    entity_scores,
    inside_labels,
)
from tests import tiny_models

TASK = TokenClassification()


def test_word_labels_go_to_first_sub_words_and_specials_get_minus_100():
    word_ids = [None, 0, 1, 1, 1, 2, None]
    assert align_labels(word_ids, [1, 3, 0], None) == [IGNORED, 1, 3, IGNORED, IGNORED, 0, IGNORED]


def test_labelling_every_sub_word_turns_b_into_i():
    labels = ("O", "B-PER", "I-PER", "B-LOC")  # no I-LOC: a later piece of a location keeps B-LOC
    assert inside_labels(labels) == [0, 2, 2, 3]
    assert align_labels([None, 0, 0, 1, 1, None], [1, 3], inside_labels(labels)) == [IGNORED, 1, 2, 3, 3, IGNORED]


def test_preprocess_aligns_through_the_tokenizers_word_ids():
    tokenizer = tiny_models.tokenizer()
    split = Dataset.from_dict({"tokens": [["paris", "unmuseumlike"]], "ner_tags": [["B-LOC", "O"]]})
    setup = TASK.setup(split)
    encoded = TASK.preprocess(split, tokenizer, setup, Tokenization(max_length=32))
    word_ids = encoded[0]["word_ids"]
    assert word_ids[0] == -1 and word_ids[-1] == -1 and word_ids.count(1) > 1  # the made-up word splits
    expected = align_labels([None if w < 0 else w for w in word_ids], [setup.labels.index("B-LOC"), 0], None)
    assert encoded[0]["labels"] == expected
    every = TASK.setup(split, label_all_subwords=True)
    assert IGNORED not in TASK.preprocess(split, tokenizer, every, Tokenization(max_length=32))[0]["labels"][1:-1]


def test_class_label_tags_read_their_names_and_string_tags_are_ordered_o_first():
    features = Features({"tokens": List(Value("string")), "ner_tags": List(ClassLabel(names=["O", "B-PER", "I-PER"]))})
    split = Dataset.from_dict({"tokens": [["Ada", "Marlow", "runs"]], "ner_tags": [[1, 2, 0]]}, features=features)
    assert TASK.setup(split).labels == ("O", "B-PER", "I-PER")
    strings = Dataset.from_dict({"tokens": [["a", "b", "c"]], "ner_tags": [["I-PER", "O", "B-LOC"]]})
    assert TASK.setup(strings).labels == ("O", "B-LOC", "I-PER")


def test_words_and_tags_of_different_lengths_are_refused_naming_the_row():
    split = Dataset.from_dict({"tokens": [["a"], ["a", "b"]], "ner_tags": [["O"], ["O"]]})
    with pytest.raises(StudioError, match=r"row 1 of train: 2 words in 'tokens' but 1 tags in 'ner_tags'"):
        TASK.setup(split)
    with pytest.raises(StudioError, match="not O or B-/I-/E-/S-"):
        TASK.setup(Dataset.from_dict({"tokens": [["a"]], "ner_tags": [["PERSON"]]}))


def test_the_scheme_is_detected_from_the_tags():
    assert detect_scheme([["B-PER", "I-PER", "O", "B-LOC"]]) == "IOB2"
    assert detect_scheme([["I-PER", "I-PER", "O", "I-LOC", "B-LOC"]]) == "IOB1"
    assert detect_scheme([["B-PER", "E-PER", "S-LOC"]]) == "IOBES"


def test_entity_scores_match_hand_computed_values_under_each_scheme():
    actual = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    predicted = [["B-PER", "I-PER", "O", "O"], ["B-ORG", "B-LOC"]]
    metrics, table = entity_scores(actual, predicted, "IOB2")
    # gold PER, LOC, ORG; predicted PER, ORG, LOC(wrong place): 2 right of 3 and 3
    assert metrics["precision"] == pytest.approx(2 / 3) and metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert {row["type"]: row["f1"] for row in table} == {"LOC": 0.0, "ORG": 1.0, "PER": 1.0}
    # strict IOB2: an I- after O starts no entity; IOB1 reads it as one
    lone = [["O", "I-PER"]]
    assert entity_scores(lone, lone, "IOB2")[0]["f1"] == 0.0
    assert entity_scores(lone, lone, "IOB1")[0]["f1"] == 1.0
    bioes = [["B-PER", "E-PER", "S-LOC"]]
    assert entity_scores(bioes, [["B-PER", "E-PER", "O"]], "IOBES")[0]["recall"] == pytest.approx(0.5)


def test_postprocess_maps_first_sub_word_predictions_back_to_words_and_entities():
    tokenizer = tiny_models.tokenizer()
    split = Dataset.from_dict({"tokens": [["paris", "is", "lovely"]], "ner_tags": [["B-LOC", "O", "O"]]})
    setup = TASK.setup(split)
    encoded = TASK.preprocess(split, tokenizer, setup, Tokenization(max_length=32))
    length = len(encoded[0]["input_ids"])
    logits = np.zeros((1, length, len(setup.labels)), dtype=np.float32)
    logits[0, :, 0] = 5.0  # O everywhere...
    logits[0, 1, setup.labels.index("B-LOC")] = 9.0  # ...but the first word
    prediction = TASK.postprocess(setup, logits, split, encoded)[0]
    assert prediction["tags"] == ["B-LOC", "O", "O"]
    assert prediction["entities"][0] | {"score": 0} == {
        "type": "LOC",
        "start": 0,
        "end": 0,
        "text": "paris",
        "score": 0,
    }
    report = TASK.report(setup, logits, split, encoded)
    assert report.metrics["f1"] == 1.0 and report.errors == []
