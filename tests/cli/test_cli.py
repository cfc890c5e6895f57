"""`python -m engine`: the app's capabilities from a shell, with JSON on the last line and one-line errors.

The train test runs the real thing (an `accelerate launch` child training `scratch:tiny` on a tiny CSV folder)
once per module; the other tests reuse its job. Each test runs the CLI as a subprocess from the repo root,
with its own data dir and Hugging Face home, and the Hub switched off.
"""

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.common.paths import REPO_ROOT
from tests.cli.conftest import run_main


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of every CLI run: nothing lands in the repo and nothing reaches the network."""
    home = tmp_path_factory.mktemp("cli")
    return {
        **os.environ,
        "STUDIO_DATA_DIR": str(home / "studio-data"),
        "HF_HOME": str(home / "hf-home"),  # no cached Hub models, no user accelerate config
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


@pytest.fixture(scope="module")
def run_cli(cli_env):
    """Return a function running `python -m engine ARGS...` and returning the finished process."""

    def run(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "engine", *args],
            cwd=REPO_ROOT,
            env={**cli_env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


def last_json_line(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout.strip(), f"no output; stderr:\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(run_cli, tiny_csv_folder) -> dict:
    """The JSON summary of one `train --json` run of scratch:tiny for 2 epochs."""
    result = run_cli(
        "train", "--dataset", str(tiny_csv_folder), "--model", "scratch:tiny", "--epochs", "2", "--json", timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return last_json_line(result)


def test_train_completes_and_reports_accuracy_and_f1(trained, cli_env):
    assert trained["status"] == "completed"
    assert isinstance(trained["job_id"], int)
    assert 0 <= trained["metrics"]["accuracy"] <= 1
    assert 0 <= trained["metrics"]["f1"] <= 1
    assert trained["error"] is None
    assert Path(trained["output_dir"]).is_relative_to(cli_env["STUDIO_DATA_DIR"])


def test_train_saves_a_model_folder_with_a_model_card(trained):
    model_dir = Path(trained["output_dir"])

    assert (model_dir / "config.json").is_file()
    assert (model_dir / "tokenizer.json").is_file()
    assert "Labels: negative, positive" in (model_dir / "README.md").read_text()


def test_predict_with_a_finished_job_gives_a_label_and_probabilities_summing_to_1(trained, run_cli):
    result = run_cli("predict", "--model", f"job:{trained['job_id']}", "a lovely film, truly superb", "--json")

    assert result.returncode == 0, result.stderr[-3000:]
    prediction = last_json_line(result)
    assert set(prediction["scores"]) == {"negative", "positive"}
    assert sum(prediction["scores"].values()) == pytest.approx(1, abs=1e-4)
    assert prediction["label"] == max(prediction["scores"], key=prediction["scores"].get)


def test_jobs_lists_the_finished_job_with_its_metrics(trained, run_cli):
    result = run_cli("jobs", "--json")

    assert result.returncode == 0, result.stderr[-3000:]
    jobs = {job["id"]: job for job in last_json_line(result)["jobs"]}
    job = jobs[trained["job_id"]]
    assert job["status"] == "completed"
    assert job["metrics"] == trained["metrics"]
    assert job["config"]["model"] == "scratch:tiny"


def test_a_jobs_reproduce_command_trains_it_again_to_the_same_metrics_on_a_fresh_data_directory(
    trained, run_cli, tmp_path
):
    shown = last_json_line(run_cli("job", str(trained["job_id"]), "--json"))
    words = shlex.split(shown["reproduce"])
    assert words[:4] == ["python", "-m", "engine", "train"] and "job:" not in shown["reproduce"]
    output = tmp_path / "again"
    words[words.index("--output-dir") + 1] = str(output)

    # Another machine, as far as the studio can tell: its own data directory, no job database, no scratch cache.
    result = run_cli(*words[3:], "--json", timeout=600, STUDIO_DATA_DIR=str(tmp_path / "elsewhere"))

    assert result.returncode == 0, result.stderr[-3000:]
    assert last_json_line(result)["metrics"] == pytest.approx(trained["metrics"], abs=1e-6)
    assert json.loads((output / "model" / "metrics.json").read_text()) == pytest.approx(trained["metrics"], abs=1e-6)
    assert not (tmp_path / "elsewhere" / "studio.sqlite3").exists()


def test_wrong_input_exits_2_with_a_single_error_line_and_no_traceback(run_cli, tiny_csv_folder):
    result = run_cli(
        "train", "--dataset", str(tiny_csv_folder), "--model", "scratch:tiny", "--label-column", "sentiment"
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: label column 'sentiment' not found; columns are text, label"]
    assert result.stdout == ""


def test_a_hub_dataset_with_the_hub_off_fails_fast_naming_hf_hub_offline(run_cli):
    started = time.monotonic()

    result = run_cli("data", "someone/reviews", "--json", HF_HUB_OFFLINE="1")

    assert time.monotonic() - started < 10
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot fetch dataset 'someone/reviews'")
    assert "no local file or folder of that name" in result.stderr
    assert "HF_HUB_OFFLINE is set" in result.stderr
    assert "sample:topics" in result.stderr  # says what works offline
    assert "Traceback" not in result.stderr


# The same `main()` in this process: the error matrix and quick commands, without paying for a new interpreter.


@pytest.fixture
def cli_main(capsys, monkeypatch, cli_env):
    """Return a function running `main(ARGS)` here, in the CLI tests' data dir, as (exit code, stdout, stderr)."""
    monkeypatch.setenv("STUDIO_DATA_DIR", cli_env["STUDIO_DATA_DIR"])
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    return lambda *args: run_main(capsys, *args)


