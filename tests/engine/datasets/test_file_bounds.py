"""The shape of a data file checked against the server's bounds before any parser reads it (JSON nesting, CSV and
Parquet columns, Parquet rows and decompressed size), pages that read `features` once, and SQL's result and
concurrency bounds."""

import json
import os
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset, DatasetDict

from engine.common.uploads import json_depth
from engine.datasets import sql
from engine.datasets.sources import load_raw
from engine.datasets.sql import run_sql
from engine.datasets.view import read_page


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ('{"text": "a", "label": 1}', 1),
        ('{"text": "[[[{{{", "label": [1, {"x": [2]}]}', 4),  # brackets inside strings are no nesting
        ('{"text": "a \\\\", "label": "\\"[["}\n[[[]]]', 3),  # escaped quotes and backslashes
        ("", 0),
    ],
)
def test_json_depth_counts_brackets_outside_strings(tmp_path: Path, text: str, depth: int):
    path = tmp_path / "rows.jsonl"
    path.write_text(text)
    assert json_depth(path) == depth


def test_json_depth_follows_a_string_across_the_chunks_it_is_read_in(tmp_path: Path):
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"text": "[{" * 1_500_000 + '\\"', "nested": [[[1]]]}))  # 3 MB: three chunks
    assert json_depth(path) == 4


def test_a_json_lines_record_nested_100_000_deep_is_refused_before_pyarrow_reads_it(tmp_path: Path):
    # Before: pyarrow's JSON reader overflowed its stack and the process died of SIGSEGV (depth 30,000 was enough).
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    with pytest.raises(
        ValueError, match=r"deep.jsonl's nesting depth is 100,000; the limit is 32 .*STUDIO_MAX_JSON_DEPTH"
    ):
        load_raw(str(path))


def test_a_json_file_at_the_depth_bound_loads(tmp_path: Path):
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps({"text": "a", "label": 1, "deep": json.loads("[" * 31 + "]" * 31)}) + "\n")
    assert load_raw(str(path))["train"].num_rows == 1


def test_a_csv_wider_than_the_column_bound_is_refused_from_its_header(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_COLUMNS", "50")
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(51)) + "\n" + ",".join("1" * 51) + "\n")
    with pytest.raises(
        ValueError, match=r"wide.csv's header column count is 51; the limit is 50 \(STUDIO_MAX_COLUMNS\)"
    ):
        load_raw(str(path))


def test_json_records_wider_than_the_column_bound_are_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_COLUMNS", "50")
    path = tmp_path / "wide.jsonl"
    path.write_text(json.dumps({f"c{i}": i for i in range(51)}) + "\n")
    with pytest.raises(ValueError, match=r"train split's column count is 51; the limit is 50"):
        load_raw(str(path))


def test_a_parquet_bomb_is_refused_from_its_footer_before_it_is_decompressed(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_UNCOMPRESSED_MB", "16")
    path = tmp_path / "bomb.parquet"
    texts = pa.array(["x" * 1_000_000] * 20)  # 20 MB of one letter: a few KB once compressed
    pq.write_table(pa.table({"text": texts, "label": [0, 1] * 10}), path, compression="zstd", use_dictionary=False)
    assert path.stat().st_size < 100_000
    with pytest.raises(ValueError, match=r"bomb.parquet decompressed is 19 MB; the limit is 16 MB .*UNCOMPRESSED_MB"):
        load_raw(str(path))


def test_a_parquet_file_with_more_rows_than_the_bound_is_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_FILE_ROWS", "99")
    path = tmp_path / "long.parquet"
    pq.write_table(pa.table({"text": ["a"] * 100, "label": [0, 1] * 50}), path)
    with pytest.raises(ValueError, match=r"long.parquet's row count is 100; the limit is 99 \(STUDIO_MAX_FILE_ROWS\)"):
        load_raw(str(path))


def test_a_page_reads_the_features_once_not_once_per_cell(monkeypatch):
    # Before: every cell rendered read `dataset.features` (a deep copy of all of them): 100,000 columns, 20 minutes.
    wide = Dataset.from_dict({f"c{i}": list(range(20)) for i in range(50)})
    reads = []
    features = Dataset.features.fget
    monkeypatch.setattr(Dataset, "features", property(lambda self: reads.append(1) or features(self)))

    page = read_page(wide, 0, 20)

    assert len(page.rows) == 20 and len(page.rows[0]) == 50
    assert len(reads) <= 2


@pytest.fixture
def splits() -> DatasetDict:
    return DatasetDict({"train": Dataset.from_dict({"text": [f"row {i}" for i in range(100)], "label": [0, 1] * 50})})


def test_a_sql_page_over_the_result_size_bound_is_refused_naming_it(splits, monkeypatch):
    monkeypatch.setenv("STUDIO_SQL_RESULT_MB", "1")
    with pytest.raises(ValueError, match=r"SQL result page is [\d.]+ MB; the limit is 1 MB \(STUDIO_SQL_RESULT_MB\)"):
        run_sql(splits, "train", "SELECT repeat(text, 20000) AS long FROM data", limit=100)


def test_a_sql_query_beyond_the_concurrency_bound_waits_then_is_refused(splits, monkeypatch):
    monkeypatch.setenv("STUDIO_SQL_CONCURRENCY", "1")
    held, release = threading.Event(), threading.Event()

    def hold_the_only_place():
        with sql._Slot(1, 5.0):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_only_place)
    holder.start()
    try:
        held.wait(5)
        with pytest.raises(ValueError, match=r"1 SQL queries are running, .*STUDIO_SQL_CONCURRENCY=1"):
            run_sql(splits, "train", "SELECT count(*) FROM data", timeout_s=0.5)
    finally:
        release.set()
        holder.join()
    assert run_sql(splits, "train", "SELECT count(*) AS n FROM data").rows == [{"n": 100}]


