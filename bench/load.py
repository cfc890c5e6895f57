"""Load: concurrent `gradio_client` users against a launched app, and training requests beyond the device's limit.

Each simulated user opens its own session and loops over the three things visitors of a shared Space do most:
tokenize a sentence (Tokenizer tab), browse a page of an open dataset (Datasets tab) and classify a sentence with
a tiny classifier (Try tab). Meanwhile three one-epoch `scratch:tiny` jobs are requested at once: on one device
they must run one at a time, the waiting ones showing their queue position.

    python -m bench.load --users 20 --seconds 60

The app runs as `python app.py` in a process of its own (as on a Space: the users' clients do not share its
interpreter), with a temporary data directory and no Hub; the tiny classifier is `tests/tiny_models.py`'s biased
classifier, so the Try tab's latency is the app's, not a model's.
"""

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import astuple, dataclass, field
from pathlib import Path

from bench.padding import machine_jiffies, others_load
from engine.jobs.store import JobStore
from tests.app.launch import StudioClient, app_py_environment, serve_app_py, stop_jobs
from tests.app.tokenizer_client import TokenizeCall
from tests.tiny_models import biased_classifier

SENTENCES = ["Striker scores twice in the cup final", "The museum opens at nine", "a lovely film, truly charming"]
# The 11 inputs of /start_training: dataset, config, text, pair, label, model, epochs, batch, lr, max_length, seed.
TRAINING_ARGS = ("sample:topics", "", "", "", "", "scratch:tiny", 1, 16, None, 32, 0)
TRAINING_JOBS = 3
POLL_S = 0.5
MONITORING_VARIABLE = "GRADIO_ANALYTICS_CACHE_FREQUENCY"  # app.py sets 1,000; gradio's default is 1


