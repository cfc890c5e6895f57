"""engine.inference.task_evaluation and task_file: each task's evaluation report, a comparison of two models of one
task, and a whole file predicted, from tiny models trained three steps (tests/engine/inference/trained_tasks.py).

The models predict near chance, so the checks are about shapes, ties to the data and agreement with the task's own
scoring, never about quality.
"""

import json
import shutil

import pandas as pd
import pytest

from engine.common.errors import NotFoundError, StudioError
from engine.datasets.sources import load_raw
from engine.inference.model_task import task_of
from engine.inference.task_evaluation import TaskEvaluationRequest, compare_task_inputs, compare_tasks, evaluate_task
from engine.inference.task_file import TaskFilePrediction, predict_task_file
from engine.inference.task_models import model_outputs, task_model
from engine.tasks.registry import get_task
from tests.engine.inference.trained_tasks import SAMPLES
from tests.tiny_models import biased_classifier


def rounded(value):
    """Every float in nested lists and dicts to 4 decimals."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def request(name: str, models, **changes) -> TaskEvaluationRequest:
    fields = {"model": str(models[name]), "dataset": f"sample:{SAMPLES[name]}", "split": "test", "limit": 24}
    return TaskEvaluationRequest(**(fields | changes))


@pytest.mark.parametrize("task", list(SAMPLES))
def test_an_evaluation_reports_the_metrics_training_reports_for_each_task(task, task_models):
    evaluation = evaluate_task(request(task, task_models))

    assert evaluation.task == task and evaluation.rows == 24 and len(evaluation.predictions) == 24
    assert list(evaluation.metrics) == list(get_task(task).metric_names)


@pytest.mark.parametrize("task", ["token-classification", "question-answering"])
def test_outputs_in_batches_of_different_lengths_give_the_predictions_of_one_batch(task, task_models):
    model = task_model(str(task_models[task]))
    examples = load_raw(f"sample:{SAMPLES[task]}")["test"].select(range(12))
    features = model.task.preprocess(examples, model.tokenizer, model.setup, model.tokenization)

    one_by_one = model.task.postprocess(model.setup, model_outputs(model, features, batch_size=1), examples, features)
    all_at_once = model.task.postprocess(
        model.setup, model_outputs(model, features, batch_size=64), examples, features
    )

    # Padding changes the arithmetic's order, not the answer: the same spans and tags, scores to float precision.
    assert rounded(one_by_one) == rounded(all_at_once)


def test_multi_label_evaluation_lists_each_labels_scores_and_the_label_sets_it_got_wrong(task_models):
    evaluation = evaluate_task(request("multi-label-classification", task_models))

    labels = task_model(str(task_models["multi-label-classification"])).setup.labels
    assert [row["label"] for row in evaluation.table] == list(labels)
    assert all({"precision", "recall", "f1", "support", "threshold"} <= set(row) for row in evaluation.table)
    for error in evaluation.errors:
        assert set(error["missed"]) == set(error["labels"]) - set(error["predicted"])
        assert set(error["spurious"]) == set(error["predicted"]) - set(error["labels"])


def test_regression_evaluation_holds_every_rows_predicted_and_true_value_and_the_worst_errors_first(task_models):
    evaluation = evaluate_task(request("regression", task_models))

    truth = load_raw("sample:similarity")["test"]["score"][:24]
    assert [point["target"] for point in evaluation.points] == pytest.approx(truth)
    assert all(p["residual"] == pytest.approx(p["predicted"] - p["target"]) for p in evaluation.points)
    sizes = [abs(error["error"]) for error in evaluation.errors]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == pytest.approx(
        max(abs(p["residual"]) for p in evaluation.points)
    )


def test_token_classification_evaluation_scores_each_entity_type_and_lists_missed_or_spurious_entities(task_models):
    evaluation = evaluate_task(request("token-classification", task_models))

    assert {row["type"] for row in evaluation.table} >= {"PER", "ORG", "LOC"}
    assert evaluation.errors and all(error["missed"] or error["spurious"] for error in evaluation.errors)


def test_question_answering_evaluation_puts_the_wrong_answers_beside_the_gold_ones(task_models):
    evaluation = evaluate_task(request("question-answering", task_models))

    golds = load_raw("sample:questions")["test"]["answers"][:24]
    for error in evaluation.errors:
        assert error["answers"] == golds[error["row"]]["text"] and error["predicted"] not in error["answers"]


def test_a_task_that_is_not_the_models_is_refused_naming_both(task_models):
    with pytest.raises(StudioError, match="task is 'regression' but model .* was trained for 'token-classification'"):
        evaluate_task(request("token-classification", task_models, task="regression"))
    with pytest.raises(StudioError, match="unknown task 'ner'"):
        evaluate_task(request("token-classification", task_models, task="ner"))


def test_a_split_without_the_models_columns_is_refused_naming_them(task_models):
    with pytest.raises(NotFoundError, match="has no column 'answers', 'context', 'question', which the model"):
        evaluate_task(request("question-answering", task_models, dataset="sample:entities"))


def test_a_model_without_task_json_has_no_task_and_is_refused_by_the_task_views(tmp_path, task_models):
    classifier = biased_classifier(tmp_path / "classifier", ["a", "b"], favour=0)

    assert task_of(str(classifier)) is None and task_of("scratch:tiny") is None
    assert task_of(str(task_models["regression"])) == "regression"
    with pytest.raises(StudioError, match="carries no task.json"):
        evaluate_task(TaskEvaluationRequest(str(classifier), "sample:sentiment"))


def test_two_copies_of_one_model_agree_on_every_row(tmp_path, task_models):
    copy = shutil.copytree(task_models["token-classification"], tmp_path / "copy")

    comparison = compare_tasks(request("token-classification", task_models), str(copy))

    assert comparison.disagreement_count == 0 and comparison.first.metrics == comparison.second.metrics
    assert [row["metric"] for row in comparison.metrics_table()] == ["precision", "recall", "f1", "accuracy"]


def test_models_of_two_tasks_are_not_compared_and_the_message_names_both(task_models):
    with pytest.raises(
        StudioError, match="second model .* was trained for 'regression' but model .* for 'multi-label"
    ):
        compare_tasks(request("multi-label-classification", task_models), str(task_models["regression"]))
    with pytest.raises(StudioError, match="trained for 'question-answering' but model .* for 'token-classification'"):
        compare_task_inputs(str(task_models["token-classification"]), str(task_models["question-answering"]), text="x")


def test_different_models_of_one_task_list_the_rows_where_their_answers_differ(task_models, tmp_path):
    # The same weights with every threshold at 0 and at 1: the first predicts every label, the second none.
    low, high = (shutil.copytree(task_models["multi-label-classification"], tmp_path / name) for name in ("lo", "hi"))
    for folder, threshold in ((low, 0.0), (high, 1.0)):
        saved = json.loads((folder / "task.json").read_text())
        saved["setup"]["options"]["thresholds"] = [threshold] * len(saved["setup"]["labels"])
        (folder / "task.json").write_text(json.dumps(saved))

    comparison = compare_tasks(request("multi-label-classification", {"multi-label-classification": low}), str(high))

    assert comparison.disagreement_count == 24
    assert {row[str(high)] for row in comparison.disagreements} == {"(none)"}


def test_a_file_gets_each_tasks_output_columns_beside_its_inputs(task_models, tmp_path):
    questions = pd.DataFrame(
        {"question": ["Who founded it?"], "context": ["Tolland Brothers was founded in Mirefield by Yara Okafor."]}
    )
    questions.to_csv(tmp_path / "questions.csv", index=False)
    sentences = pd.DataFrame(
        {"tokens": [["Ada", "Marlow", "joined", "Orion", "Labs", "."], "Ada went to Port Arlen."]}
    )
    sentences.to_json(tmp_path / "sentences.jsonl", orient="records", lines=True)

    answers = predict_task_file(
        TaskFilePrediction(tmp_path / "questions.csv", tmp_path / "out" / "answers.csv"),
        str(task_models["question-answering"]),
    )
    tagged = predict_task_file(
        TaskFilePrediction(tmp_path / "sentences.jsonl", tmp_path / "tagged.jsonl", batch_size=1),
        str(task_models["token-classification"]),
        task="token-classification",
    )

    start = answers["answer_start"][0]
    assert questions["context"][0][start : start + len(answers["answer"][0])] == answers["answer"][0]
    assert list(pd.read_csv(tmp_path / "out" / "answers.csv").columns) == [
        "question",
        "context",
        "answer",
        "answer_start",
        "answer_score",
    ]
    assert [len(tags.split()) for tags in tagged["predicted_tags"]] == [6, 6]
    assert all(isinstance(json.loads(entities), list) for entities in tagged["entities"])


def test_a_multi_label_file_gets_one_probability_column_per_label_in_the_models_order(task_models, tmp_path):
    pd.DataFrame({"text": ["Rain and wind on the coast", "Shares rise"]}).to_csv(tmp_path / "t.csv", index=False)
    model = str(task_models["multi-label-classification"])

    table = predict_task_file(TaskFilePrediction(tmp_path / "t.csv", tmp_path / "o.csv"), model)

    labels = task_model(model).setup.labels
    assert list(table.columns) == ["text", "predicted_labels", *(f"prob_{label}" for label in labels)]


def test_a_file_missing_the_models_column_or_with_an_empty_input_is_refused_naming_the_row(task_models, tmp_path):
    pd.DataFrame({"sentence": ["a"]}).to_csv(tmp_path / "wrong.csv", index=False)
    pd.DataFrame({"question": ["Who?", " "], "context": ["Ada did.", "Ada did."]}).to_csv(
        tmp_path / "gap.csv", index=False
    )
    model = str(task_models["question-answering"])

    with pytest.raises(NotFoundError, match="wrong.csv has no column 'question', 'context'"):
        predict_task_file(TaskFilePrediction(tmp_path / "wrong.csv", tmp_path / "o.csv"), model)
    with pytest.raises(StudioError, match="row 2: question is empty"):
        predict_task_file(TaskFilePrediction(tmp_path / "gap.csv", tmp_path / "o.csv"), model)
    with pytest.raises(StudioError, match="task is 'regression' but model"):
        predict_task_file(TaskFilePrediction(tmp_path / "gap.csv", tmp_path / "o.csv"), model, task="regression")
