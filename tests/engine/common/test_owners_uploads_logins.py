"""Owners named by a browser key (hashed), uploads kept per owner under unique names, the uploads folder never a
model, pickled weights refused up front, and failed logins throttled."""

import hashlib
import shutil

import pytest

from engine.common import access
from engine.common.access import LoginThrottle, Requester, local_path, login_check, new_browser_key
from engine.common.paths import uploads_dir
from engine.common.uploads import keep_upload
from engine.models.refs import parse_model_ref
from tests.tiny_models import biased_classifier

TABLES = {".csv", ".json"}


def test_a_browser_key_names_its_owner_by_a_hash_the_same_across_sessions():
    key = new_browser_key()
    before_reload, after_reload = Requester(session="one", browser_key=key), Requester(session="two", browser_key=key)

    assert before_reload.owner == after_reload.owner and before_reload.owner.startswith("browser:")
    assert key not in before_reload.owner and key not in repr(before_reload)
    assert Requester(session="one", browser_key=new_browser_key()).owner != before_reload.owner
    # A copied session hash without the key is not the key's owner.
    assert Requester(session="one").owner != before_reload.owner
    assert Requester(username="ada", browser_key=key).owner == "user:ada"


def test_a_short_browser_key_is_refused_naming_the_bound():
    with pytest.raises(ValueError, match="the owner key is 4 characters long; it must have at least 32"):
        Requester(browser_key="abcd")


