"""The fine-tuning recipe: how `Trainer` is set up for a `TrainConfig` (chapter 3 of the Hugging Face course)."""

from pathlib import Path

import torch
from accelerate import PartialState
from transformers import (
    EarlyStoppingCallback,
    PreTrainedModel,
    TrainerCallback,
    TrainingArguments,
)

from engine.common.errors import StudioError
from engine.tasks.base import Task, TaskSetup, load_model
from engine.tasks.registry import get_task
from engine.training.config import DEFAULT_TASK, TrainConfig, resolve_precision
from engine.training.hardware import describe_hardware, training_device, training_devices  # noqa: F401 (re-exported)

LOG_POINTS = 50  # about this many loss points per run, whatever its length
# The best checkpoint is always kept on top of this many recent ones: 2 keeps the last one for a resume too.
SAVE_TOTAL_LIMIT = 2
# Metrics that are errors or losses: keep-best wants them low (a task's own best metric says its direction itself).
LOWER_IS_BETTER = ("loss", "mse", "rmse", "mae")


def refuse_pickled_weights(path: str) -> None:
    """Refuse a folder whose weights are only pickled (`.bin`, `.pt`): loading those can run code.

    Raises:
        StudioError: naming the pickled files and how to convert them.
    """
    folder = Path(path)
    if folder.is_dir() and not any(folder.glob("*.safetensors")):
        pickled = sorted(p.name for p in folder.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".ckpt"))
        if pickled:
            raise StudioError(
                f"{path} holds only pickled weights ({', '.join(pickled)}); Finetune Studio loads safetensors only "
                "(a pickle can run code); convert it with save_pretrained(folder, safe_serialization=True)"
            )


def task_model(task: Task, path: str, setup: TaskSetup) -> PreTrainedModel:
    """Load `path` with the task's head, sized and named from its setup, from safetensors weights only.

    A model fine-tuned on other labels or another task (job:<id>, a Hub classifier) gets a fresh head.

    Raises:
        StudioError: `path` is a folder whose weights are only pickled.
    """
    refuse_pickled_weights(path)
    return load_model(task, path, setup)


def classifier_model(path: str, label_names: list[str]) -> PreTrainedModel:
    """Load `path` with a single-label classification head sized and named for `label_names`."""
    task = get_task(DEFAULT_TASK)
    return task_model(task, path, TaskSetup(task.name, {}, tuple(label_names)))


def best_model_metric(config: TrainConfig, task: Task) -> tuple[str, bool]:
    """What keep-best and early stopping watch, and whether more is better: the config's metric, else the task's."""
    metric = config.metric_for_best_model or task.best_metric
    if metric == task.best_metric:
        return metric, task.greater_is_better
    return metric, metric not in LOWER_IS_BETTER


