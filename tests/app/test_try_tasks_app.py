"""The Try tab's task views through `gradio_client` against a launched app: the named endpoints `/predict_task`,
`/predict_task_file`, `/evaluate_task` and `/compare_task_split` for token classification and question answering,
and a multi-label evaluation's label confusions, on tiny models trained three steps
(tests/engine/inference/trained_tasks.py). The models predict near chance, so the checks are about what each view
holds and its ties to the input."""

import json

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from tests.app.launch import LaunchedStudio, StudioClient
from tests.engine.inference.trained_tasks import train_task_models

CONTEXT = "Tolland Brothers was founded in Mirefield in 1972 by Yara Okafor."


@pytest.fixture(scope="module")
def models(studio: LaunchedStudio) -> dict[str, str]:
    tasks = ("token-classification", "question-answering", "multi-label-classification")
    return {task: str(path) for task, path in train_task_models(studio.data_dir / "task-models", tasks).items()}


def table_rows(table: dict) -> list[dict]:
    return [dict(zip(table["headers"], row, strict=True)) for row in table["data"]]


def test_token_classification_highlights_the_entities_over_the_text_with_their_scores(client: StudioClient, models):
    text = "Ada Marlow joined Orion Labs in Port Arlen."

    summary, _, highlighted, table, result = client.predict(
        models["token-classification"], text, "", "", "", api_name="/predict_task"
    )

    assert "entities (grouped from sub-words" in summary
    assert "".join(piece["token"] for piece in highlighted) == text
    labelled = [
        (piece["token"], piece["class_or_confidence"]) for piece in highlighted if piece["class_or_confidence"]
    ]
    assert labelled == [(e["text"], e["type"]) for e in result["entities"]]
    assert [row["text"] for row in table_rows(table)] == [e["text"] for e in result["entities"]]


def test_question_answering_highlights_the_answer_in_the_context_and_lists_the_alternatives(client, models):
    summary, _, highlighted, table, result = client.predict(
        models["question-answering"], "", "", "Who founded it?", CONTEXT, api_name="/predict_task"
    )

    assert f"Answer: **{result['answer']}**" in summary
    assert [piece["token"] for piece in highlighted if piece["class_or_confidence"] == "answer"] == [result["answer"]]
    assert "".join(piece["token"] for piece in highlighted) == CONTEXT
    rows = table_rows(table)
    assert [row["answer"] for row in rows] == [result["answer"], *(a["answer"] for a in result["alternatives"])]


def test_a_question_answering_model_without_a_question_says_which_input_is_empty(client, models):
    with pytest.raises(AppError, match="question is empty; this model needs one"):
        client.predict(models["question-answering"], "some text", "", "", CONTEXT, api_name="/predict_task")


def test_evaluate_token_classification_gives_per_entity_type_scores_and_the_sentences_with_errors(client, models):
    summary, metrics, table, chart, errors, *confusions = client.predict(
        models["token-classification"], "sample:entities", "", "test", 16, api_name="/evaluate_task"
    )

    assert "(token-classification) on the **test** split of `sample:entities` (16 rows)" in summary
    assert metrics["headers"] == ["precision", "recall", "f1", "accuracy"]
    assert {row["type"] for row in table_rows(table)} >= {"PER", "LOC"}
    assert json.loads(chart["plot"])["data"][0]["type"] == "bar"
    assert all(row["missed"] or row["spurious"] for row in table_rows(errors))
    assert confusions[0] is None and all(not table["data"] for table in confusions[1:])  # multi-label's only


def test_evaluate_multi_label_names_the_label_confusions_and_marks_each_wrong_row_with_its_patterns(client, models):
    summary, _, table, _, errors, chart, pairs, patterns = client.predict(
        models["multi-label-classification"], "sample:tags", "", "test", 24, api_name="/evaluate_task"
    )

    labels = [row["label"] for row in table_rows(table)]
    figure = json.loads(chart["plot"])
    assert [trace["type"] for trace in figure["data"]] == ["heatmap", "heatmap"]
    assert figure["data"][0]["x"] == labels
    pattern_rows = table_rows(patterns)
    assert f"Most frequent confusion: **{pattern_rows[0]['pattern']}** ({pattern_rows[0]['rows']} rows)" in summary
    # every error row is marked, and the pattern table counts the marks (24 rows: every wrong row is listed)
    marks = [row["patterns"].split("; ") for row in table_rows(errors)]
    assert all(marks)
    assert {row["pattern"]: row["rows"] for row in pattern_rows} == {
        pattern: sum(pattern in row for row in marks) for row in marks for pattern in row
    }
    pair_rows = table_rows(pairs)
    assert pairs["headers"][:3] == ["A (true label)", "B", "rows with A"]
    instead = {(row["A (true label)"], row["B"]): row["B instead of A"] for row in pair_rows}
    counted = {}
    for error in table_rows(errors):
        for a in filter(None, error["missed"].split("; ")):
            for b in filter(None, error["spurious"].split("; ")):
                counted[(a, b)] = counted.get((a, b), 0) + 1
    assert {pair: n for pair, n in instead.items() if n} == counted


def test_evaluate_question_answering_puts_the_wrong_answers_beside_the_gold_ones(client, models):
    _, metrics, _, _, errors, *_ = client.predict(
        models["question-answering"], "sample:questions", "", "test", 8, api_name="/evaluate_task"
    )

    assert metrics["headers"] == ["exact_match", "f1"]
    assert {"question", "predicted", "answers", "f1"} <= set(errors["headers"])


def test_two_models_of_one_task_compared_on_one_input_say_whether_they_agree(client, models, tmp_path):
    model = models["question-answering"]

    note, answers = client.predict(model, model, "", "", "Who founded it?", CONTEXT, api_name="/compare_task_input")

    assert note.startswith("The models **agree**")
    rows = table_rows(answers)
    assert [row["model"] for row in rows] == [model, model] and rows[0]["answer"] == rows[1]["answer"]


def test_comparing_models_of_two_tasks_names_both(client, models):
    with pytest.raises(AppError, match="trained for 'question-answering' but model .* for 'token-classification'"):
        client.predict(
            models["token-classification"], models["question-answering"], "sample:entities", "", "test", 4,
            api_name="/compare_task_split",
        )  # fmt: skip


def test_a_file_of_questions_comes_back_with_the_answer_columns(client, models, tmp_path):
    source = tmp_path / "questions.jsonl"
    source.write_text(json.dumps({"question": "Who founded it?", "context": CONTEXT}) + "\n")

    _, preview = client.predict(models["question-answering"], handle_file(str(source)), api_name="/predict_task_file")

    assert preview["headers"] == ["question", "context", "answer", "answer_start", "answer_score"]
