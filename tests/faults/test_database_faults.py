"""A job database that cannot be opened (damaged header, not a database): `python app.py` still starts and serves
everything that does not need jobs, says what is wrong and how to recover; the CLI exits 2 with one line."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from gradio_client.exceptions import AppError

from tests.app.launch import StudioClient, app_py_environment, serve_app_py
from tests.app.tokenizer_client import tokenize

GARBAGE = b"this is not a database, whatever its name says\n" * 100


@pytest.fixture
def damaged_data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "studio-data"
    folder.mkdir()
    (folder / "studio.sqlite3").write_bytes(GARBAGE)
    return folder


def test_the_server_starts_on_a_damaged_database_serves_the_other_tabs_and_says_how_to_recover(
    damaged_data_dir, tmp_path
):
    with serve_app_py(app_py_environment(damaged_data_dir), tmp_path / "server.log") as served:
        client = StudioClient(served.url)
        summary, *_ = client.predict("sample:sentiment", "", api_name="/load_dataset")
        view = tokenize(client)
        with pytest.raises(AppError) as refused:
            client.predict(1, api_name="/job_status")
        with urllib.request.urlopen(served.url + "/config") as response:
            page = json.dumps(json.load(response))
        assert "Training is unavailable until the job database is fixed" in page  # the Train tab says it up front
        assert client.predict("sample:topics", "", api_name="/load_dataset")  # still serving after the refusal

    assert "train" in str(summary) and view.spans
    assert "job database" in str(refused.value) and "move it aside" in str(refused.value)
    assert (damaged_data_dir / "studio.sqlite3").read_bytes() == GARBAGE  # nothing still readable is touched


def test_the_cli_says_the_database_is_damaged_in_one_line_and_exits_2(damaged_data_dir):
    result = subprocess.run(
        [sys.executable, "-m", "engine", "jobs"],
        env=app_py_environment(damaged_data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the job database ") and "move it aside" in lines[0]