def _csv(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_two_uploads_of_one_name_never_overwrite_each_other_and_stay_in_their_owners_folders(tmp_path):
    alice, bob = Requester(browser_key=new_browser_key()), Requester(browser_key=new_browser_key())
    first = keep_upload(_csv(tmp_path / "a" / "reviews.csv", "text,label\nalice,pos\nrow,neg\n"), TABLES, alice)
    second = keep_upload(_csv(tmp_path / "b" / "reviews.csv", "text,label\nbob,neg\nrow,pos\n"), TABLES, bob)
    again = keep_upload(_csv(tmp_path / "c" / "reviews.csv", "text,label\nalice again,pos\nrow,neg\n"), TABLES, alice)

    assert len({first, second, again}) == 3 and {first.name, second.name, again.name} == {"reviews.csv"}
    assert first.read_text().startswith("text,label\nalice,")
    assert first.parent.parent == again.parent.parent == uploads_dir() / alice.folder_name
    assert second.parent.parent == uploads_dir() / bob.folder_name


def test_the_same_file_uploaded_again_by_its_owner_is_kept_once_under_its_content_hash(tmp_path):
    alice, bob = Requester(browser_key=new_browser_key()), Requester(browser_key=new_browser_key())
    content = "text,label\nsame,pos\nrows,neg\n"
    first = keep_upload(_csv(tmp_path / "a" / "reviews.csv", content), TABLES, alice)
    again = keep_upload(_csv(tmp_path / "b" / "reviews.csv", content), TABLES, alice)
    bobs = keep_upload(_csv(tmp_path / "c" / "reviews.csv", content), TABLES, bob)

    assert again == first and first.parent.name == hashlib.sha256(content.encode()).hexdigest()[:12]
    assert [path for path in first.parent.parent.rglob("*") if path.is_file()] == [first]  # no copy, no leftover
    assert bobs != first and bobs.parent.name == first.parent.name  # the same bytes, each owner's own copy


def test_an_upload_that_fails_while_written_leaves_no_file(tmp_path, monkeypatch):
    def copy_half_then_fail(source, target):
        target.write_bytes(source.read_bytes()[:5])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("engine.common.uploads.copy_hashed", copy_half_then_fail)

    with pytest.raises(OSError, match="the disk is full in the data directory while keeping the uploaded file"):
        keep_upload(_csv(tmp_path / "reviews.csv", "text,label\ngood,pos\nbad,neg\n"), TABLES)
    assert [path for path in uploads_dir().rglob("*") if path.is_file()] == []


def test_uploaded_model_files_never_make_the_uploads_folder_a_model(tmp_path):
    requester = Requester(browser_key=new_browser_key())
    model = biased_classifier(tmp_path / "model", ["neg", "pos"], favour=1)
    # Even a whole model copied into the uploads folder (by any route) is data there, never a model.
    copied = shutil.copytree(model, uploads_dir() / requester.folder_name / "whole-model")
    kept = keep_upload(model / "config.json", TABLES, requester)

    for folder in (uploads_dir(), copied, kept.parent, kept.parent.parent):
        with pytest.raises(ValueError, match="an uploaded file is data, never a model"):
            parse_model_ref(str(folder))


def test_a_folder_with_only_pickled_weights_is_refused_when_the_reference_is_parsed(tmp_path):
    folder = biased_classifier(tmp_path / "pickled", ["neg", "pos"], favour=1)
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    (folder / "pytorch_model.bin").write_bytes(b"never unpickled")

    with pytest.raises(ValueError, match=r"holds only pickled weights \(pytorch_model.bin\).*safetensors only"):
        parse_model_ref(str(folder))
    (folder / "pytorch_model.bin").unlink()
    assert parse_model_ref(str(folder)).kind == "local"  # no weights at all (a tokenizer only): nothing to unpickle


def test_failed_logins_lock_the_name_out_for_a_doubling_while_and_a_success_clears_them():
    now = [0.0]
    throttle = LoginThrottle(free_tries=3, base_s=2.0, max_s=8.0, clock=lambda: now[0])
    check = login_check((("ada", "s3cret"),), throttle)

    assert [check("ada", "guess") for _ in range(3)] == [False] * 3 and throttle.locked_for("ada") == 0
    assert not check("ada", "guess") and throttle.locked_for("ada") == 2.0
    assert not check("ada", "s3cret")  # locked out: refused unchecked, the right password too
    assert throttle.locked_for("bob") == 0  # other names are not held up
    now[0] = 2.0
    assert not check("ada", "guess") and throttle.locked_for("ada") == 4.0
    now[0] = 100.0
    assert not check("ada", "guess") and throttle.locked_for("ada") == 8.0  # capped at max_s
    now[0] = 200.0
    assert check("ada", "s3cret") and throttle.locked_for("ada") == 0
    assert not check("nobody", "s3cret") and not check("ada", "")


def test_while_serving_a_request_an_upload_path_opens_only_for_its_owner(tmp_path, monkeypatch):
    alice, mallory = Requester(browser_key=new_browser_key()), Requester(browser_key=new_browser_key())
    kept = keep_upload(_csv(tmp_path / "reviews.csv", "text,label\nprivate,pos\nrow,neg\n"), TABLES, alice)
    serving = [mallory]
    monkeypatch.setattr(access, "_requester_source", lambda: serving[0])

    for reference in (kept, kept.parent, uploads_dir() / alice.folder_name, uploads_dir()):
        with pytest.raises(ValueError, match="this upload is someone else's; upload the file yourself"):
            local_path(str(reference))
    serving[0] = alice
    assert local_path(str(kept)) == kept
    serving[0] = None  # not serving a request: the CLI or the training child, the operator
    assert local_path(str(kept)) == kept


@pytest.mark.parametrize("mode", ["anywhere", "data-dir"])
def test_a_reference_that_cannot_be_a_path_is_a_user_error(mode, monkeypatch):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", mode)

    with pytest.raises(ValueError, match=r"'data\\x00.csv' is not a usable path: embedded null byte"):
        local_path("data\x00.csv")


def test_a_page_opens_what_its_session_uploaded_before_its_key_arrived_and_no_other_session_does(
    tmp_path, monkeypatch
):
    """Measured with the cores over-committed: the upload went out before the page had its key (kept as the
    session's), the load after it carried the key, and the page was told its own upload was someone else's."""
    early = Requester(session="page-session")  # the upload, sent in the page's first seconds
    kept = keep_upload(_csv(tmp_path / "notes.csv", "text,label\nmine,pos\nrow,neg\n"), TABLES, early)
    serving = [Requester(session="page-session", browser_key=new_browser_key())]  # the load, with the key
    monkeypatch.setattr(access, "_requester_source", lambda: serving[0])

    assert local_path(str(kept)) == kept
    serving[0] = Requester(session="another-session", browser_key=new_browser_key())
    with pytest.raises(ValueError, match="this upload is someone else's"):
        local_path(str(kept))
