"""CoNLL-style text files as a dataset: one word and its tag per line, a blank line between sentences.

The format of CoNLL-2003 and most NER corpora: fields separated by spaces or tabs, the word first and the tag last
(any columns between, such as part-of-speech and chunk tags, are skipped), `-DOCSTART-` lines ignored. A file opens
as a split with `tokens` (the words) and `ner_tags` (a sequence of `ClassLabel`, one name list shared by every split),
the layout of CoNLL-2003 on the Hub, so a token-classification run reads it like any Hub NER dataset.

`.conll` files are read so by their suffix; a `.txt` file (or a folder of them) when its source is written
`conll:<path>`, since plain text is no dataset format otherwise. Parsing runs in the same limited child process as
CSV and JSON (`engine.datasets.file_child`), which writes the result with `save_to_disk` for the server to map.
"""

import os
import shutil
from pathlib import Path

from datasets import ClassLabel, Dataset, DatasetDict, Features, List, Value

from engine.common.errors import StudioError

CONLL_BUILDER = "conll"  # the reading child's name for this format (not a `datasets` builder)
CONLL_PREFIX = "conll:"
CONLL_SUFFIX = ".conll"
CONLL_SUFFIXES = (".txt", CONLL_SUFFIX)  # what a `conll:` source may name
DOCUMENT_START = "-DOCSTART-"
_TAG_PREFIXES = ("B", "I", "E", "S")


def parse_conll(text: str, where: str = "the file") -> dict[str, list[list[str]]]:
    """Sentences of a CoNLL-style text as `tokens` and `ner_tags` (tag names), one list per sentence.

    Raises:
        StudioError: a line with a word and no tag (naming the line), or no sentence at all.
    """
    sentences: dict[str, list[list[str]]] = {"tokens": [], "ner_tags": []}
    words: list[str] = []
    tags: list[str] = []

    def close_sentence() -> None:
        if words:
            sentences["tokens"].append(list(words))
            sentences["ner_tags"].append(list(tags))
            words.clear()
            tags.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            close_sentence()
        elif fields[0] == DOCUMENT_START:
            close_sentence()
        elif len(fields) < 2:
            raise StudioError(f"line {number} of {where}: {line.strip()!r} has a word and no tag; write 'word tag'")
        else:
            words.append(fields[0])
            tags.append(fields[-1])
    close_sentence()
    if not sentences["tokens"]:
        raise StudioError(f"{where} holds no sentence: expected 'word tag' lines with a blank line between sentences")
    return sentences


def read_conll_text(path: Path) -> dict[str, list[list[str]]]:
    """Read and parse one CoNLL-style file.

    Raises:
        StudioError: bytes that are not UTF-8 (naming the line), or what `parse_conll` refuses.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = 1 + data[: error.start].count(b"\n")
        raise StudioError(
            f"{path.name} is not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start:,} (line {line}); "
            "save it as UTF-8"
        ) from None
    return parse_conll(text, path.name)


def tag_order(tags: set[str]) -> list[str]:
    """The `ClassLabel` names: `O` first, then B-/I-/E-/S- tags by type (B before I), then any other tag (part of
    speech, chunk) alphabetically, so `id2label` reads in a natural order."""

    def key(tag: str) -> tuple:
        prefix, _, kind = tag.partition("-")
        if tag == "O":
            return (0, "", 0)
        if prefix in _TAG_PREFIXES and kind:
            return (1, kind, _TAG_PREFIXES.index(prefix))
        return (2, tag, 0)

    return sorted(tags, key=key)


def conll_dataset(files: dict[str, list[str]]) -> DatasetDict:
    """The splits of CoNLL-style files (split -> its files, read in order), tags as one shared `ClassLabel`.

    Raises:
        StudioError: a file that is not UTF-8 or not in the format, naming the file and line.
    """
    parsed: dict[str, dict[str, list[list[str]]]] = {}
    for split, paths in files.items():
        sentences: dict[str, list[list[str]]] = {"tokens": [], "ner_tags": []}
        for path in paths:
            one = read_conll_text(Path(path))
            sentences["tokens"] += one["tokens"]
            sentences["ner_tags"] += one["ner_tags"]
        parsed[split] = sentences
    names = tag_order({tag for split in parsed.values() for tags in split["ner_tags"] for tag in tags})
    ids = {name: i for i, name in enumerate(names)}
    features = Features({"tokens": List(Value("string")), "ner_tags": List(ClassLabel(names=names))})
    return DatasetDict(
        {
            split: Dataset.from_dict(
                {"tokens": data["tokens"], "ner_tags": [[ids[tag] for tag in tags] for tags in data["ner_tags"]]},
                features=features,
            )
            for split, data in parsed.items()
        }
    )


def write_conll_entry(files: dict[str, list[str]], entry: Path) -> None:
    """Parse CoNLL-style files and save them (`save_to_disk`) as the cache entry `entry`: written into
    `<entry>.incomplete` and renamed into place when whole, so a reader never meets half an entry."""
    staging = Path(str(entry) + ".incomplete")
    shutil.rmtree(staging, ignore_errors=True)
    conll_dataset(files).save_to_disk(str(staging))
    try:
        os.replace(staging, entry)
    except OSError:  # another reader of the same files put its entry in place first: theirs is as good
        shutil.rmtree(staging, ignore_errors=True)
        if not entry.is_dir():
            raise
