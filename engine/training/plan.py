"""What a run will cost, said before it starts: the device, the number of updates, memory and time.

Memory is a rough estimate from the model's size (fp32 weights, gradients and AdamW's two moments: 16 bytes per
parameter) plus activations; time comes from earlier runs of the same model on the same device, when there are
any, since nothing predicts a machine's speed better than having watched it.
"""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.common.errors import StudioError
from engine.common.settings import remote_code_allowed
from engine.models.loading import MODEL_LOADING, resolve_model
from engine.models.refs import SCRATCH, parse_model_ref
from engine.models.scratch import SIZES
from engine.training.checks import check_config
from engine.training.config import DEFAULT_TASK, TrainConfig, evaluations_planned, planned_steps, resolve_precision
from engine.training.data import TrainingData, tokenize_splits
from engine.training.hardware import describe_hardware, training_device
from engine.training.task_settings import WINDOWED_TASKS

if TYPE_CHECKING:  # only for hints: the tasks import transformers, which costs the web server seconds at start
    from engine.tasks.base import Task, TaskSetup

BYTES_PER_PARAMETER = 16  # fp32 weights 4 + gradients 4 + AdamW first and second moments 8
# Activations kept for the backward pass, per layer and token, in units of the hidden size (Korthikanti et al.,
# 2022: about 34 values per hidden unit and token for a transformer layer), at 4 bytes each in fp32.
ACTIVATION_VALUES_PER_HIDDEN = 34


@dataclass(frozen=True)
class PastRun:
    """A finished run to learn a machine's speed from: which model, on which device, how many updates took how long,
    at which batch size and max length."""

    run_id: int
    model: str
    device: str
    steps: int
    seconds: float
    batch_size: int
    max_length: int

    def __post_init__(self) -> None:
        if self.steps < 1 or self.seconds <= 0:
            raise StudioError(f"run {self.run_id}: a past run needs at least one step and a positive duration")


@dataclass
class TrainingPlan:
    """A run's expected cost; `seconds` is None when no earlier run of this model on this device can tell."""

    device: str
    hardware: str
    train_rows: int
    steps: int
    evaluations: int
    parameters: int
    memory_bytes: int
    seconds: float | None
    estimate_basis: str
    precision: str = "fp32"  # what the run computes in: fp32, bf16 or fp16 (`resolve_precision`)
    train_windows: int | None = None  # what an epoch trains on when it is not the rows (question answering's windows)
    task: str = DEFAULT_TASK

    def summary(self) -> str:
        """The plan in one or two plain sentences."""
        if self.device == "cpu":
            where = f"the CPU in {self.precision}: it works, slowly"
        else:
            where = f"the GPU ({self.hardware}) in {self.precision}"
        time = f"about {_duration(self.seconds)} ({self.estimate_basis})" if self.seconds else self.estimate_basis
        windows = f" ({self.train_windows:,} windows)" if self.train_windows is not None else ""
        return (
            f"Trains on {where}. {self.train_rows:,} training rows{windows}, {self.steps:,} updates, "
            f"{self.evaluations} evaluations; {self.parameters / 1e6:.1f} M parameters, roughly "
            f"{self.memory_bytes / 1024**3:.1f} GB of memory. Time: {time}."
        )


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def _architecture(config: TrainConfig, head: dict):
    """The model's configuration with the task's head fields (`num_labels`, `problem_type`...)."""
    ref = parse_model_ref(config.model)
    if ref.kind == SCRATCH:
        shape = SIZES[ref.name]
        return shape.bert_config(shape.vocab_size, **head)  # the vocabulary's ceiling: an upper bound
    from transformers import AutoConfig  # here, as in count_parameters

    return AutoConfig.from_pretrained(resolve_model(ref, corpus=list), trust_remote_code=remote_code_allowed(), **head)


