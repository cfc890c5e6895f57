"""The job database: every training run is a row in SQLite, so nothing is lost when the page or server restarts.

The web server and the CLI create rows and watch them; the training child updates its own row and appends its
metric events. Status is never taken on faith: a row that says `running` is checked against its process
(`engine.jobs.process.check_alive`), so a child that died without a word is reported, with the tail of its log,
within seconds. The schema is created or migrated once per process and database file, and made again when the file
loses it (truncated or deleted while the server runs).

Faults are said in the user's words: another process holding the write lock is `DatabaseBusyError` after a few
seconds (the training child's own progress writes wait, retry and never stop the run); a file that is damaged,
unreadable or read-only is `DatabaseUnavailableError`, naming the file and how to recover. A job's folder
`jobs/<id>/` is created exclusively and never reused: ids always continue above the highest folder on disk, whatever
the database says. Status changes are compare-and-set transitions: a finished row is never rewritten by a late
writer.
"""

from __future__ import annotations  # `JobStore.list` would shadow `list` in annotations

import errno
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from engine.common.disk import DiskFullError
from engine.common.errors import NotFoundError, StudioError
from engine.common.paths import database_path, jobs_dir
from engine.training.events import Event, event_from_row
from engine.training.failures import ErrorCategory

logger = logging.getLogger(__name__)
LOG_BLOCK = 64 * 1024  # `Job.log_tail` reads the log backwards in blocks this large

# How long a call waits for another process's write lock before it gives up. An interactive call (a page, the CLI)
# says "busy" after a few seconds rather than hang; the training child's progress waits briefly and is kept for its
# next write, so a lock held for a minute slows training a little and stops nothing; a final status waits longest.
BUSY_TIMEOUT_S = 5.0
PROGRESS_TIMEOUT_S = 1.0
FINAL_TIMEOUT_S = 120.0


class DatabaseBusyError(StudioError):
    """Another process holds the job database's write lock for longer than a call may wait."""


class DatabaseUnavailableError(StudioError):
    """The job database cannot be used: damaged, unreadable, read-only, or not a database at all."""


def _recovery(path: Path) -> str:
    return (
        f"move it aside (mv {path.name} {path.name}.damaged, with its -wal and -shm files) and restart: a new "
        "database is made, job folders are kept and new job ids continue above them"
    )


def database_problem(path: Path | None = None) -> str | None:
    """What keeps the job database at `path` from being used (damaged, unreadable, read-only), or None when it can be.

    For a page to say so up front: the rest of the app (datasets, tokenizers, trying models) works without it.
    """
    try:
        JobStore(path)
    except DatabaseUnavailableError as error:
        return str(error)
    except DatabaseBusyError:
        return None  # a moment's lock, not a fault
    return None


# What SQLite says when the file, not the query, is at fault (a damaged header or page, a file it cannot open or read).
_UNUSABLE = ("not a database", "malformed", "unable to open", "disk i/o error", "corrupt")


