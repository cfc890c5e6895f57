"""Security through the launched app: one visitor cannot touch another's jobs or uploads; a Hub token leaves no
trace; no pickled weights are loaded."""

import json
import logging
import shutil
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from engine.common.access import new_browser_key
from engine.jobs.store import ACTIVE, JobStore
from engine.models.loading import resolve_model
from engine.models.refs import parse_model_ref
from tests.app.launch import CALL_TIMEOUT_S, LaunchedStudio, StudioClient, wait_for_status
from tests.tiny_models import biased_classifier
from ui import owner

TOKEN = "hf_NeverWriteMeDownAnywhere0123456789"
TIMEOUT_S = 180.0


def _error(client: StudioClient, *args, api_name: str, **kwargs) -> str:
    with pytest.raises(AppError) as raised:
        client.predict(*args, api_name=api_name, **kwargs)
    return str(raised.value)


def _wait_until_finished(client: StudioClient, job_id: int) -> dict:
    return wait_for_status(client, job_id, lambda s: s["status"] not in ACTIVE, f"job {job_id} to stop", TIMEOUT_S)


def test_a_job_is_managed_by_the_browser_key_that_started_it_after_a_reload_and_never_by_a_copied_session(
    studio_url: str, studio: LaunchedStudio
):
    key = new_browser_key()  # what the page's BrowserState keeps in local storage across reloads
    owner, stranger = StudioClient(studio_url), StudioClient(studio_url)
    # scratch:tiny on the bundled sample, 30 epochs: still running when the stranger tries to stop it.
    args = ("sample:sentiment", "", "", "", "", "scratch:tiny", 30, 16, None, 32, 0)
    _, started = owner.predict(*args, owner_key=key, api_name="/start_training")
    job_id = started["id"]
    # The stranger's own job waits behind it; starting it also lists every job in the stranger's page.
    stranger_key = new_browser_key()
    _, own = stranger.predict(*args, owner_key=stranger_key, api_name="/start_training")
    assert stranger.predict(own["id"], owner_key=stranger_key, api_name="/stop_job")["status"] == "cancelled"

    # The session hash travels in heartbeat URLs: a stranger who copies it is still not the owner.
    stranger.session_hash = owner.session_hash
    for stolen in ({}, {"owner_key": stranger_key}):
        message = _error(stranger, job_id, **stolen, api_name="/stop_job")
        assert f"job {job_id} was started by someone else" in message and "can stop it" in message
    assert stranger.predict(job_id, api_name="/job_status")["status"] in ACTIVE

    # The owner reloads the page: a new session, the same key. The job is still theirs. (A page lists the jobs on
    # load, which a script cannot trigger: a second job, queued behind the first and cancelled, lists them here.)
    reloaded = StudioClient(studio_url)
    _, queued = reloaded.predict(*args, owner_key=key, api_name="/start_training")
    assert reloaded.predict(queued["id"], owner_key=key, api_name="/stop_job")["status"] == "cancelled"
    reloaded.predict(job_id, owner_key=key, api_name="/stop_job")
    assert _wait_until_finished(reloaded, job_id)["status"] == "cancelled"

    message = _error(stranger, job_id, True, api_name="/delete_job")
    assert f"job {job_id} was started by someone else" in message and "can delete it" in message
    # Only a hash of the key is recorded: the database does not hand it to whoever reads it.
    assert JobStore(studio.database).get(job_id).owner.startswith("browser:")
    assert key.encode() not in studio.database.read_bytes()
    reloaded.predict(job_id, True, owner_key=key, api_name="/delete_job")
    assert f"no training job {job_id}" in _error(reloaded, job_id, api_name="/job_status")


def test_a_short_owner_key_is_refused_naming_the_bound(client: StudioClient, tmp_path: Path):
    upload = handle_file(str(_write(tmp_path / "short-key.csv", "text,label\ngood,pos\nbad,neg\n")))

    message = _error(client, upload, owner_key="guessable", api_name="/upload_dataset")

    assert "the owner key is 9 characters long; it must have at least 32" in message


