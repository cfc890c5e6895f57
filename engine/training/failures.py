"""Why a run did not complete, sorted into what the user can do about it.

`ErrorCategory` is the one list of reasons stored in a job's `error_category` (the stored values never change, so
older databases read the same). `error_category` and `failure_message` read a training exception; the job side
adds the reasons only it can see (a killed process, a damaged row, a user's stop).
"""

import logging
import shutil
from enum import StrEnum
from pathlib import Path

from engine.common.disk import out_of_space
from engine.common.errors import StudioError

logger = logging.getLogger(__name__)


class ErrorCategory(StrEnum):
    """Why a job did not complete, in words a user can act on."""

    OUT_OF_MEMORY = "out_of_memory"  # smaller batch size, max length or model; or auto batch size
    DATA = "data"  # the dataset or settings do not fit: the message names the problem
    DISK_FULL = "disk_full"  # free space in the data directory, then resume from the last complete checkpoint
    KILLED = "killed"  # a signal nobody in the app sent: kill -9, or the system's out-of-memory killer
    CRASHED = "crashed"  # the process failed or vanished without a known reason: the log tail says more
    CORRUPT = "corrupt"  # the job's database row is damaged: its settings cannot be read
    STOPPED = "stopped"  # the user stopped it: resume it from its checkpoint, or clone it


def error_category(error: BaseException) -> ErrorCategory:
    """Sort a training failure into what the user can do about it."""
    if out_of_space(error):
        return ErrorCategory.DISK_FULL
    import torch  # here, not at the top: the job store imports the categories, and the CLI lists jobs without torch

    if isinstance(error, torch.OutOfMemoryError) or "out of memory" in str(error).lower():
        return ErrorCategory.OUT_OF_MEMORY
    # A `ValueError` or `KeyError` raised by `datasets`, a tokenizer or the model while training is most often the
    # data (a label outside the head, a value the tokenizer cannot read): the message names it, and the log has the
    # traceback either way. The app's pages are stricter (`USER_ERRORS`): there a bug must not pass for a mistake.
    if isinstance(error, (StudioError, ValueError, LookupError)):
        return ErrorCategory.DATA
    return ErrorCategory.CRASHED


def failure_message(error: BaseException, folder: Path, last_checkpoint: Path | None) -> str:
    """The reason to show for a failed run: the exception, and for a full disk what is left and what to do.

    Args:
        error: what the run raised.
        folder: where the run writes (named in the disk-full message: that is where room is needed).
        last_checkpoint: the newest complete checkpoint, to resume from once there is room.
    """
    message = f"{type(error).__name__}: {error}"
    if not out_of_space(error):
        return message
    resume = (
        f"resume from {last_checkpoint.name} once there is room"
        if last_checkpoint
        else ("no checkpoint was complete; start again")
    )
    return f"the disk is full in {folder}: free some space, then {resume} ({message})"


def drop_incomplete_checkpoints(checkpoints: Path) -> None:
    """Remove checkpoint folders a failure left half-written, so that resuming never picks one.

    `Trainer` writes `trainer_state.json` last: a checkpoint without it was cut off (by a full disk, say).
    """
    for folder in checkpoints.glob("checkpoint-*"):
        if folder.is_dir() and not (folder / "trainer_state.json").is_file():
            logger.warning("removing incomplete checkpoint %s", folder)
            shutil.rmtree(folder, ignore_errors=True)
