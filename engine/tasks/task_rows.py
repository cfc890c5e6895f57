"""A dataset read as a task reads it: the task its columns suggest (or the one chosen), and a page of its rows in
that task's terms (words and their tags, a question with its answer in the context, a row's label set), for the
Datasets tab's task view.

Only the page is read: `split.select(range(...))` is an indices mapping over the memory-mapped split, so a page costs
the same at any offset of any size of split.
"""

from dataclasses import dataclass
from typing import Any

from datasets import ClassLabel, Dataset, DatasetDict, Value

from engine.common.errors import StudioError
from engine.tasks.base import Task, TaskSetup, item_feature, resolve_roles
from engine.tasks.multi_label import row_label_names
from engine.tasks.question_answering import QuestionAnswering, text_at
from engine.tasks.registry import get_task, infer_task
from engine.tasks.regression import Regression
from engine.tasks.text_classification import TextClassification
from engine.tasks.token_classification import TokenClassification


@dataclass
class TaskChoice:
    """The task an open dataset is read as.

    Attributes:
        setup: the task's columns and labels, read from the train split (else the first).
        inferred: the task the columns suggest, or None when no task reads them.
        chosen: True when the user picked `setup.task` over the inferred one.
    """

    setup: TaskSetup
    inferred: str | None
    chosen: bool

    @property
    def description(self) -> str:
        """One line for the page: the task, where it comes from, and the columns it reads."""
        columns = ", ".join(f"{role} `{name}`" for role, name in self.setup.columns.items())
        if not self.chosen:
            origin = "inferred from the columns"
        elif self.inferred:
            origin = f"chosen (the columns suggest `{self.inferred}`)"
        else:
            origin = "chosen"
        return f"Task: **{self.setup.task}**, {origin}; it reads {columns}."


def _first(splits: DatasetDict) -> Dataset:
    return splits["train"] if "train" in splits else next(iter(splits.values()))


def choose_task(splits: DatasetDict, task: str | None = None) -> TaskChoice:
    """The task to read a dataset as: `task` when given, else the one its columns suggest.

    Raises:
        NotFoundError: an unknown task name.
        StudioError: no task reads the columns (none given), or the chosen task does not find its columns or labels
            in the train split, naming them.
    """
    try:
        inferred: str | None = infer_task(splits).name
    except StudioError:
        if not task:
            raise
        inferred = None
    name = task or inferred
    task_of = get_task(name)
    try:
        setup = _setup(task_of, _first(splits))
    except (StudioError, TypeError, ValueError, KeyError) as error:  # a column of another shape than the task's
        why = error if isinstance(error, StudioError) else f"its columns are not in that layout ({error})"
        raise StudioError(f"Task: the data cannot be read as {name}: {why}") from error
    return TaskChoice(setup=setup, inferred=inferred, chosen=bool(task) and task != inferred)


# Tasks whose page and checks need only their columns: their own `setup` validates every train row (text
# classification encodes each label: 44 s for a 1,000,000-row CSV on 2 busy cores), which a view should not pay.
_COLUMNS_ONLY = (TextClassification.name, Regression.name, QuestionAnswering.name)


def _setup(task: Task, train: Dataset) -> TaskSetup:
    """The task's setup on the train split, without a pass over every row where the view needs only the columns
    (question answering's own setup would also refuse a misplaced answer, which the tab counts instead)."""
    if task.name not in _COLUMNS_ONLY:
        return task.setup(train)
    columns = resolve_roles(task.roles, train.column_names)
    if not _in_layout(task, train, columns):
        described = ", ".join(f"{role.role} ({role.description})" for role in task.roles if role.role in columns)
        raise StudioError(f"its columns are not in that layout: it reads {described}")
    return TaskSetup(task.name, columns, ())


