"""The tasks by name, and the task a dataset's columns suggest.

Adding a task is adding its module and one line here.
"""

from datasets import Dataset, DatasetDict

from engine.common.errors import NotFoundError, StudioError
from engine.tasks.base import Task
from engine.tasks.multi_label import MultiLabelClassification
from engine.tasks.question_answering import QuestionAnswering
from engine.tasks.regression import Regression
from engine.tasks.text_classification import TextClassification
from engine.tasks.token_classification import TokenClassification

# In the order `infer_task` tries them: the most specific layouts first, single-label classification (a text and a
# label of any kind) last.
TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        QuestionAnswering(),
        TokenClassification(),
        MultiLabelClassification(),
        Regression(),
        TextClassification(),
    )
}


def task_names() -> list[str]:
    """The registered task names, as `--task` takes them."""
    return list(TASKS)


def get_task(name: str) -> Task:
    """The task registered under `name` (`token-classification`...).

    Raises:
        NotFoundError: an unknown name, listing the known ones.
    """
    try:
        return TASKS[name.strip()]
    except KeyError:
        raise NotFoundError(f"unknown task {name!r}; tasks are {', '.join(TASKS)}") from None


def infer_task(dataset: Dataset | DatasetDict) -> Task:
    """The task a dataset's columns and types suggest (its train split, else its first): an `answers` column of
    texts and starts is question answering; lists of words and tags, token classification; a list of labels, a
    `;`- or `|`-delimited label string or 0/1 columns, multi-label; a float target, regression; a text and a label,
    single-label classification.

    Raises:
        StudioError: no task recognises the columns, naming them and the layouts the tasks read.
    """
    split = dataset if isinstance(dataset, Dataset) else dataset.get("train") or next(iter(dataset.values()), None)
    if split is None:
        raise StudioError("the dataset has no split to infer a task from")
    for task in TASKS.values():
        if task.matches(split):
            return task
    layouts = "; ".join(
        f"{task.name}: " + ", ".join("/".join(role.defaults) for role in task.roles if not role.optional)
        for task in TASKS.values()
    )
    raise StudioError(f"no task reads the columns {', '.join(split.column_names)}; the tasks read {layouts}")
