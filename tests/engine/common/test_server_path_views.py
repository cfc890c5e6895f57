"""engine.common.access: a job's server paths are shown to its owner and operators, cut to names for others."""

from engine.common.access import OPERATOR, Requester, hide_server_paths, may_see_server_paths, new_browser_key
from engine.common.paths import REPO_ROOT, data_dir


def test_paths_inside_the_data_directory_or_the_app_keep_only_their_last_name():
    upload = data_dir() / "uploads" / "3f2a" / "tok" / "reviews.csv"
    shown = {
        "config": {"dataset": str(upload), "model": "scratch:tiny", "epochs": 3},
        "error": f"cannot read {data_dir()}/jobs/3/model: gone",
        "lines": [f"{REPO_ROOT}/engine/jobs/worker.py", "/etc/hosts"],
    }

    assert hide_server_paths(shown) == {
        "config": {"dataset": "…/reviews.csv", "model": "scratch:tiny", "epochs": 3},
        "error": "cannot read …/model: gone",
        "lines": ["…/worker.py", "/etc/hosts"],  # a path outside both is no server path of ours to hide
    }


def test_on_a_shared_server_only_the_owner_and_operators_see_a_jobs_paths(monkeypatch):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "data-dir")
    alice, mallory = Requester(browser_key=new_browser_key()), Requester(browser_key=new_browser_key())

    assert may_see_server_paths(alice.owner, alice)
    assert may_see_server_paths(alice.owner, OPERATOR)
    assert not may_see_server_paths(alice.owner, mallory)
    assert not may_see_server_paths(None, mallory)  # a job whose owner is unknown (an older row)


def test_where_any_path_may_be_typed_everyone_sees_them(monkeypatch):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "anywhere")  # one person's machine

    assert may_see_server_paths("browser:someone-else", Requester(browser_key=new_browser_key()))
