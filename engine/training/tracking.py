"""The trackers the ecosystem knows, fed by every run: TensorBoard event files in the run's folder, and trackio
(local-first, the Hugging Face tracker) when the operator turns it on.

The studio's own charts read the job database and need neither; these are for people who already have
`tensorboard --logdir` or a trackio dashboard. Values are logged as `Trainer` logs them, named as transformers'
integrations name them (`train/loss`, `eval/loss`, `eval/accuracy`), at the optimizer step the database records.
"""

import importlib.util
import logging
import os
from pathlib import Path

from transformers import TrainerCallback
from transformers.integrations import TensorBoardCallback
from transformers.integrations.integration_utils import rewrite_logs

from engine.common.paths import data_dir
from engine.common.settings import settings
from engine.training.config import TrainConfig

logger = logging.getLogger(__name__)

TENSORBOARD_FOLDER = "tensorboard"  # in the run's folder, beside checkpoints/ and model/
TRACKIO_PROJECT = "finetune-studio"  # one trackio project for every run of this server: they compare side by side


class RunTensorBoard(TensorBoardCallback):
    """transformers' TensorBoard writer, writing into `folder` instead of a dated folder under the checkpoints (which
    a completed job deletes)."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.logging_dir = str(folder)


class RunTrackio(TrainerCallback):
    """Logs each `Trainer` log to a local trackio run named after the job, with its settings as the run's config.

    Not transformers' `TrackioCallback`, which may create and freeze a Hub Space at the end: this one never leaves
    the machine (no `space_id`), and keeps its database in the studio's data directory unless `TRACKIO_DIR` says
    otherwise.
    """

    def __init__(self, run_name: str, config: TrainConfig) -> None:
        os.environ.setdefault("TRACKIO_DIR", str(data_dir() / "trackio"))  # read when trackio is imported
        import trackio

        self.trackio, self.run_name, self.config = trackio, run_name, config
        self._started = False

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero and not self._started:
            settings_ = self.config.to_dict()
            self.trackio.init(project=TRACKIO_PROJECT, name=self.run_name, config=settings_, resume="allow")
            self._started = True

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self._started and logs:
            values = {key: value for key, value in rewrite_logs(logs).items() if isinstance(value, int | float)}
            self.trackio.log(values, step=state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        if self._started:
            self.trackio.finish()
            self._started = False


def _run_name(run_folder: Path) -> str:
    """`job-7` for a job's folder (`jobs/7`), else the folder's own name (a CLI run's output folder)."""
    return f"job-{run_folder.name}" if run_folder.name.isdigit() else run_folder.name


def tracking_callbacks(config: TrainConfig, run_folder: Path) -> list[TrainerCallback]:
    """The run's trackers: TensorBoard into `run_folder/tensorboard` when an event writer is installed, trackio when
    `STUDIO_TRACKIO` is on (said in the log when it is on but trackio is not installed)."""
    callbacks: list[TrainerCallback] = []
    if importlib.util.find_spec("tensorboard") or importlib.util.find_spec("tensorboardX"):
        callbacks.append(RunTensorBoard(run_folder / TENSORBOARD_FOLDER))
    else:
        logger.info("no TensorBoard event files: neither tensorboard nor tensorboardX is installed")
    if settings().trackio:
        if importlib.util.find_spec("trackio"):
            callbacks.append(RunTrackio(config.name or _run_name(run_folder), config))
        else:
            logger.warning("STUDIO_TRACKIO is on but trackio is not installed (pip install trackio): not logged there")
    return callbacks
