"""Model references, resolved in one place: a Hub id, a local folder, `job:<id>` or `scratch:<size>`.

- `distilbert-base-uncased`, `user/model`: a Hub id, used when the Hub can be reached (or already cached);
- `./my-model`, `/models/bert`: a local folder saved with `save_pretrained`;
- `job:<id>`: the model a finished training job saved;
- `scratch:tiny`, `scratch:small`: a small BERT built here from `BertConfig`, with a WordPiece tokenizer
  trained on the dataset's text (or on all bundled text when there is no dataset).
"""

from dataclasses import dataclass
from pathlib import Path

from engine.common.access import local_path
from engine.common.errors import MissingFileError, StudioError
from engine.jobs.store import COMPLETED, JobStore
from engine.models.scratch import SIZES

SCRATCH, JOB, LOCAL, HUB = "scratch", "job", "local", "hub"
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
        StudioError: an empty reference, an unknown scratch size or a malformed job id.
        MissingFileError: a path-like reference (`./x`, `/x`, `~/x`) that does not exist.
    """
    reference = (reference or "").strip()
    if not reference:
        raise StudioError("no model given: use scratch:tiny, scratch:small, job:<id>, a folder or a Hub id")
    if reference.startswith("scratch:"):
        size = reference.split(":", 1)[1]
        if size not in SIZES:
            raise StudioError(f"unknown scratch model {reference!r}; use {', '.join('scratch:' + s for s in SIZES)}")
        return ModelRef(reference, SCRATCH, size)
    if reference.startswith("job:"):
        job_id = reference.split(":", 1)[1]
        if not job_id.isdigit():
            raise StudioError(f"malformed job reference {reference!r}; expected job:<number>")
        return ModelRef(reference, JOB, job_id)
    path = local_path(reference)  # None: not to be read from this server's disk
    if path is not None and path.is_dir():
        if not (path / "config.json").is_file():
            raise StudioError(f"folder {path} has no config.json; save a model into it with save_pretrained")
        if not any((path / name).is_file() for name in TOKENIZER_FILES):
            raise StudioError(f"folder {path} has no tokenizer files; save the tokenizer into it with save_pretrained")
        return ModelRef(reference, LOCAL, str(path.resolve()))
    if reference.startswith((".", "/", "~")) or reference.count("/") > 1:
        raise MissingFileError(f"no such model folder: {reference}")
    return ModelRef(reference, HUB, reference)


def model_choices() -> list[str]:
    """The references offered in dropdowns: the scratch starters, then finished jobs, newest first."""
    finished = [f"job:{job.id}" for job in JobStore().list(status=COMPLETED)]
    return [f"scratch:{size}" for size in SIZES] + finished


def job_model_dir(job_id: int) -> Path:
    """Return the model folder of a finished training job.

    Raises:
        LookupError: no such job.
        StudioError: the job has not completed.
        MissingFileError: its model folder was deleted or moved.
    """
    job = JobStore().get(job_id)
    if job.status != COMPLETED:
        raise StudioError(f"job {job_id} is {job.status}; only a completed job has a model to use")
    if not job.model_dir.is_dir():
        raise MissingFileError(f"the model folder of job {job_id} is missing ({job.model_dir}): train it again")
    return job.model_dir
