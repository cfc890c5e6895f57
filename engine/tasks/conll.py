"""CoNLL-style text files: one word and its tag per line, a blank line between sentences.

The format of CoNLL-2003 and most NER corpora: fields separated by spaces or tabs, the word first and the tag last
(any columns between, such as part-of-speech and chunk tags, are skipped), `-DOCSTART-` lines ignored.
"""

from pathlib import Path

from datasets import Dataset

from engine.common.errors import MissingFileError, StudioError
from engine.common.uploads import check_upload_size

CONLL_SUFFIXES = (".txt", ".conll")
DOCUMENT_START = "-DOCSTART-"


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


def read_conll(path: Path) -> Dataset:
    """Read a CoNLL-style file as a `Dataset` with `tokens` and `ner_tags` columns (tags as names).

    Raises:
        MissingFileError: no such file.
        StudioError: a file over the upload bound, not UTF-8, or not in the format (see `parse_conll`).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"no such file: {path}")
    check_upload_size(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise StudioError(f"{path.name} is not UTF-8 text (byte {error.start}); save it as UTF-8") from error
    return Dataset.from_dict(parse_conll(text, path.name))
