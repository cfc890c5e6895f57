"""Model references, resolved in one place: a Hub id, a local folder, `job:<id>` or `scratch:<size>`.

- `distilbert-base-uncased`, `user/model`: a Hub id, used when the Hub can be reached (or already cached);
- `./my-model`, `/models/bert`: a local folder saved with `save_pretrained`;
- `job:<id>`: the model a finished training job saved (its folder `<jobs dir>/<id>/model`, which the training child
  publishes in one rename only once the run has completed: no database is read);
- `scratch:tiny`, `scratch:small`, `scratch:minilm`: a BERT built here from `BertConfig`, with a WordPiece tokenizer
  trained on the dataset's text (or on all bundled text when there is no dataset).
"""

import re
from dataclasses import dataclass
from pathlib import Path

from engine.common.access import local_path
from engine.common.errors import MissingFileError, NotFoundError, StudioError
from engine.common.paths import jobs_dir, uploads_dir
from engine.models.scratch import SIZES

SCRATCH, JOB, LOCAL, HUB = "scratch", "job", "local", "hub"
# Any of these in a folder means a tokenizer was saved there (fast, WordPiece, BPE and SentencePiece tokenizers).
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model")
# Weights saved with pickle (torch.save): loading one runs whatever code it was made to run.
PICKLED_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")


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
        StudioError: an empty reference, an unknown scratch size, a malformed job id, anything under the uploads
            folder, or a folder whose weights are only pickled.
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
        if not re.fullmatch(r"[0-9]+", job_id):  # `str.isdigit` takes "²" and other digits `int` reads otherwise
            raise StudioError(f"malformed job reference {reference!r}; expected job:<number>")
        return ModelRef(reference, JOB, job_id)
    path = local_path(reference)  # None: not to be read from this server's disk
    if path is not None and path.resolve().is_relative_to(uploads_dir()):
        # Uploads are users' data files: a config.json and a tokenizer.json uploaded side by side must not turn
        # someone's uploads into a "model" that loads, downloads or shares what else lies there.
        raise StudioError(f"{reference}: an uploaded file is data, never a model; use job:<id>, a Hub id or scratch:")
    if path is not None and path.is_dir():
        if not (path / "config.json").is_file():
            raise StudioError(f"folder {path} has no config.json; save a model into it with save_pretrained")
        if not any((path / name).is_file() for name in TOKENIZER_FILES):
            raise StudioError(f"folder {path} has no tokenizer files; save the tokenizer into it with save_pretrained")
        check_safetensors_only(path)
        return ModelRef(reference, LOCAL, str(path.resolve()))
    if reference.startswith((".", "/", "~")) or reference.count("/") > 1:
        raise MissingFileError(f"no such model folder: {reference}")
    return ModelRef(reference, HUB, reference)


def check_safetensors_only(folder: Path) -> None:
    """Refuse a model folder whose weights are only pickled (`.bin`, `.pt`...): unpickling can run any code, and
    `torch.load`'s own guard is the only thing between such a file and the server. A folder without weights (a
    tokenizer only) passes: nothing in it is unpickled.

    Raises:
        StudioError: naming the pickled files and how to convert them.
    """
    if any(folder.glob("*.safetensors")):
        return
    pickled = sorted(path.name for path in folder.iterdir() if path.suffix in PICKLED_SUFFIXES)
    if pickled:
        raise StudioError(
            f"folder {folder} holds only pickled weights ({', '.join(pickled)}); Finetune Studio loads safetensors "
            "only (a pickle can run code): convert it with save_pretrained(folder, safe_serialization=True)"
        )


def job_model_dir(job_id: int) -> Path:
    """Return the model folder of a finished training job.

    Raises:
        NotFoundError: the job has no saved model (queued, running, stopped or failed).
        MissingFileError: no folder for this job: no such job here, or its folder was deleted or moved.
    """
    folder = jobs_dir() / str(job_id)
    model = folder / "model"
    if (model / "config.json").is_file():
        return model
    if not folder.is_dir():
        raise MissingFileError(  # never trained here, or its folder was deleted or moved
            f"no training job {job_id} here: the model folder of job {job_id} is missing ({model}); train it again"
        )
    raise NotFoundError(
        f"job {job_id} has no saved model: it has not completed (it is queued, running, stopped or failed); "
        "only a completed job has a model to use"
    )