@pytest.fixture
def one_class_csv(tmp_path, write_csv) -> Path:
    return write_csv(tmp_path / "spam.csv", {"text": [f"offer {i}" for i in range(12)], "label": ["spam"] * 12})


@pytest.mark.parametrize(
    ("dataset", "model", "options", "message"),
    [
        ("reviews", "scratch:tiny", ["--label-column", "sentiment"], "error: label column 'sentiment' not found; "),
        ("one class", "scratch:tiny", [], "error: label column 'label' has a single class ('spam')"),
        ("missing", "scratch:tiny", [], "error: no such file or folder: "),
        ("reviews", "scratch:huge", [], "error: unknown scratch model 'scratch:huge'; use scratch:tiny"),
    ],
    ids=["unknown column", "one-class labels", "missing file", "unknown scratch size"],
)
def test_train_rejects_wrong_input_with_exit_2_and_one_error_line(
    dataset, model, options, message, cli_main, tiny_csv_folder, one_class_csv, tmp_path
):
    sources = {"reviews": tiny_csv_folder, "one class": one_class_csv, "missing": tmp_path / "missing.csv"}

    code, out, err = cli_main("train", "--dataset", str(sources[dataset]), "--model", model, *options, "--json")

    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith(message)
    assert out == ""


def test_predict_with_an_unknown_job_exits_2_naming_it(cli_main):
    code, out, err = cli_main("predict", "--model", "job:999", "hello", "--json")

    assert (code, out) == (2, "") and err.startswith("error: no training job 999 here: the model folder of job 999")


def test_tokenize_with_a_jobs_tokenizer_marks_the_pair(trained, cli_main):
    code, out, _ = cli_main(
        "tokenize", "a lovely film", "--pair", "truly superb", "--tokenizer", f"job:{trained['job_id']}", "--json"
    )

    assert code == 0
    (view,) = json.loads(out.splitlines()[-1])["sequences"]
    assert view["tokens"][0] == "[CLS]" and view["tokens"][-1] == "[SEP]"
    assert view["token_type_ids"][0] == 0 and view["token_type_ids"][-1] == 1


def test_data_describes_a_csv_folder(cli_main, tiny_csv_folder):
    code, out, _ = cli_main("data", str(tiny_csv_folder), "--json")

    assert code == 0
    summary = json.loads(out.splitlines()[-1])
    assert summary["splits"] == {"train": 60, "test": 12}
    assert summary["label_names"] == ["negative", "positive"]


