"""The Datasets tab through `gradio_client`: browse, search, SQL, checks, shaping, tokenize preview, export, and
bad input that leaves the loaded dataset loaded.

One client is one browser session: the open dataset lives in that session's state between calls.
"""

import json
import re
import time
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from engine.datasets.sources import load_raw
from tests.app.launch import LaunchedStudio

HUB_ERROR_SECONDS = 5.0


def load(client: Client, source: str = "sample:sentiment", config: str = "", **hub) -> tuple:
    return client.predict(source, config, hub.get("revision", ""), hub.get("rows", 0), "", api_name="/load_dataset")


def error_of(client: Client, *args, api_name: str) -> str:
    with pytest.raises(AppError) as raised:
        client.predict(*args, api_name=api_name)
    return str(raised.value)


def first_text(client: Client, split: str = "train") -> str:
    """The first row's text of a split of the session's open dataset."""
    _, rows, _ = client.predict(split, 0, 20, api_name="/browse")
    return rows["data"][0][rows["headers"].index("text") if "text" in rows["headers"] else 0]


def search_args(split="train", query="", column=None, label=None, min_chars=None, max_chars=None, offset=0, size=20):
    return (split, query, column, label, min_chars, max_chars, offset, size)


def figure(plot: dict) -> dict:
    return json.loads(plot["plot"])


# --- browse -----------------------------------------------------------------------------------------------------


def test_browsing_pages_through_the_split_from_any_offset(client: Client):
    load(client)
    train = load_raw("sample:sentiment")["train"]

    offset, rows, info = client.predict("train", 1000, 50, api_name="/browse")

    assert offset == 1000
    assert [row[0] for row in rows["data"]] == train["text"][1000:1050]
    assert info == "rows 1,000–1,049 of 1,122"


def test_a_row_is_shown_in_full_with_its_label_name(client: Client):
    load(client, "sample:topics")

    row = client.predict("test", 3, api_name="/show_row")

    source = load_raw("sample:topics")["test"][3]
    assert row == {"text": source["text"], "label": source["label"]}


def test_a_row_past_the_end_is_refused_with_the_split_size(client: Client):
    load(client)

    assert "past the end: the split has 140 rows" in error_of(client, "test", 500, 20, api_name="/browse")


# --- search and SQL ---------------------------------------------------------------------------------------------


def test_search_covers_the_whole_split_and_counts_the_matches(client: Client):
    load(client)
    train = load_raw("sample:sentiment")["train"]
    expected = [
        t for t, lab in zip(train["text"], train["label"], strict=True) if "film" in t.lower() and lab == "positive"
    ]

    rows, info = client.predict(*search_args(query="film", column="text", label="positive"), api_name="/search_rows")

    assert info.startswith(f"**{len(expected):,}** of 1,122 rows of train match")
    assert [row[0] for row in rows["data"]] == expected[:20]


def test_a_length_filter_keeps_rows_in_the_range(client: Client):
    load(client)

    rows, _ = client.predict(*search_args(column="text", min_chars=10, max_chars=40), api_name="/search_rows")

    assert rows["data"] and all(10 <= len(row[0]) <= 40 for row in rows["data"])


def test_sql_runs_over_the_split_and_pages_its_result(client: Client):
    load(client)

    rows, info = client.predict(
        "train", "SELECT label, count(*) AS n FROM data GROUP BY label ORDER BY label", 0, 20, api_name="/run_sql"
    )

    assert rows["headers"] == ["label", "n"]
    assert rows["data"] == [["negative", 561], ["positive", 561]]
    assert info.startswith("**2** result rows")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("COPY data TO '/tmp/stolen.csv'", "only read-only SELECT"),
        ("SELECT * FROM read_csv('/etc/passwd')", "files, URLs and extensions are off"),
    ],
)
def test_sql_that_writes_or_reads_files_is_refused_and_the_dataset_stays(client: Client, query: str, message: str):
    load(client, "sample:topics")

    assert message in error_of(client, "train", query, 0, 20, api_name="/run_sql")

    assert first_text(client) == load_raw("sample:topics")["train"][0]["text"]


# --- checks and tokenization ------------------------------------------------------------------------------------


def test_checks_draw_labels_lengths_with_the_max_length_cut_and_quality(client: Client):
    load(client)

    warnings, labels, chars, tokens, per_label, quality = client.predict(
        "scratch:tiny", 16, "train", api_name="/check_dataset"
    )

    assert "rows are longer than max_length 16 tokens and would be truncated" in warnings
    bars = {trace["name"]: trace for trace in figure(labels)["data"]}
    assert set(bars) == {"train", "validation", "test"}
    assert bars["train"]["x"] == ["negative", "positive"]
    token_figure = figure(tokens)
    assert token_figure["layout"]["shapes"][0]["x0"] == 16  # the max_length cut
    assert "truncated train" in token_figure["layout"]["title"]["text"]
    assert len(figure(per_label)["data"]) == 2
    assert figure(quality)["data"][0]["x"][-2:] == ["duplicates", "also in train"]
    assert figure(chars)["data"]


def test_the_tokenize_preview_shows_new_columns_batch_shapes_and_padding_waste(client: Client):
    load(client)

    summary, first, waste = client.predict("test", "scratch:tiny", 32, 16, api_name="/tokenize_split")

    assert "added **input_ids, token_type_ids, attention_mask** to 140 rows" in summary
    assert "`input_ids` (8, " in summary
    assert first["headers"] == ["input_ids", "token_type_ids", "attention_mask"] and len(first["data"]) == 8
    shares = {row[0]: float(row[3].rstrip("%")) for row in waste["data"]}
    assert shares["dynamic, length-grouped"] < shares["dynamic (random order)"] < shares["fixed max_length"]


