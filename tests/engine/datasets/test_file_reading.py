"""A user's data file is parsed in a child process with memory, time, size and concurrency limits; the server only
memory-maps the finished Arrow cache. Bundled samples are read in the server, as fast as before."""

import gc
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets.builder import DatasetBuilder

import engine.datasets.children
import engine.datasets.file_reading
from engine.common.errors import StudioError
from engine.datasets.children import ChildEnd, Slots
from engine.datasets.sources import load_raw

STUCK = "tests.faults.stuck_child"  # reads the request, never answers


def _reviews(path: Path, rows: int = 40) -> Path:
    path.write_text("text,label\n" + "".join(f"review number {i} reads well,{i % 2}\n" for i in range(rows)))
    return path


@pytest.fixture
def no_parsing_here(monkeypatch):
    """Fail the test if this process parses a data file into the Arrow cache."""
    calls = []
    original = DatasetBuilder.download_and_prepare

    def record(self, *args, **kwargs):
        calls.append(self.config.data_files)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DatasetBuilder, "download_and_prepare", record)
    return calls


def test_a_users_file_is_parsed_in_a_child_and_a_sample_in_the_server(tmp_path, no_parsing_here):
    loaded = load_raw(str(_reviews(tmp_path / "reviews.csv")))
    assert loaded["train"].num_rows == 40 and loaded["train"][3] == {"text": "review number 3 reads well", "label": 1}
    assert no_parsing_here == []  # the server process never ran a parser on the user's file
    assert Path(loaded["train"].cache_files[0]["filename"]).is_file()  # memory-mapped from the cache

    load_raw("sample:sentiment")
    assert len(no_parsing_here) == 1  # the trusted sample: in the server, no child to wait for


def test_a_file_read_before_is_served_from_the_cache_without_a_child(tmp_path, monkeypatch):
    path = _reviews(tmp_path / "reviews.csv")
    load_raw(str(path))

    def no_child(*args, **kwargs):
        raise AssertionError("a child was started for a file already in the cache")

    monkeypatch.setattr(engine.datasets.file_reading, "run_child", no_child)
    assert load_raw(str(path))["train"].num_rows == 40


def test_a_parquet_file_that_needs_more_memory_than_allowed_is_stopped_in_its_child(tmp_path, monkeypatch):
    # 8 KB of zstd that decompresses into one 200 MB value: the footer says so honestly, and is under its bound.
    path = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"text": ["x" * 200_000_000], "label": [0]}), path, compression="zstd")
    assert path.stat().st_size < 20_000
    monkeypatch.setenv("STUDIO_FILE_MEMORY_MB", "64")

    with pytest.raises(StudioError) as raised:
        load_raw(str(path))

    assert str(raised.value) == (
        f"file {path} used more than 64 MB of memory while being read; STUDIO_FILE_MEMORY_MB raises the bound"
    )


def test_a_parquet_bomb_whose_footer_understates_it_is_stopped_at_the_uncompressed_bound(tmp_path, monkeypatch):
    # 100 equal 1 MB values, dictionary-encoded: an 800-byte file whose footer says 1 MB, that reads as 100 MB.
    path = tmp_path / "liar.parquet"
    pq.write_table(pa.table({"text": ["x" * 1_000_000] * 100, "label": [0, 1] * 50}), path, compression="zstd")
    metadata = pq.ParquetFile(path).metadata
    assert path.stat().st_size < 2_000 and metadata.row_group(0).total_byte_size < 2 * 2**20
    monkeypatch.setenv("STUDIO_MAX_UNCOMPRESSED_MB", "16")  # the footer's 1 MB passes the footer check

    with pytest.raises(StudioError, match=r"liar.parquet is more than 16 MB once read into Arrow; STUDIO_MAX_UNCOMP"):
        load_raw(str(path))


