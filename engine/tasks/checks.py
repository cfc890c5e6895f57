"""Task-aware checks of a dataset split: what a user should look at before training a task on it.

Each check reads a split through the task's own code (its label reader, its preprocessing with the chosen
`max_length` and stride), so what it reports is what training would see, and returns a plain dataclass a page can
show as numbers and tables:

- multi-label: labels per row (cardinality), how often each label occurs, and which labels occur together;
- regression: the target's summary, histogram and outliers by the IQR rule, with their rows;
- token classification: tag and entity counts, entities per sentence, words vs. sub-word tokens and what a
  `max_length` cuts off;
- question answering: answers not at their `answer_start`, windows per question, and the answers that fall
  outside every window for a `max_length` and stride (those questions train only the CLS "no answer" position).

`check_task_data` picks the check of a setup's task; single-label classification has none here (the Datasets
tab's label balance covers it).
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from datasets import Dataset
from transformers import PreTrainedTokenizerBase

from engine.common.errors import StudioError
from engine.tasks.base import TaskSetup, Tokenization
from engine.tasks.multi_label import row_label_names
from engine.tasks.question_answering import QuestionAnswering, text_at
from engine.tasks.regression import targets_of
from engine.tasks.token_classification import TokenClassification, entities_of

ROWS_SHOWN = 50  # rows a check lists by number (outliers, truncated sentences, misplaced answers); counts are whole
HISTOGRAM_BINS = 20
IQR_FENCE = 1.5  # Tukey's rule: beyond 1.5 interquartile ranges from the quartiles is an outlier


@dataclass
class LabelSetCheck:
    """Multi-label: how many labels rows carry and which go together.

    Attributes:
        rows: rows read.
        labels: the label names, in the setup's order (the co-occurrence matrix's rows and columns).
        labels_per_row: number of labels -> rows with that many (0 only with 0/1 columns), ascending.
        label_counts: label -> rows carrying it, most frequent first.
        co_occurrence: `co_occurrence[i][j]`: rows carrying both label i and label j; the diagonal is the label's
            count.
    """

    rows: int
    labels: tuple[str, ...]
    labels_per_row: dict[int, int]
    label_counts: dict[str, int]
    co_occurrence: list[list[int]]
    sampled_from: int | None = None  # the split's rows when the check read a random sample of them

    @property
    def mean_labels(self) -> float:
        """Label cardinality: the mean number of labels per row."""
        return sum(n * rows for n, rows in self.labels_per_row.items()) / self.rows if self.rows else 0.0

    def top_pairs(self, count: int = 10) -> list[dict[str, Any]]:
        """The label pairs that occur together most often, as table rows (`first`, `second`, `rows`)."""
        pairs = [
            {"first": self.labels[i], "second": self.labels[j], "rows": self.co_occurrence[i][j]}
            for i in range(len(self.labels))
            for j in range(i + 1, len(self.labels))
            if self.co_occurrence[i][j]
        ]
        return sorted(pairs, key=lambda pair: -pair["rows"])[:count]


@dataclass
class TargetCheck:
    """Regression: the target's distribution and its outliers.

    Attributes:
        rows: rows read.
        summary: `mean`, `std`, `min`, `q1`, `median`, `q3`, `max`.
        bin_edges: `HISTOGRAM_BINS` + 1 edges; `counts`: rows per bin (the last bin includes its right edge).
        fences: (low, high): values outside are outliers (quartiles -/+ 1.5 interquartile ranges).
        outlier_count: every outlier; `outliers`: the first `ROWS_SHOWN` by distance beyond a fence, each
            `{"row", "value", "text"}`.
    """

    rows: int
    summary: dict[str, float]
    bin_edges: list[float]
    counts: list[int]
    fences: tuple[float, float]
    outlier_count: int
    outliers: list[dict[str, Any]] = field(default_factory=list)
    sampled_from: int | None = None


@dataclass
class TagCheck:
    """Token classification: tags, entities and what tokenization does to the words.

    Attributes:
        sentences, words: rows and words read.
        tag_counts: tag -> words with it, in the setup's tag order.
        entity_counts: entity type -> entities (read under the data's scheme), most frequent first.
        entities_per_sentence: number of entities -> sentences with that many, ascending.
        subword_tokens: the sub-word tokens of every word (special tokens not counted); `split_words`: words that
            became more than one token.
        max_length: the cut checked; `truncated_sentences`: sentences longer than it, special tokens included;
            `lost_words`: words whose first token falls beyond it (they get no label and no prediction);
            `truncated_rows`: the first `ROWS_SHOWN` truncated sentences' row numbers; `longest`: the longest
            sentence in tokens.
    """

    sentences: int
    words: int
    tag_counts: dict[str, int]
    entity_counts: dict[str, int]
    entities_per_sentence: dict[int, int]
    subword_tokens: int
    split_words: int
    max_length: int
    truncated_sentences: int
    lost_words: int
    truncated_rows: list[int]
    longest: int
    sampled_from: int | None = None

    @property
    def tokens_per_word(self) -> float:
        return self.subword_tokens / self.words if self.words else 0.0


@dataclass
class AnswerCheck:
    """Question answering: answers that are not where they say, and answers no window holds.

    Attributes:
        questions: rows read; `answers`: gold answers over them.
        misplaced_count: answers whose text is not at their `answer_start` (training refuses these rows);
            `misplaced`: the first `ROWS_SHOWN`, each `{"row", "answer", "answer_start", "found", "found_at"}`
            (`found`: what the context holds there; `found_at`: where the text first occurs, or None).
        max_length, stride: the windows checked.
        windows: windows over the questions checked (those with an answer at its start, and those with none);
            `windows_per_question`: windows -> questions, ascending.
        answered: questions checked that have an answer; `outside_count`: those whose (first) answer no window
            holds whole, so every window of theirs trains the CLS position; `outside_rows`: the first `ROWS_SHOWN`.
    """

    questions: int
    answers: int
    misplaced_count: int
    misplaced: list[dict[str, Any]]
    max_length: int
    stride: int
    windows: int
    windows_per_question: dict[int, int]
    answered: int
    outside_count: int
    outside_rows: list[int]
    sampled_from: int | None = None

    @property
    def outside_share(self) -> float:
        """The share of answered questions whose answer falls outside every window."""
        return self.outside_count / self.answered if self.answered else 0.0


def _ascending(counter: Counter) -> dict[int, int]:
    return {key: counter[key] for key in sorted(counter)}


def check_label_sets(split: Dataset, setup: TaskSetup, split_name: str = "train") -> LabelSetCheck:
    """Label cardinality, label counts and co-occurrence of a multi-label split, read as training reads it."""
    rows = row_label_names(split, setup, split_name)
    ids = {name: i for i, name in enumerate(setup.labels)}
    matrix = np.zeros((len(rows), len(setup.labels)), dtype=np.int64)
    for index, names in enumerate(rows):
        matrix[index, [ids[name] for name in names if name in ids]] = 1
    together = matrix.T @ matrix
    counts = {name: int(together[i, i]) for i, name in enumerate(setup.labels)}
    return LabelSetCheck(
        rows=len(rows),
        labels=tuple(setup.labels),
        labels_per_row=_ascending(Counter(int(n) for n in matrix.sum(axis=1))),
        label_counts=dict(sorted(counts.items(), key=lambda item: -item[1])),
        co_occurrence=together.tolist(),
    )


def check_targets(split: Dataset, setup: TaskSetup, split_name: str = "train") -> TargetCheck:
    """The regression target's summary, histogram and IQR outliers (farthest beyond a fence first).

    Raises:
        StudioError: an empty split, or a target that is not a number (naming its row).
    """
    values = targets_of(split, setup.columns["label"], split_name)
    if not len(values):
        raise StudioError(f"{split_name} has no rows to check")
    q1, median, q3 = (float(q) for q in np.percentile(values, [25, 50, 75]))
    low, high = q1 - IQR_FENCE * (q3 - q1), q3 + IQR_FENCE * (q3 - q1)
    counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
    beyond = np.maximum(low - values, values - high)
    outlying = np.flatnonzero(beyond > 0)
    text = setup.columns["text"]
    shown = outlying[np.argsort(-beyond[outlying], kind="stable")][:ROWS_SHOWN]
    return TargetCheck(
        rows=len(values),
        summary={
            "mean": float(values.mean()),
            "std": float(values.std()),
            "min": float(values.min()),
            "q1": q1,
            "median": median,
            "q3": q3,
            "max": float(values.max()),
        },
        bin_edges=[float(edge) for edge in edges],
        counts=[int(count) for count in counts],
        fences=(low, high),
        outlier_count=len(outlying),
        outliers=[{"row": int(i), "value": float(values[i]), "text": split[int(i)][text]} for i in shown],
    )


def check_tags(
    split: Dataset,
    setup: TaskSetup,
    tokenizer: PreTrainedTokenizerBase,
    tokenization: Tokenization,
    split_name: str = "train",
) -> TagCheck:
    """Tag and entity counts of a token-classification split, and what tokenizing its words at
    `tokenization.max_length` does: sub-words per word, sentences truncated, words that lose their tag."""
    task = TokenClassification()
    sentences = task.tag_names(split, setup, split_name)
    all_words = [list(words or []) for words in split[setup.columns["tokens"]]]
    tag_counts = Counter(tag for tags in sentences for tag in tags)
    entities = [entities_of(words, tags) for words, tags in zip(all_words, sentences, strict=True)]
    entity_counts = Counter(entity["type"] for row in entities for entity in row)
    whole = tokenizer(all_words, is_split_into_words=True, add_special_tokens=False)
    pieces = Counter()
    for i in range(len(all_words)):
        pieces.update(Counter(word for word in whole.word_ids(i) if word is not None).values())
    specials = tokenizer.num_special_tokens_to_add(pair=False)
    lengths = [len(ids) + specials for ids in whole["input_ids"]]
    # What training sees: the task's own preprocessing, truncated at max_length; a word none of whose tokens is
    # left has no label there.
    features = task.preprocess(split, tokenizer, setup, tokenization)
    kept = [len({word for word in word_ids if word >= 0}) for word_ids in features["word_ids"]]
    truncated = [i for i, length in enumerate(lengths) if length > tokenization.max_length]
    return TagCheck(
        sentences=len(sentences),
        words=sum(len(words) for words in all_words),
        tag_counts={tag: tag_counts[tag] for tag in setup.labels},
        entity_counts=dict(entity_counts.most_common()),
        entities_per_sentence=_ascending(Counter(len(row) for row in entities)),
        subword_tokens=sum(n * words for n, words in pieces.items()),
        split_words=sum(words for n, words in pieces.items() if n > 1),
        max_length=tokenization.max_length,
        truncated_sentences=len(truncated),
        lost_words=sum(len(words) - k for words, k in zip(all_words, kept, strict=True)),
        truncated_rows=truncated[:ROWS_SHOWN],
        longest=max(lengths, default=0),
    )


def _misplaced_answers(split: Dataset, setup: TaskSetup) -> tuple[list[dict[str, Any]], set[int], int]:
    """Every answer not at its `answer_start` (row, answer, start, what is there, where the text is); the rows
    with one; the number of answers."""
    misplaced, bad_rows, answers = [], set(), 0
    for index, (row, context) in enumerate(
        zip(split[setup.columns["answers"]], split[setup.columns["context"]], strict=True)
    ):
        row, context = row or {}, context or ""
        texts, starts = row.get("text") or [], row.get("answer_start") or []
        answers += len(texts)
        if len(texts) != len(starts):
            bad_rows.add(index)
            continue
        for text, start in zip(texts, starts, strict=True):
            found = text_at(context, text, start)
            if found != text:
                bad_rows.add(index)
                where = context.find(text)
                misplaced.append(
                    {
                        "row": index,
                        "answer": text,
                        "answer_start": start,
                        "found": found,
                        "found_at": where if where >= 0 else None,
                    }
                )
    return misplaced, bad_rows, answers


def check_answers(
    split: Dataset,
    setup: TaskSetup,
    tokenizer: PreTrainedTokenizerBase,
    tokenization: Tokenization,
    split_name: str = "train",
) -> AnswerCheck:
    """Misplaced answers of a QA split (counted, not refused), and the windows the task's preprocessing makes at
    `tokenization`'s `max_length` and stride, with the answers none of them holds (rows with a misplaced answer
    are windowed as if unanswered, so every row keeps its number).

    Raises:
        StudioError: a question too long for the windows' stride (as training would refuse it), naming its row.
    """
    if not len(split):
        raise StudioError(f"{split_name} has no rows to check")
    misplaced, bad_rows, answers = _misplaced_answers(split, setup)
    column = setup.columns["answers"]
    if bad_rows:
        split = split.map(
            lambda row, i: {column: {"text": [], "answer_start": []} if i in bad_rows else row[column]},
            with_indices=True,
        )
    features = QuestionAnswering().preprocess(split, tokenizer, setup, tokenization)
    windows_of = Counter(features["example_index"])
    # A window that does not hold the answer points at CLS, which has no offset in the context.
    held = {
        row
        for row, start, offsets in zip(
            features["example_index"], features["start_positions"], features["offset_mapping"], strict=True
        )
        if offsets[start] is not None
    }
    answered = [i for i, row in enumerate(split[column]) if (row or {}).get("text")]
    outside = [i for i in answered if i not in held]
    return AnswerCheck(
        questions=len(split),
        answers=answers,
        misplaced_count=len(misplaced),
        misplaced=misplaced[:ROWS_SHOWN],
        max_length=tokenization.max_length,
        stride=tokenization.window_stride,
        windows=len(features),
        windows_per_question=_ascending(Counter(windows_of.values())),
        answered=len(answered),
        outside_count=len(outside),
        outside_rows=outside[:ROWS_SHOWN],
    )


Check = LabelSetCheck | TargetCheck | TagCheck | AnswerCheck
# The checks of each task: those that read labels only, and those that count tokens (they need a tokenizer).
_LABEL_CHECKS: dict[str, Callable[[Dataset, TaskSetup, str], Check]] = {
    "multi-label-classification": check_label_sets,
    "regression": check_targets,
}
_TOKEN_CHECKS: dict[str, Callable[[Dataset, TaskSetup, PreTrainedTokenizerBase, Tokenization, str], Check]] = {
    "token-classification": check_tags,
    "question-answering": check_answers,
}


def check_task_data(
    split: Dataset,
    setup: TaskSetup,
    tokenizer: PreTrainedTokenizerBase | None = None,
    tokenization: Tokenization | None = None,
    split_name: str = "train",
    max_rows: int | None = None,
) -> Check | None:
    """The check of `setup.task` on a split; None for a task with none (single-label classification).

    Args:
        max_rows: check a random sample of this many rows (seed 0) of a bigger split; the check's `sampled_from`
            then holds the split's size, and the rows it lists are numbered in the whole split.

    Raises:
        StudioError: token classification or question answering without a tokenizer (they count tokens), or what
            the check itself raises (a bad row, named).
    """
    if setup.task not in _LABEL_CHECKS and setup.task not in _TOKEN_CHECKS:
        return None
    if setup.task in _TOKEN_CHECKS and tokenizer is None:
        raise StudioError(f"checking {setup.task} data needs a tokenizer: it counts tokens and windows")
    rows, total = None, len(split)
    if max_rows is not None and total > max_rows:
        rows = np.sort(np.random.default_rng(0).choice(total, size=max_rows, replace=False))
        split = split.select(rows)
    if setup.task in _LABEL_CHECKS:
        check = _LABEL_CHECKS[setup.task](split, setup, split_name)
    else:
        check = _TOKEN_CHECKS[setup.task](split, setup, tokenizer, tokenization or Tokenization(), split_name)
    return check if rows is None else _numbered_in_split(check, rows, total)


def _numbered_in_split(check: Check, rows: np.ndarray, total: int) -> Check:
    """A check of a sample of `total` rows, its listed rows renumbered as rows of the whole split."""
    for name in ("truncated_rows", "outside_rows"):
        if hasattr(check, name):
            setattr(check, name, [int(rows[i]) for i in getattr(check, name)])
    for name in ("outliers", "misplaced"):
        for listed in getattr(check, name, []):
            listed["row"] = int(rows[listed["row"]])
    check.sampled_from = total
    return check
