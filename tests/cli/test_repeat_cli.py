"""`python -m engine repeat ID --seeds N`: a finished run repeated with seeds, followed to its end with the mean ±
spread, its runs compared with the run they repeat; every wrong request ending with exit 2 and a message naming the
flag or the job."""

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
    write_csv(tmp_path / "reviews" / "train.csv", review_rows(120))
    write_csv(tmp_path / "reviews" / "validation.csv", review_rows(20))
    return str(tmp_path / "reviews")


BASE = ("--model", "scratch:tiny", "--max-length", "32", "--batch-size", "16", "--epochs", "1", "--lr", "2e-3")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("1", "--seeds", "1"), "--seeds: seeds must be a whole number in [2, 10], not 1"),
        (("1", "--seeds", "11"), "--seeds: seeds must be a whole number in [2, 10], not 11"),
        (("99", "--seeds", "3"), "no training job 99"),
    ],
)
def test_a_wrong_repeat_exits_2_naming_what_is_wrong(arguments, message, cli_main):
    code, out, err = cli_main("repeat", *arguments, "--json")
    assert code == 2 and out == "" and err == f"error: {message}\n"
    assert JobStore().sweep_ids() == []


@pytest.mark.parametrize(("arguments", "message"), [(("1",), "--seeds"), (("1", "--seeds", "x"), "--seeds")])
def test_a_missing_or_unreadable_seeds_flag_exits_2_naming_it(arguments, message, cli_main, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main("repeat", *arguments)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_a_run_repeated_with_seeds_reports_its_mean_and_spread_and_compares_with_its_repeats(cli_main, reviews):
    code, out, _ = cli_main(
        "train", "--dataset", reviews, *BASE, "--seed", "5", "--name", "base", "--detach", "--json"
    )
    base_id = json.loads(out.splitlines()[-1])["job_id"]
    assert code == 0 and wait_for_job(base_id, JobStore()).status == COMPLETED

    code, out, _ = cli_main("repeat", str(base_id), "--seeds", "2", "--json")  # follows the sweep to its end
    report = json.loads(out.splitlines()[-1])
    assert code == 0 and report["name"] == "base × 2 seeds" and report["counts"] == {"completed": 2}
    assert sorted(row["settings"]["seed"] for row in report["trials"]) == [5, 6]
    assert report["importance"] == {} and report["breakdown"] == {}  # the seed is no setting to rank
    [spread] = report["seeds"]
    values = [row["value"] for row in report["trials"]]
    assert spread["settings"] == {} and spread["runs"] == 2
    assert spread["mean"] == pytest.approx(sum(values) / 2) and (spread["low"], spread["high"]) == (
        min(values),
        max(values),
    )

    # The repeats and the run itself differ only by seed: the comparison measures the spread on all three.
    code, out, _ = cli_main("compare", str(base_id), "--sweep", str(report["sweep_id"]), "--json")
    compared = json.loads(out.splitlines()[-1])
    repeat_ids = [row["job_id"] for row in report["trials"]]
    assert code == 0 and sorted(compared["seed_spread_runs"]) == sorted([base_id, *repeat_ids])
    assert "differ from it only by their seed" in compared["verdict"]
