"""Extractive question answering: the answer is a span of the context, found from start and end logits.

Rows follow SQuAD (`question`, `context`, `answers` with `text` and `answer_start` lists). As the Hugging Face
course does, a long context is split into overflow windows of `max_length` tokens that share `stride` tokens; each
window's answer positions come from the offset mapping, and a window that does not hold the whole answer points
at the CLS token. A prediction takes the `n_best` start and end logits of every window of its question, keeps
spans inside the context of at most `max_answer_length` tokens, and maps the best back to the context's
characters through the offsets. It always answers (SQuAD v1.1): a question with no gold answer trains the CLS
position and scores only an empty prediction.
"""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
from datasets import Dataset
from transformers import AutoModelForQuestionAnswering, EvalPrediction

from engine.common.errors import StudioError
from engine.tasks.base import (
    CardMetadata,
    ColumnRole,
    EvaluationReport,
    MetricsFunction,
    Outputs,
    TaskSetup,
    Tokenization,
    resolve_roles,
    row_error,
)
from engine.tasks.squad import best_over_golds, exact_match, f1, squad_scores
from engine.tasks.text_inputs import padding_collator

QUESTION_ROLE = ColumnRole("question", ("question",), "the question")
CONTEXT_ROLE = ColumnRole("context", ("context",), "the text that holds the answer")
ANSWERS_ROLE = ColumnRole("answers", ("answers",), "the answers: {'text': [...], 'answer_start': [...]}")
ID_ROLE = ColumnRole("id", ("id",), "a row id (optional)", optional=True)
MAX_ANSWER_LENGTH = 30  # tokens; the course's value, long enough for the names, dates and phrases SQuAD asks for
N_BEST = 20  # start and end candidates per window
ALTERNATIVES = 5
ERRORS_SHOWN = 50


def text_at(context: str, text: str, start: object) -> str | None:
    """What the context holds where an answer says it starts (as long as the answer); None for a start that is not
    a position in the context."""
    return context[start : start + len(text)] if isinstance(start, int) and 0 <= start <= len(context) else None


def gold_answers(split: Dataset, setup: TaskSetup, split_name: str) -> list[list[tuple[str, int]]]:
    """Every row's answers as (text, answer_start), each checked to be at its `answer_start` in the context.

    Raises:
        StudioError: an answers value of the wrong shape, or an answer not found at its `answer_start`, naming
            the row and what the context holds there.
    """
    answers_column, context_column = setup.columns["answers"], setup.columns["context"]
    rows = []
    for index, (answers, context) in enumerate(zip(split[answers_column], split[context_column], strict=True)):
        if not isinstance(answers, dict) or "text" not in answers or "answer_start" not in answers:
            raise row_error(split_name, index, f"{answers_column!r} must be {{'text': [...], 'answer_start': [...]}}")
        texts, starts = answers["text"] or [], answers["answer_start"] or []
        if len(texts) != len(starts):
            raise row_error(split_name, index, f"{len(texts)} answer texts but {len(starts)} answer_start values")
        context = context or ""
        for text, start in zip(texts, starts, strict=True):
            found = text_at(context, text, start)
            if found != text:
                raise row_error(
                    split_name,
                    index,
                    f"answer {text!r} is not at answer_start {start} of its context (the context has {found!r} there)",
                )
        rows.append(list(zip(texts, starts, strict=True)))
    return rows


def answer_positions(
    offsets: list[tuple[int, int]], sequence_ids: list[int | None], answer: tuple[str, int] | None, cls_index: int
) -> tuple[int, int]:
    """The answer's first and last token in one window, or (cls, cls) when the window does not hold all of it."""
    if answer is None:
        return cls_index, cls_index
    first_char, end_char = answer[1], answer[1] + len(answer[0])
    context = [i for i, sequence in enumerate(sequence_ids) if sequence == 1]
    first, last = context[0], context[-1]
    if offsets[first][0] > first_char or offsets[last][1] < end_char:
        return cls_index, cls_index
    start = first
    while start <= last and offsets[start][0] <= first_char:
        start += 1
    end = last
    while end >= first and offsets[end][1] >= end_char:
        end -= 1
    return start - 1, end + 1


