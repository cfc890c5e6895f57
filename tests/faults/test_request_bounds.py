"""One request must not take the server down: each input that crashed `python app.py` or drove it to gigabytes is
sent to a real server, which refuses it naming the bound and goes on answering.

The server runs under a data-segment limit (`ulimit -d`), so that on code without these bounds a runaway fails the
test instead of taking the machine's memory; its peak memory (VmHWM) is read after every request.
"""

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from gradio_client.exceptions import AppError

from engine.common.limits import Limits
from tests.app.launch import ServedApp, StudioClient, app_py_environment, serve_app_py
from tests.app.tokenizer_client import tokenize

SERVER_DATA_LIMIT_KB = 4 * 2**20  # the server holds ~1.6 GB of data segment once torch and gradio are loaded
PEAK_MB = 1_500  # it starts at ~600 MB resident; the largest text allowed adds ~70 MB


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    folder = tmp_path_factory.mktemp("bounds")
    python = folder / "python-with-limit"
    python.write_text(f'#!/bin/sh\nulimit -d {SERVER_DATA_LIMIT_KB}\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    environ = app_py_environment(
        folder / "studio-data",
        STUDIO_MAX_UNCOMPRESSED_MB="16",
        STUDIO_MAX_TOKENIZER_MB="1",
        STUDIO_SQL_MEMORY_MB="512",
    )
    with serve_app_py(environ, folder / "server.log", python=str(python)) as app:
        yield app


@pytest.fixture
def client(served: ServedApp) -> StudioClient:
    return StudioClient(served.url)


def peak_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) // 1024


def refusal(client: StudioClient, *args, api_name: str) -> str:
    with pytest.raises(AppError) as raised:
        client.predict(*args, api_name=api_name)
    return str(raised.value)


def still_serving(served: ServedApp) -> None:
    """The same process answers a new visitor, with memory to spare."""
    os.kill(served.pid, 0)
    assert tokenize(StudioClient(served.url), text="the soup was cold").rows
    assert peak_mb(served.pid) < PEAK_MB


def load_dataset(client: StudioClient, source: str):
    return client.predict(source, "", "", 0, "", api_name="/load_dataset")


@pytest.mark.parametrize("max_length", [10**12, 10_000_000])
def test_padding_to_a_huge_max_length_is_refused_and_the_server_goes_on(served, client, max_length):
    # Before: 1e12 aborted the server inside tokenizers; 10,000,000 took it to 7.4 GB without an answer.
    with pytest.raises(AppError, match=rf"max_length {max_length:,} is over this model's limit .*512"):
        tokenize(client, padding="max_length", truncation="longest_first", max_length=max_length)
    still_serving(served)


def test_the_longest_text_allowed_is_tokenized_and_one_more_character_is_refused(served, client):
    # Before: the round-trip diff grew with the square of the text (100 KB: 7 s, 1 MB: over 300 s).
    longest = Limits().tokenize_chars
    text = ("The Soup was cold, and the Waiter ignored us. " * (longest // 40))[:longest]
    view = tokenize(client, text=text)
    assert view.decoded and len(view.rows) > 10_000
    with pytest.raises(AppError, match=rf"text to tokenize is {longest + 1:,} characters; the limit is {longest:,}"):
        tokenize(client, text=text + "x")
    still_serving(served)


def test_the_largest_padded_batch_allowed_is_returned_and_one_more_position_is_refused(served, client):
    # Before: padding made the output as large as asked (1,000 lines to 10,000,000: the server never answered).
    lines, positions = Limits().tokenize_batch, Limits().tokenize_positions
    batch = {"text": "\n".join(["the soup was cold"] * lines), "batch": True, "truncation": "longest_first"}
    view = tokenize(client, padding="max_length", max_length=positions // lines, **batch)
    assert len(view.rows) == positions // lines
    with pytest.raises(AppError, match=rf"about {positions + lines:,} positions .* limit is {positions:,}"):
        tokenize(client, padding="max_length", max_length=positions // lines + 1, **batch)
    still_serving(served)


def test_a_json_lines_record_nested_100_000_deep_is_refused_and_the_server_goes_on(served, client, tmp_path):
    # Before: pyarrow's JSON reader overflowed its stack: the server died of SIGSEGV.
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    assert "nesting depth is 100,000; the limit is 32" in refusal(
        client, str(path), "", "", 0, "", api_name="/load_dataset"
    )
    still_serving(served)


@pytest.mark.parametrize(
    "query", ["SELECT length(repeat(text, 10000000)) FROM data", "SELECT list(range(0, 100000000)) AS l"]
)
def test_sql_that_builds_huge_values_is_stopped_outside_the_server(served, client, query):
    # Before: the server reached 14 GB in 30 s; DuckDB's memory limit and the 10 s interrupt did not stop it.
    load_dataset(client, "sample:sentiment")
    message = refusal(client, "train", query, 0, 20, api_name="/run_sql")
    assert "needed more than 512 MB of memory (STUDIO_SQL_MEMORY_MB)" in message
    rows, _ = client.predict("train", "SELECT count(*) AS n FROM data", 0, 20, api_name="/run_sql")
    assert rows["data"] == [[1122]]
    still_serving(served)


def test_a_parquet_bomb_is_refused_from_its_footer(served, client, tmp_path):
    # Before: 564 KB of zstd took 5.2 GB of memory and wrote 5 GB of cache in 15 s.
    path = tmp_path / "bomb.parquet"
    table = pa.table({"text": pa.array(["x" * 1_000_000] * 20), "label": [0, 1] * 10})
    pq.write_table(table, path, compression="zstd", use_dictionary=False)
    message = refusal(client, str(path), "", "", 0, "", api_name="/load_dataset")
    assert "bomb.parquet decompressed is 19 MB; the limit is 16 MB (STUDIO_MAX_UNCOMPRESSED_MB)" in message
    still_serving(served)


def test_the_widest_csv_allowed_loads_and_one_more_column_is_refused(served, client, tmp_path):
    # Before: 2,000 columns took over 60 s to show (every cell re-read every column's feature); 100,000, 20 minutes.
    widest = Limits().columns
    for columns in (widest, widest + 1):
        path = tmp_path / f"wide{columns}.csv"
        rows = [",".join(f"c{i}" for i in range(columns))] + [",".join(["1"] * columns)] * 30
        path.write_text("\n".join(rows) + "\n")
        if columns == widest:
            assert load_dataset(client, str(path))
        else:
            message = refusal(client, str(path), "", "", 0, "", api_name="/load_dataset")
            assert f"column count is {columns:,}; the limit is {widest:,} (STUDIO_MAX_COLUMNS)" in message
    still_serving(served)


def test_a_tokenizer_over_the_size_bound_is_refused_before_it_is_loaded(served, client, tmp_path):
    # Before: a 131 MB tokenizer.json cost the server 1.4 GB, kept in its tokenizer cache.
    folder = tmp_path / "huge-tokenizer"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (folder / "tokenizer.json").write_text(json.dumps({"vocab": ["x" * 100] * 12_000}))  # 1.2 MB
    with pytest.raises(AppError, match=r"tokenizer files in .* are 1.2 MB .* is 1 MB \(STUDIO_MAX_TOKENIZER_MB\)"):
        tokenize(client, model=str(folder))
    still_serving(served)