def _database_error(error: sqlite3.Error, path: Path) -> Exception:
    """The user's words for an error SQLite raised on the job database at `path`; a bug's error is returned as is."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return DatabaseBusyError(
            "the job database is busy (another process holds a write lock); try again in a moment"
        )
    if "readonly" in text or "read-only" in text:
        return DatabaseUnavailableError(
            f"the job database {path} is read-only ({error}); make it and its folder writable, or {_recovery(path)}"
        )
    if "database or disk is full" in text:
        full = DiskFullError("the disk is full in the data directory while writing the job database; free some space")
        full.errno = errno.ENOSPC
        return full
    if any(words in text for words in _UNUSABLE):
        return DatabaseUnavailableError(f"the job database {path} cannot be used ({error}); {_recovery(path)}")
    return error  # a wrong query or a broken constraint is a bug, with its traceback


class JobStatus(StrEnum):
    """Where a job is in its life; stored as these strings."""

    QUEUED = "queued"  # waiting for its device
    RUNNING = "running"  # its process is training (or about to start)
    COMPLETED = "completed"  # trained; its model is in model/
    FAILED = "failed"  # ended on an error; `error_category` says why
    CANCELLED = "cancelled"  # stopped by a user; resumable from its last checkpoint
    INTERRUPTED = "interrupted"  # its process vanished without a word (a server restart, a crash)
    PRUNED = "pruned"  # a sweep's trial stopped early: its evaluations trailed the sweep's other trials


QUEUED, RUNNING, COMPLETED = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.COMPLETED
FAILED, CANCELLED, INTERRUPTED = JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED
PRUNED = JobStatus.PRUNED
ACTIVE = (QUEUED, RUNNING)

_COLUMNS = {
    "id": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "name": "TEXT",
    "created_at": "REAL NOT NULL",
    "updated_at": "REAL NOT NULL",
    "started_at": "REAL",
    "finished_at": "REAL",
    "status": "TEXT NOT NULL",
    "config": "TEXT NOT NULL",
    "command": "TEXT",
    "pid": "INTEGER",
    "device": "TEXT NOT NULL DEFAULT 'cpu'",
    "step": "INTEGER NOT NULL DEFAULT 0",
    "total_steps": "INTEGER NOT NULL DEFAULT 0",
    "epoch": "REAL",
    "loss": "REAL",
    "metrics": "TEXT",
    "error_category": "TEXT",
    "error": "TEXT",
    "stop_requested": "INTEGER NOT NULL DEFAULT 0",
    # Who may stop or delete it (engine.common.access): `user:<name>`, `session:<hash>` or `cli`; NULL for older rows.
    "owner": "TEXT",
    # A sweep's trial (engine.experiments): its sweep, its number in the sweep and its Optuna trial's id once asked.
    "sweep_id": "INTEGER",
    "sweep_trial": "INTEGER",
    "optuna_trial": "INTEGER",
}
_TABLES_BESIDE_JOBS = (
    """CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    step INTEGER NOT NULL,
    epoch REAL,
    data TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS events_by_job ON events(job_id, id)",
    # A sweep: a named group of jobs; `spec` holds everything a trial's child and a restarted server need.
    """CREATE TABLE IF NOT EXISTS sweeps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    created_at REAL NOT NULL,
    spec TEXT NOT NULL,
    owner TEXT,
    stop_requested INTEGER NOT NULL DEFAULT 0
)""",
)


