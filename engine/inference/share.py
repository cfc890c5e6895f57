"""Sharing a trained model: its model card, a zip of its folder, or a push to the Hugging Face Hub.

A Hub token is only ever passed to `huggingface_hub` for the one call that needs it: it is not stored in the
database, written to a log or a job config, or returned to the page.
"""

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import HfApi, ModelCard
from huggingface_hub.errors import HfHubHTTPError

from engine.common.errors import StudioError
from engine.common.hub import ensure_hub_reachable
from engine.common.paths import downloads_dir, safe_name
from engine.models.refs import HUB, JOB, SCRATCH, job_model_dir, parse_model_ref

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


def model_folder(reference: str) -> Path:
    """The folder of a finished job's model (`job:<id>`): the only models this server hands out.

    A typed folder is never shared, even inside the data directory: it may be someone else's upload or any
    folder that merely looks like a model, and a zip or a push would hand its files to whoever asked.

    Raises:
        StudioError: anything but `job:<id>` (a folder, a Hub id, a scratch starter).
        NotFoundError, MissingFileError: the job has no finished model here.
    """
    ref = parse_model_ref(reference)
    if ref.kind == JOB:
        return job_model_dir(int(ref.name))
    where = {HUB: "is on the Hub already", SCRATCH: "is an untrained starter model"}.get(ref.kind, "is a folder")
    raise StudioError(f"{reference!r} {where}; only a finished training job (job:<id>) can be shared")


def model_card(reference: str) -> str:
    """The model card (`README.md`) of a finished job, as Markdown, metadata header included.

    Raises:
        StudioError: the model has no card.
    """
    card = model_folder(reference) / "README.md"
    if not card.is_file():
        raise StudioError(f"{reference!r} has no model card (README.md) in its folder")
    return card.read_text(encoding="utf-8", errors="replace")


def card_for_reading(text: str) -> str:
    """A card as a page shows it: the YAML metadata header (which Markdown would print as a run of text) moved
    into a code block under the body."""
    card = ModelCard(text, ignore_metadata_errors=True)
    metadata = card.data.to_yaml().strip() if card.data else ""
    return card.text.strip() + (f"\n\n**Metadata**\n\n```yaml\n{metadata}\n```" if metadata else "")


def zip_model(reference: str) -> Path:
    """Zip a finished job's model folder (weights, tokenizer, config, card) into the downloads folder; return it."""
    folder = model_folder(reference)
    target = downloads_dir() / safe_name(reference.strip(), default="model")  # job:3 -> job-3
    return Path(shutil.make_archive(str(target), "zip", root_dir=folder))


@dataclass(frozen=True)
class PushRequest:
    """A push of a model folder to a Hub repository."""

    reference: str
    repo_id: str
    private: bool = True

    def __post_init__(self) -> None:
        if not _REPO_ID.match((self.repo_id or "").strip()):
            raise StudioError(f"repository id {self.repo_id!r} should look like user-or-org/model-name")


def push_to_hub(request: PushRequest, token: str | None = None) -> str:
    """Create (or reuse) the Hub repository and upload the model folder; return the repository's URL.

    Args:
        request: what to push and where.
        token: a Hub token with write access; `HF_TOKEN` when not given. Used for this call only.

    Raises:
        StudioError: no token, a model that does not live here, or a push the Hub refused (token, namespace).
        HubUnreachableError: the Hub cannot be reached (checked first, in seconds).
    """
    folder = model_folder(request.reference)
    token = (token or "").strip() or os.environ.get("HF_TOKEN", "").strip()
    if not token:
        raise StudioError("a Hub token with write access is needed: type one, or set HF_TOKEN")
    ensure_hub_reachable(f"a push to {request.repo_id!r}")
    api = HfApi(token=token)
    try:
        url = api.create_repo(request.repo_id, private=request.private, exist_ok=True)
        api.upload_folder(
            folder_path=str(folder), repo_id=request.repo_id, commit_message="Upload from Finetune Studio"
        )
    except HfHubHTTPError as error:  # a bad or read-only token, someone else's namespace: the Hub says which
        raise StudioError(f"the Hub refused the push to {request.repo_id!r}: {error}") from error
    return str(url)
