"""On a Space, a file uploaded by a Hugging Face user is theirs: it loads by its path for them, in any later
request, and for nobody else."""

from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.app.launch import CALL_TIMEOUT_S, serve_app_py
from tests.space.fake_openid import fake_hub
from tests.space.test_hub_sign_in import CLIENT_ID, USER, _sign_in, _space_environment


def _predict(client: Client, *args, api_name: str):
    return client.submit(*args, api_name=api_name).result(timeout=CALL_TIMEOUT_S)


def test_a_signed_in_users_upload_opens_by_its_path_for_them_only(tmp_path: Path):
    upload = tmp_path / "ada-notes.csv"
    upload.write_text("text,label\na private note,pos\nanother,neg\n")
    with fake_hub(USER, CLIENT_ID) as hub:
        (tmp_path / "studio-data").mkdir()
        environ = _space_environment(tmp_path / "studio-data", hub.url)
        with serve_app_py(environ, tmp_path / "server.log") as served:
            signed_in = Client(served.url, verbose=False, headers={"Cookie": f"session={_sign_in(served.url)}"})
            kept = _predict(signed_in, handle_file(str(upload)), api_name="/upload_dataset")

            # Another call of the same user, with no key of any kind: the sign-in names the owner.
            again = Client(served.url, verbose=False, headers={"Cookie": f"session={_sign_in(served.url)}"})
            assert "**train** 2 rows" in _predict(again, kept, "", "", 0, "", api_name="/load_dataset")[0]
            with pytest.raises(AppError, match="this upload is someone else's"):
                _predict(Client(served.url, verbose=False), kept, "", "", 0, "", api_name="/load_dataset")
