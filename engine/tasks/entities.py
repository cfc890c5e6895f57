"""Entities from word tags, and entity-level scores, with seqeval's semantics (the library the course uses).

Written here rather than imported: seqeval ships only as a source distribution whose build fetches the newest
`setuptools_scm` without its dependencies, which fails on a clean machine, and the README's install must work
verbatim. The rules below are seqeval 1.2.2's, as tables: its strict mode (`Tokens.entities` with the IOB1, IOB2
and IOBES schemes) for scores, and its default `get_entities` (conlleval's reading) for showing a prediction.
`tests/engine/tasks/test_entities.py` checks them against seqeval's documented examples and hand-computed cases.
"""

from collections.abc import Sequence
from dataclasses import dataclass

# (previous token's prefixes, this token's prefixes, whether their types must be the same, differ, or either).
Pattern = tuple[str, str, str]
ANY_PREFIX = "IOBES"


@dataclass(frozen=True)
class Scheme:
    """When a token starts an entity, continues it, and when the previous token ended it (seqeval's scheme)."""

    prefixes: str
    start: frozenset[Pattern]
    inside: frozenset[Pattern]
    end: frozenset[Pattern]


SCHEMES = {
    "IOB1": Scheme(
        "IOB",
        start=frozenset(
            {("O", "I", "any"), ("I", "I", "diff"), ("B", "I", "any"), ("I", "B", "same"), ("B", "B", "same")}
        ),
        inside=frozenset({("B", "I", "same"), ("I", "I", "same")}),
        end=frozenset(
            {
                ("I", "I", "diff"),
                ("I", "O", "any"),
                ("I", "B", "any"),
                ("B", "O", "any"),
                ("B", "I", "diff"),
                ("B", "B", "same"),
            }
        ),
    ),
    "IOB2": Scheme(
        "IOB",
        start=frozenset({(ANY_PREFIX, "B", "any")}),
        inside=frozenset({("B", "I", "same"), ("I", "I", "same")}),
        end=frozenset(
            {
                ("I", "O", "any"),
                ("I", "I", "diff"),
                ("I", "B", "any"),
                ("B", "O", "any"),
                ("B", "I", "diff"),
                ("B", "B", "any"),
            }
        ),
    ),
    "IOBES": Scheme(
        "IOBES",
        start=frozenset({(ANY_PREFIX, "B", "any"), (ANY_PREFIX, "S", "any")}),
        inside=frozenset({("B", "I", "same"), ("B", "E", "same"), ("I", "I", "same"), ("I", "E", "same")}),
        end=frozenset({("S", ANY_PREFIX, "any"), ("E", ANY_PREFIX, "any")}),
    ),
}
SCHEMES["BIOES"] = SCHEMES["IOBES"]


def _split(tag: str) -> tuple[str, str]:
    """`B-PER` -> (`B`, `PER`); `O` -> (`O`, `_`), as seqeval reads a tag (prefix first, `-` between)."""
    return tag[0], tag[1:].strip("-") or "_"


def _matches(patterns: frozenset[Pattern], previous: tuple[str, str], current: tuple[str, str]) -> bool:
    for before, now, types in patterns:
        if previous[0] in before and current[0] in now:
            if types == "any" or (types == "same") == (previous[1] == current[1]):
                return True
    return False


def strict_entities(tags: Sequence[str], scheme: str) -> list[tuple[str, int, int]]:
    """The entities a scheme's rules accept, as (type, first word, end) with `end` exclusive: seqeval's strict mode,
    where a chunk that does not start or end as the scheme says is no entity at all.

    Raises:
        ValueError: a tag whose prefix the scheme does not allow (an `E-` tag under IOB2).
    """
    rules = SCHEMES[scheme]
    tokens = [_split(tag) for tag in tags] + [("O", "_")]
    for prefix, _ in tokens:
        if prefix not in rules.prefixes:
            raise ValueError(f"a {prefix}- tag is not part of the {scheme} scheme")
    entities, index, previous = [], 0, ("O", "_")
    while index < len(tokens):
        token = tokens[index]
        if _matches(rules.start, previous, token):
            end, before = index + 1, token
            while end < len(tokens) and _matches(rules.inside, before, tokens[end]):
                before, end = tokens[end], end + 1
            if end >= len(tokens):  # seqeval's `_forward` falls back to the last word; the sentinel O ends it
                end = len(tokens) - 2
            if _matches(rules.end, tokens[end - 1], tokens[end]):
                entities.append((token[1], index, end))
            index = end
        else:
            index += 1
        previous = tokens[index - 1]
    return entities


def lenient_entities(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Chunks as conlleval reads them, any scheme, forgiving (an `I-` after `O` starts one): (type, first word, last
    word), seqeval's default `get_entities`. For showing a prediction, where a slightly malformed chunk is still
    worth showing."""
    chunks, begin, previous = [], 0, ("O", "")
    for index, tag in enumerate([*tags, "O"]):
        prefix, kind = tag[0], (tag[1:].split("-", maxsplit=1)[-1] or "_")
        if _chunk_ends(previous, (prefix, kind)):
            chunks.append((previous[1], begin, index - 1))
        if _chunk_starts(previous, (prefix, kind)):
            begin = index
        previous = (prefix, kind)
    return chunks


def _chunk_ends(previous: tuple[str, str], current: tuple[str, str]) -> bool:
    (before, kind_before), (now, kind) = previous, current
    if before in "ES":
        return True
    if before in "BI" and now in "BSO":
        return True
    return before not in "O." and kind_before != kind


def _chunk_starts(previous: tuple[str, str], current: tuple[str, str]) -> bool:
    (before, kind_before), (now, kind) = previous, current
    if now in "BS":
        return True
    if before in "ESO" and now in "EI":
        return True
    return now not in "O." and kind_before != kind


@dataclass(frozen=True)
class TypeScore:
    """One entity type's scores: precision, recall and F1 over its entities, and how many the truth holds."""

    precision: float
    recall: float
    f1: float
    support: int


def _score(correct: int, predicted: int, actual: int) -> tuple[float, float, float]:
    precision = correct / predicted if predicted else 0.0  # seqeval's zero_division=0
    recall = correct / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def entity_report(
    actual: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], scheme: str
) -> tuple[TypeScore, dict[str, TypeScore]]:
    """Entity-level scores in strict mode: an entity counts when its type, first and last word all match.

    Returns:
        The micro average over every entity, and each type's scores (every type in the truth or the predictions).
    """
    truth = {(sentence, *entity) for sentence, tags in enumerate(actual) for entity in strict_entities(tags, scheme)}
    guess = {
        (sentence, *entity) for sentence, tags in enumerate(predicted) for entity in strict_entities(tags, scheme)
    }
    by_type = {}
    for kind in sorted({entity[1] for entity in truth | guess}):
        true_of, guess_of = {e for e in truth if e[1] == kind}, {e for e in guess if e[1] == kind}
        by_type[kind] = TypeScore(*_score(len(true_of & guess_of), len(guess_of), len(true_of)), len(true_of))
    overall = TypeScore(*_score(len(truth & guess), len(guess), len(truth)), len(truth))
    return overall, by_type