def best_spans(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    windows: list[list[tuple[int, int] | None]],
    n_best: int = N_BEST,
    max_answer_length: int = MAX_ANSWER_LENGTH,
) -> list[tuple[float, int, int]]:
    """Candidate answers of one question over its windows: (start logit + end logit, first char, end char), best
    first, one per character span; spans outside the context, reversed or longer than `max_answer_length` tokens
    are skipped."""
    candidates: dict[tuple[int, int], float] = {}
    for window, starts, ends in zip(windows, start_logits, end_logits, strict=True):
        size = len(window)
        for s in np.argsort(starts[:size])[::-1][:n_best]:
            for e in np.argsort(ends[:size])[::-1][:n_best]:
                if window[s] is None or window[e] is None or e < s or e - s + 1 > max_answer_length:
                    continue
                span, score = (window[s][0], window[e][1]), float(starts[s] + ends[e])
                candidates[span] = max(score, candidates.get(span, -np.inf))
    return sorted(((score, a, b) for (a, b), score in candidates.items()), reverse=True)


class QuestionAnswering:
    """Extractive QA: the span of the context that answers the question."""

    name = "question-answering"
    title = "question answering"
    roles = (QUESTION_ROLE, CONTEXT_ROLE, ANSWERS_ROLE, ID_ROLE)
    model_class = AutoModelForQuestionAnswering
    metric_names = ("exact_match", "f1")
    best_metric = "f1"
    greater_is_better = True
    calibrates = False
    length_grouping = True

    def matches(self, split: Dataset) -> bool:
        try:
            columns = resolve_roles(self.roles, split.column_names)
        except ValueError:
            return False
        feature = split.features[columns["answers"]]
        return isinstance(feature, dict) and {"text", "answer_start"} <= set(feature)

    def setup(
        self,
        train: Dataset,
        columns: Mapping[str, str | None] | None = None,
        *,
        max_answer_length: int = MAX_ANSWER_LENGTH,
        n_best: int = N_BEST,
        **options: Any,
    ) -> TaskSetup:
        """Check the train split's answers; keep the span limits predictions use.

        Args:
            max_answer_length: the longest answer predicted, in tokens.
            n_best: start and end candidates per window.
        """
        if max_answer_length < 1 or n_best < 1:
            raise StudioError(f"max_answer_length and n_best must be at least 1, not {max_answer_length} and {n_best}")
        resolved = resolve_roles(self.roles, train.column_names, columns)
        setup = TaskSetup(
            self.name, resolved, (), {**options, "max_answer_length": max_answer_length, "n_best": n_best}
        )
        gold_answers(train, setup, "train")
        return setup

    def validate(self, split: Dataset, setup: TaskSetup, split_name: str) -> None:
        resolve_roles(self.roles, split.column_names, setup.columns)
        gold_answers(split, setup, split_name)

    def corpus(self, split: Dataset, setup: TaskSetup) -> list[str]:
        return list(split[setup.columns["question"]]) + list(split[setup.columns["context"]])

    def preprocess(self, split, tokenizer, setup: TaskSetup, tokenization: Tokenization) -> Dataset:
        """Overflow windows of (question, context) with `start_positions` / `end_positions` (so validation has a
        loss too), and per window `example_index` (its row) and `offset_mapping` (None outside the context), which
        `postprocess` needs."""
        answers = gold_answers(split, setup, str(split.split or "split"))
        question_column, context_column = setup.columns["question"], setup.columns["context"]
        specials = tokenizer.num_special_tokens_to_add(pair=True)

        def encode(batch: dict[str, list], indices: list[int]) -> dict[str, list]:
            questions = [question.strip() for question in batch[question_column]]
            self._check_room(tokenizer, questions, indices, specials, tokenization)
            encoded = tokenizer(
                questions,
                batch[context_column],
                truncation="only_second",
                max_length=tokenization.max_length,
                stride=tokenization.window_stride,
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
            )
            rows = encoded.pop("overflow_to_sample_mapping")
            starts, ends, windows = [], [], []
            for i, row in enumerate(rows):
                sequence_ids = encoded.sequence_ids(i)
                cls = (
                    encoded["input_ids"][i].index(tokenizer.cls_token_id)
                    if tokenizer.cls_token_id in encoded["input_ids"][i]
                    else 0
                )
                gold = answers[indices[row]]
                start, end = answer_positions(
                    encoded["offset_mapping"][i], sequence_ids, gold[0] if gold else None, cls
                )
                starts.append(start)
                ends.append(end)
                windows.append(
                    [offset if sequence_ids[k] == 1 else None for k, offset in enumerate(encoded["offset_mapping"][i])]
                )
            encoded["start_positions"], encoded["end_positions"] = starts, ends
            encoded["offset_mapping"] = windows
            encoded["example_index"] = [indices[row] for row in rows]
            return encoded

        return split.map(encode, batched=True, with_indices=True, remove_columns=split.column_names)

    @staticmethod
    def _check_room(
        tokenizer, questions: list[str], indices: list[int], specials: int, tokenization: Tokenization
    ) -> None:
        """Refuse a question that leaves a window no more context than the stride: the tokenizers library cannot
        make such windows (it panics)."""
        lengths = [len(ids) for ids in tokenizer(questions, add_special_tokens=False)["input_ids"]]
        for index, length in zip(indices, lengths, strict=True):
            room = tokenization.max_length - specials - length
            if room <= tokenization.window_stride:
                raise StudioError(
                    f"row {index}: the question's {length} tokens leave {max(room, 0)} tokens of context per window "
                    f"of max_length {tokenization.max_length}, not more than the stride "
                    f"{tokenization.window_stride}; raise max_length or lower the stride"
                )

    def model_kwargs(self, setup: TaskSetup) -> dict[str, Any]:
        return {}

    def collator(self, tokenizer):
        return padding_collator(tokenizer)

    def metrics(self, setup: TaskSetup, examples: Dataset, features: Dataset) -> MetricsFunction:
        golds = [[text for text, _ in row] for row in gold_answers(examples, setup, str(examples.split or "split"))]

        def compute(prediction: EvalPrediction) -> dict[str, float]:
            answers = self.postprocess(setup, prediction.predictions, examples, features)
            return squad_scores([answer["answer"] for answer in answers], golds)

        return compute

    def calibrate(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> TaskSetup:
        return setup

    def postprocess(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> list[dict]:
        """Per question: the answer text, its character span, its score (softmax over the candidates) and the next
        best alternatives."""
        start_logits, end_logits = np.asarray(outputs[0]), np.asarray(outputs[1])
        windows_of: dict[int, list[int]] = defaultdict(list)
        for window, row in enumerate(features["example_index"]):
            windows_of[row].append(window)
        offsets = features["offset_mapping"]
        contexts = examples[setup.columns["context"]]
        predictions = []
        for row, context in enumerate(contexts):
            windows = windows_of[row]
            spans = best_spans(
                start_logits[windows],
                end_logits[windows],
                [offsets[w] for w in windows],
                setup.option("n_best", N_BEST),
                setup.option("max_answer_length", MAX_ANSWER_LENGTH),
            )
            if not spans:
                predictions.append({"answer": "", "start": 0, "end": 0, "score": 0.0, "alternatives": []})
                continue
            scores = np.array([score for score, _, _ in spans])
            probabilities = np.exp(scores - scores.max())
            probabilities /= probabilities.sum()
            found = [
                {"answer": context[a:b], "start": a, "end": b, "score": float(p)}
                for (_, a, b), p in zip(spans[: ALTERNATIVES + 1], probabilities, strict=False)
            ]
            predictions.append({**found[0], "alternatives": found[1:]})
        return predictions

    def report(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> EvaluationReport:
        """EM / F1, and the wrong answers beside the gold ones, lowest F1 first."""
        answers = self.postprocess(setup, outputs, examples, features)
        golds = [[text for text, _ in row] for row in gold_answers(examples, setup, str(examples.split or "split"))]
        predicted = [answer["answer"] for answer in answers]
        errors = []
        for index, (answer, gold) in enumerate(zip(predicted, golds, strict=True)):
            if best_over_golds(exact_match, answer, gold) < 1:
                errors.append(
                    {
                        "row": index,
                        "question": examples[index][setup.columns["question"]],
                        "predicted": answer,
                        "answers": gold,
                        "f1": best_over_golds(f1, answer, gold),
                    }
                )
        errors.sort(key=lambda row: row["f1"])
        return EvaluationReport(squad_scores(predicted, golds), [], errors[:ERRORS_SHOWN])

    def card(self, setup: TaskSetup) -> CardMetadata:
        return CardMetadata("question-answering", self.metric_names)