@pytest.fixture(scope="module")
def own_bert_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's own BERT-style encoder: `BertModel` and a classic `vocab.txt` tokenizer, saved with save_pretrained."""
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = tmp_path_factory.mktemp("own-bert")
    words = "the a was is and but not film food service great awful slow fast cold warm lovely boring".split()
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    BertTokenizer(vocab_file=str(vocab)).save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(words) + 5, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64
    )
    BertModel(config).save_pretrained(folder)
    return folder


def test_an_own_model_folder_fine_tunes_on_a_csv_folder_like_the_bundled_data(
    run_cli, own_bert_folder, pair_csv_folder
):
    result = run_cli(
        "train", "--dataset", str(pair_csv_folder), "--model", str(own_bert_folder), "--epochs", "1", "--json",
        timeout=600,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-3000:]
    summary = last_json_line(result)
    assert summary["status"] == "completed"
    assert set(summary["metrics"]) >= {"accuracy", "f1"}
    saved = Path(summary["output_dir"])
    assert json.loads((saved / "config.json").read_text())["architectures"] == ["BertForSequenceClassification"]
    prediction = last_json_line(
        run_cli("predict", "--model", str(saved), "the food was cold", "--pair", "service was slow", "--json")
    )
    assert abs(sum(prediction["scores"].values()) - 1) < 1e-4


def test_detach_returns_at_once_and_the_job_commands_follow_stop_and_delete_it(run_cli, tiny_csv_folder):
    started = time.monotonic()
    detached = run_cli(
        "train", "--dataset", str(tiny_csv_folder), "--model", "scratch:tiny", "--epochs", "200", "--batch-size", "4",
        "--name", "long run", "--detach", "--json",
    )  # fmt: skip
    assert detached.returncode == 0, detached.stderr[-3000:]
    job_id = last_json_line(detached)["job_id"]
    assert time.monotonic() - started < 60  # the checks and the launch, not the training

    deadline = time.monotonic() + 240
    while (shown := last_json_line(run_cli("job", str(job_id), "--json")))["step"] == 0:
        assert shown["status"] in ("queued", "running") and time.monotonic() < deadline, shown
        time.sleep(1)
    assert shown["name"] == "long run" and shown["pid"] and "engine.jobs.worker" in shown["command"]

    stopped = run_cli("stop", str(job_id), "--json", timeout=180)
    assert stopped.returncode == 0, stopped.stderr
    assert last_json_line(stopped)["status"] == "cancelled"
    resumable = last_json_line(run_cli("job", str(job_id), "--json"))
    assert resumable["error_category"] == "stopped"

    deleted = run_cli("delete", str(job_id), "--json")
    assert last_json_line(deleted) == {"deleted": job_id}
    gone = run_cli("job", str(job_id))
    assert gone.returncode == 2 and gone.stderr.strip() == f"error: no training job {job_id}"


def test_stopping_a_finished_job_is_refused_with_exit_2(run_cli, trained):
    result = run_cli("stop", str(trained["job_id"]))

    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"error: job {trained['job_id']} is completed; only a queued or running job can be stopped"
    )


def test_dry_run_checks_and_estimates_without_starting_a_job(cli_main, tiny_csv_folder):
    jobs_before = json.loads(cli_main("jobs", "--json")[1].strip().splitlines()[-1])["jobs"]

    code, out, _ = cli_main("train", "--dataset", str(tiny_csv_folder), "--model", "scratch:tiny", "--epochs", "2",
                            "--batch-size", "6", "--dry-run", "--json")  # fmt: skip

    assert code == 0
    plan = json.loads(out.strip().splitlines()[-1])
    assert plan["steps"] == 2 * 9 and plan["evaluations"] == 2 and plan["device"] == "cpu"
    assert plan["summary"].startswith("Trains on the CPU")
    assert json.loads(cli_main("jobs", "--json")[1].strip().splitlines()[-1])["jobs"] == jobs_before
