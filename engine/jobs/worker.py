"""The training child: `accelerate launch -m engine.jobs.worker <job id>`.

It reads its settings from the job database, fine-tunes with `Trainer`, reports progress and metric events into
the database, saves the model into the job folder, and exits non-zero on any failure, with the reason and its
category in the job row. When it ends it starts the next queued job, so the queue moves even with no server.
It never runs inside the web server.
"""

import errno
import json
import logging
import shutil
import sys

import torch
from accelerate import PartialState
from transformers import (
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    set_seed,
)

from engine.common.errors import USER_ERRORS
from engine.common.settings import remote_code_allowed
from engine.jobs.launcher import dispatch
from engine.jobs.store import Job, JobStore
from engine.models.loading import resolve_model
from engine.models.refs import parse_model_ref
from engine.training.config import TrainConfig, planned_steps
from engine.training.data import prepare_training_data, tokenize_splits
from engine.training.metrics import METRIC_NAMES, compute_metrics
from engine.training.model_card import write_model_card
from engine.training.progress import StudioProgress
from engine.training.recipe import (
    callbacks_for,
    classifier_model,
    describe_hardware,
    training_arguments,
    training_devices,
)

logger = logging.getLogger("engine.jobs.worker")


def train(job: Job, config: TrainConfig, store: JobStore) -> dict:
    """Fine-tune the job's model and return the final validation metrics (of the best model with keep-best).

    Resumes from `config.resume_from_checkpoint` when set. Saves into `job.model_dir` the model and tokenizer
    (safetensors), `training_config.json`, `metrics.json` and the model card, and `trainer_state.json` (the
    log history, best metric and best checkpoint) into `job.folder`.
    """
    set_seed(config.seed)
    data = prepare_training_data(config)
    for note in data.notes:
        logger.info(note)
    path = resolve_model(parse_model_ref(config.model), data.train_texts, config.seed)
    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=remote_code_allowed())
    tokenized = tokenize_splits(data, tokenizer, config.max_length, ("train", "validation"))
    model = classifier_model(path, data.label_names)
    processes = PartialState().num_processes
    total_steps = planned_steps(config, len(tokenized["train"]), training_devices(processes))
    trainer = Trainer(
        model=model,
        args=training_arguments(config, job.checkpoints_dir, total_steps),
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=[StudioProgress(store, job), *callbacks_for(config)],
    )
    output = trainer.train(resume_from_checkpoint=config.resume_from_checkpoint)
    evaluation = trainer.evaluate()
    metrics = {name: evaluation[f"eval_{name}"] for name in ("loss", *METRIC_NAMES)}
    trainer.save_model(str(job.model_dir))
    if trainer.is_world_process_zero():
        trainer.state.save_to_json(str(job.folder / "trainer_state.json"))
        (job.model_dir / "training_config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
        (job.model_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        seconds, hardware = output.metrics.get("train_runtime"), describe_hardware(processes)
        write_model_card(job.model_dir, config, data, metrics, train_seconds=seconds, hardware=hardware)
    return metrics


# A full disk or an exhausted quota: `open`/`write` raise these, possibly wrapped by the library that saves.
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


# Libraries that report a full disk without an errno: safetensors (a Rust IoError, "StorageFull ... No space left
# on device") and PyTorch's zip writer behind torch.save ("PytorchStreamWriter failed writing file ...: file write
# failed", which a short write by a full disk is).
_NO_SPACE_TEXTS = ("no space left on device", "storagefull", "disk quota exceeded", "file write failed")


def _out_of_space(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, OSError) and error.errno in _NO_SPACE:
            return True
        if any(text in str(error).lower() for text in _NO_SPACE_TEXTS):
            return True
        error = error.__cause__ or error.__context__
    return False


def error_category(error: BaseException) -> str:
    """Sort a failure into what the user can do about it."""
    if _out_of_space(error):
        return "disk_full"  # free space in the data directory, then resume from the last complete checkpoint
    if isinstance(error, torch.OutOfMemoryError) or "out of memory" in str(error).lower():
        return "out_of_memory"  # smaller batch size, max length or model; or auto batch size
    if isinstance(error, USER_ERRORS):
        return "data"  # the dataset or settings do not fit: the message names the problem
    return "crashed"


def failure_message(error: BaseException, job: Job) -> str:
    """The reason stored in the job row: the exception, and for a full disk what is left and what to do."""
    message = f"{type(error).__name__}: {error}"
    if not _out_of_space(error):
        return message
    kept = job.last_checkpoint()
    resume = f"resume from {kept.name} once there is room" if kept else "no checkpoint was complete; start again"
    return f"the disk is full in {job.folder}: free some space, then {resume} ({message})"


def drop_incomplete_checkpoints(job: Job) -> None:
    """Remove checkpoint folders a failure left half-written, so that resuming never picks one.

    `Trainer` writes `trainer_state.json` last: a checkpoint without it was cut off (by a full disk, say).
    """
    for folder in job.checkpoints_dir.glob("checkpoint-*"):
        if folder.is_dir() and not (folder / "trainer_state.json").is_file():
            logger.warning("removing incomplete checkpoint %s", folder)
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = JobStore()
    job = store.get(int(argv[0]))
    main_process = PartialState().is_main_process
    try:
        config = TrainConfig.from_dict(job.config)
        metrics = train(job, config, store)
    except Exception as error:
        logger.exception("training job %s failed", job.id)
        if main_process:
            drop_incomplete_checkpoints(job)
            store.mark_failed(job.id, failure_message(error, job), error_category(error))
            _start_next(store)
        return 1
    if main_process:
        if store.stop_requested(job.id):
            job = store.get(job.id)
            store.mark_cancelled(job.id, f"stopped by the user at step {job.step}; a checkpoint was saved to resume")
        else:
            store.mark_completed(job.id, metrics)
            # A completed run is never resumed, and its checkpoints can weigh gigabytes: the model is in model/.
            shutil.rmtree(job.checkpoints_dir, ignore_errors=True)
        logger.info("training job %s ended: %s", job.id, metrics)
        _start_next(store)
    return 0


def _start_next(store: JobStore) -> None:
    for started in dispatch(store, watch=False):
        logger.info("started queued job %s", started.id)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
