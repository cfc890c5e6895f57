"""The label alignment of token classification: which label each sub-word token trains on.

The Tokenizer tab's view of a sentence: its words, the sub-word tokens they become, each token's `word_ids` entry
and the label it gets (-100, ignored by the loss, on special tokens and, unless the setup labels every sub-word, on
a word's later pieces). It runs the task's own `preprocess` on the one sentence, so the view is what training does,
not a second implementation of it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from datasets import Dataset
from transformers import PreTrainedTokenizerBase

from engine.common.errors import NotFoundError, StudioError
from engine.tasks.base import TaskSetup, Tokenization
from engine.tasks.token_classification import IGNORED, TokenClassification


@dataclass(frozen=True)
class AlignedToken:
    """One token of the sentence as training sees it.

    Attributes:
        token: the token's text (`[CLS]`, `mar`, `##low`).
        word_id: the index of the word it comes from; None for a special token.
        label_id: the label id it trains on; -100 when ignored.
    """

    token: str
    word_id: int | None
    word: str | None
    label_id: int
    label: str  # the tag name, or "-100" when ignored


@dataclass
class LabelAlignment:
    """A sentence's words, their tags and its tokens with their labels.

    Attributes:
        words, tags: the sentence as given (tag names).
        tokens: every token, special tokens included, in order.
        max_length: the cut applied; `lost_words`: words none of whose tokens is left (they train nothing).
    """

    words: list[str]
    tags: list[str]
    tokens: list[AlignedToken]
    max_length: int
    lost_words: int

    def rows(self) -> list[dict[str, Any]]:
        """One table row per token: position, token, word id (`None` for specials), word, label."""
        return [
            {"position": i, "token": t.token, "word_id": t.word_id, "word": t.word, "label": t.label}
            for i, t in enumerate(self.tokens)
        ]


def _check_task(setup: TaskSetup) -> None:
    if setup.task != TokenClassification.name:
        raise StudioError(f"label alignment is a token-classification view; this setup is {setup.task}")


def _align(
    row: Dataset, tokenizer: PreTrainedTokenizerBase, setup: TaskSetup, tokenization: Tokenization
) -> LabelAlignment:
    """The alignment of a one-row split with the setup's words and tags columns.

    Raises:
        StudioError: words and tags of different lengths, or a tag the setup does not have (as training raises).
    """
    task = TokenClassification()
    tags = task.tag_names(row, setup, "the sentence")[0]
    words = list(row[setup.columns["tokens"]][0])
    features = task.preprocess(row, tokenizer, setup, tokenization)[0]
    tokens = []
    for token, word, label in zip(
        tokenizer.convert_ids_to_tokens(features["input_ids"]), features["word_ids"], features["labels"], strict=True
    ):
        word_id = None if word < 0 else word
        tokens.append(
            AlignedToken(
                token=token,
                word_id=word_id,
                word=None if word_id is None else words[word_id],
                label_id=label,
                label=str(IGNORED) if label == IGNORED else setup.labels[label],
            )
        )
    kept = {token.word_id for token in tokens if token.word_id is not None}
    return LabelAlignment(words, tags, tokens, tokenization.max_length, len(words) - len(kept))


def label_alignment(
    words: Sequence[str],
    tags: Sequence[str],
    tokenizer: PreTrainedTokenizerBase,
    setup: TaskSetup,
    tokenization: Tokenization | None = None,
) -> LabelAlignment:
    """The alignment of one sentence given as words and tag names (`["Ada", "Marlow"]`, `["B-PER", "I-PER"]`).

    Raises:
        StudioError: a setup of another task, no words, words and tags of different lengths, or a tag the setup
            does not have.
    """
    _check_task(setup)
    row = Dataset.from_dict({setup.columns["tokens"]: [list(words)], setup.columns["tags"]: [list(tags)]})
    return _align(row, tokenizer, setup, tokenization or Tokenization())


def label_alignment_of_row(
    split: Dataset,
    index: int,
    tokenizer: PreTrainedTokenizerBase,
    setup: TaskSetup,
    tokenization: Tokenization | None = None,
) -> LabelAlignment:
    """The alignment of row `index` of a split (its tags may be names or `ClassLabel` ids).

    Raises:
        NotFoundError: a row number outside the split.
        StudioError: a setup of another task, or a bad row (as training refuses it).
    """
    _check_task(setup)
    if not 0 <= index < len(split):
        raise NotFoundError(f"row must be between 0 and {len(split) - 1}, not {index}")
    return _align(split.select([index]), tokenizer, setup, tokenization or Tokenization())


def parse_tagged(text: str) -> tuple[list[str], list[str]]:
    """Words and tags from `word/TAG word/TAG ...` (the last `/` of each piece splits it, so `1/2/O` is the word
    `1/2` tagged `O`).

    Raises:
        StudioError: no words, or a piece without a `/TAG`, naming the piece.
    """
    words, tags = [], []
    for piece in text.split():
        word, slash, tag = piece.rpartition("/")
        if not slash or not word or not tag:
            raise StudioError(f"sentence: {piece!r} is not word/TAG; type each word with its tag, as Ada/B-PER is/O")
        words.append(word)
        tags.append(tag)
    if not words:
        raise StudioError("sentence: no words; type each word with its tag, as Ada/B-PER Marlow/I-PER is/O")
    return words, tags


def tagged_text(words: Sequence[str], tags: Sequence[str]) -> str:
    """`word/TAG word/TAG ...`, the form `parse_tagged` reads back.

    Raises:
        StudioError: a word with a space inside, which the typed form cannot carry.
    """
    spaced = [word for word in words if not word or any(ch.isspace() for ch in word)]
    if spaced:
        raise StudioError(f"the word {spaced[0]!r} is empty or holds a space, which word/TAG text cannot show")
    return " ".join(f"{word}/{tag}" for word, tag in zip(words, tags, strict=True))


def sentence_setup(words: Sequence[str], tags: Sequence[str], label_all_subwords: bool = False) -> TaskSetup:
    """The setup training would read from a train split holding only this sentence: its tags are the labels."""
    row = Dataset.from_dict({"tokens": [list(words)], "ner_tags": [list(tags)]})
    return TokenClassification().setup(row, label_all_subwords=label_all_subwords)


def row_sentence(split: Dataset, index: int, setup: TaskSetup, split_name: str) -> tuple[list[str], list[str]]:
    """Row `index`'s words and tag names (`ClassLabel` ids turned into names).

    Raises:
        NotFoundError: a row number outside the split.
        StudioError: a setup of another task, or a row training refuses.
    """
    _check_task(setup)
    if not 0 <= index < len(split):
        raise NotFoundError(f"row must be between 0 and {len(split) - 1}, not {index}")
    row = split.select([index])
    try:
        tags = TokenClassification().tag_names(row, setup, split_name)[0]
    except StudioError as error:  # the one-row split numbers its row 0; the user knows it by its number
        raise StudioError(str(error).replace("row 0 of", f"row {index} of", 1)) from None
    return list(row[setup.columns["tokens"]][0]), tags
