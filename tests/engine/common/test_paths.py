"""engine.common.paths: one data directory, read from STUDIO_DATA_DIR at every call."""

from engine.common import paths


def test_data_dir_follows_studio_data_dir_at_every_call(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "first"))
    first = paths.jobs_dir()
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "second"))

    assert first == tmp_path / "first" / "jobs"
    assert paths.jobs_dir() == tmp_path / "second" / "jobs"


def test_every_folder_the_app_writes_lives_under_the_data_dir(studio_data_dir):
    written = [
        paths.database_path(),
        paths.jobs_dir(),
        paths.datasets_cache_dir(),
        paths.scratch_models_dir(),
        paths.uploads_dir(),
    ]

    assert all(path.is_relative_to(studio_data_dir) for path in written)
    assert studio_data_dir.is_dir()
