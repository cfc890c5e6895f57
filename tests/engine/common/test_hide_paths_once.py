"""`hide_server_paths` runs on every cell of the jobs table at every poll: its pattern is built once per data
directory, and still follows `STUDIO_DATA_DIR` when it changes."""

from engine.common.access import _server_path_pattern, hide_server_paths


def test_the_pattern_is_built_once_for_many_cells_and_again_only_for_another_data_directory(
    studio_data_dir, tmp_path, monkeypatch
):
    _server_path_pattern.cache_clear()
    cells = [f"{studio_data_dir}/uploads/a1/b2/reviews-{i}.csv" for i in range(5_000)]

    assert hide_server_paths(cells) == [f"…/reviews-{i}.csv" for i in range(5_000)]
    assert _server_path_pattern.cache_info().misses == 1

    other = tmp_path / "other-data"
    monkeypatch.setenv("STUDIO_DATA_DIR", str(other))
    assert hide_server_paths(f"trained on {other}/jobs/3/model, not {studio_data_dir}/x.csv") == (
        f"trained on …/model, not {studio_data_dir}/x.csv"
    )
    assert _server_path_pattern.cache_info().misses == 2
