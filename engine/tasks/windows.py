"""The overflow windows of extractive question answering, with the answer marked in each one that holds it.

The Tokenizer tab's view of a question and its context: the windows of `max_length` tokens, sharing `stride`
tokens of context, that the question-answering task cuts the context into; in each, the answer's start and end
token, or "not in this window" (training points such a window at the CLS token). It runs the task's own
`preprocess` on the one question, so the windows and positions are exactly those training uses.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from datasets import Dataset
from transformers import PreTrainedTokenizerBase

from engine.common.errors import NotFoundError, StudioError
from engine.tasks.base import TaskSetup, Tokenization, resolve_roles
from engine.tasks.question_answering import QuestionAnswering, text_at

NOT_HERE = "not in this window"


@dataclass
class Window:
    """One window of a question and a part of its context.

    Attributes:
        index: the window's number, from 0.
        tokens: every token, question and special tokens included.
        offsets: each token's character span in the context; None for the question's and the special tokens.
        answer: the answer's first and last token in this window; None when the window does not hold all of it.
    """

    index: int
    tokens: list[str]
    offsets: list[tuple[int, int] | None]
    answer: tuple[int, int] | None

    @property
    def context_span(self) -> tuple[int, int]:
        """The characters of the context this window covers."""
        spans = [offset for offset in self.offsets if offset is not None]
        return (spans[0][0], spans[-1][1]) if spans else (0, 0)

    @property
    def note(self) -> str:
        """`answer: tokens 40 to 41`, or `not in this window`."""
        return NOT_HERE if self.answer is None else f"answer: tokens {self.answer[0]} to {self.answer[1]}"

    def marks(self) -> list[str]:
        """Per token: `start`, `end`, `start+end` (a one-token answer), `answer` (between them), `context`, or ``
        for the question's and the special tokens."""
        marks = []
        for position, offset in enumerate(self.offsets):
            if self.answer and position in self.answer:
                marks.append("+".join(n for n, p in zip(("start", "end"), self.answer, strict=True) if p == position))
            elif self.answer and self.answer[0] < position < self.answer[1]:
                marks.append("answer")
            else:
                marks.append("context" if offset is not None else "")
        return marks


@dataclass
class AnswerWindows:
    """A question's windows, and the answer they were marked with (None: no answer given)."""

    question: str
    context: str
    answer: tuple[str, int] | None
    max_length: int
    stride: int
    windows: list[Window]

    @property
    def holding(self) -> list[int]:
        """The windows that hold the whole answer."""
        return [window.index for window in self.windows if window.answer is not None]

    def rows(self) -> list[dict[str, Any]]:
        """One table row per window: its number, the context characters it covers, and where the answer is."""
        return [
            {"window": w.index, "tokens": len(w.tokens), "context": list(w.context_span), "answer": w.note}
            for w in self.windows
        ]


def answer_windows(
    question: str,
    context: str,
    tokenizer: PreTrainedTokenizerBase,
    setup: TaskSetup,
    tokenization: Tokenization | None = None,
    answer: str | None = None,
    answer_start: int | None = None,
) -> AnswerWindows:
    """The windows of one question and context, the answer marked where a window holds it.

    Args:
        answer: the answer's text; None or empty: no answer, every window points at CLS.
        answer_start: where the answer starts in the context; None: its first occurrence.

    Raises:
        StudioError: an empty question or context, an answer not in the context or not at `answer_start`, a
            setup of another task, or a question too long for the windows' stride.
    """
    if setup.task != QuestionAnswering.name:
        raise StudioError(f"answer windows are a question-answering view; this setup is {setup.task}")
    if not question.strip() or not context.strip():
        raise StudioError("answer windows need a question and a context; one of them is empty")
    gold: tuple[str, int] | None = None
    if answer:
        start = context.find(answer) if answer_start is None else answer_start
        if start < 0:
            raise NotFoundError(f"answer {answer!r} is not in the context")
        if text_at(context, answer, start) != answer:
            raise StudioError(
                f"answer {answer!r} is not at answer_start {start} (the context has "
                f"{text_at(context, answer, start)!r} there)"
            )
        gold = (answer, start)
    columns = setup.columns
    row = Dataset.from_dict(
        {
            columns["question"]: [question],
            columns["context"]: [context],
            columns["answers"]: [{"text": [gold[0]] if gold else [], "answer_start": [gold[1]] if gold else []}],
        }
    )
    tokenization = tokenization or Tokenization()
    features = QuestionAnswering().preprocess(row, tokenizer, setup, tokenization)
    windows = []
    for index, feature in enumerate(features):
        offsets = [tuple(offset) if offset is not None else None for offset in feature["offset_mapping"]]
        start, end = feature["start_positions"], feature["end_positions"]
        holds = gold is not None and offsets[start] is not None  # CLS, outside the context, means "not here"
        windows.append(
            Window(
                index, tokenizer.convert_ids_to_tokens(feature["input_ids"]), offsets, (start, end) if holds else None
            )
        )
    return AnswerWindows(question, context, gold, tokenization.max_length, tokenization.window_stride, windows)


def answer_windows_of_row(
    split: Dataset,
    index: int,
    tokenizer: PreTrainedTokenizerBase,
    setup: TaskSetup,
    tokenization: Tokenization | None = None,
) -> AnswerWindows:
    """The windows of row `index` of a QA split, marked with its first answer.

    Raises:
        NotFoundError: a row number outside the split.
    """
    question, context, answer, start = row_question(split, index, setup.columns)
    return answer_windows(question, context, tokenizer, setup, tokenization, answer or None, start)


def question_setup() -> TaskSetup:
    """The setup training reads from a SQuAD-layout split (`question`, `context`, `answers`), for a typed question."""
    row = Dataset.from_dict({"question": ["q"], "context": ["c"], "answers": [{"text": ["c"], "answer_start": [0]}]})
    return QuestionAnswering().setup(row)


def row_question(
    split: Dataset, index: int, columns: Mapping[str, str] | None = None
) -> tuple[str, str, str, int | None]:
    """Row `index`'s question, context and first answer (text and start; `""` and None when it has none).

    Args:
        columns: role -> column (a setup's `columns`); None: the SQuAD layout's names, found in the split.

    Raises:
        NotFoundError: a row number outside the split, or a split without a question, context or answers column.
    """
    columns = resolve_roles(QuestionAnswering.roles, split.column_names, columns)
    if not 0 <= index < len(split):
        raise NotFoundError(f"row must be between 0 and {len(split) - 1}, not {index}")
    row = split[index]
    answers = row[columns["answers"]] or {}
    texts, starts = answers.get("text") or [], answers.get("answer_start") or []
    return (
        row[columns["question"]],
        row[columns["context"]],
        texts[0] if texts else "",
        starts[0] if starts else None,
    )
