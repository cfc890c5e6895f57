"""The `/repeat_with_seeds` endpoint of a launched app, through `gradio_client`: a finished run repeated with seeds
becomes a sweep whose status gives the mean ± spread, whose runs the comparison measures the spread on; wrong input
is named by its box."""

import pytest
from gradio_client.exceptions import AppError

from engine.jobs.store import ACTIVE, JobStore
from engine.training.checks import check_config
from engine.training.config import TrainConfig
from tests.compared_runs import record_run
from tests.conftest import review_rows
from tests.waiting import wait_until

TIMEOUT_S = 400


@pytest.fixture(scope="module")
def finished_run(studio, tmp_path_factory, write_csv) -> int:
    """A completed run on 96 short reviews (scratch:tiny, one epoch), as a started job and its child record it."""
    folder = tmp_path_factory.mktemp("repeat-app-reviews")
    write_csv(folder / "train.csv", review_rows(96))
    write_csv(folder / "validation.csv", review_rows(16))
    run = TrainConfig(dataset=str(folder), model="scratch:tiny", epochs=1.0, max_length=32, learning_rate=2e-3, seed=3)
    settings = check_config(run).config.to_dict() | {"name": "short run"}  # as a started job records them
    return record_run(JobStore(studio.database), 0.8, **settings).id


def test_a_run_repeated_with_seeds_is_a_sweep_with_its_mean_and_spread(client, studio, finished_run):
    started = client.predict(finished_run, 2, api_name="/repeat_with_seeds")

    assert started["name"] == "short run × 2 seeds" and len(started["job_ids"]) == 2
    store = JobStore(studio.database)
    jobs = store.sweep_jobs(started["sweep_id"])
    assert [job.config["seed"] for job in jobs] == [3, 4] and all(job.config["learning_rate"] == 2e-3 for job in jobs)
    wait_until(
        lambda: all(job.status not in ACTIVE for job in store.sweep_jobs(started["sweep_id"])),
        "the repeats",
        TIMEOUT_S,
    )

    report = client.predict(started["sweep_id"], api_name="/sweep_status")
    assert report["status"] == "finished" and report["counts"] == {"completed": 2}, report["trials"]
    [spread] = report["seeds"]
    assert spread["runs"] == 2 and spread["low"] <= spread["mean"] <= spread["high"]

    compared = client.predict([finished_run], sweep=str(started["sweep_id"]), api_name="/compare_runs")
    assert sorted(compared["seed_spread_runs"]) == sorted([finished_run, *started["job_ids"]])


@pytest.mark.parametrize(
    ("job", "seeds", "message"),
    [
        (None, 3, "Job: select the job to repeat with seeds"),
        ("run", 1, "Repeats: seeds must be a whole number in [2, 10], not 1"),
        ("run", 11, "Repeats: seeds must be a whole number in [2, 10], not 11"),
        (9999, 3, "no training job 9999"),
    ],
)
def test_a_wrong_repeat_names_what_is_wrong(client, studio, finished_run, job, seeds, message):
    before = JobStore(studio.database).sweep_ids()
    with pytest.raises(AppError) as raised:
        client.predict(finished_run if job == "run" else job, seeds, api_name="/repeat_with_seeds")
    assert message in str(raised.value)
    assert JobStore(studio.database).sweep_ids() == before
