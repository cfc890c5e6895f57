"""The process a SQL query runs in (`python -m engine.datasets.sql_child`), so that a runaway cannot take the server.

It reads one pickled request on stdin (the splits as Arrow files, the query, the page, the limits), limits its own
memory, runs the query in a fresh in-memory DuckDB connection and writes one pickled answer on stdout: the page and
the count, or the refusal's message. It imports DuckDB and pyarrow only (not `datasets`), so it starts in a fraction
of a second. `engine.datasets.sql` starts it, waits for it and kills it when it runs past its time.

The connection can see nothing but the registered splits: external access (files, URLs, extensions) is switched off
and the configuration locked, only a single SELECT (or WITH ... SELECT) statement is accepted, results are paged,
and a timer interrupts a query that runs long.
"""

import pickle
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

import duckdb
import pyarrow as pa

from engine.common.errors import StudioError
from engine.datasets.children import limit_memory

TABLE = "data"  # the current split; each split is also a table by its own name
BATCH_ROWS = 100_000
T = TypeVar("T")


def stopped(timeout_s: float) -> StudioError:
    """The refusal of a query that ran past its time."""
    return StudioError(
        f"SQL query stopped after {timeout_s:g} s (STUDIO_SQL_TIMEOUT_S); narrow it down (WHERE, LIMIT)"
    )


def out_of_memory(memory_mb: int) -> StudioError:
    """The refusal of a query that needed more memory than it may have."""
    return StudioError(
        f"SQL query stopped: it needed more than {memory_mb:,} MB of memory (STUDIO_SQL_MEMORY_MB); narrow it down "
        "(WHERE, LIMIT, fewer or shorter values)"
    )


def _open(path: str) -> pa.Table:
    # Zero-copy: the record batches point into the memory-mapped file.
    return pa.ipc.open_stream(pa.memory_map(path)).read_all()


def _connection(files: dict[str, str], split: str, memory_mb: int) -> duckdb.DuckDBPyConnection:
    # DuckDB's own limit (half the process's) makes most oversized queries fail with its message; the process limit
    # catches the allocations DuckDB does not count (huge strings and lists being built).
    config = {"threads": 1, "memory_limit": f"{max(1, memory_mb // 2)}MB"}
    connection = duckdb.connect(":memory:", config=config)
    tables = {name: _open(path) for name, path in files.items()}
    connection.register(TABLE, tables[split])
    for name, table in tables.items():
        if name != TABLE:
            connection.register(name, table)
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


def _run(connection: duckdb.DuckDBPyConnection, fetch: Callable[[], T], timeout_s: float, memory_mb: int) -> T:
    timer = threading.Timer(timeout_s, connection.interrupt)
    timer.start()
    try:
        return fetch()
    except duckdb.InterruptException:
        raise stopped(timeout_s) from None
    except (duckdb.OutOfMemoryException, MemoryError):
        raise out_of_memory(memory_mb) from None
    except OSError as error:
        # DuckDB's out-of-memory error met while it fills the Arrow stream comes out of pyarrow's reader as OSError.
        if "Out of Memory" in str(error):
            raise out_of_memory(memory_mb) from None
        raise StudioError(f"SQL error: {error}") from None
    except duckdb.PermissionException as error:
        raise StudioError(
            f"SQL may only read the loaded dataset (tables {TABLE} and the split names); files, URLs and extensions "
            f"are off: {error}"
        ) from None
    except duckdb.Error as error:
        raise StudioError(f"SQL error: {error}") from None
    finally:
        timer.cancel()


def answer(request: dict) -> dict:
    """Run the request's query and return its page and count, or raise its refusal.

    Raises:
        StudioError: several statements, anything but a SELECT, an attempt to read files or URLs, a syntax or binding
            error, a query past the time or memory limit, or a page over the result size limit.
    """
    memory_mb = request["memory_mb"]
    connection = _connection(request["files"], request["split"], memory_mb)
    try:
        statement = _single_select(connection, request["query"])
        fetch = lambda: _page_and_count(connection, statement, request["offset"], request["limit"])  # noqa: E731
        page, total = _run(connection, fetch, request["timeout_s"], memory_mb)
    finally:
        connection.close()
    if page.nbytes > request["result_mb"] * 2**20:
        raise StudioError(
            f"the SQL result page is {page.nbytes / 2**20:,.1f} MB; the limit is {request['result_mb']:,} MB "
            "(STUDIO_SQL_RESULT_MB): select fewer or shorter values, or a smaller page"
        )
    return {"total": total, "columns": page.column_names, "rows": page.to_pylist()}


def main() -> None:
    """Read one request on stdin, write its answer (or `{"error": message}`) on stdout."""
    request = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by engine.datasets.sql in the server
    limit_memory(request["memory_mb"])
    try:
        result = answer(request)
    except StudioError as error:
        result = {"error": str(error)}
    except MemoryError:
        result = {"error": str(out_of_memory(request["memory_mb"]))}
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    main()
