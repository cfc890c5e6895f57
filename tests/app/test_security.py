"""Security through the launched app: one session cannot touch another's job; a Hub token leaves no trace."""

import logging
from pathlib import Path

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from engine.jobs.store import ACTIVE
from engine.models.loading import resolve_model
from engine.models.refs import parse_model_ref
from tests.app.launch import LaunchedStudio, StudioClient, wait_for_status

TOKEN = "hf_NeverWriteMeDownAnywhere0123456789"
TIMEOUT_S = 180.0


def _error(client: StudioClient, *args, api_name: str) -> str:
    with pytest.raises(AppError) as raised:
        client.predict(*args, api_name=api_name)
    return str(raised.value)


def _wait_until_finished(client: StudioClient, job_id: int) -> dict:
    return wait_for_status(client, job_id, lambda s: s["status"] not in ACTIVE, f"job {job_id} to stop", TIMEOUT_S)


def test_a_second_session_can_neither_stop_nor_delete_the_first_sessions_job(studio_url: str):
    owner, stranger = StudioClient(studio_url), StudioClient(studio_url)
    # scratch:tiny on the bundled sample, 30 epochs: still running when the stranger tries to stop it.
    args = ("sample:sentiment", "", "", "", "", "scratch:tiny", 30, 16, None, 32, 0)
    _, started = owner.predict(*args, api_name="/start_training")
    job_id = started["id"]
    # The stranger's own job waits behind it; starting it also lists every job in the stranger's page.
    _, own = stranger.predict(*args, api_name="/start_training")
    assert stranger.predict(own["id"], api_name="/stop_job")["status"] == "cancelled"

    message = _error(stranger, job_id, api_name="/stop_job")
    assert f"job {job_id} was started by someone else" in message and "can stop it" in message
    assert stranger.predict(job_id, api_name="/job_status")["status"] in ACTIVE

    owner.predict(job_id, api_name="/stop_job")
    assert _wait_until_finished(owner, job_id)["status"] == "cancelled"

    message = _error(stranger, job_id, True, api_name="/delete_job")
    assert f"job {job_id} was started by someone else" in message and "can delete it" in message
    owner.predict(job_id, True, api_name="/delete_job")
    assert f"no training job {job_id}" in _error(owner, job_id, api_name="/job_status")


def test_a_hub_token_typed_for_a_push_is_written_nowhere(
    client: StudioClient, studio: LaunchedStudio, caplog: pytest.LogCaptureFixture
):
    # A local model folder of the user's own: the scratch starter saved with save_pretrained.
    folder = resolve_model(parse_model_ref("scratch:tiny"), lambda: ["a few words to build a vocabulary from"], 0)
    caplog.set_level(logging.DEBUG)

    message = _error(client, str(folder), "someone/finetuned", TOKEN, True, api_name="/push_to_hub")

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
