"""Loading what a model reference names: the folder or Hub id `from_pretrained` reads, and its tokenizer.

Every model load in a process goes through one lock (`MODEL_LOADING`); tokenizers, which build no weights, do not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from huggingface_hub import try_to_load_from_cache
from safetensors import SafetensorError

from engine.common.errors import StudioError
from engine.common.hub import OFFLINE_CHOICES, HubUnreachableError, ensure_hub_reachable
from engine.common.limits import limits
from engine.common.settings import remote_code_allowed
from engine.models.refs import JOB, LOCAL, SCRATCH, ModelRef, job_model_dir, parse_model_ref
from engine.models.scratch import build_scratch_model

if TYPE_CHECKING:  # hints only: transformers costs the web server seconds at start
    from transformers import PreTrainedTokenizerBase

# transformers 5's `from_pretrained` is not thread-safe: a model loaded while another thread loads one can keep
# its tied weights on the meta device (a fill-mask pipeline loaded next to a looping classifier load failed 15 times
# out of 15). The app serves its users from threads, so every model load in a process goes through this lock; it also
# stops several users asking for the same model at once from loading it several times.
MODEL_LOADING = threading.RLock()

# What `from_pretrained` raises on a folder or Hub id the user named that does not hold what it should: a missing or
# unreadable file (OSError), a config or tokenizer file that is not JSON or lacks a key (ValueError, KeyError), a
# config.json that is not an object (TypeError), weights that are not safetensors (SafetensorError). Caught only
# around those calls, where the input is the user's, and re-raised as a `StudioError` naming the reference.
MODEL_FILE_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, KeyError, TypeError, SafetensorError)


def refused_files(error: BaseException) -> bool:
    """Whether `from_pretrained` raised this because of the files it read: one of `MODEL_FILE_ERRORS`, or the bare
    `Exception` the tokenizers library raises for a tokenizer.json of the wrong shape (never a subclass of it)."""
    return isinstance(error, MODEL_FILE_ERRORS) or type(error) is Exception


def _hub_model(model_id: str) -> str:
    try:
        ensure_hub_reachable(f"model {model_id!r}")
        return model_id
    except HubUnreachableError:
        cached = try_to_load_from_cache(model_id, "config.json")
        if isinstance(cached, str):  # downloaded earlier: use the cached snapshot offline
            return str(Path(cached).parent)
        raise


def resolve_model(ref: ModelRef, corpus: Callable[[], Sequence[str]], seed: int = 42, *, weights: bool = True) -> str:
    """Return what `from_pretrained` should load for this reference: a folder or a Hub id.

    Args:
        ref: the parsed reference.
        corpus: called only for `scratch:` models, to get the texts their tokenizer is trained on.
        seed: seeds a scratch model's initial weights.
        weights: whether the model's weights and config will be read (a tokenizer alone reads neither): a folder
            the user named is then held to `STUDIO_MAX_MODEL_MB`.

    Raises:
        HubUnreachableError: a Hub id that is neither reachable nor cached.
        StudioError: a folder whose model files are over `STUDIO_MAX_MODEL_MB`.
    """
    if ref.kind == SCRATCH:
        texts = corpus()  # outside the lock: reading a dataset is no model loading
        with MODEL_LOADING:
            return str(build_scratch_model(ref.name, texts, seed))
    if ref.kind == JOB:
        return str(job_model_dir(int(ref.name)))
    if ref.kind == LOCAL:
        if weights:
            check_model_size(Path(ref.name))
        return ref.name
    return _hub_model(ref.name)


@cache  # the samples ship with the code and never change while it runs
def bundled_corpus() -> tuple[str, ...]:
    """All text of the bundled samples' train splits: the corpus of a scratch tokenizer with no dataset."""
    from engine.datasets.sources import load_raw, resolve_columns, sample_sources

    texts: list[str] = []
    for source in sample_sources():
        train = load_raw(source)["train"]
        columns = resolve_columns(train.column_names)
        for column in columns.texts:
            texts.extend(train[column])
    return tuple(texts)