def count_parameters(
    config: TrainConfig, labels: int, task: "Task | None" = None, setup: "TaskSetup | None" = None
) -> tuple[int, object]:
    """The model's parameter count with the task's head, from its configuration alone (no weights are loaded).

    Args:
        config: the run's settings (its model).
        labels: the number of labels of a single-label classifier, the head counted when no task is given.
        task, setup: the run's task and what it read from the data: its head (a token classifier's one output per
            tag, question answering's start and end, regression's one value).
    """
    # Imported here: the web server imports this module at start, and torch and transformers' models cost seconds.
    import torch
    from transformers import AutoModelForSequenceClassification

    head = task.model_kwargs(setup) if task is not None else {"num_labels": labels}
    architecture = _architecture(config, head)
    model_class = task.model_class if task is not None else AutoModelForSequenceClassification
    # Meta tensors: the shapes without the memory. `torch.device` as a context is local to this thread, unlike
    # accelerate's `init_empty_weights`, which patches `nn.Module` for every thread: a model another user loads
    # meanwhile in the app (a prediction, a pipeline) would come out on the meta device.
    with MODEL_LOADING, torch.device("meta"):
        model = model_class.from_config(architecture)
    return sum(p.numel() for p in model.parameters()), architecture


def train_features(config: TrainConfig, data: TrainingData) -> int:
    """What one epoch trains on: the train rows, or for a task that cuts a row into windows (question answering)
    the windows, counted by tokenizing the train split as the run will (cached: the run reuses it)."""
    rows = len(data.splits["train"])
    if data.task.name not in WINDOWED_TASKS:
        return rows
    from transformers import AutoTokenizer  # here, as in count_parameters

    path = resolve_model(parse_model_ref(config.model), data.train_texts, config.seed)
    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=remote_code_allowed())
    return len(tokenize_splits(data, tokenizer, config.max_length, ("train",), config.stride)["train"])


def _seconds_per_step(config: TrainConfig, device: str, past_runs: Sequence[PastRun]) -> tuple[float | None, str]:
    similar = [run for run in past_runs if run.model == config.model and run.device == device][:5]
    if not similar:
        return None, "no estimate yet: the first run of this model on this device measures it"
    # Scale by batch size and length: compute per step grows with both (a rough, linear view).
    rates = [
        run.seconds / run.steps * (config.batch_size * config.max_length) / (run.batch_size * run.max_length)
        for run in similar
    ]
    runs = ", ".join(f"#{run.run_id}" for run in similar)
    return statistics.median(rates), f"from earlier runs {runs}"


def plan_training(config: TrainConfig, past_runs: Sequence[PastRun] = (), device: str | None = None) -> TrainingPlan:
    """Check `config` (as a launch would) and estimate what the run will take.

    Args:
        config: the run as the user asked for it.
        past_runs: finished runs, newest first; the five newest of the same model on the same device set the time.
        device: where the run would train (`cuda` or `cpu`); this machine's by default.

    Returns:
        The plan; its `seconds` is None when no past run can tell.

    Raises:
        StudioError: the errors of `engine.training.checks.check_config`.
    """
    checked = check_config(config)
    resolved, data = checked.config, checked.data
    train_rows = len(data.splits["train"])
    features = train_features(resolved, data)
    parameters, architecture = count_parameters(resolved, len(data.label_names), data.task, data.setup)
    layers = getattr(architecture, "num_hidden_layers", 12)
    hidden = getattr(architecture, "hidden_size", 768)
    activations = layers * resolved.batch_size * resolved.max_length * hidden * ACTIVATION_VALUES_PER_HIDDEN * 4
    device = device or training_device()
    per_step, basis = _seconds_per_step(resolved, device, past_runs)
    steps = planned_steps(resolved, features)
    return TrainingPlan(
        device=device,
        hardware=describe_hardware(),
        train_rows=train_rows,
        train_windows=features if features != train_rows else None,
        task=data.task.name,
        steps=steps,
        evaluations=evaluations_planned(resolved, features),
        parameters=parameters,
        memory_bytes=parameters * BYTES_PER_PARAMETER + activations,
        seconds=per_step * steps if per_step else None,
        estimate_basis=basis,
        precision=resolve_precision(resolved.precision, hidden),
    )
