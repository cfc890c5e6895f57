"""Finished runs written straight into a job database, with their events, for the comparison tests: what a training
child would have recorded, without training (the tracking test trains for real)."""

from engine.jobs.store import Job, JobStore
from engine.training.events import EvalEvent, TrainEvent

BASE = {
    "dataset": "sample:sentiment",
    "model": "scratch:tiny",
    "epochs": 2.0,
    "batch_size": 16,
    "learning_rate": 5e-4,
    "seed": 42,
    "warmup_ratio": 0.1,
}


def record_run(store: JobStore, f1: float, name: str | None = None, **settings: object) -> Job:
    """A completed run of `BASE` with `settings` on top, whose loss falls over 4 logged steps and whose two
    evaluations end at validation `f1` (accuracy a little above it)."""
    config = {**BASE, **settings}
    job = store.create(config, name=name)
    store.mark_started(job.id, pid=1)
    for step, loss in zip((5, 10, 15, 20), (0.69, 0.6, 0.5, 0.45), strict=True):
        store.add_event(job.id, TrainEvent(step, step / 10, loss, learning_rate=1e-4))
        if step % 10 == 0:
            scores = {"loss": loss + 0.05, "f1": f1 - 0.1 * (step == 10), "accuracy": f1 + 0.01}
            store.add_event(job.id, EvalEvent(step, step / 10, scores))
    store.mark_completed(job.id, {"loss": 0.5, "f1": f1, "accuracy": f1 + 0.01})
    return store.get(job.id)
