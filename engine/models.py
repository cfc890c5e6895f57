"""Model references, resolved in one place: a Hub id, a local folder, `job:<id>` or `scratch:<size>`.

- `distilbert-base-uncased`, `user/model`: a Hub id, used when the Hub can be reached (or already cached);
- `./my-model`, `/models/bert`: a local folder saved with `save_pretrained`;
- `job:<id>`: the model a finished training job saved;
- `scratch:tiny`, `scratch:small`: a small BERT built here from `BertConfig`, with a WordPiece tokenizer
  trained on the dataset's text (or on all bundled text when there is no dataset).
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from huggingface_hub import try_to_load_from_cache
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from engine.access import local_path
from engine.hub import OFFLINE_CHOICES, HubUnreachableError, ensure_hub_reachable
from engine.jobs import COMPLETED, JobStore
from engine.scratch import SIZES, build_scratch_model
from engine.settings import remote_code_allowed

SCRATCH, JOB, LOCAL, HUB = "scratch", "job", "local", "hub"
# transformers 5's `from_pretrained` is not thread-safe: a model loaded while another thread loads one can keep
# its tied weights on the meta device (a fill-mask pipeline loaded next to a looping classifier load failed 15 times
# out of 15). The app serves its users from threads, so every model load in a process goes through this lock; it also
# stops several users asking for the same model at once from loading it several times.
MODEL_LOADING = threading.RLock()
# Any of these in a folder means a tokenizer was saved there (fast, WordPiece, BPE and SentencePiece tokenizers).
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model")


@dataclass(frozen=True)
class ModelRef:
    """A parsed model reference: its kind and the part after the prefix (size, job id, path or Hub id)."""

    reference: str
    kind: str
    name: str

    def __post_init__(self) -> None:
        if self.kind not in (SCRATCH, JOB, LOCAL, HUB):
            raise ValueError(f"unknown model kind {self.kind!r}")


def parse_model_ref(reference: str) -> ModelRef:
    """Parse a model reference without touching the disk beyond a path check, or the network.

    Raises:
        ValueError: an empty reference, an unknown scratch size or a malformed job id.
        FileNotFoundError: a path-like reference (`./x`, `/x`, `~/x`) that does not exist.
    """
    reference = (reference or "").strip()
    if not reference:
        raise ValueError("no model given: use scratch:tiny, scratch:small, job:<id>, a folder or a Hub id")
    if reference.startswith("scratch:"):
        size = reference.split(":", 1)[1]
        if size not in SIZES:
            raise ValueError(f"unknown scratch model {reference!r}; use {', '.join('scratch:' + s for s in SIZES)}")
        return ModelRef(reference, SCRATCH, size)
    if reference.startswith("job:"):
        job_id = reference.split(":", 1)[1]
        if not job_id.isdigit():
            raise ValueError(f"malformed job reference {reference!r}; expected job:<number>")
        return ModelRef(reference, JOB, job_id)
    path = local_path(reference)  # None: not to be read from this server's disk
    if path is not None and path.is_dir():
        if not (path / "config.json").is_file():
            raise ValueError(f"folder {path} has no config.json; save a model into it with save_pretrained")
        if not any((path / name).is_file() for name in TOKENIZER_FILES):
            raise ValueError(f"folder {path} has no tokenizer files; save the tokenizer into it with save_pretrained")
        return ModelRef(reference, LOCAL, str(path.resolve()))
    if reference.startswith((".", "/", "~")) or reference.count("/") > 1:
        raise FileNotFoundError(f"no such model folder: {reference}")
    return ModelRef(reference, HUB, reference)


def _hub_model(model_id: str) -> str:
    try:
        ensure_hub_reachable(f"model {model_id!r}")
        return model_id
    except HubUnreachableError:
        cached = try_to_load_from_cache(model_id, "config.json")
        if isinstance(cached, str):  # downloaded earlier: use the cached snapshot offline
            return str(Path(cached).parent)
        raise


def model_choices() -> list[str]:
    """The references offered in dropdowns: the scratch starters, then finished jobs, newest first."""
    finished = [f"job:{job.id}" for job in JobStore().list(status=COMPLETED)]
    return [f"scratch:{size}" for size in SIZES] + finished


def job_model_dir(job_id: int) -> Path:
    """Return the model folder of a finished training job.

    Raises:
        LookupError: no such job.
        ValueError: the job has not completed.
        FileNotFoundError: its model folder was deleted or moved.
    """
    job = JobStore().get(job_id)
    if job.status != COMPLETED:
        raise ValueError(f"job {job_id} is {job.status}; only a completed job has a model to use")
    if not job.model_dir.is_dir():
        raise FileNotFoundError(f"the model folder of job {job_id} is missing ({job.model_dir}): train it again")
    return job.model_dir


def resolve_model(ref: ModelRef, corpus: Callable[[], Sequence[str]], seed: int = 42) -> str:
    """Return what `from_pretrained` should load for this reference: a folder or a Hub id.

    Args:
        ref: the parsed reference.
        corpus: called only for `scratch:` models, to get the texts their tokenizer is trained on.
        seed: seeds a scratch model's initial weights.

    Raises:
        HubUnreachableError: a Hub id that is neither reachable nor cached.
    """
    if ref.kind == SCRATCH:
        texts = corpus()  # outside the lock: reading a dataset is no model loading
        with MODEL_LOADING:
            return str(build_scratch_model(ref.name, texts, seed))
    if ref.kind == JOB:
        return str(job_model_dir(int(ref.name)))
    if ref.kind == LOCAL:
        return ref.name
    return _hub_model(ref.name)


@cache  # the samples ship with the code and never change while it runs
def bundled_corpus() -> tuple[str, ...]:
    """All text of the bundled samples' train splits: the corpus of a scratch tokenizer with no dataset."""
    from engine.data import load_raw, resolve_columns, sample_sources

    texts: list[str] = []
    for source in sample_sources():
        train = load_raw(source)["train"]
        columns = resolve_columns(train.column_names)
        for column in columns.texts:
            texts.extend(train[column])
    return tuple(texts)


