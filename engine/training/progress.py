"""The training run's reports: progress and metric events out through a callback, and stop requests back in."""

import time
from collections.abc import Callable

from accelerate.utils import broadcast_object_list
from transformers import TrainerCallback

from engine.training.events import Event, Progress, TrainEvent, event_from_log
from engine.training.recipe import process_state

STOP_POLL_SECONDS = 1.0  # how often the run asks whether to stop: a stop takes effect within about a step

Report = Callable[[Progress | Event], None]


class StudioProgress(TrainerCallback):
    """Reports each log and evaluation as an event, and stops the run (saving a checkpoint) when asked to.

    Only the main process reports and asks; all processes stop at the same step, because the main process's
    decision is broadcast to the others when there are several.

    Args:
        report: called with a `Progress` at the start, end and each training log, and with every event.
        should_stop: polled at most every `STOP_POLL_SECONDS`; True stops the run after the current step.
    """

    def __init__(self, report: Report, should_stop: Callable[[], bool]) -> None:
        self.report, self.should_stop = report, should_stop
        self._last_poll = 0.0

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.report(Progress(state.global_step, state.max_steps, state.epoch))

    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:  # the last step is not always a logging step
            self.report(Progress(state.global_step, state.max_steps, state.epoch))

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        event = event_from_log(state.global_step, state.epoch, logs)
        if isinstance(event, TrainEvent):
            self.report(Progress(state.global_step, state.max_steps, state.epoch, event.loss))
        if event is not None:
            self.report(event)

    def on_step_end(self, args, state, control, **kwargs):
        if self._stop_wanted(state):
            control.should_save = True  # a checkpoint to resume from
            control.should_training_stop = True

    def _stop_wanted(self, state) -> bool:
        wanted = False
        if state.is_world_process_zero and time.monotonic() - self._last_poll >= STOP_POLL_SECONDS:
            self._last_poll = time.monotonic()
            wanted = self.should_stop()
        if process_state().num_processes > 1:
            decision = [wanted]
            broadcast_object_list(decision, from_process=0)
            wanted = decision[0]
        return wanted
