"""Token classification (named entities, parts of speech): one tag per word, aligned to sub-word tokens.

Words and their tags come as two list columns (`tokens`, `ner_tags`: the CoNLL-2003 layout on the Hub, tags as
`ClassLabel` ids or as names) or from a CoNLL-style text file (`engine.tasks.conll`). Each word's tag goes to its
first sub-word token through `word_ids()`; special tokens get -100 (ignored by the loss and the metrics), and so do
the other sub-words of a word unless `label_all_subwords` gives them the word's tag (B- turned into I-), as the
Hugging Face course does. Entities are scored with seqeval's strict mode (`engine.tasks.entities`) under the
data's scheme (IOB1, IOB2 or IOBES/BIOES, detected from the tags or given), so an I- tag that cannot start an entity
in that scheme does not.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from datasets import ClassLabel, Dataset
from transformers import AutoModelForTokenClassification, DataCollatorForTokenClassification, EvalPrediction

from engine.common.errors import StudioError
from engine.tasks.base import (
    CardMetadata,
    ColumnRole,
    EvaluationReport,
    MetricsFunction,
    Outputs,
    TaskSetup,
    Tokenization,
    is_text,
    item_feature,
    label_config,
    logits_of,
    resolve_roles,
    row_error,
)
from engine.tasks.entities import SCHEMES, entity_report, lenient_entities
from engine.tasks.text_classification import softmax

IGNORED = -100  # the label id PyTorch's cross-entropy (and these metrics) skip
PREFIXES = ("B", "I", "E", "S")
ERRORS_SHOWN = 50
WORDS_ROLE = ColumnRole("tokens", ("tokens", "words"), "the words of each sentence, as a list")
TAGS_ROLE = ColumnRole("tags", ("ner_tags", "tags", "labels", "pos_tags"), "one tag per word, as a list")


def split_tag(tag: str) -> tuple[str, str]:
    """`B-PER` -> (`B`, `PER`); `O` -> (`O`, ``)."""
    if tag == "O":
        return "O", ""
    prefix, _, kind = tag.partition("-")
    if prefix not in PREFIXES or not kind:
        raise StudioError(f"tag {tag!r} is not O or B-/I-/E-/S- followed by a type (B-PER, I-LOC...)")
    return prefix, kind


def order_tags(tags: set[str]) -> tuple[str, ...]:
    """`O` first, then by type, B before I before E before S: a readable `id2label`."""
    return tuple(
        sorted(
            tags,
            key=lambda tag: (tag != "O", split_tag(tag)[1], PREFIXES.index(split_tag(tag)[0]) if tag != "O" else 0),
        )
    )


def detect_scheme(sentences: Sequence[Sequence[str]]) -> str:
    """IOBES when any tag is E- or S-; IOB1 when an I- tag opens an entity (after O or another type, or first);
    IOB2 otherwise."""
    iob1 = False
    for tags in sentences:
        previous = ("O", "")
        for tag in tags:
            prefix, kind = split_tag(tag)
            if prefix in ("E", "S"):
                return "IOBES"
            if prefix == "I" and (previous[0] == "O" or previous[1] != kind):
                iob1 = True
            previous = (prefix, kind)
    return "IOB1" if iob1 else "IOB2"


def align_labels(
    word_ids: Sequence[int | None], word_labels: Sequence[int], subword_labels: Sequence[int] | None
) -> list[int]:
    """Each token's label from its word's: the first sub-word of a word gets the word's label; special tokens
    (word id None) get -100; later sub-words get -100, or `subword_labels[label]` when given (the I- tag of a B-).
    """
    labels, previous = [], None
    for word in word_ids:
        if word is None:
            labels.append(IGNORED)
        elif word != previous:
            labels.append(word_labels[word])
        else:
            labels.append(IGNORED if subword_labels is None else subword_labels[word_labels[word]])
        previous = word
    return labels


def inside_labels(labels: Sequence[str]) -> list[int]:
    """For each label id, the id a later sub-word of its word gets: B-X -> I-X (when I-X exists), others unchanged."""
    ids = {name: i for i, name in enumerate(labels)}
    return [ids.get("I-" + name[2:], i) if name.startswith("B-") else i for i, name in enumerate(labels)]


def entity_scores(actual: list[list[str]], predicted: list[list[str]], scheme: str) -> tuple[dict, list]:
    """Entity-level precision / recall / F1 (micro over entities) and token accuracy; the per-type table."""
    overall, by_type = entity_report(actual, predicted, scheme)
    flat_actual = [tag for tags in actual for tag in tags]
    flat_predicted = [tag for tags in predicted for tag in tags]
    correct = sum(a == p for a, p in zip(flat_actual, flat_predicted, strict=True))
    metrics = {
        "precision": overall.precision,
        "recall": overall.recall,
        "f1": overall.f1,
        "accuracy": correct / len(flat_actual) if flat_actual else 0.0,
    }
    table = [
        {
            "type": kind,
            "precision": row.precision,
            "recall": row.recall,
            "f1": row.f1,
            "support": row.support,
        }
        for kind, row in by_type.items()
    ]
    return metrics, table


def entities_of(words: Sequence[str], tags: Sequence[str]) -> list[dict[str, Any]]:
    """The entities of tagged words (conlleval reading, any scheme): type, first and last word, the text."""
    return [
        {"type": kind, "start": start, "end": end, "text": " ".join(words[start : end + 1])}
        for kind, start, end in lenient_entities(list(tags))
    ]


class TokenClassification:
    """One tag per word: named entities (IOB1, IOB2, IOBES) or any other word tags."""

    name = "token-classification"
    title = "token classification"
    roles = (WORDS_ROLE, TAGS_ROLE)
    model_class = AutoModelForTokenClassification
    metric_names = ("precision", "recall", "f1", "accuracy")
    best_metric = "f1"
    greater_is_better = True
    calibrates = False
    length_grouping = True

    def matches(self, split: Dataset) -> bool:
        try:
            columns = resolve_roles(self.roles, split.column_names)
        except ValueError:
            return False
        words = item_feature(split.features[columns["tokens"]])
        tags = item_feature(split.features[columns["tags"]])
        return is_text(words) and (isinstance(tags, ClassLabel) or (is_text(tags)))

    def setup(
        self,
        train: Dataset,
        columns: Mapping[str, str | None] | None = None,
        *,
        scheme: str | None = None,
        label_all_subwords: bool = False,
        **options: Any,
    ) -> TaskSetup:
        """Read the tag names (from the `ClassLabel` or the train split's tags) and the tagging scheme.

        Args:
            scheme: `IOB1`, `IOB2`, `IOBES` (or `BIOES`); detected from the train tags when None.
            label_all_subwords: train every sub-word of a word on its tag (B- becoming I-), not only the first.
        """
        resolved = resolve_roles(self.roles, train.column_names, columns)
        item = item_feature(train.features[resolved["tags"]])
        if isinstance(item, ClassLabel):
            labels = tuple(item.names)
        elif is_text(item):
            labels = order_tags({tag for tags in train[resolved["tags"]] for tag in tags or []})
        else:
            raise StudioError(
                f"tags column {resolved['tags']!r} holds {train.features[resolved['tags']]}; token classification "
                "takes a list of tag names per row, or of ClassLabel ids (integer tags need their names)"
            )
        for label in labels:
            split_tag(label)
        if scheme is not None and scheme.upper() not in SCHEMES:
            raise StudioError(f"scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}")
        settings = {**options, "label_all_subwords": label_all_subwords}
        setup = TaskSetup(self.name, resolved, labels, settings)
        sentences = self.tag_names(train, setup, "train")
        chosen = scheme.upper() if scheme else detect_scheme(sentences)
        return setup.with_options(scheme="IOBES" if chosen == "BIOES" else chosen)

    def tag_names(self, split: Dataset, setup: TaskSetup, split_name: str) -> list[list[str]]:
        """Every row's tags as names, checked against its words: as many tags as words, at least one word, and no
        tag the train split lacks."""
        words_column, tags_column = setup.columns["tokens"], setup.columns["tags"]
        item = item_feature(split.features[tags_column])
        known = set(setup.labels)
        sentences = []
        for index, (words, tags) in enumerate(zip(split[words_column], split[tags_column], strict=True)):
            words, tags = words or [], tags or []
            if not words:
                raise row_error(split_name, index, f"no words in {words_column!r}")
            if len(words) != len(tags):
                raise row_error(
                    split_name,
                    index,
                    f"{len(words)} words in {words_column!r} but {len(tags)} tags in {tags_column!r}",
                )
            names = [item.int2str(tag) if isinstance(item, ClassLabel) else tag for tag in tags]
            unknown = [name for name in names if name not in known]
            if unknown:
                raise row_error(split_name, index, f"tag {unknown[0]!r} is not among the train split's")
            sentences.append(names)
        return sentences

    def validate(self, split: Dataset, setup: TaskSetup, split_name: str) -> None:
        resolve_roles(self.roles, split.column_names, setup.columns)
        self.tag_names(split, setup, split_name)

    def corpus(self, split: Dataset, setup: TaskSetup) -> list[str]:
        return [" ".join(words) for words in split[setup.columns["tokens"]]]

    def preprocess(self, split, tokenizer, setup: TaskSetup, tokenization: Tokenization) -> Dataset:
        """Tokenize the words (`is_split_into_words`), with the aligned `labels` and each token's `word_ids` (-1 for
        special tokens), which `postprocess` maps predictions back to words with."""
        ids = {name: i for i, name in enumerate(setup.labels)}
        sentences = [
            [ids[name] for name in names] for names in self.tag_names(split, setup, str(split.split or "split"))
        ]
        subword = inside_labels(setup.labels) if setup.option("label_all_subwords") else None
        words_column = setup.columns["tokens"]

        def encode(batch: dict[str, list], indices: list[int]) -> dict[str, list]:
            encoded = tokenizer(
                batch[words_column], is_split_into_words=True, truncation=True, max_length=tokenization.max_length
            )
            word_ids = [encoded.word_ids(i) for i in range(len(indices))]
            encoded["labels"] = [
                align_labels(w, sentences[row], subword) for w, row in zip(word_ids, indices, strict=True)
            ]
            encoded["word_ids"] = [[-1 if word is None else word for word in w] for w in word_ids]
            return encoded

        return split.map(encode, batched=True, with_indices=True, remove_columns=split.column_names)

    def model_kwargs(self, setup: TaskSetup) -> dict[str, Any]:
        return label_config(setup.labels)

    def collator(self, tokenizer):
        return DataCollatorForTokenClassification(tokenizer)

    def metrics(self, setup: TaskSetup, examples: Dataset, features: Dataset) -> MetricsFunction:
        def compute(prediction: EvalPrediction) -> dict[str, float]:
            predicted = logits_of(prediction.predictions).argmax(axis=-1)
            actual_tags, predicted_tags = [], []
            for predicted_row, label_row in zip(predicted, prediction.label_ids, strict=True):
                kept = label_row != IGNORED
                actual_tags.append([setup.labels[i] for i in label_row[kept]])
                predicted_tags.append([setup.labels[i] for i in predicted_row[kept]])
            return entity_scores(actual_tags, predicted_tags, setup.option("scheme", "IOB2"))[0]

        return compute

    def calibrate(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> TaskSetup:
        return setup

    def _word_predictions(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset):
        """Per example, each word's predicted tag and probability, from its first sub-word; a word that
        truncation cut off is `O` with probability 0."""
        probabilities = softmax(logits_of(outputs).astype(np.float64))
        rows, all_word_ids = [], features["word_ids"]
        for index, words in enumerate(examples[setup.columns["tokens"]]):
            tags, scores = ["O"] * len(words), [0.0] * len(words)
            seen = set()
            for position, word in enumerate(all_word_ids[index]):
                if word < 0 or word in seen:
                    continue
                seen.add(word)
                best = int(probabilities[index, position].argmax())
                tags[word], scores[word] = setup.labels[best], float(probabilities[index, position, best])
            rows.append((words, tags, scores))
        return rows

    def postprocess(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> list[dict]:
        predictions = []
        for words, tags, scores in self._word_predictions(setup, outputs, examples, features):
            entities = entities_of(words, tags)
            for entity in entities:
                entity["score"] = float(np.mean(scores[entity["start"] : entity["end"] + 1]))
            predictions.append({"tags": tags, "scores": scores, "entities": entities})
        return predictions

    def report(self, setup: TaskSetup, outputs: Outputs, examples: Dataset, features: Dataset) -> EvaluationReport:
        """Entity scores over every word (words cut by `max_length` count as predicted `O`), the per-type table, and
        the sentences with missed or spurious entities, most mistakes first."""
        rows = self._word_predictions(setup, outputs, examples, features)
        actual = self.tag_names(examples, setup, str(examples.split or "split"))
        predicted = [tags for _, tags, _ in rows]
        metrics, table = entity_scores(actual, predicted, setup.option("scheme", "IOB2"))
        errors = []
        for index, ((words, tags, _), gold) in enumerate(zip(rows, actual, strict=True)):
            gold_entities = {(e["type"], e["start"], e["end"]): e for e in entities_of(words, gold)}
            found = {(e["type"], e["start"], e["end"]): e for e in entities_of(words, tags)}
            missed = [gold_entities[key] for key in gold_entities.keys() - found.keys()]
            spurious = [found[key] for key in found.keys() - gold_entities.keys()]
            if missed or spurious:
                errors.append(
                    {
                        "row": index,
                        "text": " ".join(words),
                        "missed": [f"{e['type']}: {e['text']}" for e in sorted(missed, key=lambda e: e["start"])],
                        "spurious": [f"{e['type']}: {e['text']}" for e in sorted(spurious, key=lambda e: e["start"])],
                    }
                )
        errors.sort(key=lambda row: -(len(row["missed"]) + len(row["spurious"])))
        return EvaluationReport(metrics, table, errors[:ERRORS_SHOWN])

    def card(self, setup: TaskSetup) -> CardMetadata:
        return CardMetadata("token-classification", self.metric_names)
