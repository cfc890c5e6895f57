"""A job database that cannot be opened (damaged header, not a database): `python app.py` still starts and serves
everything that does not need jobs, says what is wrong and how to recover; the CLI exits 2 with one line. A database
whose write lock another process holds: a start says "busy" within seconds, and the server answers throughout."""

import json
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gradio_client.exceptions import AppError

from engine.jobs.store import JobStore
from tests.app.launch import StudioClient, app_py_environment, serve_app_py, stop_jobs
from tests.app.tokenizer_client import tokenize

# The 11 inputs of /start_training: a tenth of an epoch of scratch:tiny on a sample, seconds on a CPU.
TRAIN = ("sample:sentiment", "", "", "", "", "scratch:tiny", 0.1, 16, None, 32, 0)
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


def test_a_start_while_another_process_holds_the_write_lock_says_busy_and_the_server_keeps_serving(tmp_path):
    data_dir = tmp_path / "studio-data"
    data_dir.mkdir()
    database = JobStore(data_dir / "studio.sqlite3").path
    with serve_app_py(app_py_environment(data_dir), tmp_path / "server.log") as served:
        client = StudioClient(served.url)
        lock = sqlite3.connect(database, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")  # as `sqlite3 studio.sqlite3` in another terminal, mid-transaction
        try:
            started = time.monotonic()
            with pytest.raises(AppError) as refused:
                client.predict(*TRAIN, api_name="/start_training")
            waited = time.monotonic() - started
            assert client.predict("sample:topics", "", api_name="/load_dataset")  # serving meanwhile
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        _, again = client.predict(*TRAIN, api_name="/start_training")  # and once the lock is gone, it starts
        stop_jobs(database)

    assert "the job database is busy" in str(refused.value) and "try again in a moment" in str(refused.value)
    assert waited < 20.0  # a few seconds of waiting, not 30 s and then "Unexpected error"
    assert again["id"] >= 1


def test_a_database_truncated_under_the_server_never_hands_an_old_job_folder_to_a_new_job(tmp_path):
    data_dir = tmp_path / "studio-data"
    data_dir.mkdir()
    store = JobStore(data_dir / "studio.sqlite3")
    old = store.create({"dataset": "sample:sentiment", "model": "scratch:tiny"})
    store.mark_completed(old.id, {"accuracy": 1.0})
    old.model_dir.mkdir()
    (old.model_dir / "config.json").write_text('{"the": "old model"}')
    with serve_app_py(app_py_environment(data_dir), tmp_path / "server.log") as served:
        client = StudioClient(served.url)
        for leftover in data_dir.glob("studio.sqlite3-*"):
            leftover.unlink()
        with open(store.path, "r+b") as handle:  # `: > studio.sqlite3` while the server runs
            handle.truncate(0)
        _, started = client.predict(*TRAIN, api_name="/start_training")
        stop_jobs(store.path)

    assert started["id"] > old.id
    assert (old.model_dir / "config.json").read_text() == '{"the": "old model"}'
