"""A hostile data file sent to a real `python app.py`: its parser crashes or runs out of memory in a child process,
the visitor is told which file and which limit, and the server goes on answering. The server also starts by
removing what writers killed before it left in the data directory."""

import struct
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset
from gradio_client.exceptions import AppError

from tests.app.launch import ServedApp, StudioClient, app_py_environment, serve_app_py
from tests.engine.common.test_leftovers import aged, dead_pid, entry_folder
from tests.faults.test_request_bounds import still_serving


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    folder = tmp_path_factory.mktemp("parsing")
    # What a scratch build killed before this start left behind: removed as the server starts.
    leftover = aged(entry_folder(folder / "studio-data" / "cache" / "scratch-models" / f".tiny-1.tmp-{dead_pid()}-x1"))
    # The depth check would refuse the deep file before any parser: raised, the parser's own crash is what is met.
    environ = app_py_environment(
        folder / "studio-data",
        STUDIO_FILE_MEMORY_MB="128",
        STUDIO_MAX_JSON_DEPTH="1000000",
    )
    with serve_app_py(environ, folder / "server.log") as app:
        assert not leftover.exists()
        yield app


def refusal(served: ServedApp, path: Path) -> str:
    with pytest.raises(AppError) as raised:
        StudioClient(served.url).predict(str(path), "", "", 0, "", api_name="/load_dataset")
    return str(raised.value)


def test_a_json_lines_record_that_crashes_the_parser_costs_its_child_not_the_server(served, tmp_path):
    # Before (with the depth bound raised): the server died of SIGSEGV inside pyarrow's JSON reader.
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    assert "deep.jsonl crashed its reader (SIGSEGV); nothing of it was kept" in refusal(served, path)
    still_serving(served)


def test_a_parquet_bomb_under_its_footer_bound_is_stopped_at_the_memory_bound(served, tmp_path):
    # Before: the server decompressed the whole value in its own memory (5.2 GB for the bomb in the issue).
    path = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"text": ["x" * 200_000_000], "label": [0]}), path, compression="zstd")
    message = refusal(served, path)
    assert "bomb.parquet used more than 128 MB of memory while being read; STUDIO_FILE_MEMORY_MB raises" in message
    still_serving(served)


def test_a_parquet_bomb_whose_footer_understates_it_is_stopped_in_its_child(served, tmp_path):
    # Before: 40 equal 1 MB values, dictionary-encoded (an 800-byte file whose footer says 1 MB), passed the footer
    # check and were read as 40 MB in the server; the bomb took 5.2 GB and wrote 5 GB of cache.
    path = tmp_path / "liar.parquet"
    pq.write_table(pa.table({"text": ["x" * 1_000_000] * 40, "label": [0, 1] * 20}), path, compression="zstd")
    message = refusal(served, path)
    # Where the allocation that meets the bound happens decides how the child ends: a MemoryError it reports ("used
    # more than 128 MB"), or an abort inside Arrow's C++ ("crashed its reader (SIGABRT)"). Both name the bound.
    assert "liar.parquet" in message and "STUDIO_FILE_MEMORY_MB" in message and "128 MB" in message
    assert "used more than 128 MB of memory" in message or "crashed its reader (SIGABRT)" in message
    still_serving(served)


def test_a_save_to_disk_folder_with_a_hostile_arrow_file_is_refused_and_the_server_goes_on(served, tmp_path):
    # Before: the folder was memory-mapped as it was, and the first page read a string 2 GB past the file: SIGBUS.
    folder = tmp_path / "saved"
    Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]}).save_to_disk(str(folder))
    arrow = folder / "data-00000-of-00001.arrow"
    arrow.write_bytes(arrow.read_bytes().replace(struct.pack("<3i", 0, 1, 2), struct.pack("<3i", 0, 1, 2_000_000_000)))
    message = refusal(served, folder)
    assert f"cannot read save_to_disk folder {folder}: " in message and "nothing of it was opened" in message
    still_serving(served)


def test_a_small_file_still_loads_after_the_hostile_ones(served, tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("text,label\n" + "".join(f"review {i} is fine,{i % 2}\n" for i in range(30)))
    assert StudioClient(served.url).predict(str(path), "", "", 0, "", api_name="/load_dataset")
    still_serving(served)
