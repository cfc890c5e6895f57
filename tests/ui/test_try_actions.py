"""ui.try_actions: the Evaluate and Compare forms follow the model's own dataset; another model clears the results."""

from types import SimpleNamespace

import pytest

from engine.common.access import Requester, new_browser_key
from engine.common.paths import data_dir
from engine.jobs.store import JobStore
from ui import owner, try_actions

# One form's values as the page sends them: dataset, config, split, text, second text, label, note.
SAMPLE_FORM = ("sample:sentiment", "", "test", "text", "", "label", "")


def _value(update):
    return update["value"] if isinstance(update, dict) else update


def test_a_job_model_sets_both_forms_to_its_dataset_held_out_split_and_columns(store: JobStore):
    job = store.create({"dataset": "sample:paraphrase", "model": "scratch:tiny", "text_column": "sentence1"})

    updates = try_actions.model_dataset(f"job:{job.id}", *SAMPLE_FORM, *SAMPLE_FORM)

    evaluate, compare = updates[:7], updates[7:]
    assert [_value(update) for update in evaluate[:6]] == [
        "sample:paraphrase",
        "",
        "test",
        "sentence1",
        "sentence2",
        "label",
    ]
    assert evaluate[2]["choices"] == ["train", "validation", "test"]
    assert [_value(update) for update in compare] == [_value(update) for update in evaluate]


def test_a_job_on_a_single_file_evaluates_on_its_only_split(store: JobStore, tmp_path, write_csv):
    path = write_csv(tmp_path / "mine.csv", {"review": ["Good.", "Bad.", "Fine."], "sentiment": ["p", "n", "p"]})
    job = store.create(
        {"dataset": str(path), "model": "scratch:tiny", "text_column": "review", "label_column": "sentiment"}
    )

    updates = try_actions.model_dataset(f"job:{job.id}", *SAMPLE_FORM, *SAMPLE_FORM)

    assert [_value(update) for update in updates[:6]] == [str(path), "", "train", "review", "", "sentiment"]


@pytest.mark.parametrize("model", ["some/hub-model", "", None])
def test_a_model_the_studio_did_not_train_leaves_the_forms_as_they_are(store: JobStore, model):
    assert try_actions.model_dataset(model, *SAMPLE_FORM, *SAMPLE_FORM) == [{"__type__": "update"}] * 14


def test_when_the_page_opens_a_model_from_elsewhere_gets_the_columns_of_the_dataset_the_form_shows(store: JobStore):
    blank = ("sample:paraphrase", "", None, None, None, None, "")

    updates = try_actions.opened_forms("some/hub-model", *blank, *blank)

    evaluate, compare = updates[:7], updates[7:]
    assert evaluate[:2] == [{"__type__": "update"}] * 2  # the dataset stays; only its pickers are filled
    assert evaluate[2]["choices"] == ["train", "validation", "test"] and evaluate[2]["value"] == "test"
    assert [_value(update) for update in evaluate[3:6]] == ["sentence1", "sentence2", "label"]
    assert compare == evaluate


def test_when_the_page_opens_a_job_model_gets_its_own_dataset(store: JobStore):
    job = store.create({"dataset": "sample:paraphrase", "model": "scratch:tiny", "text_column": "sentence1"})

    opened = try_actions.opened_forms(f"job:{job.id}", *SAMPLE_FORM, *SAMPLE_FORM)

    assert opened == try_actions.model_dataset(f"job:{job.id}", *SAMPLE_FORM, *SAMPLE_FORM)


def test_an_uploaded_file_fills_the_file_form_with_its_columns(tmp_path, write_csv):
    path = write_csv(tmp_path / "to-predict.csv", {"id": ["1", "2"], "comment": ["Nice place.", "Too loud."]})

    text, pair, note = try_actions.file_columns(str(path), "text", "")

    assert (text["value"], pair["value"]) == ("comment", "")
    assert ("id", "id") in text["choices"] and ("(none)", "") in pair["choices"]
    assert note == ""


def test_a_file_that_cannot_be_read_says_why_in_one_line_and_keeps_what_was_typed(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("")

    text, _, note = try_actions.file_columns(str(broken), "body", "")

    assert text["value"] == "body"
    assert note.startswith("Columns not listed:") and "\n" not in note


def test_another_model_clears_every_result_panel():
    cleared = try_actions.cleared_results()

    assert len(cleared) == 21
    assert all(value is None or len(value) == 0 for value in cleared)


def test_another_visitors_job_on_a_server_file_is_not_shown_to_them_but_is_to_its_owner(store: JobStore, monkeypatch):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "data-dir")
    alice = Requester(browser_key=new_browser_key())
    upload = str(data_dir() / "uploads" / "3f2a" / "tok" / "reviews.csv")
    job = store.create({"dataset": upload, "model": "scratch:tiny"}, owner=alice.owner)
    as_alice = SimpleNamespace(session_hash="s1", username=None, cookies={owner.COOKIE: alice.browser_key})
    as_mallory = SimpleNamespace(session_hash="s2", username=None, cookies={})

    seen_by_mallory = try_actions.model_dataset(f"job:{job.id}", *SAMPLE_FORM, *SAMPLE_FORM, request=as_mallory)
    seen_by_alice = try_actions.model_dataset(f"job:{job.id}", *SAMPLE_FORM, *SAMPLE_FORM, request=as_alice)

    assert seen_by_mallory == [{"__type__": "update"}] * 14
    assert seen_by_alice[0] == upload
