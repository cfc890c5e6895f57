"""The training run's reports: progress and metric events out through a callback, and stop requests back in."""

import time
from collections.abc import Callable

from accelerate.utils import broadcast_object_list
from transformers import TrainerCallback

from engine.training.events import Event, Progress, TrainEvent, event_from_log
from engine.training.recipe import process_state

STOP_POLL_SECONDS = 1.0  # how often a user's stop is read from the database: it takes effect within about a second

Report = Callable[[Progress | Event], None]


class StudioProgress(TrainerCallback):
    """Reports each log and evaluation as an event, and stops the run (saving a checkpoint) when asked to.

    Only the main process reports and asks; all processes stop at the same step, because the main process's
    decision is broadcast to the others when there are several.

    Args:
        report: called with a `Progress` at the start, end and each training log, and with every event.
        should_stop: polled after every step and every evaluation, so it must be cheap (wrap a database read in
            `throttled`); True stops the run there, saving a checkpoint. A sweep's pruner decides at an evaluation,
            and the run stops at that evaluation, not some steps later.
    """

    def __init__(self, report: Report, should_stop: Callable[[], bool]) -> None:
        self.report, self.should_stop = report, should_stop

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
        self._stop_if_wanted(state, control)

    def on_evaluate(self, args, state, control, **kwargs):
        # The Trainer evaluates after `on_step_end`, then saves if asked and leaves the loop if asked.
        self._stop_if_wanted(state, control)

    def _stop_if_wanted(self, state, control) -> None:
        if control.should_training_stop:
            return
        if self._stop_wanted(state):
            control.should_save = True  # a checkpoint to resume from
            control.should_training_stop = True

    def _stop_wanted(self, state) -> bool:
        wanted = self.should_stop() if state.is_world_process_zero else False
        if process_state().num_processes > 1:
            decision = [wanted]
            broadcast_object_list(decision, from_process=0)
            wanted = decision[0]
        return wanted


def throttled(check: Callable[[], bool], seconds: float = STOP_POLL_SECONDS) -> Callable[[], bool]:
    """`check`, called at most every `seconds`; between calls, its last answer. A True answer is kept, since a stop
    once asked for is never taken back."""
    last_call, answer = -float("inf"), False

    def poll() -> bool:
        nonlocal last_call, answer
        if not answer and time.monotonic() - last_call >= seconds:
            last_call = time.monotonic()
            answer = bool(check())
        return answer

    return poll