# --- shaping, training, export ----------------------------------------------------------------------------------


def shape(client: Client, kind: str, split=None, column=None, new_name="", remove=None, count=None, seed=42):
    return client.predict(kind, split, column, new_name, remove or [], count, seed, 0.1, api_name="/apply_step")


def test_shaping_steps_show_their_code_can_be_undone_and_go_to_training(client: Client, studio: LaunchedStudio):
    load(client)

    summary = shape(client, "sample", split="train", count=100)
    assert "**train** 100 rows" in summary and "1 shaping step" in summary
    summary = shape(client, "cast_label", column="label")
    assert "2 shaping steps" in summary
    _, rows, info = client.predict("train", 0, 20, api_name="/browse")
    assert info == "rows 0–19 of 100"

    summary = client.predict(api_name="/undo_step")
    assert "1 shaping step" in summary

    note = client.predict(api_name="/use_for_training")  # the source itself goes to the Train tab in a State
    source = re.search(r"Saved with `save_to_disk` to `([^`]+)`", note).group(1)
    assert Path(source).is_relative_to(studio.data_dir / "datasets")
    assert {name: len(split) for name, split in load_raw(source).items()} == {
        "train": 100,
        "validation": 140,
        "test": 140,
    }


def test_a_step_that_cannot_apply_says_why_and_changes_nothing(client: Client):
    load(client)

    assert "cannot keep 5,000 rows" in error_of(
        client, "select", "test", None, "", [], 5000, 42, 0.1, api_name="/apply_step"
    )

    assert "nothing to undo" in error_of(client, api_name="/undo_step")


def test_export_writes_into_the_data_directory_and_offers_the_file(client: Client, studio: LaunchedStudio):
    load(client)
    client.predict(*search_args(query="horror", column="text"), api_name="/search_rows")

    note, download = client.predict(
        "train",
        "search results",
        "jsonl",
        "../horror reviews",
        "horror",
        "text",
        None,
        None,
        None,
        api_name="/export_dataset",
    )

    written = studio.data_dir / "exports" / "horror-reviews.jsonl"
    assert f"to `{written}`" in note
    lines = written.read_text().splitlines()
    assert lines and all("horror" in json.loads(line)["text"].lower() for line in lines)
    assert Path(download).read_text() == written.read_text()


# --- bad input --------------------------------------------------------------------------------------------------

BAD_FILES = {
    "empty.csv": (b"", "empty.csv is empty (0 bytes)"),
    "header-only.csv": (b"text,label\n", "header-only.csv has a header (text, label) but no rows"),
    "ragged.csv": (b"text,label\nfine,pos\nnot,fine,at all\n", "ragged: line 3 has 3 fields, the header has 2"),
    "latin1.csv": (b"text,label\ncaf\xe9,pos\n", "latin1.csv is not UTF-8 text: byte 0xe9"),
    "binary.csv": (b"\x00\x01\x02\x03" * 64, "binary.csv holds NUL bytes: it is a binary file"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_upload_gets_a_clear_message_and_the_loaded_dataset_stays(client: Client, tmp_path: Path, name: str):
    content, message = BAD_FILES[name]
    (tmp_path / name).write_bytes(content)
    load(client, "sample:paraphrase")

    assert message in error_of(client, handle_file(str(tmp_path / name)), api_name="/upload_dataset")

    _, rows, info = client.predict("train", 0, 20, api_name="/browse")
    assert rows["headers"] == ["sentence1", "sentence2", "label"]
    assert info == f"rows 0–19 of {load_raw('sample:paraphrase')['train'].num_rows:,}"


def test_an_upload_over_the_size_limit_is_refused(client: Client, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "0.01")  # the server runs in this process and reads it per call
    upload = tmp_path / "big.csv"
    upload.write_text("text,label\n" + "a fairly long review text,pos\n" * 1000)
    load(client)

    assert "uploads are limited to 0 MB (STUDIO_MAX_UPLOAD_MB)" in error_of(
        client, handle_file(str(upload)), api_name="/upload_dataset"
    )
    assert client.predict("train", 0, 20, api_name="/browse")[2] == "rows 0–19 of 1,122"


def test_an_unknown_hub_id_fails_fast_and_the_dataset_stays(client: Client):
    load(client, "sample:topics")
    start = time.monotonic()

    message = error_of(client, "someone/no-such-dataset", "", "", 0, "", api_name="/load_dataset")

    assert time.monotonic() - start < HUB_ERROR_SECONDS
    assert "cannot fetch dataset 'someone/no-such-dataset'" in message and "unreachable" in message
    assert first_text(client) == load_raw("sample:topics")["train"][0]["text"]


def test_a_streaming_sample_offline_fails_fast(client: Client):
    message = error_of(client, "someone/huge", "", "", 1000, "train", api_name="/load_dataset")

    assert "cannot fetch a streaming sample of dataset 'someone/huge'" in message


def test_a_ragged_csv_by_path_is_refused_too(client: Client, tmp_path: Path):
    path = tmp_path / "ragged.csv"
    path.write_bytes(BAD_FILES["ragged.csv"][0])

    assert "ragged: line 3" in error_of(client, str(path), "", "", 0, "", api_name="/load_dataset")
