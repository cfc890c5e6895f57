"""Plain numeric metrics the tasks share, on numpy arrays: precision / recall / F1 from counts, correlations, R².

Each is a few lines of arithmetic with the textbook definition, tested against hand-computed values; undefined
values (no positives, a constant series) are 0.0, as scikit-learn's `zero_division=0` makes them, so a metric is
always a number a chart and a JSON file can hold.
"""

import numpy as np


def safe_divide(numerator: np.ndarray | float, denominator: np.ndarray | float) -> np.ndarray:
    """numerator / denominator, 0.0 where the denominator is 0."""
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator * denominator), where=denominator != 0)


def f1_from_counts(true_positives: np.ndarray, predicted: np.ndarray, actual: np.ndarray) -> tuple[np.ndarray, ...]:
    """Precision, recall and F1 from true positives, predicted positives and actual positives (per label)."""
    precision = safe_divide(true_positives, predicted)
    recall = safe_divide(true_positives, actual)
    return precision, recall, safe_divide(2 * precision * recall, precision + recall)


def per_label_scores(predicted: np.ndarray, actual: np.ndarray) -> tuple[np.ndarray, ...]:
    """Precision, recall, F1 and support of each label (column) of two 0/1 matrices of shape (rows, labels)."""
    predicted, actual = predicted.astype(bool), actual.astype(bool)
    true_positives = (predicted & actual).sum(axis=0)
    precision, recall, f1 = f1_from_counts(true_positives, predicted.sum(axis=0), actual.sum(axis=0))
    return precision, recall, f1, actual.sum(axis=0)


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's correlation coefficient; 0.0 when either series is constant (it is undefined there)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt((dx * dx).sum() * (dy * dy).sum())
    return float((dx * dy).sum() / denominator) if denominator > 0 else 0.0


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing the mean of the ranks they span (as Spearman's coefficient needs)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation: Pearson's on average ranks."""
    return pearson(average_ranks(x), average_ranks(y))


def r_squared(predictions: np.ndarray, targets: np.ndarray) -> float:
    """The coefficient of determination, 1 - SS_res / SS_tot; 0.0 when the targets are constant."""
    predictions, targets = np.asarray(predictions, dtype=float), np.asarray(targets, dtype=float)
    total = ((targets - targets.mean()) ** 2).sum()
    return float(1 - ((targets - predictions) ** 2).sum() / total) if total > 0 else 0.0
