"""`python -m engine predict` and `evaluate` for models of every task, with `--task` checked against the model's
task.json, run in this process on tiny models trained three steps (tests/engine/inference/trained_tasks.py)."""

import json
from pathlib import Path

import pytest

from tests.cli.conftest import run_main
from tests.engine.inference.trained_tasks import train_task_models

CONTEXT = "Tolland Brothers was founded in Mirefield in 1972 by Yara Okafor."


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tasks = ("multi-label-classification", "regression", "token-classification", "question-answering")
    return {
        task: str(folder) for task, folder in train_task_models(tmp_path_factory.mktemp("cli-tasks"), tasks).items()
    }


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run `main(ARGS)`, offline; return (exit code, stdout, stderr)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return lambda *args: run_main(capsys, *args)


def last_json(out: str) -> dict:
    return json.loads(out.splitlines()[-1])


def test_question_answering_takes_a_question_and_a_context_and_prints_the_answer_and_alternatives(cli, models):
    model = models["question-answering"]
    code, out, err = cli(
        "predict", "--model", model, "--task", "question-answering", "--question", "Who?", "--context", CONTEXT
    )
    assert code == 0, err
    assert out.startswith("answer: '") and "  or '" in out

    code, out, _ = cli("predict", "--model", model, "--question", "Who founded it?", "--context", CONTEXT, "--json")
    result = last_json(out)["result"]
    assert CONTEXT[result["start"] : result["end"]] == result["answer"] and result["alternatives"]


def test_token_classification_prints_each_entity_with_its_characters_and_score(cli, models):
    text = "Ada Marlow joined Orion Labs in Port Arlen."
    code, out, err = cli("predict", text, "--model", models["token-classification"], "--json")

    assert code == 0, err
    result = last_json(out)
    assert result["task"] == "token-classification"
    assert all(text[e["start"] : e["end"]] == e["text"] for e in result["result"]["entities"])
    code, out, _ = cli("predict", text, "--model", models["token-classification"])
    assert out.splitlines()[0] == f"{len(result['result']['entities'])} entities"


def test_multi_label_marks_the_labels_over_their_thresholds_and_regression_prints_its_training_range(cli, models):
    code, out, _ = cli("predict", "Storm closes the stadium", "--model", models["multi-label-classification"])
    assert code == 0 and out.startswith("labels: ") and "(threshold " in out

    code, out, _ = cli(
        "predict", "A man cuts bread.", "--pair", "A man slices bread.", "--model", models["regression"]
    )
    assert code == 0 and "(trained on 0 to 5" in out


def test_a_task_that_is_not_the_models_exits_2_naming_both(cli, models):
    code, _, err = cli("predict", "x", "--model", models["regression"], "--task", "token-classification")
    assert code == 2
    assert f"task is 'token-classification' but model '{models['regression']}' was trained for 'regression'" in err

    code, _, err = cli(
        "evaluate", "--model", models["regression"], "--task", "question-answering", "--dataset", "sample:similarity"
    )
    assert code == 2 and "was trained for 'regression'" in err


def test_inputs_of_another_task_exit_2_saying_what_the_model_takes(cli, models):
    code, _, err = cli("predict", "a text", "--model", models["question-answering"])
    assert code == 2 and "takes --question and --context, not a TEXT" in err
    code, _, err = cli("predict", "--model", models["token-classification"], "--question", "Who?")
    assert code == 2 and "--question and --context are for question answering" in err


def test_evaluate_prints_the_per_entity_type_table_and_json_holds_the_whole_report(cli, models):
    arguments = [
        "evaluate",
        "--model",
        models["token-classification"],
        "--dataset",
        "sample:entities",
        "--limit",
        "20",
    ]
    code, out, err = cli(*arguments)
    assert code == 0, err
    assert "(token-classification) on sample:entities [test], 20 rows: precision" in out
    assert any(line.strip().startswith("PER ") and "support" in line for line in out.splitlines())

    code, out, _ = cli(*arguments, "--task", "token-classification", "--json")
    report = last_json(out)
    assert report["rows"] == 20 and set(report["metrics"]) == {"precision", "recall", "f1", "accuracy"}
    assert {row["type"] for row in report["table"]} >= {"PER", "LOC"}


def test_evaluate_question_answering_reports_em_f1_and_the_wrong_answers_beside_the_gold_ones(cli, models):
    code, out, err = cli(
        "evaluate", "--model", models["question-answering"], "--dataset", "sample:questions", "--limit", "10", "--json"
    )
    assert code == 0, err
    report = last_json(out)
    assert set(report["metrics"]) == {"exact_match", "f1"}
    assert all({"question", "predicted", "answers"} <= set(error) for error in report["errors"])


def test_a_file_of_questions_gets_the_answer_columns(cli, models, tmp_path: Path):
    source = tmp_path / "questions.jsonl"
    source.write_text(json.dumps({"question": "Who founded it?", "context": CONTEXT}) + "\n")
    output = tmp_path / "answers.csv"

    code, out, err = cli(
        "predict", "--model", models["question-answering"], "--file", str(source), "--output", str(output), "--json"
    )

    assert code == 0, err
    assert last_json(out)["columns"] == ["question", "context", "answer", "answer_start", "answer_score"]
    assert output.read_text().splitlines()[0] == "question,context,answer,answer_start,answer_score"
    code, _, err = cli(
        "predict", "--model", models["question-answering"], "--file", str(source), "--output", str(output),
        "--text-column", "question",
    )  # fmt: skip
    assert code == 2 and "--text-column: a question-answering model reads the columns it was trained on" in err