def test_uploads_are_kept_apart_per_owner_under_unique_names_and_an_uploads_folder_is_never_a_model(
    studio_url: str, studio: LaunchedStudio, tmp_path: Path
):
    alice, mallory = StudioClient(studio_url), StudioClient(studio_url)
    alice_key, mallory_key = new_browser_key(), new_browser_key()
    private = _write(tmp_path / "alice" / "reviews.csv", "text,label\nalice's private note,pos\nanother,neg\n")
    kept_private = Path(alice.predict(handle_file(str(private)), owner_key=alice_key, api_name="/upload_dataset"))

    # The same file name from someone else: a file of its own, Alice's rows untouched.
    same_name = _write(tmp_path / "mallory" / "reviews.csv", "text,label\nmallory's rows,neg\nmore,pos\n")
    kept_same = Path(mallory.predict(handle_file(str(same_name)), owner_key=mallory_key, api_name="/upload_dataset"))
    assert kept_same != kept_private and kept_same.parent.parent != kept_private.parent.parent
    assert kept_private.read_text() == private.read_text()
    # The path alone opens nothing (it shows in a shared job's settings): only for its owner, whose page sends
    # the key in a cookie with every request.
    load = (str(kept_private), "", "", 0, "")
    assert "this upload is someone else's" in _error(mallory, *load, api_name="/load_dataset")
    assert "this upload is someone else's" in _error(alice, *load, api_name="/load_dataset")  # a session is no key
    with_cookie = Client(studio_url, verbose=False, headers={"Cookie": f"{owner.COOKIE}={alice_key}"})
    summary = with_cookie.submit(*load, api_name="/load_dataset").result(timeout=CALL_TIMEOUT_S)[0]
    assert "**train** 2 rows" in summary

    # Files that make a folder look like a model: uploaded side by side, they still are not one.
    mallory_files = [
        Path(mallory.predict(handle_file(str(path)), owner_key=mallory_key, api_name="/upload_dataset"))
        for path in (
            _write(tmp_path / "mallory" / "config.json", '{"model_type": "bert", "architectures": ["BertModel"]}'),
            _write(tmp_path / "mallory" / "tokenizer.json", '{"version": "1.0", "model": {"type": "WordLevel"}}'),
        )
    ]
    mallory_page = Client(studio_url, verbose=False, headers={"Cookie": f"{owner.COOKIE}={mallory_key}"})
    own_folders = {kept_same.parent.parent, *(path.parent for path in mallory_files)}
    others = {studio.data_dir / "uploads", kept_private.parent, kept_private.parent.parent}
    for folder, refusal in [*((f, "never a model") for f in own_folders), *((f, "someone else's") for f in others)]:
        for endpoint in ("/download_model", "/model_card"):
            with pytest.raises(AppError, match=refusal):
                mallory_page.submit(str(folder), api_name=endpoint).result(timeout=CALL_TIMEOUT_S)
    assert not list((studio.data_dir / "downloads").glob("*.zip"))
    # Nothing left in Gradio's cache, which serves its files to anyone with their URL.
    cache = Path(studio.environ["GRADIO_TEMP_DIR"])
    assert [path.name for path in cache.rglob("*") if path.is_file() and path.name.endswith((".csv", ".json"))] == []


def test_a_refused_upload_leaves_no_file_anywhere(client: StudioClient, studio: LaunchedStudio, tmp_path: Path):
    ragged = _write(tmp_path / "ragged-upload.csv", "text,label\nfine,pos\ntoo,many,fields\n")

    assert "is ragged" in _error(
        client, handle_file(str(ragged)), owner_key=new_browser_key(), api_name="/upload_dataset"
    )

    assert [path for path in studio.data_dir.rglob("ragged-upload*")] == []


