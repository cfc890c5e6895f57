"""One fine-tuning run: a config in; the model, its files and typed events out.

The run knows no database: it reports progress and events through `report`, asks `should_stop` whether to stop,
and writes only into the folders it is given. Whoever runs it (the job worker, a benchmark, a test) decides where
the reports go and what a finished model folder means.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from torch.utils.data import SequentialSampler
from transformers import AutoTokenizer, Trainer, set_seed

from engine.common.settings import remote_code_allowed
from engine.models.loading import resolve_model
from engine.models.refs import parse_model_ref
from engine.tasks.base import Tokenization
from engine.tasks.saved import save_task  # task.json beside the model, in the layout load_task reads
from engine.training.config import TrainConfig, planned_steps, resolve_precision
from engine.training.data import prepare_training_data, tokenize_splits
from engine.training.kept_predictions import KeptPredictions
from engine.training.model_card import write_model_card
from engine.training.progress import Report, StudioProgress
from engine.training.recipe import (
    callbacks_for,
    describe_hardware,
    final_metrics,
    process_state,
    task_model,
    training_arguments,
    training_devices,
)
from engine.training.tracking import tracking_callbacks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunFolders:
    """Where a run writes: its checkpoints, its model (weights, tokenizer, config, metrics, card) and the
    `trainer_state.json` (the log history, best metric and best checkpoint)."""

    checkpoints: Path
    model: Path
    trainer_state: Path


def train(config: TrainConfig, folders: RunFolders, report: Report, should_stop: Callable[[], bool]) -> dict:
    """Fine-tune `config.model` on `config.dataset` and return the final validation metrics.

    Resumes from `config.resume_from_checkpoint` when set. With keep-best, the metrics are the best model's.

    Args:
        config: a checked config (`engine.training.checks.check_config`).
        folders: where to write; `folders.model` receives the model and tokenizer (safetensors),
            `training_config.json`, `metrics.json`, `task.json` (the task's setup) and the model card.
        report: receives `Progress` records and `TrainEvent`/`EvalEvent`/`SummaryEvent`s (main process only).
        should_stop: True asks the run to stop after the current step, saving a checkpoint to resume from.

    Returns:
        The validation loss and the task's metrics by name (text classification: `loss`, `accuracy`, `f1`,
        `precision`, `recall`).

    Raises:
        StudioError: the dataset or model do not fit the config; other exceptions for failures of the run
        (`engine.training.failures.error_category` sorts them).
    """
    set_seed(config.seed)
    # The main process first builds what every process reads (the prepared dataset, a scratch model, the tokenized
    # splits), then the others find it cached: ranks building the same cache entry at once raced each other (one read
    # a scratch model's folder while another replaced it: "Unrecognized model ... `model_type`").
    with process_state().main_process_first():
        data = prepare_training_data(config)
        path = resolve_model(parse_model_ref(config.model), data.train_texts, config.seed)
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=remote_code_allowed())
        tokenized = tokenize_splits(data, tokenizer, config.max_length, ("train", "validation"), config.stride)
    for note in data.notes:
        logger.info(note)
    task, examples, features = data.task, data.splits["validation"], tokenized["validation"]
    processes = process_state().num_processes
    total_steps = planned_steps(config, len(tokenized["train"]), training_devices(processes))
    model = task_model(task, path, data.setup)
    kept = KeptPredictions(task.metrics(data.setup, examples, features))
    hidden_size = getattr(model.config, "hidden_size", None)
    precision = resolve_precision(config.precision, hidden_size)
    logger.info(
        "training %s in %s (precision %s) on %s", task.name, precision, config.precision, describe_hardware(processes)
    )
    trainer = StudioTrainer(
        model=model,
        args=training_arguments(config, folders.checkpoints, total_steps, hidden_size, task),
        train_dataset=tokenized["train"],
        eval_dataset=features,
        processing_class=tokenizer,
        data_collator=task.collator(tokenizer),
        compute_metrics=kept.compute_metrics,
        callbacks=[
            kept,
            StudioProgress(report, should_stop),
            *callbacks_for(config),
            *tracking_callbacks(config, folders.checkpoints.parent),  # the run's folder: jobs/<id>/tensorboard
        ],
    )
    output = trainer.train(resume_from_checkpoint=config.resume_from_checkpoint)
    state = trainer.state
    best = state.best_model_checkpoint if trainer.args.load_best_model_at_end else None
    evaluation = final_metrics(state.log_history, state.global_step, best) or trainer.evaluate()
    metrics = {name: evaluation[f"eval_{name}"] for name in ("loss", *task.metric_names)}
    # The kept model's outputs on validation: what the task tunes on them (multi-label thresholds) is saved with the
    # model, and the task's evaluation table (per label, per entity type) goes into the model card. The evaluation
    # that scored that model computed them already; a run that never evaluated it predicts once.
    step = int(best.rsplit("-", 1)[1]) if best else state.global_step
    outputs = kept.outputs_at(step)
    if outputs is None:
        outputs = trainer.predict(features).predictions
    setup = task.calibrate(data.setup, outputs, examples, features) if task.calibrates else data.setup
    table = task.report(setup, outputs, examples, features).table
    trainer.save_model(str(folders.model))
    if trainer.is_world_process_zero():
        trainer.state.save_to_json(str(folders.trainer_state))
        (folders.model / "training_config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
        (folders.model / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        save_task(folders.model, setup, Tokenization(max_length=config.max_length, stride=config.stride))
        seconds, hardware = output.metrics.get("train_runtime"), describe_hardware(processes)
        write_model_card(
            folders.model,
            config,
            data,
            metrics,
            train_seconds=seconds,
            hardware=hardware,
            precision=precision,
            table=table,
            setup=setup,
        )
    return metrics


class StudioTrainer(Trainer):
    """`Trainer`, evaluating the features in their own order.

    `Trainer` evaluates in batches of similar lengths whenever it trains so (`train_sampling_strategy`
    "group_by_length"), and hands back the predictions in that shuffled order. Metrics computed from the labels that
    travel with them do not mind; a task that reads a feature's other columns by position does: question answering's
    offsets and row index, token classification's word ids, the multi-label targets its thresholds are tuned on.
    Measured before this: a token-classification card's per-type F1 of 0.05 to 0.17 beside its entity F1 of 0.71,
    predictions matched to the wrong sentences. Validation is small; its padding costs little.
    """

    def _get_eval_sampler(self, eval_dataset):
        if eval_dataset is None:
            return None
        # One process: in order. Several: None, and accelerate gives each process its share in order.
        return SequentialSampler(eval_dataset) if self.args.world_size <= 1 else None
