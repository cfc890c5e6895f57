"""The Try tab's view of a multi-label evaluation's label confusions (ui.try_task_actions, ui.plots.tasks), and the
pipeline call its task note names, on a report counted by hand (tests/engine/tasks/test_multi_label_errors.py)."""

import json

import numpy as np

from engine.inference.task_evaluation import TaskEvaluation
from engine.tasks.multi_label_errors import error_patterns, label_pairs, pattern_counts
from tests.tiny_models import biased_classifier
from ui.plots.tasks import PAIR_LABELS_DRAWN, label_pairs_heatmaps
from ui.try_task_actions import PAIR_HEADERS, _label_confusions, views_for

LABELS = ["politics", "sports", "economy"]


def evaluation(task: str = "multi-label-classification") -> TaskEvaluation:
    # Rows: sports instead of politics (twice), sports added to politics, economy dropped beside politics, right.
    actual = np.array([[1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 1], [0, 1, 0]], dtype=bool)
    predicted = np.array([[0, 1, 0], [0, 1, 0], [1, 1, 0], [1, 0, 0], [0, 1, 0]], dtype=bool)
    return TaskEvaluation(
        model="job:1",
        dataset="sample:tags",
        split="test",
        task=task,
        rows=5,
        metrics={"f1_micro": 0.5},
        table=[{"label": name, "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 1} for name in LABELS],
        errors=[],
        pairs=label_pairs(predicted, actual, LABELS),
        patterns=pattern_counts(error_patterns(predicted, actual, LABELS)),
    )


def test_a_multi_label_evaluation_shows_its_label_pairs_heatmaps_table_and_patterns():
    note, chart, table, patterns = _label_confusions(evaluation())

    assert note == " Most frequent confusion: **sports instead of politics** (2 rows)."
    assert [trace.type for trace in chart.data] == ["heatmap", "heatmap"]
    assert list(table.columns) == list(PAIR_HEADERS.values())
    first = table.iloc[0]
    assert (first["A (true label)"], first["B"], first["B instead of A"], first["B added to A"]) == (
        "politics", "sports", 2, 1
    )  # fmt: skip
    assert first["B wrongly, share of A's rows"] == 0.75  # sports wrongly on 3 of politics' 4 rows
    assert patterns.iloc[0].tolist() == ["sports instead of politics", 2]


def test_the_heatmaps_put_b_instead_of_a_left_and_predicted_minus_true_together_right():
    figure = json.loads(label_pairs_heatmaps(evaluation().pairs, LABELS).to_json())
    instead, gap = figure["data"]

    assert instead["x"] == instead["y"] == LABELS
    assert instead["z"][0][1] == 2  # politics missed, sports predicted instead: twice
    assert sum(map(sum, instead["z"])) == 2
    # politics and sports: never true together, predicted together once (row 2); politics and economy: the reverse
    assert gap["z"][0][1] == gap["z"][1][0] == 1
    assert gap["z"][0][2] == gap["z"][2][0] == -1
    assert "true together 0, predicted together 1" in gap["text"][0][1]


def test_with_many_labels_the_heatmaps_draw_those_in_most_mistakes():
    labels = [f"label{i}" for i in range(PAIR_LABELS_DRAWN + 5)]
    pairs = [
        {"label": "label34", "other": "label33", "instead": 3, "added": 0, "dropped": 0}
        | {"gold_together": 0, "predicted_together": 0}
    ]

    figure = json.loads(label_pairs_heatmaps(pairs, labels).to_json())

    drawn = figure["data"][0]["x"]
    assert len(drawn) == PAIR_LABELS_DRAWN and {"label33", "label34"} <= set(drawn)
    assert drawn == sorted(drawn, key=labels.index)  # the table's order is kept


def test_a_split_without_pairs_says_so_instead_of_drawing_empty_axes():
    figure = json.loads(label_pairs_heatmaps([], LABELS).to_json())

    assert "No label pairs" in figure["layout"]["annotations"][-1]["text"]


def test_the_label_confusions_show_for_a_multi_label_model_only(tmp_path):
    assert _label_confusions(evaluation("regression")) == ("", None, None, None)
    folder = biased_classifier(tmp_path / "model", ["a", "b"], favour=0)
    # The last of the views `views_for` sets, when the model changes and when a page opens.
    assert views_for(str(folder))[-1] == {"__type__": "update", "visible": False}  # no task.json
    setup = {"task": "multi-label-classification", "columns": {}, "labels": [], "options": {}}
    (folder / "task.json").write_text(json.dumps({"format": 1, "setup": setup}))
    assert views_for(str(folder))[-1]["visible"] is True


def test_the_task_note_names_the_transformers_pipeline_call_of_the_model(tmp_path):
    folder = biased_classifier(tmp_path / "model", ["a", "b"], favour=0)
    for task, call in [
        ("multi-label-classification", "(text, top_k=None, function_to_apply='sigmoid')"),
        ("regression", "(text, top_k=None, function_to_apply='none')"),
        ("token-classification", "(text, aggregation_strategy='first')"),
        ("question-answering", None),
    ]:
        setup = {"task": task, "columns": {}, "labels": [], "options": {}}
        (folder / "task.json").write_text(json.dumps({"format": 1, "setup": setup}))

        note, *_ = views_for(str(folder))

        assert (call in note) if call else "Through transformers" not in note

    setup = {"task": "regression", "columns": {"text": "s1", "text_pair": "s2"}, "labels": [], "options": {}}
    (folder / "task.json").write_text(json.dumps({"format": 1, "setup": setup}))
    note, *_ = views_for(str(folder))
    assert '({"text": text, "text_pair": text_pair}, top_k=None, function_to_apply=\'none\')' in note
