import math

import numpy as np
import pytest

from engine.tasks.scores import average_ranks, pearson, per_label_scores, r_squared, spearman
from engine.tasks.squad import normalize_answer, squad_scores


def test_pearson_spearman_and_r_squared_match_hand_computed_values():
    x, y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 1.0, 4.0, 3.0])
    # deviations (-1.5, -.5, .5, 1.5) and (-.5, -1.5, 1.5, .5): sum of products 3, squares 5 and 5
    assert pearson(x, y) == pytest.approx(0.6)
    assert spearman(x, y) == pytest.approx(0.6)  # already ranks
    # residuals (1, -1, 1, -1): SS_res 4, SS_tot of y 5
    assert r_squared(x, y) == pytest.approx(1 - 4 / 5)


def test_spearman_shares_ranks_between_ties_and_a_constant_series_scores_zero():
    assert average_ranks(np.array([10.0, 20.0, 20.0, 5.0])).tolist() == [2.0, 3.5, 3.5, 1.0]
    assert spearman(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0, 100.0])) == pytest.approx(1.0)
    assert pearson(np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0])) == 0.0
    assert r_squared(np.array([1.0, 2.0]), np.array([3.0, 3.0])) == 0.0


def test_per_label_scores_count_each_column():
    predicted = np.array([[1, 1], [1, 0], [0, 0]])
    actual = np.array([[1, 0], [0, 0], [1, 1]])
    precision, recall, f1, support = per_label_scores(predicted, actual)
    assert precision.tolist() == [0.5, 0.0] and recall.tolist() == [0.5, 0.0]
    assert f1.tolist() == [0.5, 0.0] and support.tolist() == [2, 1]


def test_squad_normalises_case_punctuation_articles_and_spaces():
    assert normalize_answer("  The  Eiffel-Tower!") == "eiffeltower"
    assert normalize_answer("an apple, a pear") == "apple pear"


def test_squad_exact_match_and_f1_take_the_best_gold_answer():
    scores = squad_scores(["the Sarn River", "paper lanterns and rope"], [["Sarn River"], ["rope", "paper lanterns"]])
    assert scores["exact_match"] == 0.5
    # second: against "paper lanterns", 2 common of 4 predicted / 2 gold words: P .5, R 1, F1 2/3
    assert scores["f1"] == pytest.approx((1 + 2 / 3) / 2)
    assert squad_scores(["", "x"], [[], []]) == {"exact_match": 0.5, "f1": 0.5}
    assert not math.isnan(squad_scores([], [])["f1"])
