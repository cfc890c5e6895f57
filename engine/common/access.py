"""Who may start training, who may stop or delete a job (its owner or an operator), which server paths a
typed dataset or model reference may name, and how often a wrong password may be tried.

The app names the person behind a request: a signed-in user, else the secret key their browser keeps across
reloads (`gr.BrowserState`), else (a script that sends no key) its Gradio session. The CLI runs on the machine
itself, so it is the operator. Jobs record their owner as `user:<name>`, `browser:<hash of the key>`,
`session:<hash>` or `cli`: the key itself is never stored or shown, only a hash that cannot be turned back into it.
"""

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from engine.common.errors import NotAllowedError, StudioError
from engine.common.paths import ASSETS_DIR, REPO_ROOT, data_dir, uploads_dir
from engine.common.settings import settings

CLI_OWNER = "cli"
# A browser key is made here with `new_browser_key` (43 characters); a script may bring its own, as long as it is
# as hard to guess: a short key would let anyone who guesses it act as its owner.
MIN_KEY_CHARS = 32


def new_browser_key() -> str:
    """A fresh secret for a browser to keep: whoever holds it owns the jobs and uploads made with it."""
    return secrets.token_urlsafe(32)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Requester:
    """The person behind a request. Neither a user name, a browser key nor a session: the machine's operator (the CLI).

    Args:
        session: the Gradio session hash. It travels in URLs (heartbeats), so anyone who sees one can send it: it
            names only a script's session that brought no key, never a browser's.
        username: the signed-in user (login page or Hugging Face account).
        browser_key: the secret the browser keeps in its local storage, sent with each request that acts.

    Raises:
        StudioError: a browser key shorter than `MIN_KEY_CHARS`.
    """

    session: str | None = None
    username: str | None = None
    browser_key: str | None = field(default=None, repr=False)  # a secret: kept out of logs and tracebacks

    def __post_init__(self) -> None:
        if self.browser_key is not None and len(self.browser_key) < MIN_KEY_CHARS:
            raise StudioError(
                f"the owner key is {len(self.browser_key)} characters long; it must have at least {MIN_KEY_CHARS} "
                "(reload the page for a new one, or send a long random string from a script)"
            )

    @property
    def owner(self) -> str:
        """The owner recorded on the jobs this requester starts."""
        if self.username:
            return f"user:{self.username}"
        if self.browser_key:
            return f"browser:{_digest(self.browser_key)}"
        if self.session:
            return f"session:{self.session}"
        return CLI_OWNER

    @property
    def folder_name(self) -> str:
        """The name of this requester's own folder (uploads): a hash of the owner, so no user name or key shows."""
        return _digest(self.owner)

    @property
    def is_operator(self) -> bool:
        """The CLI, or a signed-in user listed in `STUDIO_OPERATORS`."""
        return self.owner == CLI_OWNER or (self.username is not None and self.username in settings().operators)


OPERATOR = Requester()

# Who is behind the request being served, for checks deep in the engine (`local_path`) that no caller passes a
# requester to. The web app installs a source that reads it from the request; the CLI and the training child have
# none, and act as the operator.
_requester_source: Callable[[], Requester | None] | None = None


def set_requester_source(source: Callable[[], Requester | None]) -> None:
    """Install how to find the requester of the request being served (None when not serving one)."""
    global _requester_source
    _requester_source = source


