"""engine.datasets.view, engine.datasets.search and engine.datasets.sql: pages, whole-split filters, read-only SQL."""

import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from engine.datasets.search import RowFilter, filter_rows, filtered_view
from engine.datasets.sql import run_sql
from engine.datasets.view import page_offset, read_page, read_row

FEATURES = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})


@pytest.fixture
def numbered() -> Dataset:
    """250 rows: `row 0` .. `row 249`, label pos for even rows; every 50th row is long."""
    texts = [f"row {i}" + (" long" * 20 if i % 50 == 0 else "") for i in range(250)]
    return Dataset.from_dict({"text": texts, "label": [1 - i % 2 for i in range(250)]}, features=FEATURES)


# pages


def test_a_page_holds_the_rows_from_its_offset_with_label_names(numbered):
    page = read_page(numbered, 120, 3)

    assert [row["text"] for row in page.rows] == ["row 120", "row 121", "row 122"]
    assert [row["label"] for row in page.rows] == ["pos", "neg", "pos"]
    assert page.description == "rows 120–122 of 250"


def test_the_last_page_is_short(numbered):
    assert len(read_page(numbered, 240, 20).rows) == 10


def test_pages_follow_a_shuffled_split(numbered):
    shuffled = numbered.shuffle(seed=0)

    assert read_page(shuffled, 5, 2).rows[0]["text"] == shuffled[5]["text"]


@pytest.mark.parametrize(
    ("offset", "limit", "message"),
    [(250, 10, "row 250 is past the end: the split has 250 rows"), (-1, 10, "start at 0"), (0, 0, "1 to 1,000")],
)
def test_out_of_range_pages_are_refused(numbered, offset, limit, message):
    with pytest.raises(ValueError, match=message):
        read_page(numbered, offset, limit)


def test_a_row_is_shown_in_full(numbered):
    assert read_row(numbered, 50) == {"text": "row 50" + " long" * 20, "label": "pos"}
    with pytest.raises(ValueError, match="no row 250"):
        read_row(numbered, 250)


def test_previous_and_next_pages_stay_inside_the_split():
    assert page_offset(0, 20, 250, -1) == 0
    assert page_offset(20, 20, 250, 1) == 40
    assert page_offset(240, 20, 250, 1) == 240


# filters


def test_a_text_search_covers_the_whole_split_not_the_first_page(numbered):
    result = filter_rows(numbered, RowFilter(query="ROW 24", column="text"))

    assert result.scanned == 250
    assert filtered_view(numbered, result)["text"][:] == [
        "row 24",
        "row 240",
        "row 241",
        "row 242",
        "row 243",
        "row 244",
        "row 245",
        "row 246",
        "row 247",
        "row 248",
        "row 249",
    ]


def test_case_sensitive_search_can_miss(numbered):
    assert filter_rows(numbered, RowFilter(query="ROW", column="text", case_sensitive=True)).total == 0


def test_label_and_length_filters_combine(numbered):
    result = filter_rows(numbered, RowFilter(label="pos", label_column="label", column="text", min_chars=50))

    assert filtered_view(numbered, result)["text"][:] == [f"row {i}" + " long" * 20 for i in (0, 50, 100, 150, 200)]


def test_filters_across_batches_keep_their_positions(numbered, monkeypatch):
    monkeypatch.setattr("engine.datasets.search.BATCH_ROWS", 7)

    result = filter_rows(numbered, RowFilter(query="row 19", column="text"))

    assert result.positions.tolist() == [19] + list(range(190, 200))


@pytest.mark.parametrize(
    ("row_filter", "message"),
    [
        (RowFilter(query="x", column="body"), "search column 'body' not found; columns are text, label"),
        (RowFilter(label="maybe", label_column="label"), "no label 'maybe'; labels are neg, pos"),
    ],
)
def test_unknown_columns_and_labels_are_named(numbered, row_filter, message):
    with pytest.raises(ValueError, match=message):
        filter_rows(numbered, row_filter)


def test_a_filter_must_ask_for_something():
    with pytest.raises(ValueError, match="nothing to search for"):
        RowFilter()
    with pytest.raises(ValueError, match=r"min_chars \(5\) is larger than max_chars \(2\)"):
        RowFilter(column="text", min_chars=5, max_chars=2)


# SQL


@pytest.fixture
def splits(numbered) -> DatasetDict:
    return DatasetDict({"train": numbered, "test": numbered.select(range(0, 250, 25))})


def test_sql_counts_the_whole_result_and_returns_a_page(splits):
    result = run_sql(splits, "train", "SELECT text FROM data WHERE label = 1 ORDER BY text; -- even rows", limit=3)

    assert result.total == 125
    assert result.columns == ["text"]
    assert len(result.rows) == 3


def test_sql_pages_by_offset(splits):
    result = run_sql(splits, "train", "SELECT * FROM range(1000)", offset=500, limit=2)

    assert (result.total, result.rows) == (1000, [{"range": 500}, {"range": 501}])


def test_sql_sees_every_split_by_name(splits):
    result = run_sql(splits, "train", "SELECT count(*) AS shared FROM train JOIN test USING (text)")

    assert result.rows == [{"shared": 10}]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("COPY data TO '/tmp/leak.csv'", "only read-only SELECT .* not COPY"),
        ("CREATE TABLE x AS SELECT 1", "not CREATE"),
        ("ATTACH '/tmp/other.db'", "not ATTACH"),
        ("INSTALL httpfs", "only read-only SELECT"),
        ("SET enable_external_access = true", "not SET"),
        ("SELECT 1; DROP TABLE data", r"one SQL statement at a time, please \(got 2\)"),
        ("SELECT * FROM read_csv('/etc/passwd')", "files, URLs and extensions are off"),
        ("SELECT * FROM read_text('/etc/hostname')", "files, URLs and extensions are off"),
        ("SELECT * FROM read_parquet('https://example.com/x.parquet')", "files, URLs and extensions are off"),
        ("SELECT * FROM glob('/*')", "files, URLs and extensions are off"),
        ("SELEC 1", "SQL error: Parser Error"),
        ("   ", "no SQL query given"),
    ],
)
def test_sql_that_writes_reads_files_or_is_not_a_select_is_refused(splits, query, message):
    with pytest.raises(ValueError, match=message):
        run_sql(splits, "train", query)


def test_a_runaway_query_is_interrupted(splits):
    with pytest.raises(ValueError, match=r"SQL query stopped after 0.5 s"):
        run_sql(splits, "train", "SELECT count(*) FROM range(100000000000)", timeout_s=0.5)
