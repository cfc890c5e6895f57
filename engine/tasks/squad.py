"""Exact match and F1 of extractive answers, as the official SQuAD v1.1 evaluation script defines them.

Answers are normalised before comparing (lower case, punctuation and the articles a / an / the removed, white space
collapsed); F1 is over the normalised answers' words; each prediction scores its best over the gold answers.
Scores here are fractions (0 to 1) like every other metric of the studio; the SQuAD script prints percentages.
"""

import re
import string
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lower case, no punctuation, no articles, single spaces: SQuAD's `normalize_answer`."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction: str, gold: str) -> float:
    """Word-overlap F1 of the normalised answers."""
    predicted, actual = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = sum((Counter(predicted) & Counter(actual)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(actual)
    return 2 * precision * recall / (precision + recall)


def best_over_golds(metric, prediction: str, golds: Sequence[str]) -> float:
    """The metric's best over the gold answers; a question with no gold answer scores 1 only for an empty one."""
    if not golds:
        return float(not normalize_answer(prediction))
    return max(metric(prediction, gold) for gold in golds)


def squad_scores(predictions: Sequence[str], golds: Sequence[Sequence[str]]) -> dict[str, float]:
    """Mean exact match and F1 over questions (fractions, 0 to 1)."""
    if not predictions:
        return {"exact_match": 0.0, "f1": 0.0}
    pairs = list(zip(predictions, golds, strict=True))
    return {
        "exact_match": sum(best_over_golds(exact_match, p, g) for p, g in pairs) / len(pairs),
        "f1": sum(best_over_golds(f1, p, g) for p, g in pairs) / len(pairs),
    }
