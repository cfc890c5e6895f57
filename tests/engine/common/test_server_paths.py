"""STUDIO_SERVER_PATHS: on a shared server, typed dataset and model paths stay inside the data directory."""

import shutil
from pathlib import Path

import pytest

from engine.common.access import NotAllowedError, local_path
from engine.common.paths import SAMPLES_DIR, uploads_dir
from engine.common.settings import settings
from engine.datasets.session import DatasetRef, open_dataset
from engine.datasets.sources import load_raw
from engine.models.refs import LOCAL, parse_model_ref
from tests.tiny_models import biased_classifier

CONFINED = "this server opens only files in its data directory (STUDIO_SERVER_PATHS=data-dir)"


@pytest.fixture
def confined(monkeypatch):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "data-dir")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A CSV dataset and a model folder beside the data directory, not in it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    shutil.copy(SAMPLES_DIR / "sentiment" / "train.csv", folder / "train.csv")
    biased_classifier(folder / "model", ["negative", "positive"], favour=1)
    return folder


@pytest.mark.parametrize(
    ("environment", "mode"),
    [
        ({}, "anywhere"),
        ({"GRADIO_SERVER_NAME": "127.0.0.1"}, "anywhere"),
        ({"SPACE_ID": "someone/studio"}, "data-dir"),
        ({"STUDIO_AUTH": "ada:s3cret"}, "data-dir"),
        ({"GRADIO_SERVER_NAME": "0.0.0.0"}, "data-dir"),  # the Docker image: reachable by others
        ({"GRADIO_SERVER_NAME": "0.0.0.0", "STUDIO_SERVER_PATHS": "anywhere"}, "anywhere"),
    ],
)
def test_paths_are_confined_by_default_wherever_others_reach_the_app(monkeypatch, environment, mode):
    for name in ("SPACE_ID", "STUDIO_AUTH", "GRADIO_SERVER_NAME", "STUDIO_SERVER_PATHS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert settings().server_paths == mode


def test_a_wrong_mode_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "home")
    with pytest.raises(ValueError, match="STUDIO_SERVER_PATHS must be one of anywhere, data-dir, not 'home'"):
        settings()


def test_anywhere_opens_a_dataset_and_a_model_outside_the_data_directory(monkeypatch, outside):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "anywhere")
    assert len(load_raw(str(outside / "train.csv"))["train"]) > 0
    assert parse_model_ref(str(outside / "model")).kind == LOCAL


@pytest.mark.usefixtures("confined")
@pytest.mark.parametrize("name", ["train.csv", "missing.csv", ".", "model", "missing-folder"])
def test_confined_a_path_outside_is_refused_the_same_whether_it_exists_or_not(outside, name):
    reference = str(outside / name)
    for load in (load_raw, parse_model_ref, lambda source: open_dataset(DatasetRef(source=source))):
        with pytest.raises(NotAllowedError) as raised:
            load(reference)
        assert str(raised.value) == f"{reference}: {CONFINED}; upload the file, or give a Hub id"


@pytest.mark.usefixtures("confined")
@pytest.mark.parametrize("reference", ["/etc/passwd", "~/.bashrc", "../../etc", "./app.py"])
def test_confined_system_files_home_files_and_relative_escapes_are_refused(reference):
    with pytest.raises(NotAllowedError, match="STUDIO_SERVER_PATHS=data-dir"):
        local_path(reference)


@pytest.mark.usefixtures("confined")
def test_confined_uploads_and_models_in_the_data_directory_still_open(studio_data_dir, outside):
    upload = uploads_dir() / "reviews.csv"
    shutil.copy(outside / "train.csv", upload)
    model = shutil.copytree(outside / "model", studio_data_dir / "models" / "mine")

    assert len(load_raw(str(upload))["train"]) > 0
    assert parse_model_ref(str(model)).kind == LOCAL
    assert len(load_raw(str(SAMPLES_DIR / "sentiment"))["train"]) > 0  # the bundled samples, by path too
    assert len(load_raw("sample:sentiment")["train"]) > 0


@pytest.mark.usefixtures("confined")
def test_confined_a_dotdot_or_a_symlink_out_of_the_data_directory_is_refused(studio_data_dir, outside):
    escape = studio_data_dir / "uploads" / ".." / ".." / "elsewhere" / "train.csv"
    studio_data_dir.mkdir(parents=True, exist_ok=True)
    link = studio_data_dir / "link-out"
    link.symlink_to(outside)

    for reference in (str(escape), str(link / "train.csv"), str(link / "model")):
        with pytest.raises(NotAllowedError, match="STUDIO_SERVER_PATHS=data-dir"):
            local_path(reference)


@pytest.mark.usefixtures("confined")
def test_confined_a_bare_name_is_a_hub_id_even_where_a_local_file_has_that_name(outside, monkeypatch):
    monkeypatch.chdir(outside)  # "train.csv" and "model" exist here, outside the data directory

    assert local_path("model") is None
    assert parse_model_ref("model").kind == "hub"
    with pytest.raises(FileNotFoundError, match="no such file or folder: train.csv"):
        load_raw("train.csv")  # a file name is no Hub id: refused without reading the file
