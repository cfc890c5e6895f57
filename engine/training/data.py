"""Turning a dataset source into what `Trainer` consumes, through the run's task: its setup, a validation split,
features.

Nothing here knows which task it prepares: the task (`engine.tasks`) reads its columns, checks every row, tokenizes
and says what its head is. A single-label head's class column is cast to `ClassLabel` first, as it always was, so
its label names cover every split and a carved validation split is stratified by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from datasets import Dataset, DatasetDict

from engine.common.errors import StudioError
from engine.datasets.cached_map import map_rows
from engine.datasets.sources import encode_labels, ensure_validation, load_raw
from engine.training.config import INFER_TASK, TrainConfig

if TYPE_CHECKING:  # only for hints: transformers (which the tasks import) costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase

    from engine.tasks.base import Task, TaskSetup

TEXT_ROLES = ("text", "text_pair")  # the roles the text-reading tasks share (`engine.tasks.text_inputs`)
# The role of a single-label head's class (`engine.tasks.text_classification.LABEL_ROLE`).
CLASS_ROLE = "label"


@dataclass
class TrainingData:
    """A dataset ready for training: the task, its setup read from the train split, and a validation split.

    Attributes:
        splits: the splits as loaded (a single-label class column cast to `ClassLabel`), with a validation split.
        task: the task the run trains (as configured, or inferred from the data).
        setup: what the task read from the train split: its columns, label names and options.
        notes: what was done to the data that the user should know (a carved validation split).
    """

    splits: DatasetDict
    task: Task
    setup: TaskSetup
    notes: list[str]

    @property
    def label_names(self) -> list[str]:
        return list(self.setup.labels)

    def train_texts(self) -> list[str]:
        """The train split's texts as the task reads them: the corpus for a scratch tokenizer."""
        return [text for text in self.task.corpus(self.splits["train"], self.setup) if text]


def run_task(config: TrainConfig, splits: DatasetDict) -> Task:
    """The configured task, or the one the data suggests when the config leaves it to the data."""
    from engine.tasks.registry import get_task, infer_task  # here: the tasks import transformers

    return infer_task(splits) if config.task in (None, INFER_TASK) else get_task(config.task)


def _class_column(task: Task, columns: dict[str, str]) -> str | None:
    """The class column of a single-label head (cast to `ClassLabel`, stratified by), None for any other head."""
    from engine.tasks.base import TaskSetup

    head = task.model_kwargs(TaskSetup(task.name, columns))
    return columns.get(CLASS_ROLE) if head.get("problem_type") == "single_label_classification" else None


def prepare_training_data(config: TrainConfig) -> TrainingData:
    """Load `config.dataset` and check that its task can train on every row of it.

    Raises:
        StudioError: unknown columns or roles, non-text text columns, a bad row (named by the task), one-class
            labels, too few rows, a keep-best metric the task does not report.
        FileNotFoundError / HubUnreachableError: see `engine.datasets.sources.load_raw`.
    """
    from engine.tasks.base import resolve_roles

    splits = load_raw(config.dataset, config.dataset_config)
    if "train" not in splits:
        raise StudioError(f"no train split (splits are {', '.join(splits)})")
    task = run_task(config, splits)
    columns = resolve_roles(task.roles, splits["train"].column_names, config.task_columns())
    for role in TEXT_ROLES:
        dtype = getattr(splits["train"].features[columns[role]], "dtype", None) if role in columns else "string"
        if dtype not in ("string", "large_string"):
            raise StudioError(
                f"{role.replace('_', ' ')} column {columns[role]!r} holds {dtype or 'non-text values'}, not text"
            )
    class_column = _class_column(task, columns)
    if class_column is not None:
        splits = encode_labels(splits, class_column)
    config.check_options_belong_to(task.name)  # an inferred task's options are checked only now
    setup = task.setup(splits["train"], columns, **config.task_options(task.name))
    splits, note = ensure_validation(splits, class_column, config.seed)
    for name, split in splits.items():
        if name != "train":
            task.validate(split, setup, name)
    metric = config.metric_for_best_model
    if metric is not None and metric not in (*task.metric_names, "loss"):
        raise StudioError(
            f"metric_for_best_model {metric!r} is not a metric of {task.name}; "
            f"use one of {', '.join((*task.metric_names, 'loss'))}"
        )
    return TrainingData(splits=splits, task=task, setup=setup, notes=[note] if note else [])


def tokenize_splits(
    data: TrainingData,
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    splits: tuple[str, ...],
    stride: int | None = None,
) -> DatasetDict:
    """The task's features of each split (`Task.preprocess`), truncated (or windowed) but not padded.

    Padding is left to the task's collator, per batch: padding every row to `max_length` here would make most of
    each batch padding that the model still has to compute. `stride` is the context two question-answering windows
    share (None: a quarter of `max_length`).
    """
    from engine.tasks.base import Tokenization

    tokenization = Tokenization(max_length=max_length, stride=stride)
    return DatasetDict({name: _features(data, data.splits[name], tokenizer, tokenization) for name in splits})


def _features(data: TrainingData, split: Dataset, tokenizer, tokenization) -> Dataset:
    """`Task.preprocess` of a whole split as one `datasets.map`, so its result is cached under the data directory
    (a job's processes and a rerun tokenize once) and a damaged cache entry is rebuilt (`map_rows`).

    The whole split is one batch: a task may make several features of a row (question answering's windows) and
    number them by row.
    """
    task, setup = data.task, data.setup

    def preprocess(rows: dict[str, list]) -> dict[str, list]:
        part = Dataset.from_dict(rows, features=split.features, split=split.split)
        return _quietly(lambda: task.preprocess(part, tokenizer, setup, tokenization)).to_dict()

    return map_rows(
        split,
        preprocess,
        batched=True,
        batch_size=None,
        remove_columns=split.column_names,
        desc="Tokenizing",
        at_least_rows=True,
    )


def _quietly(make):
    """Run `make` without the progress bar of the task's own `map` over the batch (the outer one reports)."""
    from datasets.utils.logging import disable_progress_bar, enable_progress_bar, is_progress_bar_enabled

    enabled = is_progress_bar_enabled()
    disable_progress_bar()
    try:
        return make()
    finally:
        if enabled:
            enable_progress_bar()
