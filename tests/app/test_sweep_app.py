"""The Sweep panel's endpoints through `gradio_client`: estimate, start, status and stop, wrong input named by its
box; and a sweep that loses no trial when its server is stopped and started again mid-sweep."""

import pytest
from gradio_client.exceptions import AppError

from engine.jobs.store import ACTIVE, COMPLETED, JobStore
from tests.app.launch import StudioClient, app_py_environment, serve_app_py, stop_jobs
from tests.conftest import review_rows
from tests.waiting import wait_until
from ui.sweep_actions import FORM

TIMEOUT_S = 400


@pytest.fixture(scope="module")
def reviews(tmp_path_factory, write_csv) -> str:
    folder = tmp_path_factory.mktemp("sweep-app-reviews")
    write_csv(folder / "train.csv", review_rows(96))
    write_csv(folder / "validation.csv", review_rows(16))
    return str(folder)


# The Train form as the page first shows it (a field another tab adds later is sent empty).
PAGE = {
    "scheduler": "linear",
    "warmup_ratio": 0.1,
    "weight_decay": 0.01,
    "gradient_accumulation_steps": 1,
    "max_grad_norm": 1.0,
    "eval_strategy": "epoch",
    "eval_steps": 0,
    "load_best_model_at_end": False,
    "metric_for_best_model": "f1",
    "early_stopping_patience": 0,
    "precision": "auto",
    "auto_find_batch_size": False,
    "gradient_checkpointing": False,
    "task": "auto",
    "threshold": 0.5,
    "tune_thresholds": True,
    "standardize": False,
    "label_all_tokens": False,
    "scheme": "auto",
    "max_answer_length": 30,
    "n_best": 20,
}


def _sweep(reviews: str, **fields) -> dict:
    """The /start_sweep and /estimate_sweep inputs by name: the Train form's run (scratch:tiny, one short epoch)."""
    run = {"dataset": reviews, "model": "scratch:tiny", "epochs": 1, "batch_size": 16, "max_length": 32, "seed": 0}
    sweep = {"vary": "seed=1,2", "strategy": "grid", "trials": "", "seeds": 1, "prune": "auto", "sweep_name": ""}
    given = PAGE | run | sweep | fields
    return {name: given.get(name, "") for name in FORM.names}


def test_the_estimate_says_how_many_runs_and_wrong_input_names_its_box(client, reviews):
    note = client.predict(**_sweep(reviews, vary="lr=1e-4,5e-4\nbatch_size=8,16"), api_name="/estimate_sweep")
    assert "grid over learning_rate=0.0001,0.0005 batch_size=8,16: 4 runs" in note and "updates" in note
    for fields, message in (
        ({"vary": "seed=1,2\ndropout=0.1"}, "Settings to vary, line 2: cannot vary 'dropout'"),
        ({"strategy": "random"}, "trials must be a whole number in [1, 100] for random"),
        ({"trials": "x", "strategy": "random"}, "Trials: 'x' is not a number"),
        ({"seeds": 0}, "Seeds: 0 is out of range"),
    ):
        with pytest.raises(AppError) as raised:
            client.predict(**_sweep(reviews, **fields), api_name="/start_sweep")
        assert message in str(raised.value)


def test_a_sweep_started_from_the_endpoint_is_stopped_as_a_whole(client, reviews, studio):
    _, started = client.predict(**_sweep(reviews, vary="seed=1,2,3", epochs=30), api_name="/start_sweep")
    assert len(started["job_ids"]) == 3
    store = JobStore(studio.database)
    wait_until(lambda: store.get(started["job_ids"][0]).step > 0, "the first trial's first step", TIMEOUT_S)

    note = client.predict(started["sweep_id"], api_name="/stop_sweep")
    assert f"Sweep {started['sweep_id']} stopping" in note
    wait_until(
        lambda: all(job.status not in ACTIVE for job in store.sweep_jobs(started["sweep_id"])), "stopped", TIMEOUT_S
    )
    report = client.predict(started["sweep_id"], api_name="/sweep_status")
    assert report["status"] == "stopped" and report["counts"] == {"cancelled": 3}


def test_a_server_restart_mid_sweep_loses_no_trial(tmp_path, reviews):
    data_dir = tmp_path / "studio-data"
    data_dir.mkdir()
    store = JobStore(data_dir / "studio.sqlite3")
    try:
        with serve_app_py(app_py_environment(data_dir), tmp_path / "first.log") as served:
            client = StudioClient(served.url)
            _, started = client.predict(**_sweep(reviews, vary="seed=1,2,3"), api_name="/start_sweep")
            wait_until(lambda: store.get(started["job_ids"][0]).step > 0, "the first trial's first step", TIMEOUT_S)
        # The first server is gone; the sweep lives in the database.
        assert any(job.status in ACTIVE for job in store.sweep_jobs(started["sweep_id"])), "finished before restart"

        with serve_app_py(app_py_environment(data_dir), tmp_path / "second.log") as served:
            client = StudioClient(served.url)

            def finished():
                report = client.predict(started["sweep_id"], api_name="/sweep_status")
                return report if report["status"] != "running" else None

            report = wait_until(finished, "the sweep to finish after the restart", TIMEOUT_S, interval_s=2)
    finally:
        stop_jobs(data_dir / "studio.sqlite3")
    assert report["status"] == "finished" and report["counts"] == {COMPLETED: 3}
    assert sorted(row["job_id"] for row in report["trials"]) == started["job_ids"]
    assert report["best"]["value"] == max(row["value"] for row in report["trials"])
