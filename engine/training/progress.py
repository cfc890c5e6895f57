"""The training child's reports: progress and metric events into the job database, and stop requests back out."""

import time

from accelerate import PartialState
from accelerate.utils import broadcast_object_list
from transformers import TrainerCallback

from engine.jobs.store import Job, JobStore

STOP_POLL_SECONDS = 1.0  # how often the child reads the stop flag: a stop takes effect within about a step
_TRAIN_KEYS = ("loss", "learning_rate", "grad_norm")


class StudioProgress(TrainerCallback):
    """Records each log and evaluation as a metric event, and stops the run (saving a checkpoint) on request.

    Only the main process writes to the database; all processes stop at the same step, because the main process's
    decision is broadcast to the others when there are several.
    """

    def __init__(self, store: JobStore, job: Job) -> None:
        self.store, self.job = store, job
        self._last_poll = 0.0

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.store.record_progress(self.job.id, state.global_step, state.max_steps, epoch=state.epoch)

    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:  # the last step is not always a logging step
            self.store.record_progress(self.job.id, state.global_step, state.max_steps, epoch=state.epoch)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        step, epoch = state.global_step, state.epoch
        if "loss" in logs:
            values = {key: float(logs[key]) for key in _TRAIN_KEYS if logs.get(key) is not None}
            self.store.record_progress(self.job.id, step, state.max_steps, values["loss"], epoch)
            self.store.add_event(self.job.id, "train", step, epoch, values)
        elif any(key.startswith("eval_") for key in logs):
            values = {key[len("eval_") :]: value for key, value in logs.items() if key.startswith("eval_")}
            self.store.add_event(self.job.id, "eval", step, epoch, values)
        elif "train_runtime" in logs:
            self.store.add_event(self.job.id, "summary", step, epoch, dict(logs))

    def on_step_end(self, args, state, control, **kwargs):
        if self._stop_wanted(state):
            control.should_save = True  # a checkpoint to resume from
            control.should_training_stop = True

    def _stop_wanted(self, state) -> bool:
        wanted = False
        if state.is_world_process_zero and time.monotonic() - self._last_poll >= STOP_POLL_SECONDS:
            self._last_poll = time.monotonic()
            wanted = self.store.stop_requested(self.job.id)
        if PartialState().num_processes > 1:
            decision = [wanted]
            broadcast_object_list(decision, from_process=0)
            wanted = decision[0]
        return wanted