@dataclass
class Job:
    """One training run as stored in the database."""

    id: int
    created_at: float
    updated_at: float
    status: str
    config: dict
    name: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    command: str | None = None
    pid: int | None = None
    device: str = "cpu"
    step: int = 0
    total_steps: int = 0
    epoch: float | None = None
    loss: float | None = None
    metrics: dict = field(default_factory=dict)
    error_category: str | None = None
    error: str | None = None
    stop_requested: bool = False
    owner: str | None = None  # not in `to_dict`: a session hash shown to others would let them pose as its owner
    sweep_id: int | None = None
    sweep_trial: int | None = None
    optuna_trial: int | None = None

    @property
    def folder(self) -> Path:
        """The job's folder: `train.log`, `checkpoints/` and, once finished, `model/`."""
        return jobs_dir() / str(self.id)

    @property
    def model_dir(self) -> Path:
        return self.folder / "model"

    @property
    def model_missing(self) -> bool:
        """A completed job whose model folder is gone (deleted by hand, a lost volume): it cannot be used or shared."""
        return self.status == COMPLETED and not self.model_dir.is_dir()

    @property
    def log_path(self) -> Path:
        return self.folder / "train.log"

    @property
    def checkpoints_dir(self) -> Path:
        return self.folder / "checkpoints"

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish (or to now while running); None before it starts."""
        if self.started_at is None:
            return None
        return (self.finished_at or time.time()) - self.started_at

    def last_checkpoint(self) -> Path | None:
        """The newest `checkpoint-<step>` folder `Trainer` saved, to resume from."""
        found = [p for p in self.checkpoints_dir.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()]
        return max(found, key=lambda p: int(p.name.split("-")[-1]), default=None)

    def log_tail(self, lines: int = 20) -> str:
        """Return the last lines of the job's log (empty when there is none yet).

        Read from the end, a block at a time, until the block holds more line ends than lines asked: the page polls
        this every second, and a long run's log grows to many megabytes.
        """
        try:
            handle = self.log_path.open("rb")
        except FileNotFoundError:
            return ""
        with handle:
            position = handle.seek(0, os.SEEK_END)
            tail = b""
            while position > 0 and tail.count(b"\n") <= lines:
                step = min(LOG_BLOCK, position)
                position -= step
                handle.seek(position)
                tail = handle.read(step) + tail
        # The first line read may be cut; more line ends than asked means it is not among the last `lines`.
        return "\n".join(tail.decode(errors="replace").splitlines()[-lines:])

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "step": self.step,
            "total_steps": self.total_steps,
            "epoch": self.epoch,
            "loss": self.loss,
            "metrics": self.metrics,
            "error_category": self.error_category,
            "error": self.error,
            "config": self.config,
            "command": self.command,
            "pid": self.pid,
            "device": self.device,
            "output_dir": str(self.model_dir),
            "model_missing": self.model_missing,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "updated_at": self.updated_at,
            "sweep_id": self.sweep_id,
            "sweep_trial": self.sweep_trial,
        }


# What a job whose stored config cannot be read shows for it; the labels and tables read these two keys.
UNREADABLE_CONFIG = {"dataset": "(unreadable)", "model": "(unreadable)"}


def _json_object(values: dict, column: str, problems: list[str]) -> dict | None:
    text = values[column]
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except ValueError as error:
        problems.append(f"its {column} is not JSON ({error})")
        return None
    if not isinstance(parsed, dict):
        problems.append(f"its {column} is a JSON {type(parsed).__name__}, not an object")
        return None
    return parsed


def _row_to_job(row: sqlite3.Row) -> Job:
    values = dict(row)
    problems: list[str] = []
    config, metrics = _json_object(values, "config", problems), _json_object(values, "metrics", problems)
    values["config"] = dict(UNREADABLE_CONFIG) if config is None else config
    values["metrics"] = metrics or {}
    values["stop_requested"] = bool(values["stop_requested"])
    if problems:  # flag this job instead of failing every listing: the other jobs stay usable
        values["error_category"] = ErrorCategory.CORRUPT
        values["error"] = f"the database row of job {values['id']} is damaged: " + "; ".join(problems)
        if values["status"] in ACTIVE:
            values["status"] = FAILED  # it cannot run: its settings are lost
    return Job(**values)


def config_difference(first: dict, second: dict) -> list[tuple[str, object, object]]:
    """The settings two jobs do not share, as (setting, first value, second value), sorted by setting."""
    keys = sorted(set(first) | set(second))
    return [(key, first.get(key), second.get(key)) for key in keys if first.get(key) != second.get(key)]


# Databases whose schema this process has created or migrated, by path and file identity: a file deleted and made
# again is a new file (a new inode) and gets its schema again.
_MIGRATED: set[tuple[str, int, int]] = set()
_MIGRATING = threading.Lock()


def _file_identity(path: Path) -> tuple[str, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return str(path.resolve()), stat.st_dev, stat.st_ino


class JobStore:
    """Training jobs and their metric events in a SQLite database (WAL mode: readers never block the child)."""

    def __init__(self, path: Path | None = None) -> None:
        """Open the job database at `path` (default: `studio.sqlite3` in the data directory), creating it if needed.

        Raises:
            DatabaseUnavailableError: the file is damaged, unreadable, read-only or not a database.
            DatabaseBusyError: another process holds its write lock while the schema is made.
        """
        self.path = Path(path) if path else database_path()
        self._unsaved_events: list[tuple[int, float, Event]] = []  # kept through a lock, written with the next
        if _file_identity(self.path) in _MIGRATED:
            return
        with _MIGRATING:
            self._migrate()
            _MIGRATED.add(_file_identity(self.path))

    def _migrate(self) -> None:
        """Create the tables, and add the columns a database made by an older version lacks."""
        if self.path.exists() and not os.access(self.path, os.R_OK | os.W_OK):
            # SQLite would open it and fail only on the first write: a crashed job would then stay `running`.
            raise DatabaseUnavailableError(
                f"the job database {self.path} is read-only or unreadable for this server; make it readable and "
                f"writable, or {_recovery(self.path)}"
            )
        with self._connect() as db:
            self._create_tables(db)

    def _create_tables(self, db: sqlite3.Connection) -> None:
        db.commit()
        db.execute("PRAGMA journal_mode=WAL")  # outside a transaction, where SQLite allows it
        db.execute("BEGIN IMMEDIATE")
        columns = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS.items())
        db.execute(f"CREATE TABLE IF NOT EXISTS jobs ({columns})")
        present = {row["name"] for row in db.execute("PRAGMA table_info(jobs)")}
        for name, kind in _COLUMNS.items():  # databases made by an older version gain the new columns
            if name not in present:
                db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")
        for statement in _TABLES_BESIDE_JOBS:
            db.execute(statement)
        db.commit()

    def _ensure_tables(self, db: sqlite3.Connection) -> None:
        """Make the tables again when the file lost them: truncated, or deleted and made empty by this connection.

        Job ids stay above the folders on disk (`create`), so the old jobs' folders and models are never reused.
        """
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").fetchone():
            return
        if _file_identity(self.path) in _MIGRATED:  # it had them in this process: truncated or emptied since
            logger.warning("the job database %s lost its tables: making them again", self.path)
        self._create_tables(db)

    @contextmanager
    def _connect(self, timeout_s: float | None = None):
        # One short-lived connection per operation: safe across the server's threads and the child process.
        try:
            with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S if timeout_s is None else timeout_s)) as db:
                db.row_factory = sqlite3.Row
                db.execute("PRAGMA foreign_keys=ON")
                # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits, which a job's
                # progress can spare. FULL syncs the log at every commit: 15 ms each, per logged step.
                db.execute("PRAGMA synchronous=NORMAL")
                self._ensure_tables(db)
                with db:
                    yield db
        except sqlite3.Error as error:
            said = _database_error(error, self.path)
            if said is error:
                raise
            raise said from error

    @contextmanager
    def held_open(self):
        """Keep one idle connection to the database open meanwhile (a training child holds it for its run).

        SQLite checkpoints the write-ahead log into the database, syncing both, whenever the last connection to it
        closes, and every operation here opens and closes its own. With one connection held, a write costs about
        0.3 ms instead of about 20 (measured on this project's machines), in this process and in the server's.
        """
        keeper = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        try:
            keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the file and its log
            yield
        finally:
            keeper.close()

    def create(
        self,
        config: dict,
        name: str | None = None,
        device: str = "cpu",
        owner: str | None = None,
        sweep: tuple[int, int] | None = None,
    ) -> Job:
        """Insert a queued job for `config`, started by `owner`, and create its folder; `sweep` is (sweep id, trial
        number) for a sweep's trial.

        The id is the next one above every id the database has given and every job folder on disk, and its folder
        is created exclusively: a database deleted or replaced under a running server never hands out an id whose
        folder (log, checkpoints, model) already exists.
        """
        now = time.time()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # one creator at a time, across processes: the id and its folder match
            job_id = self._claim_folder(db)
            try:
                sweep_id, trial = sweep or (None, None)
                db.execute(
                    "INSERT INTO jobs (id, name, created_at, updated_at, status, config, device, owner, sweep_id, "
                    "sweep_trial) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (job_id, name, now, now, QUEUED, json.dumps(config), device, owner, sweep_id, trial),
                )
            except BaseException:
                (jobs_dir() / str(job_id)).rmdir()
                raise
        return self.get(job_id)

    @staticmethod
    def _claim_folder(db: sqlite3.Connection) -> int:
        """Create the folder of the next job id, exclusively, and return that id."""
        given = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'jobs'").fetchone()
        largest = db.execute("SELECT MAX(id) FROM jobs").fetchone()[0]
        folders = jobs_dir()
        on_disk = max((int(entry.name) for entry in os.scandir(folders) if entry.name.isdigit()), default=0)
        job_id = max(given[0] if given else 0, largest or 0, on_disk) + 1
        while True:
            try:
                os.mkdir(folders / str(job_id))  # exclusive: an existing folder is never reused
                return job_id
            except FileExistsError:
                job_id += 1

    def get(self, job_id: int) -> Job:
        """Return the job with this id.

        Raises:
            NotFoundError: no such job.
        """
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (int(job_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"no training job {job_id}")
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

    def claim_next(self, device: str, limit: int) -> Job | None:
        """Atomically turn the oldest queued job on `device` into a running one, if fewer than `limit` run there.

        Returns the claimed job (its process is not started yet), or None when the device is busy or nothing waits.
        """
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # one claimer at a time, across processes
            running = db.execute(
                "SELECT COUNT(*) FROM jobs WHERE status = ? AND device = ?", (RUNNING, device)
            ).fetchone()[0]
            if running >= limit:
                return None
            row = db.execute(
                "SELECT id FROM jobs WHERE status = ? AND device = ? ORDER BY id LIMIT 1", (QUEUED, device)
            ).fetchone()
            if row is None:
                return None
            now = time.time()
            db.execute(
                "UPDATE jobs SET status = ?, started_at = ?, updated_at = ?, pid = NULL WHERE id = ?",
                (RUNNING, now, now, row["id"]),
            )
        return self.get(row["id"])

    def queue_position(self, job: Job) -> int | None:
        """1 for the next queued job on its device, 2 for the one after...; None when not queued."""
        if job.status != QUEUED:
            return None
        with self._connect() as db:
            ahead = db.execute(
                "SELECT COUNT(*) FROM jobs WHERE status = ? AND device = ? AND id < ?", (QUEUED, job.device, job.id)
            ).fetchone()[0]
        return ahead + 1

    def _transition(
        self, job_id: int, status: str, expected: tuple[str, ...], timeout_s: float, **values: object
    ) -> bool:
        """Move the job to `status` only if its status is one of `expected`, in one `UPDATE`; True if it moved."""
        values = {"status": status, "updated_at": time.time(), **values}
        columns = ", ".join(f"{name} = ?" for name in values)
        states = ", ".join("?" for _ in expected)
        with self._connect(timeout_s) as db:
            self._write_unsaved_events(db)
            cursor = db.execute(
                f"UPDATE jobs SET {columns} WHERE id = ? AND status IN ({states})",
                (*values.values(), job_id, *expected),
            )
        return cursor.rowcount == 1

    def mark_started(
        self, job_id: int, pid: int, command: str | None = None, expected: tuple[str, ...] = ACTIVE
    ) -> bool:
        """Record the pid of the job's process group leader (the launcher) and the command it runs, making it running.

        Returns:
            False, and nothing written, when the job is not in `expected` (a fast child already finished it).
        """
        states = ", ".join("?" for _ in expected)
        with self._connect(FINAL_TIMEOUT_S) as db:
            now = time.time()
            cursor = db.execute(
                "UPDATE jobs SET status = ?, pid = ?, command = COALESCE(?, command), updated_at = ?, "
                f"started_at = COALESCE(started_at, ?) WHERE id = ? AND status IN ({states})",
                (RUNNING, pid, command, now, now, job_id, *expected),
            )
        return cursor.rowcount == 1

    def record_progress(
        self, job_id: int, step: int, total_steps: int, loss: float | None = None, epoch: float | None = None
    ) -> bool:
        """Record the optimizer step reached, out of how many, the epoch and the latest training loss.

        Written by the training child at every log: while another process holds the write lock it waits briefly and
        skips (the next progress supersedes it), so training goes on. Returns whether it was written.
        """
        values: dict = {"step": step, "total_steps": total_steps, "updated_at": time.time()}
        if loss is not None:
            values["loss"] = loss
        if epoch is not None:
            values["epoch"] = epoch
        columns = ", ".join(f"{name} = ?" for name in values)
        try:
            with self._connect(PROGRESS_TIMEOUT_S) as db:
                self._write_unsaved_events(db)
                db.execute(f"UPDATE jobs SET {columns} WHERE id = ?", (*values.values(), job_id))
        except DatabaseBusyError:
            logger.warning("job %s: the database is busy; progress at step %s is skipped", job_id, step)
            return False
        return True

    def add_event(self, job_id: int, event: Event) -> bool:
        """Append one metric event (`engine.training.events`): train loss, an evaluation or the run's summary.

        While another process holds the write lock the event is kept in this store and written with the next write
        that succeeds (the final status waits longest), so a held lock loses no event. Returns whether it was
        written now.
        """
        self._unsaved_events.append((job_id, time.time(), event))
        try:
            with self._connect(PROGRESS_TIMEOUT_S) as db:
                self._write_unsaved_events(db)
        except DatabaseBusyError:
            kept = len(self._unsaved_events)
            logger.warning("job %s: the database is busy; %d event(s) kept for the next write", job_id, kept)
            return False
        return True

    def _write_unsaved_events(self, db: sqlite3.Connection) -> None:
        db.executemany(
            "INSERT INTO events (job_id, time, kind, step, epoch, data) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (job_id, at, event.kind, event.step, event.epoch, json.dumps(event.to_data()))
                for job_id, at, event in self._unsaved_events
            ],
        )
        self._unsaved_events.clear()  # only reached when the statement succeeded; the commit follows

    def events(self, job_id: int, after_id: int = 0) -> list[dict]:
        """Return the job's metric events in order, as flat dicts for the charts and the API: `id`, `time`,
        `kind`, `step`, `epoch`, then the event's values (`loss`, `learning_rate`, `accuracy`...)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM events WHERE job_id = ? AND id > ? ORDER BY id", (job_id, after_id)
            ).fetchall()
        flat = []
        for row in rows:
            event = event_from_row(row["kind"], row["step"], row["epoch"], json.loads(row["data"]))
            flat.append(
                {"id": row["id"], "time": row["time"], "kind": event.kind, "step": event.step}
                | {"epoch": event.epoch}
                | event.to_data()
            )
        return flat

    # The final statuses. Each moves the row only from the states it expects (by default queued or running), in one
    # `UPDATE ... WHERE status IN (...)`, and returns whether it did: a late writer (the reaper after the child
    # recorded its own end, a check racing a completion) never rewrites a finished row. They wait for a held write
    # lock up to FINAL_TIMEOUT_S: losing how a run ended is worse than a slow answer.

    def _finish(self, job_id: int, status: str, expected: tuple[str, ...], **values: object) -> bool:
        return self._transition(job_id, status, expected, FINAL_TIMEOUT_S, finished_at=time.time(), **values)

    def mark_completed(self, job_id: int, metrics: dict, expected: tuple[str, ...] = ACTIVE) -> bool:
        return self._finish(job_id, COMPLETED, expected, metrics=json.dumps(metrics))

    def mark_failed(
        self,
        job_id: int,
        error: str,
        category: ErrorCategory = ErrorCategory.CRASHED,
        expected: tuple[str, ...] = ACTIVE,
    ) -> bool:
        return self._finish(job_id, FAILED, expected, error=error, error_category=ErrorCategory(category))

    def mark_cancelled(
        self, job_id: int, reason: str = "stopped by the user", expected: tuple[str, ...] = ACTIVE
    ) -> bool:
        return self._finish(job_id, CANCELLED, expected, error=reason, error_category=ErrorCategory.STOPPED)

    def mark_interrupted(
        self,
        job_id: int,
        reason: str,
        category: ErrorCategory = ErrorCategory.KILLED,
        expected: tuple[str, ...] = ACTIVE,
    ) -> bool:
        return self._finish(job_id, INTERRUPTED, expected, error=reason, error_category=ErrorCategory(category))

    def mark_pruned(self, job_id: int, reason: str, expected: tuple[str, ...] = ACTIVE) -> bool:
        return self._finish(job_id, PRUNED, expected, error=reason, error_category=ErrorCategory.STOPPED)

    def request_stop(self, job_id: int) -> None:
        """Ask a running job to stop after its current step (the child polls this flag)."""
        self._update(job_id, stop_requested=1)

    def stop_requested(self, job_id: int) -> bool:
        with self._connect() as db:
            row = db.execute("SELECT stop_requested FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bool(row and row[0])

    def requeue(self, job_id: int, config: dict) -> Job:
        """Put a finished job back in the queue with `config` (resume keeps the id, events and folder)."""
        self._update(
            job_id,
            status=QUEUED,
            config=json.dumps(config),
            pid=None,
            finished_at=None,
            error=None,
            error_category=None,
            stop_requested=0,
        )
        return self.get(job_id)

    def delete(self, job_id: int) -> None:
        """Delete a finished job, its events and its folder.

        Raises:
            NotFoundError: no such job.
            StudioError: the job is still queued or running.
        """
        job = self.get(job_id)
        if job.status in ACTIVE:
            raise StudioError(f"job {job_id} is {job.status}; stop it before deleting it")
        with self._connect() as db:
            db.execute("DELETE FROM events WHERE job_id = ?", (job_id,))
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        shutil.rmtree(job.folder, ignore_errors=True)

    # Sweeps (engine.experiments): a row per sweep, its jobs point at it. The spec is stored whole, so that a
    # restarted server, the CLI and each trial's child read the same sweep.

    def create_sweep(self, spec: dict, name: str | None, owner: str | None = None) -> int:
        """Insert a sweep described by `spec` (a JSON object) and return its id."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO sweeps (name, created_at, spec, owner) VALUES (?, ?, ?, ?)",
                (name, time.time(), json.dumps(spec), owner),
            )
        return int(cursor.lastrowid)

    def sweep(self, sweep_id: int) -> dict:
        """The sweep's row as a dict (`id`, `name`, `created_at`, `spec`, `owner`, `stop_requested`).

        Raises:
            NotFoundError: no such sweep.
        """
        with self._connect() as db:
            row = db.execute("SELECT * FROM sweeps WHERE id = ?", (int(sweep_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"no sweep {sweep_id}")
        return dict(row) | {"spec": json.loads(row["spec"]), "stop_requested": bool(row["stop_requested"])}

    def sweep_ids(self) -> list[int]:
        """Every sweep's id, newest first."""
        with self._connect() as db:
            return [row[0] for row in db.execute("SELECT id FROM sweeps ORDER BY id DESC")]

    def sweep_jobs(self, sweep_id: int) -> list[Job]:
        """The sweep's jobs in trial order."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM jobs WHERE sweep_id = ? ORDER BY sweep_trial, id", (sweep_id,)).fetchall()
        return [_row_to_job(row) for row in rows]

    def request_sweep_stop(self, sweep_id: int) -> None:
        """Record that the sweep was stopped as a whole (its jobs are stopped one by one by the caller)."""
        with self._connect() as db:
            db.execute("UPDATE sweeps SET stop_requested = 1 WHERE id = ?", (sweep_id,))

    def bind_trial(self, job_id: int, optuna_trial: int, config: dict) -> None:
        """Record the Optuna trial a sweep's job runs as, and the settings that trial chose."""
        self._update(job_id, optuna_trial=optuna_trial, config=json.dumps(config))
