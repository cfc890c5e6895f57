"""The operator's settings: read from the environment on every call, refused with a message naming the variable."""

import ast
from pathlib import Path

import pytest

from engine.common.access import NotAllowedError, Requester
from engine.common.paths import REPO_ROOT
from engine.common.settings import DEFAULT_MAX_QUEUED_JOBS, Settings, remote_code_allowed, settings
from engine.jobs.actions import clone_job, resume_job, start_job
from engine.jobs.store import JobStore
from engine.training.config import TrainConfig

VARIABLES = (
    "STUDIO_MAX_QUEUED_JOBS",
    "STUDIO_TRAINING",
    "STUDIO_AUTH",
    "STUDIO_OPERATORS",
    "SPACE_ID",
    "STUDIO_SERVER_PATHS",
    "GRADIO_SERVER_NAME",
)


@pytest.fixture(autouse=True)
def _clean_settings(monkeypatch):
    for name in (*VARIABLES, "STUDIO_ALLOW_REMOTE_CODE"):
        monkeypatch.delenv(name, raising=False)


def test_without_variables_everyone_trains_without_login_and_remote_code_is_off():
    assert settings() == Settings()
    assert settings().max_queued_jobs == DEFAULT_MAX_QUEUED_JOBS
    assert settings().training == "everyone" and settings().auth == () and not settings().allow_remote_code


def test_variables_are_read_on_every_call(monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_QUEUED_JOBS", "3")
    assert settings().max_queued_jobs == 3
    monkeypatch.setenv("STUDIO_MAX_QUEUED_JOBS", "5")
    assert settings().max_queued_jobs == 5


def test_auth_pairs_are_split_on_commas_and_the_first_colon(monkeypatch):
    monkeypatch.setenv("STUDIO_AUTH", "ada:s3cret, bob:pa:ss")
    assert settings().auth == (("ada", "s3cret"), ("bob", "pa:ss"))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("STUDIO_MAX_QUEUED_JOBS", "many", "STUDIO_MAX_QUEUED_JOBS must be a whole number, not 'many'"),
        ("STUDIO_MAX_QUEUED_JOBS", "0", "STUDIO_MAX_QUEUED_JOBS must be at least 1, not 0"),
        ("STUDIO_TRAINING", "admins", "STUDIO_TRAINING must be one of everyone, signed-in, nobody, not 'admins'"),
        ("STUDIO_AUTH", "ada", "the entry for 'ada' has no ':'"),
        ("STUDIO_AUTH", "ada:", "STUDIO_AUTH pairs need a user and a password; got user 'ada'"),
        ("STUDIO_ALLOW_REMOTE_CODE", "maybe", "STUDIO_ALLOW_REMOTE_CODE must be one of 1, true, yes, on, 0"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as raised:
        settings()
    assert message in str(raised.value)


def test_an_auth_error_never_echoes_a_password(monkeypatch):
    monkeypatch.setenv("STUDIO_AUTH", "ada:topsecret,:hunter2")
    with pytest.raises(ValueError) as raised:
        settings()
    assert "hunter2" not in str(raised.value) and "topsecret" not in str(raised.value)


@pytest.mark.parametrize(("value", "allowed"), [("1", True), ("true", True), ("off", False), ("", False)])
def test_remote_code_is_allowed_only_when_switched_on(monkeypatch, value, allowed):
    monkeypatch.setenv("STUDIO_ALLOW_REMOTE_CODE", value)
    assert remote_code_allowed() is allowed


def test_hub_sign_in_is_used_only_on_a_space_that_trains_signed_in_users_only(monkeypatch):
    monkeypatch.setenv("STUDIO_TRAINING", "signed-in")
    assert not settings().hub_sign_in
    monkeypatch.setenv("SPACE_ID", "someone/finetune-studio")
    assert settings().hub_sign_in
    monkeypatch.setenv("STUDIO_TRAINING", "everyone")
    assert not settings().hub_sign_in


def _loads_in(path: Path) -> list[ast.Call]:
    calls = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("from_pretrained", "pipeline"):
                calls.append(node)
    return calls


def test_every_model_tokenizer_config_and_pipeline_load_in_the_engine_follows_the_remote_code_setting():
    files = sorted((REPO_ROOT / "engine").rglob("*.py"))
    calls = [(path.name, call) for path in files for call in _loads_in(path)]
    assert len(calls) >= 7  # recipe, checks, plan, models, task_pipelines (2), run, classifier
    for name, call in calls:
        keyword = next((k for k in call.keywords if k.arg == "trust_remote_code"), None)
        assert keyword is not None, f"{name}:{call.lineno} loads without trust_remote_code"
        assert ast.unparse(keyword.value) == "remote_code_allowed()", f"{name}:{call.lineno}"


def _config(folder: Path) -> TrainConfig:
    return TrainConfig(dataset=str(folder), model="scratch:tiny", epochs=1, batch_size=8, max_length=32)


def test_with_training_off_nobody_starts_resumes_or_clones(tiny_csv_folder, monkeypatch):
    store = JobStore()
    job = store.create({"dataset": "x", "model": "scratch:tiny"}, owner="cli")
    store.mark_failed(job.id, "test")
    monkeypatch.setenv("STUDIO_TRAINING", "nobody")
    for attempt in (
        lambda: start_job(_config(tiny_csv_folder), store),
        lambda: resume_job(job.id, store),
        lambda: clone_job(job.id, store),
    ):
        with pytest.raises(NotAllowedError, match=r"training is turned off on this server \(STUDIO_TRAINING=nobody\)"):
            attempt()
    assert [j.id for j in store.list()] == [job.id]


def test_with_signed_in_training_a_browser_session_alone_cannot_start(tiny_csv_folder, monkeypatch):
    monkeypatch.setenv("STUDIO_TRAINING", "signed-in")
    with pytest.raises(NotAllowedError, match="sign in to start training"):
        start_job(_config(tiny_csv_folder), requester=Requester(session="abc"))
    assert JobStore().list() == []


def test_a_start_beyond_the_queue_limit_is_refused_naming_the_limit(tiny_csv_folder, monkeypatch):
    store = JobStore()
    for _ in range(2):
        store.create({"dataset": "x", "model": "scratch:tiny"}, device="elsewhere", owner="cli")  # never dispatched
    monkeypatch.setenv("STUDIO_MAX_QUEUED_JOBS", "2")
    with pytest.raises(ValueError, match=r"2 jobs are already queued or running.*STUDIO_MAX_QUEUED_JOBS=2"):
        start_job(_config(tiny_csv_folder), store)
    assert len(store.list()) == 2


def test_two_users_starting_at_once_cannot_both_take_the_last_place(tiny_csv_folder, monkeypatch):
    import threading

    import engine.jobs.actions
    import engine.jobs.queue

    monkeypatch.setenv("STUDIO_MAX_QUEUED_JOBS", "1")
    monkeypatch.setattr(engine.jobs.queue, "advance_queue", lambda store: None)  # queued, never started
    both_checked = threading.Barrier(2)
    real_check = engine.jobs.actions.check_config

    def slow_check(config):
        resolved = real_check(config)
        both_checked.wait(timeout=30)  # both passed the early capacity check before either creates its job
        return resolved

    monkeypatch.setattr(engine.jobs.actions, "check_config", slow_check)
    outcomes = []

    def start():
        try:
            start_job(_config(tiny_csv_folder))
            outcomes.append("queued")
        except ValueError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes)[1] == "queued" and "STUDIO_MAX_QUEUED_JOBS=1" in sorted(outcomes)[0]
    assert len(JobStore().list()) == 1
