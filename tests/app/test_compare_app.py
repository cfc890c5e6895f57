"""The `/compare_runs` endpoint of a launched app, through `gradio_client`: runs picked by id or by a filter, the
best run with its margin against the seed-to-seed spread, and the settings that differ."""

import pytest
from gradio_client.exceptions import AppError

from engine.jobs.store import JobStore
from tests.compared_runs import record_run


@pytest.fixture(scope="module")
def runs(studio) -> dict[str, int]:
    """Two seeds of one setting, a higher learning rate, and another visitor's run on an uploaded file."""
    store = JobStore(studio.database)
    upload = str(studio.data_dir / "uploads" / "someone" / "a1" / "reviews.csv")
    made = {
        "seed 1": record_run(store, 0.80, name="seed 1", seed=1),
        "seed 2": record_run(store, 0.82, name="seed 2", seed=2),
        "high lr": record_run(store, 0.90, name="high lr", learning_rate=1e-3),
        "upload": record_run(store, 0.60, name="upload run", dataset=upload),
    }
    return {name: job.id for name, job in made.items()}


def test_picked_runs_get_the_best_the_margin_and_whether_it_beats_the_seed_spread(client, runs):
    ids = [runs["seed 1"], runs["seed 2"], runs["high lr"]]

    result = client.predict(ids, api_name="/compare_runs")

    assert result["metric"] == "f1" and (result["best"], result["runner_up"]) == (runs["high lr"], runs["seed 2"])
    assert result["ranking"] == [runs["high lr"], runs["seed 2"], runs["seed 1"]]
    assert result["margin"] == pytest.approx(0.08)
    assert result["seed_spread"] == pytest.approx(0.02)
    assert result["seed_spread_runs"] == [runs["seed 1"], runs["seed 2"]]
    assert result["margin_beyond_spread"] is True
    assert "larger than the seed-to-seed spread of 0.02" in result["verdict"]
    assert [row["setting"] for row in result["settings"]] == ["learning_rate", "seed"]


def test_a_filter_selects_runs_and_another_visitors_server_paths_stay_hidden(client, runs, monkeypatch):
    monkeypatch.setenv("STUDIO_SERVER_PATHS", "data-dir")  # a shared server (read on every call)
    result = client.predict([], metric="loss", name="upload", api_name="/compare_runs")

    assert [run["id"] for run in result["runs"]] == [runs["upload"]]
    assert result["verdict"].startswith(f"Only #{runs['upload']} has a validation loss (0.5)")

    shown = client.predict([runs["upload"], runs["seed 1"]], show_all=True, api_name="/compare_runs")
    dataset = next(row for row in shown["settings"] if row["setting"] == "dataset")
    assert f"#{runs['upload']} upload run" in dataset
    assert dataset[f"#{runs['upload']} upload run"] == "…/reviews.csv"


def test_a_wrong_request_names_what_is_wrong(client, runs):
    with pytest.raises(AppError, match="no runs to compare: pick runs, or filter them"):
        client.predict([], api_name="/compare_runs")
    with pytest.raises(AppError, match="smoothing must be from 0 \\(none\\) to 0.99, not 1.5"):
        client.predict([runs["seed 1"]], smoothing=1.5, api_name="/compare_runs")
    with pytest.raises(AppError, match="x-axis must be one of step, epoch, samples, time"):
        client.predict([runs["seed 1"]], axis="tokens", api_name="/compare_runs")
    with pytest.raises(AppError, match="no training job 9999"):
        client.predict([9999], api_name="/compare_runs")
