"""The task protocol: everything a training recipe, an evaluation or a model card needs to know about one task.

A recipe asks the task, never the task's name: which columns to read (`roles`, `setup`), how to tokenize
(`preprocess`), which head to build (`model_class`, `model_kwargs`), how to batch (`collator`), how to score
(`metrics`, `report`), how to turn outputs into predictions (`postprocess`) and what the model card says (`card`).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np
from datasets import Dataset, LargeList, List, Value
from transformers import EvalPrediction, PreTrainedModel, PreTrainedTokenizerBase

from engine.common.errors import NotFoundError, StudioError
from engine.common.settings import remote_code_allowed

# What `Trainer` hands `compute_metrics`, and what `Trainer.predict(...).predictions` holds: logits, or a tuple of
# them (question answering's start and end logits).
Outputs = np.ndarray | tuple[np.ndarray, ...]
MetricsFunction = Callable[[EvalPrediction], dict[str, float]]


@dataclass(frozen=True)
class ColumnRole:
    """One column a task reads, by its role, with the names the common Hub layouts give it.

    Attributes:
        role: the role's name (`text`, `labels`, `tokens`, `answers`...), the key of `TaskSetup.columns`.
        defaults: column names tried in order when the user names none (`label`, `labels`, `score`...).
        description: what the column holds, in the user's words (for messages and forms).
        optional: a role that may stay unfilled (a second text of a pair, a QA row id).
    """

    role: str
    defaults: tuple[str, ...]
    description: str
    optional: bool = False


@dataclass(frozen=True)
class Tokenization:
    """How a split is tokenized for a task.

    Attributes:
        max_length: the longest sequence, special tokens included; longer inputs are truncated (or, for question
            answering, split into overflow windows).
        stride: tokens of context two consecutive overflow windows share (question answering only); None: a quarter
            of `max_length`, the course's 128 of 384.
    """

    max_length: int = 128
    stride: int | None = None

    def __post_init__(self) -> None:
        if self.max_length < 8:
            raise StudioError(f"max_length must be at least 8, not {self.max_length}")
        if self.stride is not None and not 0 <= self.stride < self.max_length // 2:
            raise StudioError(
                f"stride must be between 0 and {self.max_length // 2 - 1} (below max_length / 2), not {self.stride}"
            )

    @property
    def window_stride(self) -> int:
        return self.max_length // 4 if self.stride is None else self.stride


@dataclass(frozen=True)
class TaskSetup:
    """What a task read from a dataset before training: its columns, its label names and its options.

    It is plain data (`to_dict` / `from_dict` round-trip through JSON), saved with a trained model so that
    predictions read a file the way training read its data (the delimiter, the thresholds, the target's scale).

    Attributes:
        task: the task's registered name (`token-classification`).
        columns: role -> column name, for the roles that are filled.
        labels: the label names in id order (the model's `id2label`); empty for question answering.
        options: the task's own settings (a multi-label delimiter and thresholds, a regression target's mean and
            standard deviation, a tagging scheme, a maximum answer length...).
    """

    task: str
    columns: Mapping[str, str]
    labels: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)

    def with_options(self, **changes: Any) -> "TaskSetup":
        """A copy with some options changed (thresholds tuned on validation, say)."""
        return replace(self, options={**self.options, **changes})

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "columns": dict(self.columns),
            "labels": list(self.labels),
            "options": dict(self.options),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TaskSetup":
        return cls(data["task"], dict(data["columns"]), tuple(data.get("labels", ())), dict(data.get("options", {})))


@dataclass(frozen=True)
class CardMetadata:
    """What a model card says about the task: the Hub's pipeline tag and the metrics it reports."""

    pipeline_tag: str
    metric_names: tuple[str, ...]


@dataclass
class EvaluationReport:
    """A task's evaluation of a model on a labelled split.

    Attributes:
        metrics: the task's metrics, by name (the same names as during training).
        table: one row per label or entity type (precision, recall, F1, support...); empty when the task has none.
        errors: the examples worth reading first (the most confident or largest mistakes), each a row of readable
            fields, worst first.
        pairs: multi-label only: label pairs, their confusions and co-occurrence (`tasks/multi_label_errors.py`).
        patterns: multi-label only: each error pattern and how many rows show it, most frequent first.
    """

    metrics: dict[str, float]
    table: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    pairs: list[dict[str, Any]] = field(default_factory=list)
    patterns: list[dict[str, Any]] = field(default_factory=list)


@runtime_checkable
class Task(Protocol):
    """One fine-tuning task. Implementations are stateless: everything learnt from the data is in a `TaskSetup`.

    Attributes:
        name: the registered name (`multi-label-classification`), as the CLI's `--task` takes it.
        title: the name in words, for pages and messages.
        roles: the columns the task reads.
        model_class: the `transformers` auto class of its head (`AutoModelForTokenClassification`).
        metric_names: the keys `metrics` returns, in the order a page shows them.
        best_metric: the metric keep-best and early stopping watch by default; `greater_is_better` its direction.
        calibrates: whether `calibrate` tunes anything (multi-label thresholds): a run predicts on validation once
            more at its end only for such a task.
        length_grouping: whether training batches are grouped by length (less padding); off where a row's length
            tells its label, since each batch would then hold one kind of label.
    """

    name: str
    title: str
    roles: tuple[ColumnRole, ...]
    model_class: type
    metric_names: tuple[str, ...]
    best_metric: str
    greater_is_better: bool
    calibrates: bool
    length_grouping: bool

    def matches(self, split: Dataset) -> bool:
        """Whether a split looks like this task's data (its columns and their types), for `infer_task`."""
        ...

    def setup(self, train: Dataset, columns: Mapping[str, str | None] | None = None, **options: Any) -> TaskSetup:
        """Read the columns and the label space from the train split, checking every row.

        Raises:
            StudioError: a missing column, or a row the task cannot train on, named with its row number.
        """
        ...

    def validate(self, split: Dataset, setup: TaskSetup, split_name: str) -> None:
        """Check every row of another split (validation, test) against the setup, naming the first bad row.

        Raises:
            StudioError: a bad row, or a label the train split does not have.
        """
        ...

    def corpus(self, split: Dataset, setup: TaskSetup) -> list[str]:
        """The texts of a split, for a `scratch:` model's tokenizer to learn its vocabulary from."""
        ...

    def preprocess(
        self, split: Dataset, tokenizer: PreTrainedTokenizerBase, setup: TaskSetup, tokenization: Tokenization
    ) -> Dataset:
        """Tokenize a split into model inputs with labels; extra columns the metrics need are kept (`Trainer`
        drops what the model does not take)."""
        ...

    def model_kwargs(self, setup: TaskSetup) -> dict[str, Any]:
        """The config fields of the head: `num_labels`, `id2label`, `label2id`, `problem_type`."""
        ...

    def collator(self, tokenizer: PreTrainedTokenizerBase) -> Callable:
        """The data collator that pads a batch of this task's features."""
        ...

    def metrics(self, setup: TaskSetup, examples: Dataset, features: Dataset) -> MetricsFunction:
        """`Trainer`'s `compute_metrics` for an evaluation split: `examples` as loaded, `features` as preprocessed."""
        ...

    def calibrate(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> TaskSetup:
        """The setup, with whatever the task tunes on validation predictions (multi-label thresholds); unchanged
        for tasks that tune nothing."""
        ...

    def postprocess(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> list[Any]:
        """One prediction per example, in the user's terms (label names, values, entities, answer spans)."""
        ...

    def report(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> EvaluationReport:
        """The evaluation report of a labelled split from the model's outputs on its features."""
        ...

    def card(self, setup: TaskSetup) -> CardMetadata:
        """What the model card says about this task."""
        ...


def resolve_roles(
    roles: Sequence[ColumnRole], column_names: Sequence[str], chosen: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """Pick a column for every role: the one chosen, else the first of its Hub-layout defaults that exists.

    Raises:
        NotFoundError: a chosen column that does not exist, or a required role with none of its defaults present,
            naming the role, what was looked for and the columns there are.
        StudioError: a role given for a task that has no such role.
    """
    chosen = {role: column for role, column in (chosen or {}).items() if column}
    known = {role.role for role in roles}
    unknown = sorted(set(chosen) - known)
    if unknown:
        raise StudioError(
            f"no column role {', '.join(unknown)} for this task; its roles are {', '.join(sorted(known))}"
        )
    available = ", ".join(column_names)
    resolved: dict[str, str] = {}
    for role in roles:
        if role.role in chosen:
            if chosen[role.role] not in column_names:
                raise NotFoundError(f"{role.role} column {chosen[role.role]!r} not found; columns are {available}")
            resolved[role.role] = chosen[role.role]
            continue
        found = next((name for name in role.defaults if name in column_names), None)
        if found is not None:
            resolved[role.role] = found
        elif not role.optional:
            looked = " or ".join(repr(name) for name in role.defaults)
            raise NotFoundError(
                f"no {role.role} column ({role.description}): looked for {looked}; columns are {available}"
            )
    return resolved


def load_model(task: Task, path: str, setup: TaskSetup) -> PreTrainedModel:
    """Load `path` with the task's head, sized and named from the setup, from safetensors weights only.

    A model fine-tuned on other labels or another task gets a fresh head (`ignore_mismatched_sizes`).
    """
    return task.model_class.from_pretrained(
        path,
        use_safetensors=True,  # pickled weights can run arbitrary code when loaded
        trust_remote_code=remote_code_allowed(),
        ignore_mismatched_sizes=True,
        **task.model_kwargs(setup),
    )


def label_config(labels: Sequence[str], problem_type: str | None = None) -> dict[str, Any]:
    """`num_labels`, `id2label` and `label2id` for these label names (and the problem type, when given)."""
    config: dict[str, Any] = {
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {name: i for i, name in enumerate(labels)},
    }
    if problem_type:
        config["problem_type"] = problem_type
    return config


def logits_of(outputs: Outputs) -> np.ndarray:
    """The logits of a head with one output (a model may also return hidden states or attentions after them)."""
    return outputs[0] if isinstance(outputs, tuple) else outputs


def row_error(split_name: str, index: int, problem: str) -> StudioError:
    """A bad row, named so a user can find it: `row 12 of train: ...` (rows counted from 0, as `datasets` does)."""
    return StudioError(f"row {index} of {split_name}: {problem}")


def item_feature(feature: Any) -> Any | None:
    """The feature of a list column's items (`List(ClassLabel(...))` -> the `ClassLabel`); None for a non-list."""
    return feature.feature if isinstance(feature, List | LargeList) else None


def is_text(feature: Any) -> bool:
    """A string feature (`string`, or `large_string` as CSV files load)."""
    return isinstance(feature, Value) and feature.dtype in ("string", "large_string")
