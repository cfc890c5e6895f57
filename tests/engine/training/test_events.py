"""engine.training.events: what a run reports, as typed events that round-trip through the stored JSON."""

import pytest

from engine.training.events import EvalEvent, SummaryEvent, TrainEvent, event_from_log, event_from_row


@pytest.mark.parametrize(
    "event",
    [
        TrainEvent(10, 0.5, loss=0.7, learning_rate=1e-4, grad_norm=2.0),
        TrainEvent(3, None, loss=1.2),
        EvalEvent(20, 1.0, {"loss": 0.6, "accuracy": 0.8}),
        SummaryEvent(40, 2.0, {"train_runtime": 12.5, "train_loss": 0.4}),
    ],
)
def test_every_event_comes_back_from_its_stored_row_unchanged(event):
    assert event_from_row(event.kind, event.step, event.epoch, event.to_data()) == event


def test_a_train_event_stores_only_the_values_that_were_logged():
    assert TrainEvent(3, 0.1, loss=1.2).to_data() == {"loss": 1.2}


def test_trainer_logs_become_train_eval_and_summary_events_and_others_are_ignored():
    assert event_from_log(5, 0.5, {"loss": 0.9, "learning_rate": 1e-4, "grad_norm": None}) == TrainEvent(
        5, 0.5, loss=0.9, learning_rate=1e-4
    )
    assert event_from_log(8, 1.0, {"eval_loss": 0.5, "eval_accuracy": 0.75, "epoch": 1.0}) == EvalEvent(
        8, 1.0, {"loss": 0.5, "accuracy": 0.75}
    )
    assert event_from_log(8, 1.0, {"train_runtime": 3.0}).kind == "summary"
    assert event_from_log(8, 1.0, {"total_flos": 1e9}) is None


def test_an_unknown_kind_is_refused_naming_the_kinds():
    with pytest.raises(ValueError, match="unknown training event kind 'debug'; expected one of train, eval, summary"):
        event_from_row("debug", 1, None, {})