# The files `AutoTokenizer` reads from a folder: the fast tokenizer's JSON, slow tokenizers' vocabularies, merges and
# SentencePiece models, and their configuration. Weights are not among them.
TOKENIZER_FILES = ("tokenizer*", "vocab*", "merges*", "*.model", "*.tiktoken", "added_tokens.json", "special_tokens*")


def check_tokenizer_size(folder: Path) -> None:
    """Refuse a tokenizer whose files are over `STUDIO_MAX_TOKENIZER_MB` together, before they are read: a
    tokenizer takes about ten times its files' size in memory (a 131 MB tokenizer.json took 1.4 GB), and stays in
    the cache.

    Raises:
        StudioError: naming the folder, its tokenizer files' size and the bound.
    """
    files = {path for pattern in TOKENIZER_FILES for path in folder.glob(pattern) if path.is_file()}
    size, bound = sum(path.stat().st_size for path in files), limits().tokenizer_mb
    if size > bound * 2**20:
        raise StudioError(
            f"the tokenizer files in {folder} are {size / 2**20:,.1f} MB together "
            f"({', '.join(sorted(p.name for p in files))}); the limit is {bound:,} MB (STUDIO_MAX_TOKENIZER_MB)"
        )


def check_model_size(folder: Path) -> None:
    """Refuse a model folder whose files (weights, config; the tokenizer's have their own bound) are over
    `STUDIO_MAX_MODEL_MB` together, from their sizes on disk, before any is read: `from_pretrained` reads the whole
    config and maps every weight file, and a model past what this server can hold fails only after minutes.

    Raises:
        StudioError: naming the folder, its model files' size and the bound.
    """
    tokenizer = {path for pattern in TOKENIZER_FILES for path in folder.glob(pattern)}
    files = [path for path in folder.iterdir() if path.is_file() and path not in tokenizer]
    size, bound = sum(path.stat().st_size for path in files), limits().model_mb
    if size > bound * 2**20:
        largest = max(files, key=lambda path: path.stat().st_size)
        raise StudioError(
            f"the model files in {folder} are {size / 2**20:,.1f} MB together (the largest, {largest.name}, "
            f"{largest.stat().st_size / 2**20:,.1f} MB); the limit is {bound:,} MB (STUDIO_MAX_MODEL_MB)"
        )


@lru_cache(maxsize=8)
def _tokenizer_at(path: str, stamp: int) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer  # here: it imports torch, which the web server must not pay for at start

    return AutoTokenizer.from_pretrained(path, trust_remote_code=remote_code_allowed())


def load_tokenizer(reference: str) -> PreTrainedTokenizerBase:
    """Load the tokenizer of any model reference (scratch tokenizers are trained on the bundled text).

    Raises:
        StudioError: a reference that resolves to nothing loadable, or a folder whose tokenizer files are over
            `STUDIO_MAX_TOKENIZER_MB`.
    """
    path = resolve_model(parse_model_ref(reference), bundled_corpus, weights=False)
    folder = Path(path)
    # Keyed by the folder's modification time, so a folder saved again is read again.
    stamp = folder.stat().st_mtime_ns if folder.is_dir() else 0
    if folder.is_dir():
        check_tokenizer_size(folder)
    try:
        # No MODEL_LOADING here: a tokenizer builds no model weights (the race that lock closes), and the Tokenizer
        # tab's cached lookups must not wait while another user's model loads.
        return _tokenizer_at(path, stamp)
    except OSError as error:
        raise StudioError(f"cannot load a tokenizer from {reference!r}: {error}. {OFFLINE_CHOICES}") from error
    except Exception as error:  # a tokenizer file that is there but broken: offline choices do not help
        if not refused_files(error):
            raise
        raise StudioError(f"cannot load a tokenizer from {reference!r}: its files are unreadable ({error})") from error
