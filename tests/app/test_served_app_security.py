"""`python app.py` itself, as deployed: its temporary files stay in its data directory, and a password cannot be
guessed at network speed on its login page."""

import time
import urllib.parse
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from engine.common.access import new_browser_key
from tests.app.launch import CALL_TIMEOUT_S, app_py_environment, http_status, serve_app_py

FREE_TRIES = 5  # LoginThrottle's default
FIRST_LOCKOUT_S = 1.0


@pytest.fixture
def served(tmp_path: Path):
    data_dir, host_tmp = tmp_path / "studio-data", tmp_path / "host-tmp"
    data_dir.mkdir()
    host_tmp.mkdir()
    environ = app_py_environment(data_dir, STUDIO_AUTH="ada:s3cret", TMPDIR=str(host_tmp))
    environ.pop("GRADIO_TEMP_DIR")  # as deployed: nobody sets it, so the app must
    with serve_app_py(environ, tmp_path / "server.log") as app:
        yield app.url, data_dir, host_tmp


def _login(url: str, password: str) -> int:
    form = urllib.parse.urlencode({"username": "ada", "password": password}).encode()
    return http_status(f"{url}/login", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_failed_logins_lock_the_name_out_and_the_right_password_works_after_the_wait(served):
    url, _, _ = served

    assert [_login(url, f"guess-{n}") for n in range(FREE_TRIES + 1)] == [400] * (FREE_TRIES + 1)
    assert _login(url, "s3cret") == 400  # locked out: refused unchecked, the right password too
    time.sleep(FIRST_LOCKOUT_S + 0.2)
    assert _login(url, "s3cret") == 200
    assert http_status(url + "/") == 200  # still serving


def test_gradios_cache_lives_in_the_data_directory_and_keeps_no_copy_of_an_upload(served, tmp_path):
    url, data_dir, host_tmp = served
    upload = tmp_path / "private-reviews.csv"
    upload.write_text("text,label\na private note,pos\nanother,neg\n")
    client = Client(url, auth=("ada", "s3cret"), verbose=False)

    kept = client.submit(handle_file(str(upload)), new_browser_key(), api_name="/upload_dataset").result(
        timeout=CALL_TIMEOUT_S
    )

    assert Path(kept).is_relative_to(data_dir / "uploads") and Path(kept).read_text() == upload.read_text()
    assert not (host_tmp / "gradio").exists()  # nothing in the host's shared /tmp/gradio
    copies = [path for path in data_dir.rglob("private-reviews.csv") if path != Path(kept)]
    assert copies == [], f"other copies: {copies}"
    assert (data_dir / "gradio-cache").is_dir()  # the cache Gradio was given instead
