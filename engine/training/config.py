"""The settings of one fine-tuning run, validated as soon as they are made, and checked against the run's size."""

import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from engine.common.errors import StudioError
from engine.models.refs import parse_model_ref
from engine.training.defaults import default_hyperparameters
from engine.training.task_settings import OPTION_DEFAULTS, SCHEMES, TASK_OPTIONS, option_task

SCHEDULERS = ("linear", "cosine")
EVAL_STRATEGIES = ("epoch", "steps")
BEST_MODEL_METRICS = ("accuracy", "f1", "precision", "recall", "loss")  # text classification's, and the loss
DEFAULT_TASK = "text-classification"  # what every run trained before there were tasks: old job rows keep it
INFER_TASK = "auto"  # the task is inferred from the data (`engine.tasks.registry.infer_task`); None means the same
# Each task's metrics (its `metric_names` in `engine/tasks/`; tests/engine/training/test_train_config.py checks they
# agree): here, so that a config is checked as it is made without importing the tasks (transformers costs the web
# server seconds at start).
TASK_METRICS = {
    "text-classification": ("accuracy", "f1", "precision", "recall"),
    "multi-label-classification": (
        "f1_micro",
        "f1_macro",
        "f1_samples",
        "subset_accuracy",
        "precision_micro",
        "recall_micro",
    ),
    "regression": ("mse", "rmse", "mae", "pearson", "spearman", "r2"),
    "token-classification": ("precision", "recall", "f1", "accuracy"),
    "question-answering": ("exact_match", "f1"),
}
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
NAME_MAX_CHARS = 100
SEED_MAX = 2**32 - 1  # numpy's `seed` takes a 32-bit unsigned integer, and `Trainer` seeds numpy with it


