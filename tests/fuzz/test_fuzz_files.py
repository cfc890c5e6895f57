"""Fuzzing the files users upload: the upload checks, the Try tab's table reader and the dataset loader."""

import csv
import io
import itertools
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from engine.common.errors import USER_ERRORS
from engine.common.uploads import check_table_file
from engine.datasets.sources import load_raw
from engine.inference.predict_file import read_table

_counter = itertools.count()
SUFFIXES = st.sampled_from([".csv", ".tsv", ".json", ".jsonl"])
# Cells with the characters that trip CSV writers and readers: separators, quotes, newlines, BOMs, NUL, emoji.
CELLS = st.text(alphabet=st.sampled_from(list("ab ,;\"'\t\n\r\x00\ufeff\u00e9\U0001f600{}[]:0123456789")), max_size=12)


@st.composite
def csv_bytes(draw) -> bytes:
    """A well-formed CSV (header and rows of one width) whose cells hold awkward characters, encoded as UTF-8."""
    width = draw(st.integers(1, 4))
    header = draw(st.lists(CELLS, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=6))
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode("utf-8")


FILE_BYTES = st.one_of(csv_bytes(), st.binary(max_size=200), st.text(max_size=200).map(str.encode))


def write(folder: Path, content: bytes, suffix: str) -> Path:
    """A new file in `folder` (a fresh name per example: `datasets` caches by path and modification time)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"upload-{next(_counter)}{suffix}"
    path.write_bytes(content)
    return path


def assert_user_error(error: Exception) -> None:
    assert isinstance(error, USER_ERRORS), f"{type(error).__name__}: {error}"
    assert str(error).strip(), f"{type(error).__name__} without a message"


@given(content=FILE_BYTES, suffix=SUFFIXES)
@example(content=b"a,b\n1\n", suffix=".csv")
@example(content=b"\xff\xfe", suffix=".jsonl")
def test_upload_checks_pass_a_file_or_name_what_is_wrong(studio_data_dir, content, suffix):
    path = write(studio_data_dir / "fuzz", content, suffix)
    try:
        check_table_file(path)
    except Exception as error:
        assert_user_error(error)
        assert path.name in str(error)  # the message says which file


@given(content=FILE_BYTES, suffix=SUFFIXES)
@example(content=b'{"a": 1}\n[1, 2]\n', suffix=".jsonl")
@example(content=b"1", suffix=".json")
def test_try_tab_table_reader_returns_rows_or_a_clear_error(studio_data_dir, content, suffix):
    path = write(studio_data_dir / "fuzz", content, suffix)
    try:
        table = read_table(path)
    except Exception as error:
        assert_user_error(error)
    else:
        assert len(table) > 0


@given(content=csv_bytes())
@example(content=b"text,label\nfine,a\n")
def test_a_csv_that_passes_the_upload_checks_loads_as_a_dataset_or_fails_clearly(studio_data_dir, content):
    path = write(studio_data_dir / "fuzz", content, ".csv")
    try:
        check_table_file(path)
        splits = load_raw(str(path))
    except Exception as error:
        assert_user_error(error)
    else:
        assert "train" in splits
