"""`python -m engine export-run ID --out DIR` and `python -m engine train --config FILE.yaml`."""

import json

import pytest

from engine.training.config import TrainConfig
from engine.training.config_file import read_config, write_config
from tests.cli.conftest import run_main

SETTINGS = TrainConfig(dataset="sample:sentiment", model="scratch:tiny", epochs=2.0, batch_size=8, seed=5)


def test_export_run_writes_the_jobs_folder_and_lists_its_files(capsys, store, tmp_path):
    job = store.create(SETTINGS.to_dict())

    code, out, err = run_main(capsys, "export-run", str(job.id), "--out", str(tmp_path / "job"), "--json")

    assert code == 0, err
    payload = json.loads(out.splitlines()[-1])
    assert {"config.yaml", "train.py", "requirements.txt", "README.md"} <= set(payload["files"])
    assert read_config(tmp_path / "job" / "config.yaml") == SETTINGS
    assert len(payload["dataset_fingerprint"]) == 64


@pytest.mark.parametrize(
    ("dataset", "task", "recipe_line"),
    [
        ("sample:entities", "token-classification", "DataCollatorForTokenClassification(tokenizer)"),
        ("sample:questions", "question-answering", "return_overflowing_tokens=True"),
        ("sample:tags", "multi-label-classification", 'problem_type="multi_label_classification"'),
        ("sample:similarity", "regression", 'problem_type="regression"'),
    ],
)
def test_export_run_writes_each_tasks_own_recipe(capsys, store, tmp_path, dataset, task, recipe_line):
    job = store.create(TrainConfig(dataset=dataset, model="scratch:tiny", task=task).to_dict())

    code, out, err = run_main(capsys, "export-run", str(job.id), "--out", str(tmp_path / "job"))

    assert code == 0, err
    script = (tmp_path / "job" / "train.py").read_text()
    assert recipe_line in script and "import engine" not in script and "from engine" not in script
    assert f"'task': '{task}'" in script


def test_export_run_of_an_unknown_job_exits_2(capsys, store, tmp_path):
    code, _, err = run_main(capsys, "export-run", "404", "--out", str(tmp_path / "none"))

    assert code == 2
    assert err.startswith("error: ") and "404" in err


def test_train_reads_a_config_file_and_flags_beside_it_win(capsys, tmp_path):
    path = write_config(SETTINGS, tmp_path / "config.yaml")

    code, out, err = run_main(capsys, "train", "--config", str(path), "--epochs", "1", "--dry-run", "--json")

    assert code == 0, err
    plan = json.loads(out.splitlines()[-1])
    # 1,122 rows in batches of 8 (the file's, not the default 16) for 1 epoch (the flag's, not the file's 2).
    assert (plan["steps"], plan["evaluations"]) == (141, 1)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("dataset: sample:sentiment\nmodel: scratch:tiny\nwarmup_ratio: 0.9\n", "warmup_ratio must be in [0, 0.5]"),
        ("dataset: sample:sentiment\nmodel: scratch:tiny\nepoch: 3\n", "unknown setting 'epoch'"),
        ("dataset: sample:sentiment\n", "no model given"),
    ],
)
def test_a_bad_config_file_exits_2_naming_the_field(capsys, tmp_path, body, named):
    path = tmp_path / "config.yaml"
    path.write_text(body)

    code, out, err = run_main(capsys, "train", "--config", str(path), "--dry-run")

    assert code == 2
    assert err == f"error: {path}: {err.split(': ', 2)[2]}"
    assert named in err and "Traceback" not in err


def test_train_without_a_dataset_or_a_config_file_says_what_it_needs(capsys):
    code, _, err = run_main(capsys, "train", "--model", "scratch:tiny", "--dry-run")

    assert code == 2
    assert "--dataset and --model, or --config FILE.yaml" in err
