"""The operator's settings for a shared server, from environment variables read on every call.

Like `STUDIO_DATA_DIR`, nothing is cached: a test (or an operator with a restart-free shell) can change a variable
and the next request sees it. A wrong value fails with a message naming the variable and what it accepts.
"""

import os
from dataclasses import dataclass, field

from engine.common.errors import StudioError

TRAINING_MODES = ("everyone", "signed-in", "nobody")
SERVER_PATH_MODES = ("anywhere", "data-dir")
_LOCAL_HOSTS = ("", "127.0.0.1", "localhost", "::1")
# A handful of jobs waiting is a queue; hundreds from one shared Space is someone filling the disk.
DEFAULT_MAX_QUEUED_JOBS = 20
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    """Who may do what on this server.

    Attributes:
        max_queued_jobs: the most queued and running jobs at once (`STUDIO_MAX_QUEUED_JOBS`).
        training: who may start training (`STUDIO_TRAINING`): everyone, signed-in users, or nobody.
        auth: user/password pairs the app asks for before anything else (`STUDIO_AUTH`); empty: no login page.
        operators: user names that may stop or delete anyone's job (`STUDIO_OPERATORS`).
        allow_remote_code: whether models may run their own Python code (`STUDIO_ALLOW_REMOTE_CODE`).
        space_id: the Hugging Face Space this runs on (`SPACE_ID`, set by Spaces), None elsewhere.
        server_paths: which files and folders of the server a typed path may name (`STUDIO_SERVER_PATHS`):
            `anywhere`, or only those in the data directory and the bundled assets (`data-dir`).
        trackio: whether training runs also log to a local trackio project (`STUDIO_TRACKIO`).
    """

    max_queued_jobs: int = DEFAULT_MAX_QUEUED_JOBS
    training: str = "everyone"
    auth: tuple[tuple[str, str], ...] = ()
    operators: frozenset[str] = field(default_factory=frozenset)
    allow_remote_code: bool = False
    space_id: str | None = None
    server_paths: str = "anywhere"
    trackio: bool = False

    def __post_init__(self) -> None:
        if self.max_queued_jobs < 1:
            raise StudioError(f"STUDIO_MAX_QUEUED_JOBS must be at least 1, not {self.max_queued_jobs}")
        if self.training not in TRAINING_MODES:
            raise StudioError(f"STUDIO_TRAINING must be one of {', '.join(TRAINING_MODES)}, not {self.training!r}")
        if self.server_paths not in SERVER_PATH_MODES:
            raise StudioError(
                f"STUDIO_SERVER_PATHS must be one of {', '.join(SERVER_PATH_MODES)}, not {self.server_paths!r}"
            )
        for user, password in self.auth:
            if not user or not password:
                raise StudioError(f"STUDIO_AUTH pairs need a user and a password; got user {user!r}")

    @property
    def hub_sign_in(self) -> bool:
        """Whether users sign in with their Hugging Face account: on a Space, when training needs a signed-in user."""
        return self.space_id is not None and self.training == "signed-in"


def _whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise StudioError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


def _switch(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw not in _TRUE + _FALSE:
        raise StudioError(f"{name} must be one of {', '.join(v for v in _TRUE + _FALSE if v)}, not {raw!r}")
    return raw in _TRUE


def _auth_pairs(raw: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        user, colon, password = item.partition(":")
        if not colon:
            # The password is not echoed: this message may end up in a log.
            raise StudioError(f"STUDIO_AUTH entries are user:password; the entry for {user!r} has no ':'")
        pairs.append((user.strip(), password))
    return tuple(pairs)


def _default_server_paths() -> str:
    """`data-dir` where other people reach the app (a Space, a login, or listening beyond this machine), else
    `anywhere`: on one's own machine, typing the path of a folder is the point."""
    shared = (
        os.environ.get("SPACE_ID")
        or os.environ.get("STUDIO_AUTH", "").strip()
        or os.environ.get("GRADIO_SERVER_NAME", "").strip() not in _LOCAL_HOSTS
    )
    return "data-dir" if shared else "anywhere"


def settings() -> Settings:
    """Read the settings from the environment (on every call).

    Raises:
        StudioError: a variable has a value it does not accept, named in the message.
    """
    return Settings(
        max_queued_jobs=_whole_number("STUDIO_MAX_QUEUED_JOBS", DEFAULT_MAX_QUEUED_JOBS),
        training=os.environ.get("STUDIO_TRAINING", "").strip().lower() or "everyone",
        auth=_auth_pairs(os.environ.get("STUDIO_AUTH", "")),
        operators=frozenset(filter(None, (u.strip() for u in os.environ.get("STUDIO_OPERATORS", "").split(",")))),
        allow_remote_code=_switch("STUDIO_ALLOW_REMOTE_CODE"),
        space_id=os.environ.get("SPACE_ID") or None,
        server_paths=os.environ.get("STUDIO_SERVER_PATHS", "").strip().lower() or _default_server_paths(),
        trackio=_switch("STUDIO_TRACKIO"),
    )


def remote_code_allowed() -> bool:
    """The `trust_remote_code` every model, tokenizer, config and pipeline load passes: off unless opted in."""
    return settings().allow_remote_code
