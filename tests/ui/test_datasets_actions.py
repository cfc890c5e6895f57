"""ui.datasets_actions: every Datasets action works from the page's defaults or names the one field to fill."""

import re
from contextlib import contextmanager

import gradio as gr
import pytest

from ui import datasets_actions as actions

# What a fresh page sends: Gradio's values of the Search and Shape boxes as the tab lays them out.
SEARCH_DEFAULTS = {"query": "", "column": None, "label": None, "min_chars": "", "max_chars": "", "offset": 0}
SHAPE_DEFAULTS = {"split": None, "column": "label", "new_name": "", "remove": [], "count": "", "seed": 42}


@pytest.fixture
def state(tiny_csv_folder) -> dict:
    """The open dataset, as the page keeps it after a load: train (60 rows, string labels) and test."""
    loaded = actions.load_dataset_view(str(tiny_csv_folder), "", "", "", "")
    return loaded[4]


@contextmanager
def page_error(pattern: str):
    """Expect the message the page shows (a `gr.Error`) to match `pattern`."""
    with pytest.raises(gr.Error) as raised:
        yield
    assert re.search(pattern, raised.value.message), raised.value.message


def search(state: dict, **changes) -> tuple:
    values = SEARCH_DEFAULTS | changes
    return actions.search_rows(
        state, "train", values["query"], values["column"], values["label"], values["min_chars"],
        values["max_chars"], values["offset"], 20,
    )  # fmt: skip


def shape(state: dict, kind: str, **changes) -> tuple:
    values = SHAPE_DEFAULTS | changes
    return actions.apply_shape_step(
        state, kind, values["split"], values["column"], values["new_name"], values["remove"], values["count"],
        values["seed"], 0.1,
    )  # fmt: skip


def test_a_text_search_with_empty_character_bounds_searches_every_text_column(state):
    rows, info = search(state, query="film")

    assert len(rows) == 12 and info.startswith("**12** of 60 rows of train match")


def test_a_search_with_nothing_to_find_names_the_text_field(state):
    with page_error(r"^Text: type what to find"):
        search(state)


def test_character_bounds_without_a_column_name_the_column_field(state):
    with page_error(r"^Column: pick the column whose length"):
        search(state, min_chars="10")


def test_a_character_bound_that_is_not_a_whole_number_names_its_field_and_range(state):
    with page_error(r"^Max characters: -3 is out of range; type a whole number of at least 0$"):
        search(state, column="text", max_chars="-3")


def test_a_length_range_keeps_the_rows_within_it(state):
    rows, _ = search(state, column="text", min_chars="0", max_chars=" 30 ")

    assert len(rows) > 0 and all(len(text) <= 30 for text in rows["text"])


def test_steps_that_need_no_row_count_ignore_the_empty_rows_box(state):
    shuffled, summary = shape(state, "shuffle")

    assert len(shuffled["steps"]) == 1 and "train" in summary


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("", r"^Rows: type how many rows to keep"),
        ("0", r"^Rows: 0 is out of range; type a whole number of at least 1$"),
    ],
)
def test_keeping_rows_names_the_rows_field_when_it_is_empty_or_out_of_range(state, count, message):
    with page_error(message):
        shape(state, "select", count=count)


def test_a_validation_split_from_a_string_label_column_casts_it_first_and_says_so(state):
    shaped, summary = shape(state, "validation_split")

    assert [step["kind"] for step in shaped["steps"]] == ["cast_label", "validation_split"]
    assert "**validation** 6 rows" in summary
    assert "Cast `label` to ClassLabel first" in summary


def test_a_step_that_reads_a_column_names_the_column_field_when_none_is_picked(state):
    with page_error(r"^Column: pick the column for the step 'drop rows whose column is empty'$"):
        shape(state, "drop_empty", column=None)


def test_an_empty_dataset_box_names_the_dataset_field():
    with page_error(r"^Dataset: no dataset given; pick a sample"):
        actions.load_dataset_view(" ", "", "", "", "")


def test_a_streaming_sample_that_is_not_a_whole_number_names_its_field():
    with page_error(r"^Streaming sample: 'ten' is not a number"):
        actions.load_dataset_view("sample:sentiment", "", "", "ten", "")


def test_the_row_and_page_numbers_are_checked_with_their_labels(state):
    with page_error(r"^Jump to row: -1 is out of range"):
        actions.browse(state, "train", -1, 20)
    with page_error(r"^Row: -2 is out of range"):
        actions.show_row(state, "train", -2)
    with page_error(r"^Batch size: 0 is out of range; type a whole number of at least 1$"):
        actions.tokenize_split(state, "train", "scratch:tiny", 128, 0)


def test_an_empty_sql_query_names_the_sql_field(state):
    with page_error(r"^Read-only SQL: empty"):
        actions.sql_rows(state, "train", "  ", 0, 20)


def test_a_reload_opens_the_kept_dataset_again_on_the_kept_split_with_its_shaping_steps(state: dict):
    shaped, _ = shape(state, "select", split="train", count="5")

    summary, _, split, rows, reopened, source = actions.reopen_dataset(shaped, "test")

    assert split["value"] == "test" and reopened == shaped and "**train** 5 rows" in summary
    assert len(rows) == len(actions.preview_split(state["source"], "", "test", 20, state))
    assert source == gr.skip()  # a shaped dataset is not its source: "Use for training" saves it first
    assert actions.reopen_dataset(state, "test")[5] == state["source"]


def test_a_reload_opens_the_first_split_when_the_kept_one_is_gone_and_nothing_when_nothing_was_kept(state: dict):
    assert actions.reopen_dataset(state, "validation")[2]["value"] == "train"
    assert actions.reopen_dataset(None, "train") == [gr.skip()] * 6


def test_a_kept_dataset_that_is_gone_is_said_in_the_summary_and_nothing_is_open(tmp_path):
    gone = {"source": str(tmp_path / "deleted.csv")}

    summary, *_, reopened, _ = actions.reopen_dataset(gone, "train")

    assert summary.startswith(f"Dataset: `{gone['source']}` could not be opened again after the reload: no such file")
    assert reopened == {} and actions.refresh_reopened(reopened, "train") == [gr.skip()] * 9
