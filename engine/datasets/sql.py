"""Read-only SQL over the loaded splits, for power users: DuckDB scanning the Arrow data in place.

Each query gets a fresh in-memory DuckDB connection that can see nothing but the registered splits: external
access (files, URLs, extensions) is switched off and the configuration locked, only a single SELECT (or WITH ...
SELECT) statement is accepted, results are paged with a row limit, and a timer interrupts a query that runs long.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import duckdb
import pyarrow as pa
from datasets import Dataset, DatasetDict

from engine.common.errors import NotFoundError, StudioError

SQL_TIMEOUT_S = 10.0  # a search "under 2 s" is the goal; ten times that is a runaway query
MAX_SQL_ROWS = 1_000  # rows one call returns; the count covers all of them
MEMORY_LIMIT = "1GB"
TABLE = "data"  # the current split; each split is also a table by its own name
BATCH_ROWS = 100_000
T = TypeVar("T")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class SqlResult:
    """A page of a query's result, and how many rows the whole result has."""

    total: int
    columns: list[str]
    rows: list[dict]
    offset: int


def _arrow(dataset: Dataset):
    # Without an indices mapping this is a zero-copy view of the memory-mapped table; a shuffled or filtered split
    # is gathered into memory first, since DuckDB scans rows in storage order.
    return dataset.with_format("arrow")[:]


def _connection(splits: DatasetDict, split: str) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:", config={"threads": 1, "memory_limit": MEMORY_LIMIT})
    connection.register(TABLE, _arrow(splits[split]))
    for name, dataset in splits.items():
        if _IDENTIFIER.match(name) and name != TABLE:
            connection.register(name, _arrow(dataset))
    # After registering: from here the query can reach no file, URL or extension, and cannot switch that back on.
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def _single_select(connection: duckdb.DuckDBPyConnection, query: str) -> duckdb.Statement:
    try:
        statements = connection.extract_statements(query)
    except duckdb.Error as error:
        raise StudioError(f"SQL error: {error}") from error
    if len(statements) != 1:
        raise StudioError(f"one SQL statement at a time, please (got {len(statements)})")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise StudioError(f"only read-only SELECT (or WITH ... SELECT) queries are allowed, not {statement.type.name}")
    return statement


def _page_and_count(
    connection: duckdb.DuckDBPyConnection, statement: duckdb.Statement, offset: int, limit: int
) -> tuple[pa.Table, int]:
    """Run the statement once, streaming its result in Arrow batches: keep the page, count the rest."""
    reader = connection.sql(statement).to_arrow_reader(batch_size=BATCH_ROWS)
    total, kept = 0, []
    for batch in reader:
        start, end = total, total + batch.num_rows
        low, high = max(offset, start), min(offset + limit, end)
        if low < high:
            kept.append(batch.slice(low - start, high - low))
        total = end
    return pa.Table.from_batches(kept, schema=reader.schema), total


def _run(connection: duckdb.DuckDBPyConnection, fetch: Callable[[], T], timeout_s: float) -> T:
    timer = threading.Timer(timeout_s, connection.interrupt)
    timer.start()
    try:
        return fetch()
    except duckdb.InterruptException:
        raise StudioError(f"SQL query stopped after {timeout_s:g} s; narrow it down (WHERE, LIMIT)") from None
    except duckdb.PermissionException as error:
        raise StudioError(
            f"SQL may only read the loaded dataset (tables {TABLE} and the split names); files, URLs and extensions "
            f"are off: {error}"
        ) from None
    except duckdb.Error as error:
        raise StudioError(f"SQL error: {error}") from None
    finally:
        timer.cancel()


def run_sql(
    splits: DatasetDict,
    split: str,
    query: str,
    *,
    offset: int = 0,
    limit: int = 20,
    timeout_s: float = SQL_TIMEOUT_S,
) -> SqlResult:
    """Run a read-only query; the current split is the table `data`, every split also a table by its name.

    Args:
        splits: the open dataset.
        split: the split that `data` stands for.
        query: one SELECT or WITH ... SELECT statement.
        offset / limit: the page of the result to return (limit at most 1,000).
        timeout_s: interrupt the query after this long.

    Raises:
        StudioError: no such split, an empty query, several statements, anything but a SELECT, an attempt to read
            files or URLs, a syntax or binding error, or a query that ran past the timeout.
    """
    if split not in splits:
        raise NotFoundError(f"no split {split!r}; splits are {', '.join(splits)}")
    if not query.strip():
        raise StudioError(f"no SQL query given; try: SELECT * FROM {TABLE} LIMIT 10")
    if not 1 <= limit <= MAX_SQL_ROWS or offset < 0:
        raise StudioError(f"SQL results come in pages of 1 to {MAX_SQL_ROWS:,} rows from offset 0 or more")
    connection = _connection(splits, split)
    try:
        statement = _single_select(connection, query)
        page, total = _run(connection, lambda: _page_and_count(connection, statement, offset, limit), timeout_s)
    finally:
        connection.close()
    return SqlResult(total=total, columns=page.column_names, rows=page.to_pylist(), offset=offset)