def test_a_pickled_model_folder_is_refused_before_anything_is_unpickled(
    client: StudioClient, studio: LaunchedStudio, monkeypatch
):
    import torch

    folder = studio.data_dir / "models" / "pickled"
    biased_classifier(folder, ["neg", "pos"], favour=1)
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    (folder / "pytorch_model.bin").write_bytes(b"a pickle that must never be opened")
    loads = []
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(a) or {})  # the server runs in this process

    refused = "holds only pickled weights (pytorch_model.bin); Finetune Studio loads safetensors only"
    assert refused in _error(
        client, "text-classification", str(folder), "a fine film", "", 16, api_name="/run_pipeline"
    )
    args = (str(studio.data_dir / "no-such"), "", "", "", "", str(folder), 1, 16, None, 32, 0)
    assert refused in _error(client, *args, api_name="/plan_training")
    assert loads == []


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_hub_token_typed_for_a_push_is_written_nowhere(
    client: StudioClient, studio: LaunchedStudio, caplog: pytest.LogCaptureFixture
):
    # A finished job's model (what a completed run publishes): the scratch starter saved with save_pretrained.
    folder = resolve_model(parse_model_ref("scratch:tiny"), lambda: ["a few words to build a vocabulary from"], 0)
    shutil.copytree(folder, studio.data_dir / "jobs" / "9001" / "model")
    caplog.set_level(logging.DEBUG)

    message = _error(client, "job:9001", "someone/finetuned", TOKEN, True, api_name="/push_to_hub")

    assert "Hub" in message and TOKEN not in message  # refused offline, and the page is not shown the token
    assert TOKEN not in caplog.text
    written = [path for path in studio.data_dir.rglob("*") if path.is_file()]
    assert studio.database in written
    assert [path for path in written if TOKEN.encode() in path.read_bytes()] == []


def test_a_confined_server_refuses_typed_paths_outside_its_data_directory_but_takes_uploads(
    client: StudioClient, studio: LaunchedStudio, tmp_path, monkeypatch
):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "data-dir")  # the server runs in this process and reads it per call
    outside = tmp_path / "reviews.csv"
    outside.write_text("text,label\na lovely film,pos\na dull film,neg\n")
    confined = "this server opens only files in its data directory (STUDIO_SERVER_PATHS=data-dir)"

    for source in (str(outside), "/etc", str(tmp_path / "no-such.csv")):
        assert confined in _error(client, source, "", "", 0, "", api_name="/load_dataset")
    assert confined in _error(client, str(tmp_path), "hello", "", api_name="/predict")

    # The same file, uploaded: kept in the data directory, where the server opens it.
    kept = client.predict(handle_file(str(outside)), api_name="/upload_dataset")
    assert Path(kept).resolve().is_relative_to(studio.data_dir.resolve())
    assert client.predict(kept, "", "", 0, "", api_name="/load_dataset")
    assert client.predict("train", 0, 20, api_name="/browse")[2] == "rows 0–1 of 2"


def test_on_a_shared_server_another_visitor_sees_a_jobs_file_names_but_not_its_server_paths(
    studio_url: str, studio: LaunchedStudio, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "data-dir")  # the server runs in this process and reads it per call
    alice_key, mallory_key = new_browser_key(), new_browser_key()
    # As a page does: the key as an input of the actions, and in a cookie with every request (a path check reads it).
    alice = Client(studio_url, verbose=False, headers={"Cookie": f"{owner.COOKIE}={alice_key}"})
    mallory = Client(studio_url, verbose=False, headers={"Cookie": f"{owner.COOKIE}={mallory_key}"})
    private = _write(tmp_path / "alice-reviews.csv", "text,label\n" + "a lovely film,pos\na dull film,neg\n" * 10)
    kept = alice.predict(handle_file(str(private)), owner_key=alice_key, api_name="/upload_dataset")
    args = (kept, "", "", "", "", "scratch:tiny", 1, 16, None, 32, 0)
    _, started = alice.predict(*args, owner_key=alice_key, api_name="/start_training")

    seen_by_alice = alice.predict(started["id"], owner_key=alice_key, api_name="/job_status")
    seen_by_mallory = mallory.predict(started["id"], owner_key=mallory_key, api_name="/job_status")

    assert seen_by_alice["config"]["dataset"] == kept
    assert seen_by_mallory["config"]["dataset"] == "…/alice-reviews.csv"
    shown = json.dumps(seen_by_mallory, ensure_ascii=False)
    assert str(studio.data_dir.resolve()) not in shown and str(studio.data_dir) not in shown
    _wait_until_finished(alice, started["id"])
