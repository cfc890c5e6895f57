"""`python -m engine sweep | sweeps | sweep-status | sweep-stop`: a sweep started, listed and read from the command
line, its estimate with --dry-run, and every wrong option ending with exit 2 and a message naming the flag."""

import json

import pytest

from engine.jobs.actions import wait_for_job
from engine.jobs.store import COMPLETED, JobStore
from tests.cli.conftest import run_main
from tests.conftest import review_rows


@pytest.fixture
def cli_main(capsys, monkeypatch, studio_data_dir):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return lambda *args: run_main(capsys, *args)


@pytest.fixture
def reviews(tmp_path, write_csv):
    write_csv(tmp_path / "reviews" / "train.csv", review_rows(240))
    write_csv(tmp_path / "reviews" / "validation.csv", review_rows(20))
    return str(tmp_path / "reviews")


BASE = ("--model", "scratch:tiny", "--max-length", "32", "--batch-size", "16", "--epochs", "1")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--vary", "lr=1,2"), "--vary learning_rate: learning_rate must be in (0, 1), not 1.0"),
        (("--vary", "dropout=0.1,0.2"), "cannot vary 'dropout'"),
        (("--vary", "learning_rate"), "--vary takes SETTING=V1,V2 or SETTING=LOW:HIGH[:log]"),
        (("--vary", "lr=1e-4:1e-3"), "a grid needs a list of values for learning_rate"),
        (("--vary", "seed=1,2", "--trials", "3"), "--trials: trials is for random and tpe"),
        (("--vary", "lr=1e-4:1e-3", "--strategy", "tpe"), "--trials: trials must be a whole number in [1, 100]"),
        (("--vary", "seed=1,2", "--seeds", "2"), "vary seed or repeat with seeds, not both"),
        (("--vary", "seed=1,2", "--seeds", "20"), "--seeds: seeds must be a whole number in [1, 10]"),
        (("--vary", "seed=1,2", "--sweep-metric", "bleu"), "--sweep-metric: metric must be one of"),
        (("--vary", "seed=1,2", "--output-dir", "x"), "--output-dir is for train"),
        ((), "vary at least one setting, or repeat the run with seeds"),
    ],
)
def test_a_wrong_sweep_option_exits_2_naming_the_flag(options, message, cli_main, reviews):
    code, out, err = cli_main("sweep", "--dataset", reviews, *BASE, *options, "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err


def test_dry_run_estimates_how_many_runs_and_starts_nothing(cli_main, reviews):
    code, out, _ = cli_main(
        "sweep", "--dataset", reviews, *BASE, "--vary", "batch-size=8,16", "--seeds", "3", "--dry-run", "--json"
    )
    estimate = json.loads(out.splitlines()[-1])
    assert code == 0 and estimate["runs"] == 6
    assert estimate["steps"] == 3 * (240 // 8) + 3 * (240 // 16)
    assert "6 runs" in estimate["summary"] and JobStore().list() == [] and JobStore().sweep_ids() == []


def test_a_detached_sweep_prints_its_jobs_and_sweep_status_shows_the_best(cli_main, reviews):
    code, out, _ = cli_main(
        "sweep",
        "--dataset",
        reviews,
        *BASE,
        "--epochs",
        "2",
        "--vary",
        "lr=1e-6,2e-3",
        "--name",
        "cli sweep",
        "--detach",
        "--json",
    )
    started = json.loads(out.splitlines()[-1])
    assert code == 0 and started["name"] == "cli sweep" and len(started["job_ids"]) == 2
    store = JobStore()
    assert all(wait_for_job(job_id, store).status == COMPLETED for job_id in started["job_ids"])

    code, out, _ = cli_main("sweep-status", str(started["sweep_id"]), "--json")
    report = json.loads(out.splitlines()[-1])
    assert code == 0 and report["status"] == "finished" and report["counts"] == {"completed": 2}
    assert report["best"]["settings"] == {"learning_rate": 2e-3}
    assert [row["job_id"] for row in report["trials"]] == [started["job_ids"][1], started["job_ids"][0]]

    code, out, _ = cli_main("sweeps", "--json")
    listed = json.loads(out.splitlines()[-1])["sweeps"]
    assert code == 0 and [(s["sweep_id"], s["completed"], s["best"]) for s in listed] == [
        (started["sweep_id"], 2, report["best"]["value"])
    ]
    code, out, _ = cli_main("sweep-status", str(started["sweep_id"]))
    assert f"best: job {started['job_ids'][1]} f1" in out and "learning_rate=0.002" in out

    # Repeat the best run with three seeds: its own settings, nothing else to type.
    code, out, _ = cli_main("sweep", "--from-job", str(started["job_ids"][1]), "--seeds", "3", "--dry-run", "--json")
    estimate = json.loads(out.splitlines()[-1])
    assert code == 0 and estimate["runs"] == 3 and estimate["steps"] == 3 * 2 * (240 // 16)


def test_sweep_status_of_an_unknown_sweep_exits_2(cli_main):
    code, _, err = cli_main("sweep-status", "99")
    assert code == 2 and "no sweep 99" in err


def test_adding_sweep_leaves_trains_own_flags_as_they_were():
    """`sweep` redefines --detach, --dry-run and --output-dir over a parent `train`; done on the shared parent, it
    made them positionals of `train` that were always true, and every `train` only estimated."""
    from engine.cli.main import build_parser

    parser = build_parser()
    plain = parser.parse_args(["train", "--dataset", "d", "--model", "m"])
    chosen = parser.parse_args(["train", "--dataset", "d", "--model", "m", "--detach", "--output-dir", "out"])

    assert (plain.detach, plain.dry_run, plain.output_dir) == (False, False, None)
    assert (chosen.detach, chosen.dry_run, chosen.output_dir) == (True, False, "out")
    assert parser.parse_args(["sweep", "--dataset", "d", "--model", "m", "--dry-run"]).dry_run
