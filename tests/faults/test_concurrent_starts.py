"""Four visitors press Start at the same moment on a fresh `python app.py`: every start is taken.

`datasets` reads files through `tqdm.contrib.concurrent.thread_map`, whose lock handling is not thread-safe on a
tqdm class that has no lock yet: concurrent first loads in the server's threads failed with "type object 'tqdm' has
no attribute '_lock'". The jobs are stopped as soon as they are taken: this test is about admission, not training.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.jobs.store import ACTIVE
from tests.app.launch import StudioClient, app_py_environment, serve_app_py, stop_jobs, wait_for_status

STARTS = 4


@pytest.fixture
def data_dir(tmp_path: Path):
    folder = tmp_path / "studio-data"
    folder.mkdir()
    yield folder
    stop_jobs(folder / "studio.sqlite3")


def test_four_concurrent_starts_on_a_fresh_server_are_all_queued_and_the_server_still_answers(data_dir, tmp_path):
    args = ("sample:sentiment", "", "", "", "", "scratch:tiny", 1, 16, None, 32, 0)  # the 11 inputs of /start_training
    with serve_app_py(app_py_environment(data_dir), tmp_path / "server.log") as served:
        clients = [StudioClient(served.url) for _ in range(STARTS)]  # each its own visitor (session)
        with ThreadPoolExecutor(STARTS) as pool:
            results = list(pool.map(lambda client: client.predict(*args, api_name="/start_training"), clients))

        jobs = [started for _, started in results]
        assert len({job["id"] for job in jobs}) == STARTS
        for client, job in zip(clients, jobs, strict=True):
            client.predict(job["id"], api_name="/stop_job")
        for client, job in zip(clients, jobs, strict=True):
            wait_for_status(client, job["id"], lambda status: status["status"] not in ACTIVE, "the job to stop", 120)
