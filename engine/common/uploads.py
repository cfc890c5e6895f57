"""Data files from users: the upload size limit, and the plain mistakes a file can hold, found before it is read.

`datasets` reports a broken file with a parser's traceback (or not at all: a ragged CSV loads with holes, a CSV
with a header only loads as zero rows). These checks name the file and the problem instead.
"""

import codecs
import csv
import hashlib
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from engine.common.access import OPERATOR, Requester
from engine.common.disk import disk_full_as_error
from engine.common.errors import StudioError
from engine.common.limits import limits, over
from engine.common.paths import clean_stale_siblings, safe_name, uploads_dir

DEFAULT_MAX_UPLOAD_MB = 200  # a few million short rows: beyond that, point the app at a folder or a Hub dataset
TEXT_SUFFIXES = {".csv", ".tsv", ".json", ".jsonl"}
_CHUNK = 1 << 20
HASH_CHARS = 12  # of an upload's SHA-256, naming its folder: 48 bits, no collision among one owner's files
# What a binary file named .csv usually is, by its first bytes.
_MAGIC = {
    b"PAR1": "a Parquet file",
    b"PK\x03\x04": "a zip archive (an .xlsx workbook is one)",
    b"\x1f\x8b": "a gzip archive",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"ARROW1": "an Arrow file",
    b"SQLite format 3": "an SQLite database",
}


def max_upload_bytes() -> int:
    """The upload size limit in bytes, from `STUDIO_MAX_UPLOAD_MB` (default 200), read on every call.

    Raises:
        StudioError: the variable is not a positive number.
    """
    raw = os.environ.get("STUDIO_MAX_UPLOAD_MB", "").strip() or str(DEFAULT_MAX_UPLOAD_MB)
    try:
        megabytes = float(raw)
    except ValueError:
        raise StudioError(f"STUDIO_MAX_UPLOAD_MB must be a number of megabytes, not {raw!r}") from None
    if megabytes <= 0:
        raise StudioError(f"STUDIO_MAX_UPLOAD_MB must be positive, not {raw!r}")
    return int(megabytes * 1024 * 1024)


def check_upload_size(path: Path) -> None:
    """Refuse a file over the upload limit, from its size on disk alone (nothing is read).

    Raises:
        StudioError: the file is larger than `max_upload_bytes()`.
    """
    size, limit = path.stat().st_size, max_upload_bytes()
    if size > limit:
        raise StudioError(
            f"{path.name} is {size / 2**20:,.1f} MB; uploads are limited to {limit / 2**20:,.0f} MB "
            "(STUDIO_MAX_UPLOAD_MB). For bigger data, give a folder path on the server or a Hub dataset id."
        )


def _check_not_binary(path: Path, head: bytes) -> None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise StudioError(f"{path.name} is {what}, not a {path.suffix} text file")
    if b"\x00" in head:
        raise StudioError(f"{path.name} holds NUL bytes: it is a binary file, not a {path.suffix} text file")


def _check_utf8(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line = 1 + newlines + chunk[: error.start].count(b"\n")
                raise StudioError(
                    f"{path.name} is not UTF-8 text: byte 0x{chunk[error.start]:02x} at offset "
                    f"{offset + error.start:,} (line {line}); save it as UTF-8 (in a spreadsheet: CSV UTF-8)"
                ) from None
            offset += len(chunk)
            newlines += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise StudioError(f"{path.name} is not UTF-8 text: it ends in the middle of a character") from None


def _check_csv_shape(path: Path) -> None:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next((row for row in reader if row), None)
        if header is None:
            raise StudioError(f"{path.name} holds no rows and no header, only blank lines")
        rows = 0
        for row in reader:
            if not row:
                continue  # blank lines are skipped by the reader `datasets` uses too
            if len(row) != len(header):
                raise StudioError(
                    f"{path.name} is ragged: line {reader.line_num} has {len(row)} fields, the header has "
                    f"{len(header)} ({', '.join(header)})"
                )
            rows += 1
    if rows == 0:
        raise StudioError(f"{path.name} has a header ({', '.join(header)}) but no rows")


def check_table_file(path: Path) -> None:
    """Check a data file for the mistakes that would otherwise show as a parser's traceback or as silent holes.

    Empty files everywhere; for text formats (CSV, TSV, JSON, JSONL) binary content and non-UTF-8 bytes; for
    CSV and TSV a header without rows and rows whose field count differs from the header's.

    Raises:
        StudioError: naming the file and what is wrong with it.
    """
    if path.stat().st_size == 0:
        raise StudioError(f"{path.name} is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        return
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    _check_not_binary(path, head)
    _check_utf8(path)
    if not head.strip():
        raise StudioError(f"{path.name} holds only blank space")
    if suffix in (".csv", ".tsv"):
        _check_csv_shape(path)


# A complete JSON string: what is inside it (brackets included) is no nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPEN, _CLOSE = np.zeros(256, np.int8), np.zeros(256, np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_CLOSE[[ord("]"), ord("}")]] = 1


def json_depth(path: Path) -> int:
    """How deeply the JSON (or JSON Lines) file nests objects and arrays, from a streaming scan of its bytes.

    Strings are cut out by a regular expression and the brackets left are counted with numpy, a megabyte at a time,
    so a file of any size is scanned at C speed in bounded memory; nothing is parsed.
    """
    stat = path.stat()
    return _json_depth(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)  # a dataset opened again (each tab's call) is not scanned again, unless it changed
def _json_depth(path: str, size: int, mtime_ns: int) -> int:
    depth = deepest = 0
    carry = b""  # an unterminated string at the end of a chunk: its opening quote and a pending backslash
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            text = _JSON_STRING.sub(b"", carry + chunk)
            quote = text.find(b'"')
            carry = b""
            if quote >= 0:  # a string that goes on in the next chunk
                tail = text[quote + 1 :]
                backslashes = len(tail) - len(tail.rstrip(b"\\"))
                carry = b'"' + b"\\" * (backslashes % 2)
                text = text[:quote]
            codes = np.frombuffer(text, np.uint8)
            steps = _OPEN[codes].astype(np.int64) - _CLOSE[codes]
            if steps.size:
                running = depth + np.cumsum(steps)
                deepest, depth = max(deepest, int(running.max())), int(running[-1])
    return deepest


def _csv_columns(path: Path) -> int:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        try:
            return len(next(csv.reader(handle, delimiter=delimiter), []))
        except csv.Error as error:  # a header field over the csv module's 128 KB: no header a person wrote
            raise StudioError(f"{path.name}: cannot read its header line: {error}") from None


def _check_parquet(path: Path) -> None:
    try:
        metadata = pq.ParquetFile(path).metadata
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError...: a file that is no Parquet
        raise StudioError(f"cannot read file {path} as parquet: {error}") from error
    bounds = limits()
    if metadata.num_columns > bounds.columns:
        raise over(f"{path.name}'s column count", metadata.num_columns, bounds.columns, "columns")
    if metadata.num_rows > bounds.file_rows:
        raise over(f"{path.name}'s row count", metadata.num_rows, bounds.file_rows, "file_rows")
    # The footer's own account of the decompressed size: a few hundred KB of zstd can stand for gigabytes.
    megabytes = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)) // 2**20
    if megabytes > bounds.file_uncompressed_mb:
        raise over(f"{path.name} decompressed", megabytes, bounds.file_uncompressed_mb, "file_uncompressed_mb", " MB")


