"""Who may start training, who may stop or delete a job (its owner or an operator), and which server paths a
typed dataset or model reference may name.

The app names the person behind a request (a signed-in user, else the browser session); the CLI runs on the
machine itself, so it is the operator. Jobs record their owner as `user:<name>`, `session:<hash>` or `cli`.
"""

from dataclasses import dataclass
from pathlib import Path

from engine.common.errors import NotAllowedError
from engine.common.paths import ASSETS_DIR, data_dir
from engine.common.settings import settings

CLI_OWNER = "cli"


@dataclass(frozen=True)
class Requester:
    """The person behind a request. Neither a session nor a user name: the machine's operator (the CLI)."""

    session: str | None = None
    username: str | None = None

    @property
    def owner(self) -> str:
        """The owner recorded on the jobs this requester starts."""
        if self.username:
            return f"user:{self.username}"
        if self.session:
            return f"session:{self.session}"
        return CLI_OWNER

    @property
    def is_operator(self) -> bool:
        """The CLI, or a signed-in user listed in `STUDIO_OPERATORS`."""
        return self.owner == CLI_OWNER or (self.username is not None and self.username in settings().operators)


OPERATOR = Requester()


def check_may_train(requester: Requester) -> None:
    """Refuse to start training when `STUDIO_TRAINING` does not allow this requester to.

    Raises:
        NotAllowedError: training is off on this server, or needs a signed-in user.
    """
    mode = settings().training
    if mode == "nobody":
        raise NotAllowedError(
            "training is turned off on this server (STUDIO_TRAINING=nobody): you can browse datasets, "
            "inspect tokenizers and try models"
        )
    if mode == "signed-in" and not requester.username and not requester.is_operator:
        raise NotAllowedError("sign in to start training: on this server only signed-in users train")


def check_may_manage(owner: str | None, job_id: int, action: str, requester: Requester) -> None:
    """Refuse to `action` (stop, delete...) a job unless the requester started it or is an operator.

    Raises:
        NotAllowedError: the job belongs to someone else.
    """
    if requester.is_operator or (owner is not None and owner == requester.owner):
        return
    raise NotAllowedError(
        f"job {job_id} was started by someone else; only the session or user that started it, "
        f"or an operator, can {action} it"
    )


def local_path(reference: str) -> Path | None:
    """The server file or folder a typed dataset or model reference may name, or None when it must not be read
    as one (then it can only be a Hub id).

    With `STUDIO_SERVER_PATHS=anywhere` any path goes. With `data-dir` only paths that resolve (symlinks and `..`
    followed) inside the data directory or the bundled assets: uploads, saved datasets, job models, samples.
    Anything else written as a path is refused whether it exists or not, so the answer says nothing about the
    server's other files; a bare name (`glue`, `user/data`) is left to the Hub even where a local file has it.

    Raises:
        NotAllowedError: a path outside the data directory while paths are confined to it.
    """
    path = Path(reference).expanduser()
    if settings().server_paths == "anywhere":
        return path
    resolved = path.resolve()
    if any(resolved.is_relative_to(root) for root in (data_dir(), ASSETS_DIR.resolve())):
        return path
    if reference.startswith(("/", "~", ".")):
        raise NotAllowedError(
            f"{reference}: this server opens only files in its data directory (STUDIO_SERVER_PATHS=data-dir); "
            "upload the file, or give a Hub id"
        )
    return None
