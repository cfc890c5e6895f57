"""The training child: `accelerate launch -m engine.jobs.worker <job id>`.

It binds one job row to one training run (`engine.training.run.train`): the run's progress and events go into
the row, the row's stop flag stops the run. A completed run's model is published as the job's `model/` folder in
one rename, so a `model/` with a `config.json` is always a whole, finished model. The child exits non-zero on any
failure, with the reason and its category in the row, and when it ends it moves the queue, so the next job starts
even with no server. It never runs inside the web server.
"""

import logging
import os
import shutil
import sys

from engine.jobs import queue, trials
from engine.jobs.process import JOB_MARKER, die_with_parent
from engine.jobs.store import ACTIVE, Job, JobStore
from engine.training.config import TrainConfig
from engine.training.events import Progress
from engine.training.failures import drop_incomplete_checkpoints, error_category, failure_message
from engine.training.progress import throttled
from engine.training.recipe import process_state
from engine.training.run import RunFolders, train

logger = logging.getLogger("engine.jobs.worker")


def run_folders(job: Job) -> RunFolders:
    """Where the job's run writes: the model goes to a sibling of `model/` until the run has completed."""
    return RunFolders(
        checkpoints=job.checkpoints_dir,
        model=job.folder / "model.partial",
        trainer_state=job.folder / "trainer_state.json",
    )


def reporter(job: Job, store: JobStore, trial: trials.TrialBinding | None = None):
    """A `report` callback that writes a run's progress into the job row and its events into the events table
    (and a sweep trial's evaluations to its Optuna trial, whose pruner may stop the run)."""

    def report(item) -> None:
        if isinstance(item, Progress):
            store.record_progress(job.id, item.step, item.total_steps, item.loss, item.epoch)
        else:
            store.add_event(job.id, item)
            if trial is not None:
                trial.report(item)

    return report


def publish_model(job: Job, folders: RunFolders) -> None:
    """Move the finished model into `job.model_dir` in one rename, replacing any earlier one."""
    shutil.rmtree(job.model_dir, ignore_errors=True)
    folders.model.rename(job.model_dir)


def still_mine(store: JobStore, job_id: int) -> bool:
    """Whether this worker may still write the job's final status: the row is active, and its recorded pid, when
    there is one, is this worker's launcher. A row already ended (the launcher was killed and the server recorded
    it) or taken by a resumed run is never rewritten by a late worker."""
    try:
        job = store.get(job_id)
    except LookupError:  # deleted meanwhile
        return False
    return job.status in ACTIVE and job.pid in (None, os.getppid())


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if JOB_MARKER in os.environ:  # started by `engine.jobs.process.spawn` (not called in-process, as tests do)
        die_with_parent()
    store = JobStore()
    with store.held_open():  # the run's many small writes (progress, events) skip a sync each
        return _run(store, int(argv[0]))


def _run(store: JobStore, job_id: int) -> int:
    job = store.get(job_id)
    folders = run_folders(job)
    main_process = process_state().is_main_process
    trial = None
    try:
        if main_process:  # a sweep's trial: its settings chosen now (TPE), its evaluations reported for pruning
            job, trial = trials.begin(job, store)
        else:
            job = trials.wait_for_binding(job, store)
        config = TrainConfig.from_dict(job.config)
        metrics = train(config, folders, reporter(job, store, trial), _stop_check(store, job.id, trial))
    except Exception as error:
        logger.exception("training job %s failed", job.id)
        if main_process and still_mine(store, job.id):
            drop_incomplete_checkpoints(job.checkpoints_dir)
            shutil.rmtree(folders.model, ignore_errors=True)
            message = failure_message(error, job.folder, job.last_checkpoint())
            if not store.mark_failed(job.id, message, error_category(error)):
                logger.error(
                    "training job %s was ended by someone else meanwhile: its failure is not recorded", job.id
                )
            _tell(store, job.id)
            _start_next(store)
        return 1
    if main_process and not still_mine(store, job.id):
        logger.error("training job %s was ended by someone else meanwhile; its result is not recorded", job.id)
        shutil.rmtree(folders.model, ignore_errors=True)
        return 1
    if main_process:
        if trial is not None and trial.pruned and not store.stop_requested(job.id):
            shutil.rmtree(folders.model, ignore_errors=True)  # a pruned trial is compared, never used
            shutil.rmtree(job.checkpoints_dir, ignore_errors=True)
            reported = ", ".join(f"{value:.4g}" for value in trial.reported)
            store.mark_pruned(
                job.id,
                f"pruned by its sweep at step {trial.pruned_at}: its {trial.metric} ({reported}) trailed the median "
                "of the sweep's earlier trials at the same evaluation",
            )
        elif store.stop_requested(job.id):
            job = store.get(job.id)
            shutil.rmtree(folders.model, ignore_errors=True)  # a stopped run is resumed, not used
            reason = f"stopped by the user at step {job.step}; a checkpoint was saved to resume"
            store.mark_cancelled(job.id, reason)
        else:
            publish_model(job, folders)
            if not store.mark_completed(job.id, metrics):  # only a row still queued or running is ours
                logger.error("training job %s was ended by someone else meanwhile: completed, not recorded", job.id)
            # A completed run is never resumed, and its checkpoints can weigh gigabytes: the model is in model/.
            shutil.rmtree(job.checkpoints_dir, ignore_errors=True)
        logger.info("training job %s ended: %s", job.id, metrics)
        _tell(store, job.id)
        _start_next(store)
    return 0


def _stop_check(store: JobStore, job_id: int, trial: trials.TrialBinding | None):
    """What the run polls after each step and evaluation: the pruner's decision for a sweep's trial (in memory, so
    the run stops at the evaluation that was pruned) or a user's stop (a database read, at most once a second)."""
    user_stop = throttled(lambda: store.stop_requested(job_id))
    return lambda: (trial is not None and trial.pruned) or user_stop()


def _tell(store: JobStore, job_id: int) -> None:
    """Tell a sweep trial's study how its job ended; a study that cannot be reached never fails the job."""
    try:
        trials.tell(store.get(job_id), store)
    except Exception:
        logger.exception("training job %s: telling its sweep's study failed", job_id)


def _start_next(store: JobStore) -> None:
    for started in queue.advance_queue(store, watch=False):
        logger.info("started queued job %s", started.id)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
