"""What a training run reports while it runs, as typed events: one module for the writer (the training child) and
the readers (the job database, the charts, the CLI).

Each event has a `kind` and serialises to the JSON object the job database's `events` table stores in its `data`
column (`to_data`); `event_from_row` reads one back. `Progress` is not stored as an event: it is the latest step,
which the job row keeps up to date.
"""

from dataclasses import dataclass, field

from engine.common.errors import StudioError


@dataclass(frozen=True)
class Progress:
    """The optimizer step reached, out of how many, the epoch and the latest training loss (None before any)."""

    step: int
    total_steps: int
    epoch: float | None = None
    loss: float | None = None


@dataclass(frozen=True)
class TrainEvent:
    """One logging step: the training loss, the learning rate and the gradient norm (None when not logged)."""

    step: int
    epoch: float | None
    loss: float
    learning_rate: float | None = None
    grad_norm: float | None = None
    kind = "train"

    def to_data(self) -> dict:
        """The stored values: only those logged, so that the stored JSON is the same as the Trainer's log."""
        values = {"loss": self.loss, "learning_rate": self.learning_rate, "grad_norm": self.grad_norm}
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class EvalEvent:
    """One evaluation: the validation loss and metrics, keyed without the `eval_` prefix (`loss`, `accuracy`...)."""

    step: int
    epoch: float | None
    values: dict = field(default_factory=dict)
    kind = "eval"

    def to_data(self) -> dict:
        return dict(self.values)


@dataclass(frozen=True)
class SummaryEvent:
    """The end of training: `Trainer`'s summary (`train_runtime`, `train_samples_per_second`, `train_loss`...)."""

    step: int
    epoch: float | None
    values: dict = field(default_factory=dict)
    kind = "summary"

    def to_data(self) -> dict:
        return dict(self.values)


Event = TrainEvent | EvalEvent | SummaryEvent
EVENT_KINDS = {kind.kind: kind for kind in (TrainEvent, EvalEvent, SummaryEvent)}


def event_from_row(kind: str, step: int, epoch: float | None, data: dict) -> Event:
    """Rebuild an event from its stored kind, step, epoch and `to_data()` values.

    Raises:
        StudioError: an unknown kind, or a train event without a loss.
    """
    if kind not in EVENT_KINDS:
        raise StudioError(f"unknown training event kind {kind!r}; expected one of {', '.join(EVENT_KINDS)}")
    if kind == TrainEvent.kind:
        if data.get("loss") is None:
            raise StudioError(f"a train event at step {step} has no loss")
        return TrainEvent(step, epoch, data["loss"], data.get("learning_rate"), data.get("grad_norm"))
    return EVENT_KINDS[kind](step, epoch, dict(data))


def event_from_log(step: int, epoch: float | None, logs: dict) -> Event | None:
    """The event one `Trainer` log entry stands for, or None for entries the charts do not use."""
    if "loss" in logs:
        values = {key: float(logs[key]) for key in ("learning_rate", "grad_norm") if logs.get(key) is not None}
        return TrainEvent(step, epoch, float(logs["loss"]), **values)
    if any(key.startswith("eval_") for key in logs):
        return EvalEvent(
            step, epoch, {key[len("eval_") :]: value for key, value in logs.items() if key.startswith("eval_")}
        )
    if "train_runtime" in logs:
        return SummaryEvent(step, epoch, dict(logs))
    return None
