"""engine.tasks.multi_label_errors: the multi-label confusion analysis by label pair, on a split small enough to count
by hand, and through the task's evaluation report."""

import numpy as np
from datasets import Dataset

from engine.tasks.multi_label import MultiLabelClassification
from engine.tasks.multi_label_errors import error_patterns, error_rows, label_pairs, pair_counts, pattern_counts

LABELS = ("politics", "sports", "economy")
# Each row: its true labels, then the model's.
ROWS = [
    ({"politics"}, {"sports"}),  # 0: sports instead of politics
    ({"politics"}, {"politics", "sports"}),  # 1: sports added to politics
    ({"politics", "economy"}, {"politics"}),  # 2: economy dropped beside politics
    ({"sports"}, {"sports"}),  # 3: right
    ({"economy"}, set()),  # 4: economy missed, nothing to pair it with
    ({"politics", "sports"}, {"politics", "sports"}),  # 5: right
    ({"politics"}, {"sports"}),  # 6: sports instead of politics, again
]


def matrix(sets) -> np.ndarray:
    return np.array([[name in labels for name in LABELS] for labels in sets])


ACTUAL, PREDICTED = matrix(r[0] for r in ROWS), matrix(r[1] for r in ROWS)


def test_pair_counts_say_which_label_took_which_ones_place_and_which_labels_go_together():
    counts = pair_counts(PREDICTED, ACTUAL)
    politics, sports, economy = 0, 1, 2

    assert counts["instead"][politics, sports] == 2  # rows 0 and 6
    assert counts["added"][politics, sports] == 1  # row 1
    assert counts["dropped"][politics, economy] == 1  # row 2
    assert counts["instead"].sum() + counts["added"].sum() + counts["dropped"].sum() == 4
    # politics and sports are true together once (row 5) but predicted together twice (rows 1 and 5)
    assert counts["gold_together"][politics, sports] == counts["gold_together"][sports, politics] == 1
    assert counts["predicted_together"][politics, sports] == 2
    assert counts["gold_together"][politics, economy] == 1 and counts["predicted_together"][politics, economy] == 0
    assert all(np.diagonal(m).sum() == 0 for m in counts.values())


def test_label_pairs_list_the_pairs_with_mistakes_first_and_the_rate_of_a_spurious_label_beside_a_true_one():
    pairs = label_pairs(PREDICTED, ACTUAL, LABELS)

    assert [(p["label"], p["other"]) for p in pairs] == [
        ("politics", "sports"),  # 3 mistakes
        ("politics", "economy"),  # 1 mistake
        ("economy", "politics"),  # no mistake, predicted together 1 less than true together (a tie: by name)
        ("sports", "politics"),  # no mistake, predicted together 1 more than true together
    ]
    first = pairs[0]
    assert first == {
        "label": "politics",
        "other": "sports",
        "rows_with_label": 5,  # rows 0, 1, 2, 5, 6
        "instead": 2,
        "added": 1,
        "dropped": 0,
        "gold_together": 1,
        "predicted_together": 2,
        "spurious_rate": 3 / 5,  # sports predicted wrongly on 3 of the 5 rows where politics is true
    }
    assert pairs[1]["dropped"] == 1 and pairs[1]["spurious_rate"] == 0.0


def test_each_wrong_row_is_marked_with_its_patterns_and_the_patterns_are_counted_most_frequent_first():
    patterns = error_patterns(PREDICTED, ACTUAL, LABELS)

    assert patterns == [
        ["sports instead of politics"],
        ["sports added to politics"],
        ["economy dropped beside politics"],
        [],
        ["economy missed"],
        [],
        ["sports instead of politics"],
    ]
    assert pattern_counts(patterns) == [
        {"pattern": "sports instead of politics", "rows": 2},
        {"pattern": "economy dropped beside politics", "rows": 1},
        {"pattern": "economy missed", "rows": 1},
        {"pattern": "sports added to politics", "rows": 1},
    ]


def test_a_row_with_several_mistakes_lists_every_pairing_the_most_frequent_over_the_split_first():
    actual = matrix([{"politics", "economy"}, {"politics"}, {"politics"}])
    predicted = matrix([{"politics", "sports"}, {"politics", "sports"}, {"politics", "sports"}])

    first = error_patterns(predicted, actual, LABELS)[0]

    # sports rides along with politics on all three rows; on the first it also takes economy's place
    assert first == ["sports added to politics", "economy dropped beside politics", "sports instead of economy"]


def test_a_spurious_label_on_a_row_with_no_true_label_is_added_alone():
    assert error_patterns(matrix([{"sports"}]), matrix([set()]), LABELS) == [["sports added"]]


def test_error_rows_put_most_mistakes_first_then_group_rows_by_their_most_frequent_pattern():
    texts = [f"text {i}" for i in range(len(ROWS))]

    rows = error_rows(PREDICTED, ACTUAL, LABELS, texts, error_patterns(PREDICTED, ACTUAL, LABELS))

    assert [row["row"] for row in rows] == [0, 6, 2, 4, 1]
    assert rows[0] == {
        "row": 0,
        "text": "text 0",
        "labels": ["politics"],
        "predicted": ["sports"],
        "missed": ["politics"],
        "spurious": ["sports"],
        "patterns": ["sports instead of politics"],
    }


def test_the_evaluation_report_carries_the_pairs_the_patterns_and_marked_errors():
    task = MultiLabelClassification()
    examples = Dataset.from_dict(
        {"text": [f"text {i}" for i in range(len(ROWS))], "labels": [sorted(r[0]) for r in ROWS]}
    )
    setup = task.setup(examples, tune_thresholds=False)  # labels sorted: economy, politics, sports
    order = [LABELS.index(name) for name in setup.labels]
    logits = np.where(PREDICTED[:, order], 4.0, -4.0)

    report = task.report(setup, logits, examples, {"labels": ACTUAL[:, order].astype(np.float32)})

    assert report.pairs == label_pairs(PREDICTED[:, order], ACTUAL[:, order], setup.labels)
    assert report.pairs[0]["label"] == "politics" and report.pairs[0]["instead"] == 2
    assert report.patterns[0] == {"pattern": "sports instead of politics", "rows": 2}
    assert [row["row"] for row in report.errors] == [0, 6, 2, 4, 1]
    assert report.errors[0]["patterns"] == ["sports instead of politics"]
