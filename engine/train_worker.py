"""The training child: `accelerate launch -m engine.train_worker <job id>`.

It reads its settings from the job database, fine-tunes with `Trainer`, reports progress into the database and
`events.jsonl`, saves the model into the job folder, and exits non-zero on any failure, with the reason in the
job row. It never runs inside the web server.
"""

import json
import logging
import sys
import time

from accelerate import PartialState
from transformers import (
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainerCallback,
    set_seed,
)

from engine.jobs import Job, JobStore
from engine.metrics import METRIC_NAMES, compute_metrics
from engine.model_card import write_model_card
from engine.models import parse_model_ref, resolve_model
from engine.recipe import classifier_model, training_arguments
from engine.train_config import TrainConfig
from engine.train_data import prepare_training_data, tokenize_splits

logger = logging.getLogger("engine.train_worker")


class StudioProgress(TrainerCallback):
    """Writes each log and evaluation into the job row and `events.jsonl` (main process only)."""

    def __init__(self, store: JobStore, job: Job) -> None:
        self.store, self.job = store, job

    def _event(self, kind: str, state, values: dict) -> None:
        event = {"type": kind, "time": time.time(), "step": state.global_step, "total_steps": state.max_steps}
        event.update({"epoch": state.epoch, **values})
        with self.job.events_path.open("a") as events:
            events.write(json.dumps(event) + "\n")

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.store.record_progress(self.job.id, 0, state.max_steps)
            self._event("start", state, {})

    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:  # the last step is not always a logging step
            self.store.record_progress(self.job.id, state.global_step, state.max_steps)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        if "loss" in logs:
            self.store.record_progress(self.job.id, state.global_step, state.max_steps, float(logs["loss"]))
            self._event("train", state, {"loss": float(logs["loss"]), "learning_rate": logs.get("learning_rate")})
        elif any(key.startswith("eval_") for key in logs):
            values = {k[len("eval_") :]: v for k, v in logs.items() if k.startswith("eval_")}
            self._event("eval", state, values)


def train(job: Job, config: TrainConfig, store: JobStore) -> dict:
    """Fine-tune the job's model and return the validation metrics."""
    set_seed(config.seed)
    data = prepare_training_data(config)
    for note in data.notes:
        logger.info(note)
    path = resolve_model(parse_model_ref(config.model), data.train_texts, config.seed)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenized = tokenize_splits(data, tokenizer, config.max_length, ("train", "validation"))
    model = classifier_model(path, data.label_names)
    steps_per_epoch = -(-len(tokenized["train"]) // config.batch_size)
    total_steps = max(1, int(steps_per_epoch * config.epochs))
    trainer = Trainer(
        model=model,
        args=training_arguments(config, job.folder / "checkpoints", total_steps),
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=[StudioProgress(store, job)],
    )
    trainer.train()
    evaluation = trainer.evaluate()
    metrics = {name: evaluation[f"eval_{name}"] for name in ("loss", *METRIC_NAMES)}
    trainer.save_model(str(job.model_dir))
    if trainer.is_world_process_zero():
        write_model_card(job.model_dir, config, data, metrics)
    return metrics


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
            store.mark_failed(job.id, f"{type(error).__name__}: {error}")
        return 1
    if main_process:
        store.mark_completed(job.id, metrics)
        logger.info("training job %s completed: %s", job.id, metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