def current_requester() -> Requester:
    """The requester of the request being served, or the operator outside any request (CLI, training child)."""
    return (_requester_source and _requester_source()) or OPERATOR


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

    Whatever the mode, a path into the uploads folder opens only for the requester who uploaded it.

    Raises:
        NotAllowedError: a path outside the data directory while paths are confined to it, or another requester's
            upload.
        StudioError: a reference that cannot be a path (a NUL byte, a symlink loop).
    """
    path = Path(reference).expanduser()
    try:
        resolved = path.resolve()
    except (ValueError, OSError) as error:  # a NUL byte, a symlink loop: no file can be named so
        raise StudioError(f"{reference!r} is not a usable path: {error}") from None
    _check_upload_owner(reference, resolved)
    if settings().server_paths == "anywhere":
        return path
    if any(resolved.is_relative_to(root) for root in (data_dir(), ASSETS_DIR.resolve())):
        return path
    if reference.startswith(("/", "~", ".")):
        raise NotAllowedError(
            f"{reference}: this server opens only files in its data directory (STUDIO_SERVER_PATHS=data-dir); "
            "upload the file, or give a Hub id"
        )
    return None


class LoginThrottle:
    """Failed logins per user name, with a lock-out that doubles at each failure past `free_tries`, and a bound on
    failures across all names together.

    Gradio's login form may be posted as fast as a script can: without this, a password list is tried at network
    speed. While a name is locked out every attempt is refused unchecked (the right password too), so a guess
    costs the full wait; a success clears the count. One attacker spraying many names gets one or two guesses per
    name for free, so past `global_failures` failures within `window_s`, whatever the names, every attempt is refused
    unchecked until the oldest failure leaves the window: guessing is held to that rate. Kept in memory: a restart
    forgives, which is fine for a throttle. Gradio calls `auth` inside its event loop, so the check never sleeps: it
    refuses at once.

    Args:
        free_tries: failures allowed per name before its first lock-out.
        base_s: the first lock-out, doubled at each further failure up to `max_s`.
        global_failures: failures, all names together, allowed within `window_s`.
        window_s: the span over which `global_failures` are counted.
        clock: the time source (seconds), replaceable in tests.
    """

    def __init__(
        self,
        free_tries: int = 5,
        base_s: float = 1.0,
        max_s: float = 300.0,
        global_failures: int = 100,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if free_tries < 1 or base_s <= 0 or max_s < base_s or global_failures < 1 or window_s <= 0:
            raise ValueError(
                "need free_tries >= 1, 0 < base_s <= max_s, global_failures >= 1 and window_s > 0, not "
                f"{free_tries}, {base_s}, {max_s}, {global_failures}, {window_s}"
            )
        self.free_tries, self.base_s, self.max_s, self.clock = free_tries, base_s, max_s, clock
        self.global_failures, self.window_s = global_failures, window_s
        self._failures: dict[str, tuple[int, float]] = {}  # name -> (failures, locked until)
        self._recent: deque[float] = deque()  # times of the failures within the window, all names
        self._lock = threading.Lock()

    def locked_for(self, username: str) -> float:
        """Seconds until `username` may try again (0: now), by its own failures or by everyone's."""
        now = self.clock()
        with self._lock:
            _, until = self._failures.get(username, (0, 0.0))
            everyone = self._global_wait(now)
        return max(0.0, until - now, everyone)

    def _global_wait(self, now: float) -> float:
        """Seconds until fewer than `global_failures` failures lie in the window (called under the lock)."""
        while self._recent and self._recent[0] <= now - self.window_s:
            self._recent.popleft()
        if len(self._recent) < self.global_failures:
            return 0.0
        return self._recent[0] + self.window_s - now

    def check(self, username: str, password: str, accounts: dict[str, str]) -> bool:
        """Whether `password` is `username`'s in `accounts`, refused unchecked while the name, or every name, is
        locked out."""
        if self.locked_for(username) > 0:
            return False
        expected = accounts.get(username)
        # Compared in constant time, and against a dummy for an unknown name: the answer's timing says nothing.
        good = hmac.compare_digest(password.encode(), (expected if expected is not None else "\0" + password).encode())
        with self._lock:
            if good and expected is not None:
                self._failures.pop(username, None)
                return True
            now = self.clock()
            self._recent.append(now)
            failures = self._failures.get(username, (0, 0.0))[0] + 1
            if len(self._failures) > 10_000:  # names are the client's choice: never let them grow without bound
                self._failures.clear()
            extra = failures - self.free_tries
            until = now + min(self.max_s, self.base_s * 2 ** (extra - 1)) if extra > 0 else 0.0
            self._failures[username] = (failures, until)
        return False


def login_check(
    pairs: tuple[tuple[str, str], ...], throttle: LoginThrottle | None = None
) -> Callable[[str, str], bool]:
    """The `auth=` callable for Gradio's login page: the `STUDIO_AUTH` pairs, tried through a `LoginThrottle`."""
    accounts, throttle = dict(pairs), throttle or LoginThrottle()
    return lambda username, password: throttle.check(username, password, accounts)


def _check_upload_owner(reference: str, resolved: Path) -> None:
    """Refuse a path into another requester's uploads (`uploads/<their folder>/...`), or into the uploads folder
    itself, while serving a request: an upload path seen in a shared job's settings must not open its file."""
    uploads = uploads_dir()
    if not resolved.is_relative_to(uploads):
        return
    requester = current_requester()
    if requester.is_operator:
        return
    parts = resolved.relative_to(uploads).parts
    # A page's own session may open what it uploaded before its browser key arrived (a new visitor's first seconds
    # on a busy server keep the upload as the session's, and the load that follows carries the key). That folder
    # is no wider than before: a request without a key already acts as its session.
    own = {requester.folder_name} | ({_digest(f"session:{requester.session}")} if requester.session else set())
    if not parts or parts[0] not in own:
        raise NotAllowedError(f"{reference}: this upload is someone else's; upload the file yourself to use it")


def may_see_server_paths(owner: str | None, requester: Requester) -> bool:
    """Whether `requester` may see the server paths in a job that `owner` started: its owner and operators may;
    so may everyone where any path may be typed anyway (`STUDIO_SERVER_PATHS=anywhere`: one person's machine)."""
    if settings().server_paths == "anywhere" or requester.is_operator:
        return True
    return owner is not None and owner == requester.owner


@lru_cache(maxsize=8)  # the jobs table hides paths in every cell of every poll: built once per data directory
def _server_path_pattern(data_folder: str) -> re.Pattern:
    roots = sorted({data_folder, str(Path(data_folder).resolve()), str(REPO_ROOT)}, key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, roots)) + r")(?P<rest>/[^\s'\",;)\]]*)?")


def hide_server_paths(value: object) -> object:
    """`value` (a text, or dicts and lists holding texts) with every path inside the data directory or the app's
    folder cut to its last name (`…/reviews.csv`): another visitor sees what a job trained on, not where it lies
    (an upload's folder names its owner)."""
    pattern = _server_path_pattern(str(data_dir()))

    def short(match: re.Match) -> str:
        rest = (match["rest"] or "").rstrip("/")
        return "…/" + rest.rsplit("/", 1)[-1] if rest else "…"

    def hide(item: object) -> object:
        if isinstance(item, str):
            return pattern.sub(short, item)
        if isinstance(item, dict):
            return {key: hide(inner) for key, inner in item.items()}
        if isinstance(item, list | tuple):
            return [hide(inner) for inner in item]
        return item

    return hide(value)
