"""The job database: every training run is a row in SQLite, so nothing is lost when the page or server restarts.

The web server creates rows and watches them; the training child updates its own row as it goes. Status is never
taken on faith: a row that says `running` is checked against its process (`refresh`), so a child that died
without a word is reported as failed, with the tail of its log.
"""

import json
import os
import sqlite3
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from engine.paths import database_path, jobs_dir

QUEUED, RUNNING, COMPLETED, FAILED = "queued", "running", "completed", "failed"
ACTIVE = (QUEUED, RUNNING)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    pid INTEGER,
    step INTEGER NOT NULL DEFAULT 0,
    total_steps INTEGER NOT NULL DEFAULT 0,
    loss REAL,
    metrics TEXT,
    error TEXT
)
"""


@dataclass
class Job:
    """One training run as stored in the database."""

    id: int
    created_at: float
    updated_at: float
    status: str
    config: dict
    pid: int | None = None
    step: int = 0
    total_steps: int = 0
    loss: float | None = None
    metrics: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def folder(self) -> Path:
        """The job's folder: `train.log`, `events.jsonl` and, once finished, `model/`."""
        return jobs_dir() / str(self.id)

    @property
    def model_dir(self) -> Path:
        return self.folder / "model"

    @property
    def log_path(self) -> Path:
        return self.folder / "train.log"

    @property
    def events_path(self) -> Path:
        return self.folder / "events.jsonl"

    def events(self) -> list[dict]:
        """Return the progress events the training child appended so far (train losses, evaluations)."""
        if not self.events_path.is_file():
            return []
        lines = self.events_path.read_text().splitlines()
        # The last line may be half-written while the child appends: skip what does not parse yet.
        events = []
        for line in lines:
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return events

    def log_tail(self, lines: int = 20) -> str:
        """Return the last lines of the job's log (empty when there is none yet)."""
        if not self.log_path.is_file():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "status": self.status,
            "step": self.step,
            "total_steps": self.total_steps,
            "loss": self.loss,
            "metrics": self.metrics,
            "error": self.error,
            "config": self.config,
            "output_dir": str(self.model_dir),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def _row_to_job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=row["status"],
        config=json.loads(row["config"]),
        pid=row["pid"],
        step=row["step"],
        total_steps=row["total_steps"],
        loss=row["loss"],
        metrics=json.loads(row["metrics"]) if row["metrics"] else {},
        error=row["error"],
    )


def pid_alive(pid: int | None) -> bool:
    """Return True when a process with this pid exists and is not a zombie."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    try:  # a finished child that nobody has waited for yet is a zombie: dead for our purposes
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


class JobStore:
    """Training jobs in a SQLite database (WAL mode, so readers never block the writing child)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else database_path()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    @contextmanager
    def _connect(self):
        # One short-lived connection per operation: safe across the server's threads and the child process.
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            with db:
                yield db

    def create(self, config: dict) -> Job:
        """Insert a queued job for `config` and create its folder."""
        now = time.time()
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO jobs (created_at, updated_at, status, config) VALUES (?, ?, ?, ?)",
                (now, now, QUEUED, json.dumps(config)),
            )
            job_id = cursor.lastrowid
        job = self.get(job_id)
        job.folder.mkdir(parents=True, exist_ok=True)
        return job

    def get(self, job_id: int) -> Job:
        """Return the job with this id.

        Raises:
            LookupError: no such job.
        """
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (int(job_id),)).fetchone()
        if row is None:
            raise LookupError(f"no training job {job_id}")
        return _row_to_job(row)

    def list(self, status: str | None = None) -> list[Job]:
        """Return all jobs, newest first, optionally only those with `status`."""
        query, args = "SELECT * FROM jobs", ()
        if status:
            query, args = query + " WHERE status = ?", (status,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY id DESC", args).fetchall()
        return [_row_to_job(row) for row in rows]

    def _update(self, job_id: int, **values: object) -> None:
        values["updated_at"] = time.time()
        columns = ", ".join(f"{name} = ?" for name in values)
        with self._connect() as db:
            db.execute(f"UPDATE jobs SET {columns} WHERE id = ?", (*values.values(), job_id))

    def mark_started(self, job_id: int, pid: int) -> None:
        """Record the pid of the job's process group leader (the launcher)."""
        with self._connect() as db:  # a child that already finished keeps its final status
            db.execute(
                "UPDATE jobs SET pid = ?, updated_at = ?, status = CASE WHEN status = ? THEN ? ELSE status END "
                "WHERE id = ?",
                (pid, time.time(), QUEUED, RUNNING, job_id),
            )

    def record_progress(self, job_id: int, step: int, total_steps: int, loss: float | None = None) -> None:
        """Record the optimizer step reached, out of how many, and the latest training loss."""
        values: dict = {"step": step, "total_steps": total_steps}
        if loss is not None:
            values["loss"] = loss
        self._update(job_id, **values)

    def mark_completed(self, job_id: int, metrics: dict) -> None:
        self._update(job_id, status=COMPLETED, metrics=json.dumps(metrics))

    def mark_failed(self, job_id: int, error: str) -> None:
        self._update(job_id, status=FAILED, error=error)

    def refresh(self, job: Job) -> Job:
        """Return the job, marked failed if it claims to be active but its process is gone."""
        if job.status in ACTIVE and job.pid and not pid_alive(job.pid):
            latest = self.get(job.id)  # the child may have finished between the two reads
            if latest.status in ACTIVE:
                tail = latest.log_tail(5)
                self.mark_failed(job.id, f"training process {job.pid} ended without reporting a result\n{tail}")
            return self.get(job.id)
        return job