def check_file_bounds(path: Path) -> None:
    """Refuse a data file whose shape is over the server's bounds, before any parser reads it.

    CSV and TSV: the header's column count. JSON and JSON Lines: the nesting depth (pyarrow's reader crashes the
    process on a deeply nested record). Parquet: columns, rows and decompressed size from the footer's metadata.

    Raises:
        StudioError: naming the file, the value and the bound.
    """
    suffix, bounds = path.suffix.lower(), limits()
    if suffix in (".csv", ".tsv"):
        columns = _csv_columns(path)
        if columns > bounds.columns:
            raise over(f"{path.name}'s header column count", columns, bounds.columns, "columns")
    elif suffix in (".json", ".jsonl"):
        depth = json_depth(path)
        if depth > bounds.json_depth:
            raise over(f"{path.name}'s nesting depth", depth, bounds.json_depth, "json_depth")
    elif suffix == ".parquet":
        _check_parquet(path)


def copy_hashed(source: Path, target: Path) -> str:
    """Copy `source` into `target` and return the first `HASH_CHARS` hex digits of the content's SHA-256, computed
    from the chunks as they are copied (the file is read once)."""
    digest = hashlib.sha256()
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()[:HASH_CHARS]


def keep_upload(path: Path, allowed_suffixes: set[str], requester: Requester = OPERATOR) -> Path:
    """Check an uploaded file and copy it into the requester's own uploads folder (the web server's copy is
    temporary).

    The size is checked first, from the file system, so an oversized file is never read. Each upload is kept in a
    folder named by a hash of its content (`uploads/<owner>/<hash>/<name>`): two different files of one name never
    overwrite each other, and the same file uploaded again by its owner gets the same path back, so the dataset
    cache built for it is reused. Nobody reaches an upload whose owner they are not. The file is copied under a
    temporary name and renamed into place, so a failed or interrupted upload leaves nothing that looks kept.

    Returns:
        The kept file, `STUDIO_DATA_DIR/uploads/<owner folder>/<content hash>/<sanitised name>`.

    Raises:
        StudioError: an unsupported type, a file over the limit, or a file that `check_table_file` or
            `check_file_bounds` refuses.
        DiskFullError: the disk holding the data directory is full.
    """
    if path.suffix.lower() not in allowed_suffixes:
        raise StudioError(f"{path.name}: unsupported file type; use one of {', '.join(sorted(allowed_suffixes))}")
    check_upload_size(path)
    check_table_file(path)
    check_file_bounds(path)
    owner_folder = uploads_dir() / requester.folder_name
    name = safe_name(path.stem, default="dataset") + path.suffix.lower()
    owner_folder.mkdir(parents=True, exist_ok=True)
    clean_stale_siblings(owner_folder / name)
    # The hash names the folder, and is known only once the file is copied: the copy goes under a temporary name in
    # the owner's folder (one `paths.is_temporary` knows, swept if a crash leaves it), then is renamed into place.
    handle, staging_name = tempfile.mkstemp(dir=owner_folder, prefix=f".{name}.tmp-{os.getpid()}-")
    os.close(handle)
    staging = Path(staging_name)
    try:
        with disk_full_as_error(f"keeping the uploaded file {path.name}"):
            kept = owner_folder / copy_hashed(path, staging) / name
            if not kept.is_file():  # kept already: the same bytes under the same name, the same dataset
                kept.parent.mkdir(exist_ok=True)
                os.replace(staging, kept)
    finally:
        staging.unlink(missing_ok=True)  # gone already when published
    return kept
