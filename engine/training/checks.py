"""Refusing a run that cannot work before any process starts: the dataset, the model's reach and the disk.

`check_config` prepares the dataset (as the run will), fits the config to it and to the model, and checks that the
data directory has room; it returns the config with its defaults filled and the prepared data, so that a plan can
count rows without preparing them twice.
"""

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from engine.common.errors import StudioError
from engine.common.paths import data_dir
from engine.common.settings import remote_code_allowed
from engine.models.loading import resolve_model
from engine.models.refs import HUB, JOB, LOCAL, job_model_dir, parse_model_ref
from engine.models.scratch import SIZES
from engine.training.config import TrainConfig, check_fits
from engine.training.data import TrainingData, prepare_training_data

MIN_FREE_BYTES = 2 * 1024**3  # a small model, its checkpoints and caches; a large model needs more, and says so


@dataclass(frozen=True)
class CheckedConfig:
    """A config that passed the checks, with its defaults filled and paths made absolute, and its prepared data."""

    config: TrainConfig
    data: TrainingData


def check_config(config: TrainConfig) -> CheckedConfig:
    """Check a config against its dataset, its model and the disk before any process starts.

    Args:
        config: the run as the user asked for it (defaults may be unset).

    Returns:
        The config with defaults filled, the dataset path absolute (the child runs from the repository root) and a
        local model as its resolved folder, and the dataset as prepared for the run.

    Raises:
        StudioError (and its `NotFoundError`, `MissingFileError`, `HubUnreachableError`): a message naming the
        problem.
    """
    resolved = config.with_defaults()
    data = prepare_training_data(resolved)
    check_fits(resolved, len(data.splits["train"]))
    ref = parse_model_ref(resolved.model)
    if ref.kind == JOB:
        _check_max_length(resolved.max_length, job_model_dir(int(ref.name)))
    elif ref.kind in (HUB, LOCAL):
        _check_max_length(resolved.max_length, resolve_model(ref, corpus=list))
    else:
        _check_max_length(resolved.max_length, None, SIZES[ref.name].max_positions)
    _check_room()
    # The child runs from the repository root: relative paths must not depend on where the user started.
    dataset = Path(resolved.dataset).expanduser()
    resolved = replace(
        resolved,
        task=data.task.name,  # an inferred task is recorded: the run, its row and its command name what it trains
        dataset=str(dataset.resolve()) if dataset.exists() else resolved.dataset,
        model=ref.name if ref.kind == LOCAL else resolved.model,
    )
    return CheckedConfig(resolved, data)


def _check_max_length(max_length: int, model: str | Path | None, limit: int | None = None) -> None:
    """Refuse a max length beyond the model's position embeddings (the model could not read such inputs)."""
    if limit is None:
        from transformers import AutoConfig  # here: the web server imports this module at start

        config = AutoConfig.from_pretrained(str(model), trust_remote_code=remote_code_allowed())
        limit = getattr(config, "max_position_embeddings", None)
    if limit is not None and max_length > limit:
        raise StudioError(
            f"max length {max_length} is more than this model reads ({limit} tokens); use at most {limit}"
        )


def _check_room() -> None:
    """Refuse to start when the data directory is not writable or nearly full: fail now, not after an hour."""
    folder = data_dir()
    if not os.access(folder, os.W_OK):
        raise StudioError(f"the data directory {folder} is not writable; set STUDIO_DATA_DIR to a writable folder")
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise StudioError(
            f"only {free / 1024**3:.1f} GB free in {folder}; training needs at least {MIN_FREE_BYTES / 1024**3:.0f} GB"
        )
