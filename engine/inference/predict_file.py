"""Predicting a whole file: read a CSV / TSV / JSONL table, classify a column, write it back with the answers.

The output keeps every input column and adds `predicted_label`, `confidence` and one `prob_<label>` column per
label of the model, in the same format as the input (or the one the output's extension names).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engine.common.errors import MissingFileError, NotFoundError, StudioError
from engine.common.limits import limits, over
from engine.models.classifier import load_classifier

READERS = {".csv": {"sep": ","}, ".tsv": {"sep": "\t"}, ".jsonl": {"lines": True}, ".json": {}}
PREDICTED, CONFIDENCE, PROBABILITY_PREFIX = "predicted_label", "confidence", "prob_"


@dataclass(frozen=True)
class FilePrediction:
    """A file to classify: where it is, which column(s) hold the text, and where the answers go."""

    path: Path
    text_column: str
    output: Path
    pair_column: str | None = None
    batch_size: int = 32

    def __post_init__(self) -> None:
        for name, path in (("input", self.path), ("output", self.output)):
            if Path(path).suffix.lower() not in READERS:
                raise StudioError(f"{name} file {Path(path).name!r}: use one of {', '.join(READERS)}")
        if not (self.text_column or "").strip():
            raise StudioError("name the column that holds the text to classify")
        if self.pair_column and self.pair_column == self.text_column:
            raise StudioError(f"text column and second text column are both {self.text_column!r}")
        if self.batch_size < 1:
            raise StudioError(f"batch size must be at least 1, not {self.batch_size}")


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV / TSV / JSON / JSONL file into a table of strings.

    Raises:
        StudioError: a missing, empty or unreadable file, or one with no rows.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise StudioError(f"{path.name}: use one of {', '.join(READERS)}")
    if not path.is_file():
        raise MissingFileError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise StudioError(f"{path.name} is empty")
    try:
        if suffix in (".csv", ".tsv"):
            table = pd.read_csv(path, dtype=str, keep_default_na=False, **READERS[suffix])
        else:
            table = pd.read_json(path, dtype=False, **READERS[suffix])
    # pandas raises TypeError for JSON lines that mix objects and arrays (`{"a": 1}` then `[1, 2]`).
    except (ValueError, TypeError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise StudioError(f"cannot read {path.name}: {error}") from error
    if table.empty:
        raise StudioError(f"{path.name} has no rows")
    return table


def _column(table: pd.DataFrame, name: str, path: Path) -> list[str]:
    if name not in table.columns:
        raise NotFoundError(
            f"{path.name} has no column {name!r}; its columns are {', '.join(map(str, table.columns))}"
        )
    values = [
        "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value) for value in table[name]
    ]
    empty = [i + 1 for i, value in enumerate(values) if not value.strip()]
    if empty:
        raise StudioError(f"column {name!r} is empty in {len(empty)} row(s), the first being row {empty[0]}")
    return values


def write_table(table: pd.DataFrame, output: Path) -> None:
    """Write `table` in the format `output`'s extension names, creating its folder."""
    suffix = output.suffix.lower()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if suffix in (".csv", ".tsv"):
            table.to_csv(output, index=False, sep=READERS[suffix]["sep"])
        else:
            table.to_json(output, orient="records", lines=suffix == ".jsonl", force_ascii=False)
    except OSError as error:  # an output path the user named that cannot be written
        raise StudioError(f"cannot write {output}: {error.strerror or error}") from error


def predict_file(
    request: FilePrediction, model: str, on_batch: Callable[[int, int], None] | None = None
) -> pd.DataFrame:
    """Classify every row of `request.path` with `model` and write the table with the answers to `request.output`.

    Returns:
        The written table.

    Raises:
        StudioError: an unreadable or empty file, one over `STUDIO_MAX_PREDICT_ROWS` rows, a missing column, an empty
            text, or a model that is not a text classifier.
    """
    table = read_table(request.path)
    if len(table) > (bound := limits().predict_rows):
        raise over(f"{request.path.name}", len(table), bound, "predict_rows", " rows")
    texts = _column(table, request.text_column, request.path)
    pairs = _column(table, request.pair_column, request.path) if request.pair_column else None
    classifier = load_classifier(model)
    probabilities = classifier.probabilities(texts, pairs, batch_size=request.batch_size, on_batch=on_batch)
    labels = classifier.labels
    result = table.copy()
    result[PREDICTED] = [labels[i] for i in probabilities.argmax(axis=1)]
    result[CONFIDENCE] = probabilities.max(axis=1).round(6)
    for index, label in enumerate(labels):
        result[f"{PROBABILITY_PREFIX}{label}"] = probabilities[:, index].round(6)
    write_table(result, request.output)
    return result