@lru_cache(maxsize=8)
def _tokenizer_at(path: str, stamp: int) -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(path, trust_remote_code=remote_code_allowed())


def load_tokenizer(reference: str) -> PreTrainedTokenizerBase:
    """Load the tokenizer of any model reference (scratch tokenizers are trained on the bundled text)."""
    path = resolve_model(parse_model_ref(reference), bundled_corpus)
    folder = Path(path)
    # Keyed by the folder's modification time, so a folder saved again is read again.
    stamp = folder.stat().st_mtime_ns if folder.is_dir() else 0
    try:
        # No MODEL_LOADING here: a tokenizer builds no model weights (the race that lock closes), and the Tokenizer
        # tab's cached lookups must not wait while another user's model loads.
        return _tokenizer_at(path, stamp)
    except OSError as error:
        raise ValueError(f"cannot load a tokenizer from {reference!r}: {error}. {OFFLINE_CHOICES}") from error


# Random weights need far more updates and a bigger step than a pretrained checkpoint; 1e-3 was measured to
# oscillate on sample:sentiment (validation accuracy 0.50-0.86 from epoch to epoch), 5e-4 to climb steadily.
SCRATCH_DEFAULTS = {"epochs": 10.0, "learning_rate": 5e-4}
# The BERT paper's fine-tuning range is 2e-5..5e-5 for 2-4 epochs; the course uses 3 epochs.
PRETRAINED_DEFAULTS = {"epochs": 3.0, "learning_rate": 5e-5}


def default_hyperparameters(ref: ModelRef) -> dict:
    """Epochs and learning rate that suit the model: scratch models start from random weights."""
    return dict(SCRATCH_DEFAULTS if ref.kind == SCRATCH else PRETRAINED_DEFAULTS)


def defaults_help(name: str) -> str:
    """'empty: 10 for scratch, 3 for pretrained' for `epochs` or `learning_rate`, for forms and --help."""
    return f"empty: {SCRATCH_DEFAULTS[name]:g} for scratch:, {PRETRAINED_DEFAULTS[name]:g} for pretrained models"
