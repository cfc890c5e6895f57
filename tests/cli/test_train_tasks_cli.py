"""`python -m engine train --task ... --output-dir DIR` trains every task through its protocol: the task's metrics
in `metrics.json`, its setup in `task.json`, its pipeline in the model card; `--task` left out reads the task from
the data; `--column ROLE=NAME` names a role's column.

Each run trains `scratch:tiny` on a bundled sample for a fraction of an epoch at max_length 64, in this process.
"""

import json

import pytest

from engine.training.config import TASK_METRICS
from tests.cli.conftest import run_main

SAMPLES = {
    "multi-label-classification": ("tags", "text-classification"),
    "regression": ("similarity", "text-classification"),
    "token-classification": ("entities", "token-classification"),
    "question-answering": ("questions", "question-answering"),
}


@pytest.fixture
def cli_main(capsys, monkeypatch, studio_data_dir):
    """`main(ARGS)` in this process, in a fresh data directory with the Hub off: (exit code, stdout, stderr)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return lambda *args: run_main(capsys, *args)


SHORT = ("--model", "scratch:tiny", "--max-length", "64", "--epochs", "0.25", "--batch-size", "32", "--json")


@pytest.mark.slow
@pytest.mark.parametrize("task", list(SAMPLES))
def test_each_task_trains_from_the_cli_into_its_metrics_task_json_and_model_card(task, cli_main, tmp_path):
    sample, pipeline_tag = SAMPLES[task]

    code, out, err = cli_main(
        "train", "--dataset", f"sample:{sample}", "--task", task, *SHORT, "--output-dir", str(tmp_path)
    )

    assert code == 0, err[-3000:]
    model = tmp_path / "model"
    metrics = json.loads((model / "metrics.json").read_text())
    assert list(metrics) == ["loss", *TASK_METRICS[task]]
    assert json.loads(out.strip().splitlines()[-1])["metrics"] == metrics
    saved = json.loads((model / "task.json").read_text())
    assert (saved["format"], saved["setup"]["task"], saved["tokenization"]["max_length"]) == (1, task, 64)
    assert json.loads((model / "training_config.json").read_text())["task"] == task
    assert f"pipeline_tag: {pipeline_tag}" in (model / "README.md").read_text()


@pytest.mark.slow
def test_without_task_the_run_trains_the_task_its_data_suggests_and_records_it(cli_main, tmp_path):
    code, _, err = cli_main("train", "--dataset", "sample:similarity", *SHORT, "--output-dir", str(tmp_path))

    assert code == 0, err[-3000:]
    assert json.loads((tmp_path / "model" / "training_config.json").read_text())["task"] == "regression"
    assert list(json.loads((tmp_path / "model" / "metrics.json").read_text())) == ["loss", *TASK_METRICS["regression"]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--column", "words"], "error: --column takes ROLE=NAME (tokens=words, answers=answers), not 'words'"),
        (["--column", "tokens=a", "--column", "tokens=b"], "error: --column names the tokens role twice"),
        (["--column", "tokens=words"], "error: tokens column 'words' not found; columns are "),
        (["--column", "sentence=tokens"], "error: no column role sentence for this task; its roles are tags, tokens"),
        (["--metric", "rmse"], "error: metric_for_best_model must be one of precision, recall, f1, accuracy, loss"),
    ],
    ids=["not role=name", "role twice", "unknown column", "unknown role", "another task's metric"],
)
def test_wrong_task_columns_and_metrics_exit_2_naming_the_flag_or_role(options, message, cli_main):
    code, out, err = cli_main(
        "train", "--dataset", "sample:entities", "--task", "token-classification", *SHORT, "--dry-run", *options
    )

    assert (code, out) == (2, "")
    assert err.startswith(message), err
