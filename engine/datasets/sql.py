"""Read-only SQL over the loaded splits, for power users: DuckDB scanning the Arrow data, in a child process.

Each query runs in its own short-lived process (`engine.datasets.sql_child`), so that a query that builds huge values
(`repeat(text, 10000000)`, `list(range(0, 100000000))`) or crashes DuckDB costs that process, never the server. It
may allocate `STUDIO_SQL_MEMORY_MB` beyond what it starts with, runs one thread, is killed after
`STUDIO_SQL_TIMEOUT_S` (plus the time to start), and sends back a page of at most `STUDIO_SQL_RESULT_MB`; at most
`STUDIO_SQL_CONCURRENCY` queries run at once. The splits cross as Arrow files: a split memory-mapped from one file
as it is, any other (in memory, shuffled, filtered, cast) written once to a file named by its fingerprint.
"""

import os
import re
import threading
import uuid
from dataclasses import dataclass

import pyarrow as pa
from datasets import Dataset, DatasetDict
from datasets.table import MemoryMappedTable

from engine.common.errors import NotFoundError, StudioError
from engine.common.limits import limits
from engine.common.paths import datasets_cache_dir
from engine.datasets.children import run_child
from engine.datasets.sql_child import BATCH_ROWS, TABLE, out_of_memory, stopped

MAX_SQL_ROWS = 1_000  # rows one call returns; the count covers all of them
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_running = 0
_slots = threading.Condition()


@dataclass
class SqlResult:
    """A page of a query's result, and how many rows the whole result has."""

    total: int
    columns: list[str]
    rows: list[dict]
    offset: int


def arrow_file(dataset: Dataset) -> str:
    """An Arrow stream file holding the split's rows, as the child opens it: the split's own file when it is one
    memory-mapped file read as it is, else a copy written once (batch by batch) and named by the split's
    fingerprint, which changes whenever its rows or columns do."""
    table = dataset.data
    if dataset._indices is None and isinstance(table, MemoryMappedTable) and not table.replays:
        return table.path
    path = datasets_cache_dir() / "sql" / f"{dataset._fingerprint}.arrow"
    try:
        os.utime(path)  # used now: a copy in use is never taken for a leftover (`engine.common.leftovers`)
        return str(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{uuid.uuid4().hex}.partial")
    rows = dataset.with_format("arrow")
    with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_stream(sink, rows[:0].schema) as writer:
        for batch in rows.iter(batch_size=BATCH_ROWS):
            writer.write_table(batch)
    os.replace(partial, path)  # whole or not at all, should two queries write it at once
    return str(path)


def run_sql(
    splits: DatasetDict,
    split: str,
    query: str,
    *,
    offset: int = 0,
    limit: int = 20,
    timeout_s: float | None = None,
) -> SqlResult:
    """Run a read-only query in a child process; the current split is the table `data`, every split also a table by
    its name.

    Args:
        splits: the open dataset.
        split: the split that `data` stands for.
        query: one SELECT or WITH ... SELECT statement.
        offset / limit: the page of the result to return (limit at most 1,000).
        timeout_s: interrupt the query after this long (default `STUDIO_SQL_TIMEOUT_S`).

    Raises:
        StudioError: no such split, an empty query, several statements, anything but a SELECT, an attempt to read
            files or URLs, a syntax or binding error, a query past the time or memory limit, a page over the result
            size limit, or more queries at once than the server runs.
    """
    if split not in splits:
        raise NotFoundError(f"no split {split!r}; splits are {', '.join(splits)}")
    if not query.strip():
        raise StudioError(f"no SQL query given; try: SELECT * FROM {TABLE} LIMIT 10")
    if not 1 <= limit <= MAX_SQL_ROWS or offset < 0:
        raise StudioError(f"SQL results come in pages of 1 to {MAX_SQL_ROWS:,} rows from offset 0 or more")
    bounds = limits()
    timeout_s = bounds.sql_timeout_s if timeout_s is None else timeout_s
    names = [split] + [name for name in splits if name != split and _IDENTIFIER.match(name) and name != TABLE]
    request = {
        "files": {name: arrow_file(splits[name]) for name in names},
        "split": split,
        "query": query,
        "offset": offset,
        "limit": limit,
        "timeout_s": timeout_s,
        "memory_mb": bounds.sql_memory_mb,
        "result_mb": bounds.sql_result_mb,
    }
    with _Slot(bounds.sql_concurrency, timeout_s):
        answer = _in_child(request, timeout_s)
    if "error" in answer:
        raise StudioError(answer["error"])
    return SqlResult(total=answer["total"], columns=answer["columns"], rows=answer["rows"], offset=offset)


class _Slot:
    """One of `STUDIO_SQL_CONCURRENCY` places to run a query; waits up to the query's time limit for one."""

    def __init__(self, places: int, timeout_s: float) -> None:
        self.places, self.timeout_s = places, timeout_s

    def __enter__(self) -> None:
        global _running
        with _slots:
            if not _slots.wait_for(lambda: _running < self.places, timeout=self.timeout_s):
                raise StudioError(
                    f"{_running} SQL queries are running, the most this server runs at once "
                    f"(STUDIO_SQL_CONCURRENCY={self.places}); try again in a moment"
                )
            _running += 1

    def __exit__(self, *_: object) -> None:
        global _running
        with _slots:
            _running -= 1
            _slots.notify()


def _in_child(request: dict, timeout_s: float) -> dict:
    """Run the request in `python -m engine.datasets.sql_child` and return its answer; a child killed, crashed or
    silent becomes a `StudioError` naming the limit it hit.

    `run_child` starts it with the system allocator (`CHILD_ALLOCATOR`): Arrow's default one reserves a 1 GiB arena
    at its first allocation, which would take most of the query's memory bound before the query has used any.
    """
    end = run_child("engine.datasets.sql_child", request, timeout_s)
    if end.timed_out:
        raise stopped(timeout_s)
    if end.signal_name is not None:
        # Killed by a signal: DuckDB aborting on an allocation the memory limit refused is how that limit shows.
        raise StudioError(f"{out_of_memory(request['memory_mb'])} [its process ended by {end.signal_name}]")
    if end.answer is None:
        raise RuntimeError(f"the SQL query's process failed with exit status {end.exit_status}: {end.last_words}")
    return end.answer
