"""How much one request may ask of the server: every size a user can set or send, in one place.

Each bound is checked before the work starts, and a request over it is refused with a `StudioError` that names the
value, the bound and the variable that moves it. Like `settings`, the variables are read on every call, so an
operator (or a test) can change one without a restart. The defaults let a shared server with a few GB of memory
serve several users at once; a single-user machine can raise them.
"""

import os
from dataclasses import dataclass, fields

from engine.common.errors import StudioError


@dataclass(frozen=True)
class Limits:
    """The bounds of one request.

    Attributes:
        tokenize_chars: characters of text (all lines and second texts together) one `/tokenize` call may send
            (`STUDIO_MAX_TOKENIZE_CHARS`).
        tokenize_batch: lines in one batch (`STUDIO_MAX_TOKENIZE_BATCH`).
        max_length: the largest `max_length` anywhere, whatever the model allows (`STUDIO_MAX_LENGTH`); a model's own
            limit (`model_max_length`) is the bound when it is smaller.
        tokenize_positions: positions (tokens and padding, over every returned sequence) one tokenizer call may
            return (`STUDIO_MAX_TOKENIZE_POSITIONS`): padding to a large max_length, or many overlapping windows.
        preview_batch: the batch size of a dataset's tokenize preview (`STUDIO_MAX_PREVIEW_BATCH`).
        columns: columns of a data file (`STUDIO_MAX_COLUMNS`).
        json_depth: how deeply a JSON file may nest objects and arrays (`STUDIO_MAX_JSON_DEPTH`).
        file_rows: rows of a Parquet file, from its metadata (`STUDIO_MAX_FILE_ROWS`).
        file_uncompressed_mb: a Parquet file's size once decompressed, from its metadata
            (`STUDIO_MAX_UNCOMPRESSED_MB`); also the most the reading of any data file may write into the cache.
        file_memory_mb: memory the process that reads a user's data file may allocate (`STUDIO_FILE_MEMORY_MB`).
        file_timeout_s: seconds that process may run before it is killed (`STUDIO_FILE_TIMEOUT_S`).
        file_concurrency: users' data files read at once on this server; more wait, then are refused
            (`STUDIO_FILE_CONCURRENCY`).
        sql_memory_mb: memory one SQL query may allocate, beyond what its process starts with (`STUDIO_SQL_MEMORY_MB`).
        sql_result_mb: the size of the page of rows one SQL query returns (`STUDIO_SQL_RESULT_MB`).
        sql_timeout_s: seconds one SQL query may run before it is killed (`STUDIO_SQL_TIMEOUT_S`).
        sql_concurrency: SQL queries running at once on this server; more wait, then are refused
            (`STUDIO_SQL_CONCURRENCY`).
        tokenizer_mb: the files of a tokenizer folder together (`STUDIO_MAX_TOKENIZER_MB`).
        model_mb: the weight files of a model folder together (`STUDIO_MAX_MODEL_MB`).
        predict_rows: texts one prediction call or prediction file may hold (`STUDIO_MAX_PREDICT_ROWS`).
        eval_rows: rows one evaluation or comparison scores (`STUDIO_MAX_EVAL_ROWS`); a row limit brings a bigger
            split under it.
    """

    tokenize_chars: int = 100_000  # ~25,000 tokens, past most contexts; the whole page answers in a second or two
    tokenize_batch: int = 1_000
    max_length: int = 32_768  # the longest context of the encoders and small LMs this app trains
    tokenize_positions: int = 500_000  # ~250 MB and ~6 s for the page at worst (its table, spans and matrices)
    preview_batch: int = 4_096
    columns: int = 1_000  # a text classifier reads two or three; a thousand is already a wide export
    # Real records nest a few levels; Arrow refuses schemas 64 deep, and its JSON reader overflows its stack (killing
    # the process) near 30,000 before it can say so.
    json_depth: int = 32
    file_rows: int = 50_000_000
    file_uncompressed_mb: int = 4_096
    # A 200 MB upload (the upload bound) is read in well under 1 GB (CSV in chunks, JSON Lines in 10 MB blocks).
    file_memory_mb: int = 2_048
    file_timeout_s: int = 300  # a 200 MB CSV takes about a minute on two slow cores
    file_concurrency: int = 2
    sql_memory_mb: int = 1_024
    sql_result_mb: int = 32
    sql_timeout_s: int = 10  # a search "under 2 s" is the goal; five times that is a runaway query
    sql_concurrency: int = 2
    tokenizer_mb: int = 64  # the largest common tokenizer.json (Gemma's) is ~33 MB
    # deberta-v3-large is ~1.7 GB in fp32 and Qwen2.5-1.5B ~3 GB in bf16; far larger will not train on one GPU here.
    model_mb: int = 8_192
    # Each scored row is kept with its probabilities for the report: ~1 KB, so 100 MB at the bound.
    predict_rows: int = 100_000
    eval_rows: int = 100_000

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if not isinstance(value, int) or value < 1:
                raise StudioError(f"{ENVIRONMENT[spec.name]} must be a whole number of at least 1, not {value!r}")


# Each bound's environment variable, by field name.
ENVIRONMENT = {
    "tokenize_chars": "STUDIO_MAX_TOKENIZE_CHARS",
    "tokenize_batch": "STUDIO_MAX_TOKENIZE_BATCH",
    "max_length": "STUDIO_MAX_LENGTH",
    "tokenize_positions": "STUDIO_MAX_TOKENIZE_POSITIONS",
    "preview_batch": "STUDIO_MAX_PREVIEW_BATCH",
    "columns": "STUDIO_MAX_COLUMNS",
    "json_depth": "STUDIO_MAX_JSON_DEPTH",
    "file_rows": "STUDIO_MAX_FILE_ROWS",
    "file_uncompressed_mb": "STUDIO_MAX_UNCOMPRESSED_MB",
    "file_memory_mb": "STUDIO_FILE_MEMORY_MB",
    "file_timeout_s": "STUDIO_FILE_TIMEOUT_S",
    "file_concurrency": "STUDIO_FILE_CONCURRENCY",
    "sql_memory_mb": "STUDIO_SQL_MEMORY_MB",
    "sql_result_mb": "STUDIO_SQL_RESULT_MB",
    "sql_timeout_s": "STUDIO_SQL_TIMEOUT_S",
    "sql_concurrency": "STUDIO_SQL_CONCURRENCY",
    "tokenizer_mb": "STUDIO_MAX_TOKENIZER_MB",
    "model_mb": "STUDIO_MAX_MODEL_MB",
    "predict_rows": "STUDIO_MAX_PREDICT_ROWS",
    "eval_rows": "STUDIO_MAX_EVAL_ROWS",
}


def _read(name: str) -> int | None:
    raw = os.environ.get(name, "").strip().replace("_", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise StudioError(f"{name} must be a whole number, not {os.environ[name]!r}")
    return int(raw)


def limits() -> Limits:
    """Read the bounds from the environment (on every call); an unset variable keeps its default.

    Raises:
        StudioError: a variable that is not a whole number of at least 1, named in the message.
    """
    given = {field: value for field, name in ENVIRONMENT.items() if (value := _read(name)) is not None}
    return Limits(**given)


def over(what: str, value: int, bound: int, field: str, unit: str = "") -> StudioError:
    """The refusal of a value over its bound, naming both and the variable that moves the bound."""
    return StudioError(f"{what} is {value:,}{unit}; the limit is {bound:,}{unit} ({ENVIRONMENT[field]})")