def training_arguments(
    config: TrainConfig,
    output_dir: Path,
    total_steps: int,
    hidden_size: int | None = None,
    task: Task | None = None,
    **overrides,
) -> TrainingArguments:
    """The app's `TrainingArguments` for `config`.

    Args:
        config: the run's settings, with `epochs` and `learning_rate` filled (`TrainConfig.with_defaults`).
        output_dir: where checkpoints go.
        total_steps: the optimizer updates planned (`engine.training.config.planned_steps`), to space the logs.
        hidden_size: the model's, for `precision="auto"` on a CPU (see `resolve_precision`).
        task: the run's task, whose best metric keep-best watches unless the config names one; None: text
            classification.
        overrides: any `TrainingArguments` field; they win over the config. Settings that follow from the
            evaluation strategy (saving, keep-best, the metric) follow the overridden one, so
            `eval_strategy="no"` also turns off checkpoints and keep-best.

    Raises:
        ValueError: a precision this machine cannot train in (see `resolve_precision`).
    """
    precision = resolve_precision(config.precision, hidden_size)
    task = task or get_task(DEFAULT_TASK)
    arguments = {
        "output_dir": str(output_dir),
        "num_train_epochs": config.epochs,
        "per_device_train_batch_size": config.batch_size,
        "per_device_eval_batch_size": config.batch_size * 2,  # no gradients kept: twice the rows fit
        "auto_find_batch_size": config.auto_find_batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "learning_rate": config.learning_rate,
        "lr_scheduler_type": config.scheduler,
        "warmup_steps": config.warmup_ratio,  # a float below 1 is a share of all steps
        "weight_decay": config.weight_decay,
        "max_grad_norm": config.max_grad_norm,
        "bf16": precision == "bf16",
        "fp16": precision == "fp16",
        "activation_checkpointing": config.gradient_checkpointing,  # transformers 5's name for it
        "logging_strategy": "steps",
        "logging_steps": max(1, total_steps // LOG_POINTS),
        "report_to": "none",
        # On, `Trainer` multiplies the loss by the number of processes for models that take loss kwargs (BERT does),
        # to undo DDP's gradient mean over a *token-count* loss; a classification loss is a per-example mean, so with
        # 2 processes every logged loss and every gradient came out 2x (measured: 1.39 against 0.69 at the start).
        "average_tokens_across_devices": False,
        "disable_tqdm": True,
        "seed": config.seed,
        "use_cpu": not torch.cuda.is_available(),
        # Batches of similar lengths waste less compute on padding, where the task allows it.
        "train_sampling_strategy": "group_by_length" if task.length_grouping else "random",
        **_evaluation_arguments(config, overrides.get("eval_strategy", config.eval_strategy), task),
    }
    return TrainingArguments(**{**arguments, **overrides})


def _evaluation_arguments(config: TrainConfig, eval_strategy: str, task: Task) -> dict:
    """Evaluation, checkpoints and keep-best, which must agree with each other."""
    if eval_strategy == "no":
        return {"eval_strategy": "no", "save_strategy": "no", "load_best_model_at_end": False}
    steps = {"eval_steps": config.eval_steps, "save_steps": config.eval_steps} if eval_strategy == "steps" else {}
    metric, greater_is_better = best_model_metric(config, task)
    return {
        "eval_strategy": eval_strategy,
        # A checkpoint at each evaluation: keep-best can go back to any of them, and a stopped run can resume.
        "save_strategy": eval_strategy,
        "save_total_limit": SAVE_TOTAL_LIMIT,
        "load_best_model_at_end": config.load_best_model_at_end,
        # Set even without keep-best: the trainer state then records the best score and step.
        "metric_for_best_model": metric,
        "greater_is_better": greater_is_better,
        **steps,
    }


class NoFinalCheckpoint(TrainerCallback):
    """Skips the checkpoint of the run's last step, which nobody can use: the model is saved on its own, and a
    finished run is never resumed (its checkpoints are deleted). Keep-best still gets it, since the last evaluation
    may be the best one to go back to."""

    def _skip_at_the_end(self, args, state, control) -> None:
        if state.global_step >= state.max_steps and not args.load_best_model_at_end:
            control.should_save = False

    def on_step_end(self, args, state, control, **kwargs):
        self._skip_at_the_end(args, state, control)

    def on_epoch_end(self, args, state, control, **kwargs):
        self._skip_at_the_end(args, state, control)


def callbacks_for(config: TrainConfig) -> list[TrainerCallback]:
    """The run's own callbacks (after `Trainer`'s, so they have the last word): no unusable final checkpoint, and
    early stopping when a patience is set."""
    callbacks: list[TrainerCallback] = [NoFinalCheckpoint()]
    if config.early_stopping_patience is not None:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience))
    return callbacks


def final_metrics(log_history: list[dict], global_step: int, best_checkpoint: str | None) -> dict | None:
    """The validation scores of the model the run ends with, when an evaluation during training already has them:
    the best checkpoint's (keep-best) or the last step's; None when the final model was never evaluated.

    Evaluating it again would cost a whole pass over the validation split for the same numbers.
    """
    step = int(best_checkpoint.rsplit("-", 1)[1]) if best_checkpoint else global_step
    evaluations = [entry for entry in log_history if "eval_loss" in entry and entry.get("step") == step]
    return evaluations[-1] if evaluations else None


def process_state() -> PartialState:
    """This process's place among the run's processes (rank, count, main or not), as `Trainer` will see it.

    Made the way `TrainingArguments` makes it (on the CPU when there is no GPU): a bare `PartialState()` under
    PyTorch's launcher on a CPU sees no distributed run, and every process then took itself for the main one (each
    wrote the job's rows, each built the same cache). The state is shared by the whole process, so whoever asks first
    decides it.
    """
    return PartialState(cpu=not torch.cuda.is_available())