def test_a_file_that_crashes_its_parser_costs_the_child_only_and_leaves_nothing_half_written(
    tmp_path, monkeypatch, studio_data_dir
):
    # pyarrow's JSON reader overflows its stack on a record nested 100,000 deep: a SIGSEGV no handler catches.
    monkeypatch.setenv("STUDIO_MAX_JSON_DEPTH", "1000000")  # the depth check would refuse it first
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")

    with pytest.raises(
        StudioError, match=r"^file .*deep.jsonl crashed its reader \(SIGSEGV\); nothing of it was kept"
    ):
        load_raw(str(path))

    assert not list((studio_data_dir / "cache" / "datasets").rglob("*.incomplete"))
    assert load_raw(str(_reviews(tmp_path / "next.csv")))["train"].num_rows == 40  # this process is fine


def test_a_file_that_expands_past_the_uncompressed_bound_is_refused_and_not_kept(tmp_path, monkeypatch):
    path = _reviews(tmp_path / "long.csv", rows=60_000)  # 2 MB of text, more in Arrow
    monkeypatch.setenv("STUDIO_MAX_UNCOMPRESSED_MB", "1")

    with pytest.raises(StudioError, match=r"long.csv is more than 1 MB once read into Arrow; STUDIO_MAX_UNCOMPRESSED"):
        load_raw(str(path))

    monkeypatch.delenv("STUDIO_MAX_UNCOMPRESSED_MB")
    assert load_raw(str(path))["train"].num_rows == 60_000  # nothing of the refused read was served


def test_a_read_past_its_time_is_killed_and_says_which_setting_raises_it(tmp_path, monkeypatch):
    run_child = engine.datasets.file_reading.run_child
    monkeypatch.setattr(
        engine.datasets.file_reading, "run_child", lambda _, *args, **kwargs: run_child(STUCK, *args, **kwargs)
    )
    monkeypatch.setattr(engine.datasets.children, "START_GRACE_S", 1.0)
    monkeypatch.setenv("STUDIO_FILE_TIMEOUT_S", "1")
    started = time.monotonic()

    with pytest.raises(
        StudioError, match=r"slow.csv took more than 1 s to read; STUDIO_FILE_TIMEOUT_S raises the bound"
    ):
        load_raw(str(_reviews(tmp_path / "slow.csv")))

    assert time.monotonic() - started < 10


def test_a_damaged_arrow_cache_of_a_users_file_is_rebuilt_not_served(tmp_path, studio_data_dir):
    path = _reviews(tmp_path / "reviews.csv")
    first = load_raw(str(path))["train"]
    cached = Path(first.cache_files[0]["filename"])
    del first
    gc.collect()
    with cached.open("r+b") as handle:
        handle.truncate(cached.stat().st_size // 2)

    again = load_raw(str(path))["train"]

    assert again.num_rows == 40 and again[-1] == {"text": "review number 39 reads well", "label": 1}


def test_slots_let_the_bound_run_at_once_and_refuse_one_more_after_waiting():
    slots = Slots("data files are being read", "STUDIO_FILE_CONCURRENCY")
    inside, release = threading.Event(), threading.Event()

    def occupy():
        with slots.hold(1, wait_s=5):
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=occupy)
    holder.start()
    inside.wait(5)
    with pytest.raises(StudioError, match=r"^1 data files are being read at once, .*\(STUDIO_FILE_CONCURRENCY=1\)"):
        with slots.hold(1, wait_s=0.1):
            pass
    release.set()
    holder.join()
    with slots.hold(1, wait_s=0.1):  # the place is free again
        pass


@pytest.mark.parametrize(
    ("end", "message"),
    [
        (ChildEnd(exit_status=1, last_words="MemoryError"), "file f.csv used more than 2,048 MB of memory while"),
        (ChildEnd(signal_name="SIGABRT", last_words="std::bad_alloc"), "file f.csv used more than 2,048 MB of memory"),
        (ChildEnd(exit_status=1, last_words="ImportError: no pyarrow"), "file f.csv could not be read: its reader "),
    ],
)
def test_a_reader_that_ends_without_an_answer_is_a_message_naming_the_file(end, message):
    with pytest.raises(StudioError, match=f"^{message}"):
        engine.datasets.file_reading.raise_for_end(end, "file f.csv")
