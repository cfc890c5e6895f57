"""`python -m engine rows|stats|search|export`: JSON on the last line, one-line errors with exit code 2."""

import json
import os
import subprocess
import sys

import pytest

from engine.common.paths import REPO_ROOT


@pytest.fixture(scope="module")
def run_cli(tmp_path_factory):
    home = tmp_path_factory.mktemp("dataset-cli")
    env = {
        **os.environ,
        "STUDIO_DATA_DIR": str(home / "studio-data"),
        "HF_HOME": str(home / "hf-home"),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "engine", *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    return run


def payload(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_rows_prints_a_page_from_an_offset(run_cli, tiny_csv_folder):
    page = payload(
        run_cli("rows", str(tiny_csv_folder), "--split", "test", "--offset", "10", "--limit", "5", "--json")
    )

    assert (page["split"], page["offset"], page["total"]) == ("test", 10, 12)
    assert len(page["rows"]) == 2 and set(page["rows"][0]) == {"text", "label"}


def test_stats_reports_labels_lengths_tokens_duplicates_and_leakage(run_cli, tiny_csv_folder):
    stats = payload(
        run_cli("stats", str(tiny_csv_folder), "--tokenizer", "scratch:tiny", "--max-length", "8", "--json")
    )

    train = stats["splits"]["train"]
    assert train["label_counts"] == {"negative": 30, "positive": 30}
    assert train["chars"]["rows"] == 60 and train["tokens"]["rows"] == 60
    assert 0 < train["truncated_share"] <= 1
    assert train["duplicates"] > 0  # review_rows repeats its texts every 30 rows
    assert stats["leakage"]["test"] == 12  # and the test rows are the first train rows again
    assert any(w.startswith("Leakage: 12 rows of test") for w in stats["warnings"])


def test_search_by_text_counts_every_match(run_cli, tiny_csv_folder):
    found = payload(
        run_cli("search", str(tiny_csv_folder), "--split", "train", "--query", "SUPERB", "--limit", "3", "--json")
    )

    assert found["total"] == found["scanned"] - 50  # "superb" is in 10 of the 60 reviews
    assert len(found["rows"]) == 3 and all("superb" in row["text"] for row in found["rows"])


def test_search_by_sql(run_cli, tiny_csv_folder):
    found = payload(
        run_cli(
            "search",
            str(tiny_csv_folder),
            "--split",
            "train",
            "--sql",
            "SELECT label, count(*) AS n FROM data GROUP BY label ORDER BY label",
            "--json",
        )
    )

    assert found["total"] == 2
    assert found["rows"] == [{"label": "negative", "n": 30}, {"label": "positive", "n": 30}]


def test_export_writes_a_file_that_loads_again(run_cli, tiny_csv_folder, tmp_path):
    target = tmp_path / "out" / "test.parquet"

    written = payload(
        run_cli(
            "export", str(tiny_csv_folder), "--split", "test", "--format", "parquet", "--output", str(target), "--json"
        )
    )

    assert written == {"output": str(target), "format": "parquet", "rows": 12}
    rows = payload(run_cli("rows", str(target), "--json"))
    assert rows["total"] == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("rows", "someone/reviews"), "error: cannot fetch dataset 'someone/reviews'"),
        (("rows", "sample:sentiment", "--split", "dev"), "error: no split 'dev'; splits are train, validation, test"),
        (("rows", "sample:sentiment", "--offset", "5000"), "error: row 5,000 is past the end"),
        (("search", "sample:sentiment", "--sql", "COPY data TO 'x.csv'"), "error: only read-only SELECT"),
        (
            ("search", "sample:sentiment", "--sql", "SELECT * FROM read_csv('/etc/passwd')"),
            "files, URLs and extensions",
        ),
        (("search", "sample:sentiment"), "error: nothing to search for"),
        (("export", "sample:sentiment", "--format", "csv", "--output", "/tmp"), "is a folder; give a file name"),
    ],
)
def test_wrong_input_is_one_line_and_exit_code_2(run_cli, args, message):
    result = run_cli(*args)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
    assert message in result.stderr