@dataclass
class Calls:
    """Latencies (seconds) and errors per endpoint, shared by the user threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, client: StudioClient, endpoint: str, *inputs) -> None:
        """Call `endpoint` with `inputs`, recording its latency or its error."""
        start = time.perf_counter()
        try:
            client.predict(*inputs, api_name=endpoint)
        except Exception as error:  # a load test counts every failure, whatever its kind
            with self.lock:
                self.errors[endpoint].append(f"{type(error).__name__}: {error}"[:200])
            return
        with self.lock:
            self.latencies[endpoint].append(time.perf_counter() - start)

    def table(self) -> list[dict]:
        rows = []
        for endpoint in sorted(set(self.latencies) | set(self.errors)):
            values = sorted(self.latencies[endpoint])
            p95 = values[min(len(values) - 1, int(0.95 * len(values)))] if values else None
            rows.append(
                {
                    "endpoint": endpoint,
                    "calls": len(values) + len(self.errors[endpoint]),
                    "errors": len(self.errors[endpoint]),
                    "p50_s": statistics.median(values) if values else None,
                    "p95_s": p95,
                }
            )
        return rows


def user(url: str, classifier: Path, calls: Calls, stop_at: float, seed: int) -> None:
    """One visitor: opens a dataset in its session once, then tokenizes, browses and predicts until `stop_at`."""
    rng = random.Random(seed)
    client = StudioClient(url)
    calls.timed(client, "/load_dataset", "sample:topics", "", "", 0, "")
    while time.monotonic() < stop_at:
        sentence = rng.choice(SENTENCES)
        calls.timed(client, "/tokenize", *astuple(TokenizeCall(model="scratch:tiny", text=sentence)))
        calls.timed(client, "/browse", "train", rng.randrange(0, 860, 20), 20)
        calls.timed(client, "/predict", str(classifier), sentence, "")


@dataclass
class QueueWatch:
    """What polling the training jobs saw: the queue positions the waiting ones showed, and how each ended."""

    job_ids: list[int] = field(default_factory=list)
    positions: set[int] = field(default_factory=set)
    final: dict[int, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def most_at_once(database: Path, job_ids: list[int]) -> int:
    """The most of these jobs that ran at the same time, from the start and finish times the database recorded.

    Polling statuses cannot tell: one poll reads the jobs one after the other, so a job seen running before it
    finished and the next one seen running after it started look simultaneous.
    """
    store = JobStore(database)
    jobs = [store.get(job_id) for job_id in job_ids]
    edges = sorted(
        [(job.started_at, 1) for job in jobs if job.started_at]
        + [(job.finished_at, -1) for job in jobs if job.started_at and job.finished_at]
    )  # at equal times the finish (-1) sorts first: a hand-over is not an overlap
    running = most = 0
    for _, change in edges:
        running += change
        most = max(most, running)
    return most


def watch_queue(url: str, watch: QueueWatch, until: float) -> None:
    """Request the training jobs at once, then poll them until they end (or `until`)."""
    client = StudioClient(url)
    for _ in range(TRAINING_JOBS):
        try:
            _, started = client.predict(*TRAINING_ARGS, api_name="/start_training")
            watch.job_ids.append(started["id"])
        except Exception as error:
            watch.errors.append(f"{type(error).__name__}: {error}"[:200])
    while time.monotonic() < until:
        states = [client.predict(job_id, api_name="/job_status") for job_id in watch.job_ids]
        watch.positions |= {state["queue_position"] for state in states if state["queue_position"]}
        watch.final = {state["id"]: state["status"] for state in states}
        if all(state["status"] not in ("queued", "running") for state in states):
            return
        time.sleep(POLL_S)


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc; its children (training jobs) not counted."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime: fields 14 and 15


def run(
    users: int, seconds: float, train: bool, jobs_timeout_s: float = 600.0, server_env: dict[str, str] | None = None
) -> dict:
    """Launch the app (with `server_env` added to its environment), run the users (and the training requests)
    and return what was measured."""
    with tempfile.TemporaryDirectory(prefix="studio-load-") as folder:
        folder = Path(folder)
        classifier = biased_classifier(folder / "classifier", ["negative", "positive"], favour=1)
        data_dir = folder / "data"
        data_dir.mkdir()
        environ = app_py_environment(data_dir, **(server_env or {}))
        with serve_app_py(environ, folder / "server.log") as served:
            url, calls, watch = served.url, Calls(), QueueWatch()
            idle_before = machine_jiffies()
            time.sleep(3.0)  # how busy the machine was before the test began, without our load
            idle_load = others_load(idle_before, machine_jiffies(), 0.0)
            start, jiffies = time.monotonic(), machine_jiffies()
            cpu_start, server_start = time.process_time(), process_cpu_seconds(served.pid)
            stop_at = start + seconds
            threads = [
                threading.Thread(target=user, args=(url, classifier, calls, stop_at, seed)) for seed in range(users)
            ]
            if train:
                threads.append(threading.Thread(target=watch_queue, args=(url, watch, start + jobs_timeout_s)))
            for thread in threads:
                thread.start()
            for thread in threads[:users]:
                thread.join()
            wall = time.monotonic() - start
            clients_cpu = time.process_time() - cpu_start
            server_cpu = process_cpu_seconds(served.pid) - server_start
            load = others_load(jiffies, machine_jiffies(), clients_cpu + server_cpu)
            for thread in threads[users:]:
                thread.join()
        stop_jobs(data_dir / "studio.sqlite3")
        most_running = most_at_once(data_dir / "studio.sqlite3", watch.job_ids) if train else 0
    table = calls.table()
    served_calls = sum(row["calls"] - row["errors"] for row in table)
    return {
        "users": users,
        "seconds": round(wall, 1),
        "calls": table,
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_ms_per_call": round(1000 * server_cpu / max(1, served_calls), 1),
        "clients_cpu_s": round(clients_cpu, 1),
        "error_samples": {name: errors[:3] for name, errors in calls.errors.items() if errors},
        "others_load_before": idle_load,
        "others_load_during": load,
        "training": {
            "jobs": watch.job_ids,
            "most_running_at_once": most_running,
            "queue_positions_seen": sorted(watch.positions),
            "final": watch.final,
            "errors": watch.errors,
        }
        if train
        else None,
    }


def print_report(result: dict) -> None:
    print(f"{result['users']} users for {result['seconds']} s")
    print("| endpoint | calls | errors | p50 (s) | p95 (s) |")
    print("|---|---:|---:|---:|---:|")
    for row in result["calls"]:
        p50 = f"{row['p50_s']:.3f}" if row["p50_s"] is not None else "-"
        p95 = f"{row['p95_s']:.3f}" if row["p95_s"] is not None else "-"
        print(f"| `{row['endpoint']}` | {row['calls']} | {row['errors']} | {p50} | {p95} |")
    print(
        f"server CPU: {result['server_cpu_s']} s ({result['server_cpu_ms_per_call']} ms a call); "
        f"the users' clients (this process): {result['clients_cpu_s']} s"
    )
    for name, samples in result["error_samples"].items():
        print(f"errors of {name}: {samples}")
    for label in ("others_load_before", "others_load_during"):  # "during" leaves out the server and the clients
        value = result[label]
        print(f"{label}: {'unknown' if value is None else f'{value:.0%} of all cores'}")
    if result["training"]:
        print(f"training: {result['training']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-training", action="store_true", help="skip the three queued training jobs")
    parser.add_argument(
        "--compare-monitoring",
        action="store_true",
        help="run twice: gradio's default (monitoring summary after every event), then the app's (every 1,000)",
    )
    args = parser.parse_args()
    if not args.compare_monitoring:
        print_report(run(args.users, args.seconds, train=not args.no_training))
        return
    results = {}
    for every in ("1", "1000"):
        print(f"\n## GRADIO_ANALYTICS_CACHE_FREQUENCY={every}")
        results[every] = run(args.users, args.seconds, train=False, server_env={MONITORING_VARIABLE: every})
        print_report(results[every])
    before, after = (results[every]["server_cpu_ms_per_call"] for every in ("1", "1000"))
    print(f"\nserver CPU a call: {before} ms -> {after} ms ({before / after:.2f}x less)")


if __name__ == "__main__":
    main()
