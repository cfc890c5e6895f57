"""Which label confusions a multi-label model makes: a confusion analysis by label pair.

A single-label confusion matrix says "A was predicted as B". With several labels per row a mistake is a missed label
(true, not predicted) or a spurious one (predicted, not true), and what teaches is how they pair up with the row's
other labels. For an ordered pair (A, B), on the rows where A is a true label:

- `instead`: A was missed and B was predicted without being true: B took A's place (the multi-label analogue of a
  confusion cell, "A predicted as B").
- `added`: A was predicted, and B was predicted too without being true: B rides along with A.
- `dropped`: A was predicted, B was true too but missed: the model keeps A and loses its companion B.

`instead + added` over A's rows is the rate at which B is predicted wrongly whenever A is present ("sports predicted
whenever politics is present"). Beside them, for the unordered pair, how often the two labels are true together
(`gold_together`) and predicted together (`predicted_together`): a model that has learnt "these two go together"
more firmly than the data says predicts them together more often than they are.

Each wrong row is then marked with its patterns ("sports instead of politics", "sports added to politics",
"economy dropped beside politics", or "health missed" / "health added" when the row has no other label to pair
with), the most frequent pattern of the whole split first.
"""

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

PAIRS_KEPT = 1000  # a report stays readable (and its JSON small) however many labels a model has
KINDS = ("instead", "added", "dropped")


def pair_counts(predicted: np.ndarray, actual: np.ndarray) -> dict[str, np.ndarray]:
    """(labels, labels) count matrices, row index A (a true label), column B: `instead`, `added`, `dropped`,
    `gold_together` and `predicted_together` as the module's docstring defines them. The diagonal is zero.

    Args:
        predicted: (rows, labels) booleans, the model's labels.
        actual: (rows, labels) booleans, the true labels.
    """
    predicted, actual = predicted.astype(np.int64), actual.astype(np.int64)
    missed, spurious = actual * (1 - predicted), predicted * (1 - actual)
    hit = actual * predicted
    counts = {
        "instead": missed.T @ spurious,
        "added": hit.T @ spurious,
        "dropped": hit.T @ missed,
        "gold_together": actual.T @ actual,
        "predicted_together": predicted.T @ predicted,
    }
    for matrix in counts.values():
        np.fill_diagonal(matrix, 0)
    return counts


def label_pairs(predicted: np.ndarray, actual: np.ndarray, labels: Sequence[str]) -> list[dict[str, Any]]:
    """Every ordered label pair with a mistake or a co-occurrence, most mistakes first (at most `PAIRS_KEPT`).

    Each row: `label` (A, true on the rows counted), `other` (B), `rows_with_label` (A's support), `instead`,
    `added`, `dropped`, `spurious_rate` ((instead + added) / A's support: how often B is wrongly predicted when A
    is present), `gold_together` and `predicted_together`.
    """
    counts = pair_counts(predicted, actual)
    support = actual.astype(np.int64).sum(axis=0)
    rows = []
    for a, b in zip(*np.nonzero(sum(counts.values())), strict=True):
        row: dict[str, Any] = {"label": labels[a], "other": labels[b], "rows_with_label": int(support[a])}
        row |= {name: int(matrix[a, b]) for name, matrix in counts.items()}
        row["spurious_rate"] = (row["instead"] + row["added"]) / support[a] if support[a] else 0.0
        rows.append(row)
    rows.sort(
        key=lambda r: (
            -(r["instead"] + r["added"] + r["dropped"]),
            -abs(r["predicted_together"] - r["gold_together"]),
            r["label"],
            r["other"],
        )
    )
    return [{**row, "spurious_rate": float(row["spurious_rate"])} for row in rows[:PAIRS_KEPT]]


def _row_patterns(predicted: np.ndarray, actual: np.ndarray, labels: Sequence[str]) -> list[str]:
    """One row's mistakes as patterns, paired with its other labels (unpaired ones alone)."""
    true, missed = np.flatnonzero(actual), np.flatnonzero(actual & ~predicted)
    spurious, hit = np.flatnonzero(predicted & ~actual), np.flatnonzero(actual & predicted)
    patterns = [f"{labels[b]} instead of {labels[a]}" for a in missed for b in spurious]
    patterns += [f"{labels[b]} added to {labels[a]}" for a in hit for b in spurious]
    patterns += [f"{labels[b]} dropped beside {labels[a]}" for a in hit for b in missed]
    patterns += [f"{labels[b]} added" for b in spurious if len(true) == 0]
    patterns += [f"{labels[a]} missed" for a in missed if len(spurious) == 0 and len(hit) == 0]
    return patterns


def error_patterns(predicted: np.ndarray, actual: np.ndarray, labels: Sequence[str]) -> list[list[str]]:
    """Each row's patterns (empty for a row without mistakes), the patterns most frequent over all rows first."""
    predicted, actual = predicted.astype(bool), actual.astype(bool)
    per_row = [_row_patterns(p, a, labels) for p, a in zip(predicted, actual, strict=True)]
    frequency = Counter(pattern for patterns in per_row for pattern in patterns)
    return [sorted(patterns, key=lambda p: (-frequency[p], p)) for patterns in per_row]


def pattern_counts(patterns: list[list[str]]) -> list[dict[str, Any]]:
    """How many rows show each pattern, most frequent first: the error list grouped."""
    frequency = Counter(pattern for row in patterns for pattern in row)
    return [{"pattern": p, "rows": n} for p, n in sorted(frequency.items(), key=lambda item: (-item[1], item[0]))]


def _names(row: np.ndarray, labels: Sequence[str]) -> list[str]:
    return [labels[j] for j in np.flatnonzero(row)]


def error_rows(
    predicted: np.ndarray,
    actual: np.ndarray,
    labels: Sequence[str],
    texts: Sequence[str],
    patterns: list[list[str]],
) -> list[dict[str, Any]]:
    """Every row with a mistake, most mistakes first and, among rows with as many, grouped by their most frequent
    pattern: its text, true, predicted, missed and spurious labels, and its patterns (from `error_patterns`)."""
    predicted, actual = predicted.astype(bool), actual.astype(bool)
    mistakes = (predicted != actual).sum(axis=1)
    rank = {row["pattern"]: i for i, row in enumerate(pattern_counts(patterns))}
    wrong = sorted(np.flatnonzero(mistakes), key=lambda i: (-mistakes[i], rank[patterns[i][0]], i))
    return [
        {
            "row": int(i),
            "text": texts[i],
            "labels": _names(actual[i], labels),
            "predicted": _names(predicted[i], labels),
            "missed": _names(actual[i] & ~predicted[i], labels),
            "spurious": _names(predicted[i] & ~actual[i], labels),
            "patterns": patterns[i],
        }
        for i in wrong
    ]
