"""CoNLL-style text files for token classification: one word and its tag per line, a blank line between sentences.

The parser lives with the other dataset readers (`engine.datasets.conll`), where the Datasets tab and every source
(`.conll` files, `conll:<path>` for `.txt`) use it in a child process; `read_conll` reads one trusted file here, as a
split of tag names.
"""

from pathlib import Path

from datasets import Dataset

from engine.common.errors import MissingFileError
from engine.common.uploads import check_upload_size
from engine.datasets.conll import CONLL_SUFFIXES, DOCUMENT_START, parse_conll, read_conll_text

__all__ = ["CONLL_SUFFIXES", "DOCUMENT_START", "parse_conll", "read_conll"]


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
    return Dataset.from_dict(read_conll_text(path))