@dataclass(frozen=True)
class TrainConfig:
    """What to fine-tune, on what, and how.

    `epochs` and `learning_rate` left as None take defaults that suit the model (see
    `engine.training.defaults.default_hyperparameters`): a scratch model needs more of both than a pretrained one.
    The device-dependent checks (bf16 / fp16 need CUDA) and the checks that depend on the dataset's size
    (early stopping must be able to trigger) are in `check_fits`, run before a job is launched.
    """

    dataset: str
    model: str
    dataset_config: str | None = None
    task: str | None = DEFAULT_TASK  # one of TASK_METRICS; None or "auto": inferred from the data
    # The text-classification roles keep their own fields (every older config, job row and command names them);
    # `columns` names any task's roles (role -> column: tokens, tags, question, context, answers...).
    columns: dict[str, str] | None = None
    text_column: str | None = None
    text_pair_column: str | None = None
    label_column: str | None = None
    # The task's own options (`engine.training.task_settings.TASK_OPTIONS`); each belongs to one task, and None
    # (or the default) leaves it to the task.
    threshold: float | None = None  # multi-label: predict a label at this probability or more (0.5)
    tune_thresholds: bool = True  # multi-label: one threshold per label, tuned on validation, saved with the model
    delimiter: str | None = None  # multi-label: between the labels of a text column; detected when None
    standardize: bool = False  # regression: train on the target scaled to mean 0, std 1; predictions mapped back
    label_all_tokens: bool = False  # token classification: non-first sub-words learn the tag too (else -100)
    scheme: str | None = None  # token classification: IOB1, IOB2 or BIOES for entity scores; detected when None
    stride: int | None = None  # question answering: context tokens shared by two windows; max_length / 4 when None
    max_answer_length: int | None = None  # question answering: the longest answer predicted, in tokens (30)
    n_best: int | None = None  # question answering: start / end candidates per window (20)
    epochs: float | None = None
    batch_size: int = 16
    learning_rate: float | None = None
    # 128 tokens covers the sentences and headlines this app is made for; longer inputs are truncated.
    max_length: int = 128
    seed: int = 42
    # AdamW's learning rate rises linearly over the warm-up, then decays to 0 (linearly, or along a cosine).
    scheduler: str = "linear"
    warmup_ratio: float = 0.1  # BERT-style fine-tunes are unstable without a short warm-up
    weight_decay: float = 0.01  # the BERT paper's value: a light pull towards 0 that curbs overfitting
    # Several batches' gradients summed per update: a larger effective batch without the memory of one.
    gradient_accumulation_steps: int = 1
    max_grad_norm: float = 1.0  # clipping keeps one bad batch from wrecking the weights early on
    eval_strategy: str = "epoch"
    eval_steps: int | None = None  # with eval_strategy "steps" only: evaluate every this many updates
    # None: the task's own (`Task.best_metric`); text classification's macro F1 weighs every label equally, so a
    # model that ignores a rare label cannot look best.
    metric_for_best_model: str | None = None
    load_best_model_at_end: bool = False
    early_stopping_patience: int | None = None  # stop after this many evaluations without improvement
    precision: str = (
        "auto"  # auto: bf16 on GPUs and CPUs with native bf16 (CPU: wide models), fp16 on other GPUs, else fp32
    )
    auto_find_batch_size: bool = False  # on out-of-memory, halve the batch size and retry
    gradient_checkpointing: bool = False  # recompute activations in the backward pass: less memory, ~20% slower
    name: str | None = None
    resume_from_checkpoint: str | None = None  # a `checkpoint-<step>` folder of an earlier run

    def __post_init__(self) -> None:
        self._check_finite()
        self._check_data_and_model()
        self._check_task_options()
        self._check_optimisation()
        self._check_evaluation()
        self._check_run()

    def _check_finite(self) -> None:
        # NaN compares false with every bound, so a range check alone would let it through (and infinity past an
        # open bound): every number is refused here first, naming its field.
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise StudioError(f"{field.name} must be a finite number, not {value}")

    def _check_data_and_model(self) -> None:
        if not self.dataset or not self.dataset.strip():
            raise StudioError("no dataset given")
        if not self.model or not self.model.strip():
            raise StudioError("no model given")
        if not 8 <= self.max_length <= 8192:
            raise StudioError(f"max_length must be in [8, 8192], not {self.max_length}")
        if self.text_pair_column and self.text_pair_column == self.text_column:
            raise StudioError(f"text column and text pair column are both {self.text_column!r}")
        if self.task not in (None, INFER_TASK, *TASK_METRICS):
            raise StudioError(f"task must be one of {', '.join(TASK_METRICS)} or {INFER_TASK}, not {self.task!r}")
        for role, column in (self.columns or {}).items():
            if not isinstance(role, str) or not role.strip() or not isinstance(column, str) or not column.strip():
                raise StudioError(f"columns must map a role to a column name, not {role!r} to {column!r}")
        for role, column in self._named_roles().items():
            chosen = (self.columns or {}).get(role)
            if chosen and chosen != column:
                raise StudioError(f"the {role} column is named twice: {column!r} and {chosen!r} in columns")

    def _check_task_options(self) -> None:
        if self.threshold is not None and not 0 < self.threshold < 1:
            raise StudioError(f"threshold must be in (0, 1), not {self.threshold}")
        if self.delimiter is not None and not 1 <= len(self.delimiter) <= 5:
            raise StudioError(f"delimiter must be 1 to 5 characters (; or |), not {self.delimiter!r}")
        if self.scheme is not None and self.scheme not in SCHEMES:
            raise StudioError(f"scheme must be one of {', '.join(SCHEMES)} or None (detected), not {self.scheme!r}")
        # Two windows sharing half of max_length or more would never move past a long context (as `Tokenization`).
        widest = self.max_length // 2 - 1
        if self.stride is not None and (not _is_whole(self.stride) or not 0 <= self.stride <= widest):
            raise StudioError(
                f"stride must be a whole number in [0, {widest}] (below max_length / 2), not {self.stride}"
            )
        answer = self.max_answer_length
        if answer is not None and (not _is_whole(answer) or not 1 <= answer <= self.max_length):
            raise StudioError(f"max_answer_length must be a whole number in [1, {self.max_length}], not {answer}")
        if self.n_best is not None and (not _is_whole(self.n_best) or not 1 <= self.n_best <= 100):
            raise StudioError(f"n_best must be a whole number in [1, 100], not {self.n_best}")
        if self.task in TASK_OPTIONS:
            self.check_options_belong_to(self.task)

    def check_options_belong_to(self, task: str) -> None:
        """Refuse an option of another task (a threshold for regression): it would silently do nothing.

        Raises:
            StudioError: naming the option, its task and the task trained.
        """
        for option, default in OPTION_DEFAULTS.items():
            if getattr(self, option) != default and option not in TASK_OPTIONS[task]:
                raise StudioError(
                    f"{option} is an option of {option_task(option)}, not of {task}; leave it at its default "
                    f"({default}) or train {option_task(option)}"
                )

    def task_options(self, task: str) -> dict[str, object]:
        """The options `task`'s `setup` takes from this config (by their `TaskSetup.options` names): those set, and
        the switches; `stride` goes to the tokenization instead (`Tokenization.stride`)."""
        options = {}
        for option, name in TASK_OPTIONS.get(task, {}).items():
            value = getattr(self, option)
            if option != "stride" and value is not None:
                options[name] = value
        return options

    def _check_optimisation(self) -> None:
        if self.epochs is not None and not 0 < self.epochs <= 1000:
            raise StudioError(f"epochs must be in (0, 1000], not {self.epochs}")
        if not 1 <= self.batch_size <= 4096:
            raise StudioError(f"batch_size must be in [1, 4096], not {self.batch_size}")
        if self.learning_rate is not None and not 0 < self.learning_rate < 1:
            raise StudioError(f"learning_rate must be in (0, 1), not {self.learning_rate}")
        if self.scheduler not in SCHEDULERS:
            raise StudioError(f"scheduler must be one of {', '.join(SCHEDULERS)}, not {self.scheduler!r}")
        if not 0 <= self.warmup_ratio <= 0.5:
            raise StudioError(f"warmup_ratio must be in [0, 0.5], not {self.warmup_ratio}")
        if not 0 <= self.weight_decay <= 1:
            raise StudioError(f"weight_decay must be in [0, 1], not {self.weight_decay}")
        accumulation = self.gradient_accumulation_steps
        if not _is_whole(accumulation) or not 1 <= accumulation <= 1024:
            raise StudioError(f"gradient_accumulation_steps must be a whole number in [1, 1024], not {accumulation}")
        if not 0 < self.max_grad_norm < math.inf:
            raise StudioError(f"max_grad_norm must be a positive number, not {self.max_grad_norm}")

    def _check_evaluation(self) -> None:
        if self.eval_strategy not in EVAL_STRATEGIES:
            raise StudioError(f"eval_strategy must be one of {', '.join(EVAL_STRATEGIES)}, not {self.eval_strategy!r}")
        if self.eval_strategy == "steps" and self.eval_steps is None:
            raise StudioError('eval_strategy "steps" needs eval_steps: evaluate every how many updates?')
        if self.eval_steps is not None and (not _is_whole(self.eval_steps) or self.eval_steps < 1):
            raise StudioError(f"eval_steps must be a whole number >= 1, not {self.eval_steps}")
        metric = self.metric_for_best_model
        if metric is not None and metric not in self.best_metric_choices():
            raise StudioError(
                f"metric_for_best_model must be one of {', '.join(self.best_metric_choices())}, not {metric!r}"
            )
        patience = self.early_stopping_patience
        if patience is not None and (not _is_whole(patience) or patience < 1):
            raise StudioError(f"early_stopping_patience must be a whole number >= 1 or None, not {patience}")
        if patience is not None and not self.load_best_model_at_end:
            raise StudioError(
                "early_stopping_patience needs load_best_model_at_end: otherwise the model kept is the last one, "
                f"{patience} evaluation(s) past the best"
            )

    def _check_run(self) -> None:
        if not _is_whole(self.seed) or not 0 <= self.seed <= SEED_MAX:
            raise StudioError(f"seed must be a whole number in [0, {SEED_MAX}], not {self.seed}")
        if self.precision not in PRECISIONS:
            raise StudioError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        if self.name is not None and len(self.name) > NAME_MAX_CHARS:
            raise StudioError(f"name must be at most {NAME_MAX_CHARS} characters, not {len(self.name)}")
        if self.resume_from_checkpoint is not None and not self.resume_from_checkpoint.strip():
            raise StudioError("resume_from_checkpoint is empty: give a checkpoint folder or None")

    def _named_roles(self) -> dict[str, str]:
        named = {"text": self.text_column, "text_pair": self.text_pair_column, "label": self.label_column}
        return {role: column for role, column in named.items() if column}

    def task_columns(self) -> dict[str, str]:
        """Role -> column for the task's setup: `columns`, with the text / pair / label fields as those roles."""
        return {**(self.columns or {}), **self._named_roles()}

    def best_metric_choices(self) -> tuple[str, ...]:
        """What keep-best may watch: the task's metrics and the loss (every task's when the task is inferred)."""
        if self.task in TASK_METRICS:
            return (*TASK_METRICS[self.task], "loss")
        return (*dict.fromkeys(name for names in TASK_METRICS.values() for name in names), "loss")

    def with_defaults(self) -> "TrainConfig":
        """Return a copy with `epochs` / `learning_rate` filled in for this model."""
        defaults = default_hyperparameters(parse_model_ref(self.model))
        return replace(
            self,
            epochs=self.epochs if self.epochs is not None else defaults["epochs"],
            learning_rate=self.learning_rate if self.learning_rate is not None else defaults["learning_rate"],
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """Rebuild a config saved by `to_dict`; unknown keys are ignored and missing ones take their defaults."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def planned_steps(config: TrainConfig, train_rows: int, processes: int = 1) -> int:
    """The optimizer updates `Trainer` will make, computed as it does (`set_initial_training_values`).

    Args:
        config: the run's settings; `epochs` None takes the model's default.
        train_rows: rows in the train split.
        processes: data-parallel processes (GPUs), each taking `batch_size` rows per batch.
    """
    epochs = config.epochs if config.epochs is not None else config.with_defaults().epochs
    batches = math.ceil(train_rows / (config.batch_size * processes))
    updates_per_epoch = max(1, math.ceil(batches / config.gradient_accumulation_steps))
    return math.ceil(epochs * updates_per_epoch)


def evaluations_planned(config: TrainConfig, train_rows: int, processes: int = 1) -> int:
    """How many times the run will score the validation split (early stopping and keep-best compare these)."""
    if config.eval_strategy == "epoch":
        epochs = config.epochs if config.epochs is not None else config.with_defaults().epochs
        return math.ceil(epochs)  # a last, partial epoch ends with an evaluation too
    # Every `eval_steps` updates, plus one at the end when the last update is not on that beat.
    return math.ceil(planned_steps(config, train_rows, processes) / config.eval_steps)


# CPU flags (as /proc/cpuinfo names them) for bf16 matrix work in hardware. Without them PyTorch emulates bf16 on
# the CPU, which is slower than fp32. With them bf16 autocast pays off on models of some width, not on narrow ones:
# scratch:small (hidden 128) measured 0.92x and 1.02x (bench/cpu_precision.py); scratch:minilm (hidden 384, MiniLM's
# shape) 1.27x and 1.72x whole-process on a busy machine (bench/whole_process.py), the 22.7M-parameter
# encoder (hidden 384) 1.49x.
# `auto` takes bf16 on such a CPU from this hidden size up: it lies between the width measured without a gain (128)
# and the one measured with it (384); no width in between has been measured.
CPU_BF16_MIN_HIDDEN = 256
_CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_native_bf16() -> str | None:
    """The CPU feature that gives native bf16 (`avx512_bf16`, `amx_bf16`), or None (or not Linux: not known)."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.is_file():
        return None
    for line in cpuinfo.read_text(errors="replace").splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return next((flag for flag in _CPU_BF16_FLAGS if flag in flags), None)
    return None


def resolve_precision(precision: str, hidden_size: int | None = None) -> str:
    """Turn a `precision` setting into what this machine will train in: "fp32", "bf16" or "fp16".

    `auto` is bf16 on GPUs with native bf16 (Ampere and later), else fp16 on a GPU. On a CPU with native bf16
    (AVX512-BF16 or AMX) `auto` is bf16 (autocast) for a model whose `hidden_size` is `CPU_BF16_MIN_HIDDEN` or more,
    where it measured faster, else fp32; on other CPUs fp32. bf16 can be asked for on any CPU with native bf16.

    Args:
        precision: one of `PRECISIONS`.
        hidden_size: the model's hidden size, when known; unknown counts as narrow (fp32 on a CPU).

    Raises:
        StudioError: fp16 without a CUDA GPU, or bf16 on a GPU or CPU without native bf16.
    """
    import torch  # here: the web server imports this module at start, and torch costs seconds

    if precision not in PRECISIONS:
        raise StudioError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if not torch.cuda.is_available():
        if precision == "auto":
            wide = hidden_size is not None and hidden_size >= CPU_BF16_MIN_HIDDEN
            return "bf16" if wide and cpu_native_bf16() else "fp32"
        if precision == "fp16":
            raise StudioError(
                "precision fp16 needs a CUDA GPU; this machine trains on the CPU: use bf16, fp32 or auto"
            )
        if precision == "bf16" and not cpu_native_bf16():
            raise StudioError(
                "precision bf16 needs a CUDA GPU or a CPU with native bf16 (AVX512-BF16 or AMX), which this one "
                "lacks: use fp32 or auto"
            )
        return precision
    # Native bf16 only (Ampere and later): emulated bf16 is slower than fp32.
    bf16 = torch.cuda.is_bf16_supported(including_emulation=False)
    if precision == "auto":
        return "bf16" if bf16 else "fp16"
    if precision == "bf16" and not bf16:
        device = torch.cuda.get_device_name(0)
        raise StudioError(f"precision bf16 is not supported by {device}: use fp16 or auto")
    return precision


def check_fits(config: TrainConfig, train_rows: int, processes: int = 1) -> None:
    """Check the settings that depend on the dataset's size and on this machine, before a job is launched.

    Raises:
        ValueError: an early-stopping patience that cannot trigger (naming the patience and the number of
            evaluations), a precision this machine cannot train in, or a resume folder that is no checkpoint.
    """
    patience = config.early_stopping_patience
    if patience is not None:
        evaluations = evaluations_planned(config, train_rows, processes)
        if patience >= evaluations:
            raise StudioError(
                f"early stopping patience {patience} can never trigger: the run evaluates only {evaluations} "
                f"time(s), and stopping needs {patience + 1}; lower the patience, train longer or evaluate more often"
            )
    resolve_precision(config.precision)
    if config.resume_from_checkpoint is not None:
        folder = Path(config.resume_from_checkpoint).expanduser()
        if not (folder / "trainer_state.json").is_file():
            raise StudioError(f"cannot resume from {folder}: it is not a checkpoint folder (no trainer_state.json)")
