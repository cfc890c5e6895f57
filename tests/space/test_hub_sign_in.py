"""Hugging Face sign-in on a Space, end to end, with a local OpenID provider in the Hub's place.

`python app.py` runs with the variables a Space with `hf_oauth: true` gets (SYSTEM, SPACE_ID, OAUTH_*,
OPENID_PROVIDER_URL) and `STUDIO_TRAINING=signed-in`. The test signs in the way a browser does (login, the
provider's authorize page, the callback with its code), then trains as that user through `gradio_client` with the
session cookie, and checks that a visitor without it is refused.
"""

import urllib.parse
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from engine.jobs.store import ACTIVE, JobStore
from tests.app.launch import CALL_TIMEOUT_S, app_py_environment, serve_app_py, wait_for_status
from tests.space.fake_openid import fake_hub

CLIENT_ID = "finetune-studio-test"
USER = "ada-lovelace"
# scratch:tiny on the bundled sample: the same arguments as the app tests' training calls.
TRAIN_ARGS = ("sample:sentiment", "", "", "", "", "scratch:tiny", 30, 16, None, 32, 0)


def _space_environment(data_dir: Path, provider_url: str) -> dict[str, str]:
    return app_py_environment(
        data_dir,
        SYSTEM="spaces",  # what gradio reads to know it runs on a Space
        SPACE_ID="someone/finetune-studio",
        OAUTH_CLIENT_ID=CLIENT_ID,
        OAUTH_CLIENT_SECRET="not-a-real-secret",
        OAUTH_SCOPES="openid profile",
        OPENID_PROVIDER_URL=provider_url,
        STUDIO_TRAINING="signed-in",
    )


def _session_cookie(response: httpx.Response) -> str:
    # Starlette marks the session cookie Secure (Spaces serve https), so no cookie jar sends it back over this
    # local http: the test carries it by hand, as the browser would over https.
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == "session":
            return rest.split(";", 1)[0]
    raise AssertionError(f"no session cookie in {response.status_code} {response.headers}")


def _sign_in(app_url: str) -> str:
    """Go through "Sign in with Hugging Face" as a browser would; return the signed-in session cookie."""
    with httpx.Client(follow_redirects=False, timeout=30) as http:
        login = http.get(f"{app_url}/login/huggingface")
        assert login.status_code in (302, 307), login.text
        cookie = _session_cookie(login)  # holds the OAuth state the callback checks
        authorize = http.get(login.headers["location"])  # the provider signs the user in and sends them back
        assert authorize.status_code == 302
        callback = authorize.headers["location"]
        assert callback.startswith(f"{app_url}/login/callback"), callback
        back = http.get(callback, headers={"Cookie": f"session={cookie}"})
        assert back.status_code in (302, 307), back.text
        assert urllib.parse.urlparse(back.headers["location"]).path == "/"
        return _session_cookie(back)


def _predict(client: Client, *args, api_name: str):
    return client.submit(*args, api_name=api_name).result(timeout=CALL_TIMEOUT_S)


@pytest.fixture
def space(tmp_path: Path):
    with fake_hub(USER, CLIENT_ID) as hub:
        (tmp_path / "studio-data").mkdir()
        environ = _space_environment(tmp_path / "studio-data", hub.url)
        with serve_app_py(environ, tmp_path / "server.log") as served:
            yield served.url, tmp_path / "studio-data" / "studio.sqlite3"


def test_a_visitor_signed_in_with_hugging_face_trains_as_that_user_and_a_visitor_is_refused(space):
    url, database = space
    visitor = Client(url, verbose=False)
    with pytest.raises(AppError, match="sign in to start training"):
        _predict(visitor, *TRAIN_ARGS, api_name="/start_training")
    assert "login/huggingface" in httpx.get(f"{url}/config", timeout=30).text  # the page shows the sign-in button

    signed_in = Client(url, verbose=False, headers={"Cookie": f"session={_sign_in(url)}"})
    _, job = _predict(signed_in, *TRAIN_ARGS, api_name="/start_training")

    assert JobStore(database).get(job["id"]).owner == f"user:{USER}"
    # Stopping needs the owner: the sign-in holds from call to call (another session is refused in test_security).
    assert _predict(signed_in, job["id"], api_name="/stop_job")["status"] in ("cancelled", *ACTIVE)
    stopped = wait_for_status(signed_in, job["id"], lambda s: s["status"] not in ACTIVE, "the stop", CALL_TIMEOUT_S)
    assert stopped["status"] == JobStore(database).get(job["id"]).status == "cancelled"