def test_a_sql_query_that_builds_huge_values_is_stopped_at_the_memory_bound_in_its_own_process(splits, monkeypatch):
    # The query runs in a child process: its allocations hit the child's limit, never this process's memory.
    monkeypatch.setenv("STUDIO_SQL_MEMORY_MB", "256")
    with pytest.raises(ValueError, match=r"needed more than 256 MB of memory \(STUDIO_SQL_MEMORY_MB\)"):
        run_sql(splits, "train", "SELECT list(range(0, 100000000)) AS l")


def test_a_sql_result_too_big_for_the_memory_bound_while_streamed_is_the_memory_refusal(splits, monkeypatch):
    # 200 MB of rows: DuckDB's out-of-memory error surfaces from pyarrow's stream reader as an OSError.
    monkeypatch.setenv("STUDIO_SQL_MEMORY_MB", "256")
    with pytest.raises(ValueError, match=r"needed more than 256 MB of memory \(STUDIO_SQL_MEMORY_MB\)"):
        run_sql(splits, "train", "SELECT repeat('x', 1000000) AS s FROM range(200)", limit=1000)


def _sql_children() -> list[Path]:
    found = []
    for process in Path("/proc").iterdir():
        try:
            stat = (process / "stat").read_text()
            command = (process / "cmdline").read_bytes()
        except OSError:  # not a process, or ended meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"engine.datasets.sql_child" in command:
            found.append(process)
    return found


def test_a_sql_query_runs_in_a_child_with_the_system_allocator_and_within_its_memory_bound(splits, monkeypatch):
    # Arrow's default allocator reserves a 1 GiB arena that the memory bound would count as the query's own.
    monkeypatch.setenv("STUDIO_SQL_MEMORY_MB", "256")
    outcome = []
    slow = "SELECT sum(hash(i)) AS h FROM range(2000000000) t(i)"
    query = threading.Thread(
        target=lambda: outcome.append(_refusal(lambda: run_sql(splits, "train", slow, timeout_s=3)))
    )
    query.start()
    try:
        deadline = time.monotonic() + 20
        while not (children := _sql_children()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children, "the query's process was not seen"
        time.sleep(1.0)  # past its imports and the memory limit it sets itself
        environment = (children[0] / "environ").read_bytes().split(b"\0")
        status = (children[0] / "status").read_text()
    finally:
        query.join()
    assert b"ARROW_DEFAULT_MEMORY_POOL=system" in environment
    held_mb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmData:")) / 1024
    assert held_mb < 256 + 200, f"the query's process holds {held_mb:,.0f} MB"  # its start (~130 MB) and the bound
    assert "stopped after 3 s" in outcome[0]


def _refusal(call) -> str:
    try:
        call()
    except ValueError as error:
        return str(error)
    return "no refusal"