def _in_layout(task: Task, train: Dataset, columns: dict[str, str]) -> bool:
    """Whether the columns have the shape the task reads: one class per row, one number per row, answer records.
    Looser than `infer_task` on purpose: whole-number scores may be read as regression, numbers as classes."""
    if task.name == QuestionAnswering.name:
        return task.matches(train)
    feature = train.features[columns["label"]]
    if task.name == Regression.name:
        return isinstance(feature, Value) and feature.dtype.startswith(("int", "uint", "float", "double"))
    return isinstance(feature, (Value, ClassLabel))


def _tag_names(page: Dataset, setup: TaskSetup) -> list[list[str]]:
    item = item_feature(page.features[setup.columns["tags"]])
    names = item.names if isinstance(item, ClassLabel) else None
    return [
        [names[tag] if names and isinstance(tag, int) and 0 <= tag < len(names) else str(tag) for tag in tags or []]
        for tags in page[setup.columns["tags"]]
    ]


def _answers(row: dict, context: str) -> list[dict[str, Any]]:
    texts, starts = (row or {}).get("text") or [], (row or {}).get("answer_start") or []
    return [
        {"text": text, "start": start, "found": text_at(context, text, start) == text}
        for text, start in zip(texts, starts, strict=False)
    ]


def _label_sets(page: Dataset, setup: TaskSetup, split_name: str) -> list[list[str]]:
    """Each row's labels; a row with none (which training refuses) shows as an empty set, not an error."""
    try:
        return row_label_names(page, setup, split_name)
    except StudioError:
        sets = []
        for i in range(len(page)):
            try:
                sets += row_label_names(page.select([i]), setup, split_name)
            except StudioError:
                sets.append([])
        return sets


def _texts(page: Dataset, setup: TaskSetup) -> tuple[list[str], list[str] | None]:
    pair = setup.columns.get("text_pair")
    return [str(t or "") for t in page[setup.columns["text"]]], [str(t or "") for t in page[pair]] if pair else None


def page_rows(split: Dataset, setup: TaskSetup, offset: int, limit: int, split_name: str = "train") -> list[dict]:
    """Rows `offset .. offset + limit - 1` as the task reads them, each with its `row` number and:

    - token classification: `words` and `tags` (names; as many as there are, even when they do not match);
    - question answering: `question`, `context`, `answers` (`text`, `start`, `found`: whether the context holds
      the text at its start);
    - multi-label: `text` (and `pair`), `labels` (the row's label names);
    - regression and text classification: `text` (and `pair`), `label` (the value, a class id as its name).

    Raises:
        StudioError: an offset outside the split.
    """
    if not 0 <= offset < max(len(split), 1):
        raise StudioError(f"row {offset:,} is outside the split (0 to {len(split) - 1:,})")
    page = split.select(range(offset, min(offset + limit, len(split))))
    numbers = range(offset, offset + len(page))
    if setup.task == TokenClassification.name:
        words = [list(w or []) for w in page[setup.columns["tokens"]]]
        return [
            {"row": n, "words": w, "tags": t} for n, w, t in zip(numbers, words, _tag_names(page, setup), strict=True)
        ]
    if setup.task == QuestionAnswering.name:
        contexts = [str(c or "") for c in page[setup.columns["context"]]]
        return [
            {"row": n, "question": str(q or ""), "context": c, "answers": _answers(a, c)}
            for n, q, c, a in zip(
                numbers, page[setup.columns["question"]], contexts, page[setup.columns["answers"]], strict=True
            )
        ]
    texts, pairs = _texts(page, setup)
    rows = [{"row": n, "text": t} for n, t in zip(numbers, texts, strict=True)]
    for row, pair in zip(rows, pairs or [], strict=False):
        row["pair"] = pair
    if setup.task == "multi-label-classification":
        for row, labels in zip(rows, _label_sets(page, setup, split_name), strict=True):
            row["labels"] = labels
        return rows
    feature = page.features[setup.columns["label"]]
    for row, value in zip(rows, page[setup.columns["label"]], strict=True):
        row["label"] = feature.int2str(value) if isinstance(feature, ClassLabel) and value >= 0 else value
    return rows
