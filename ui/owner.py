"""Who is behind a request: the signed-in user, else the secret key this browser keeps across reloads.

Gradio's session hash is no owner: it changes at every reload (so a visitor lost their own jobs) and it travels in
heartbeat URLs (so whoever saw one could act as its session). Each browser instead keeps a random key in its local
storage (`gr.BrowserState`), made on the server at its first visit and sent with every request that acts (start,
stop, delete, upload). Only a hash of it is ever recorded (`engine.common.access.Requester.owner`). A script that
sends no key is the one case where the session names the owner: it has no page to reload, and it may send a key of
its own (`owner_key=`) to keep its jobs across sessions.
"""

from pathlib import Path

import gradio as gr
from gradio.context import LocalContext
from gradio.helpers import _session_from_request
from gradio.oauth import _get_valid_oauth_info_from_session
from gradio.utils import get_upload_folder

from engine.common.access import MIN_KEY_CHARS, Requester, new_browser_key

# Where the key lives in the browser's local storage. BrowserState encrypts it with `secret`, but that secret is
# sent to every page in its config: the protection is the key's own randomness, not this.
STORAGE_KEY = "finetune-studio-owner-key"
STORAGE_SECRET = "finetune-studio"
# The same key as a cookie, set by the page on load, so that every request carries it: the ones with no key input
# too (loading a dataset by its upload path), for `engine.common.access.current_requester`.
COOKIE = "finetune-studio-owner"
SET_COOKIE_JS = f"(key) => {{ document.cookie = `{COOKIE}=${{key}}; path=/; SameSite=Strict; max-age=31536000`; }}"


def owner_key_state() -> gr.BrowserState:
    """The browser's owner key, to pass as the last input of every listener that acts for its owner."""
    return gr.BrowserState(None, storage_key=STORAGE_KEY, secret=STORAGE_SECRET)


def keep_or_make_key(key: str | None) -> str:
    """On page load: the key the browser already keeps, or a new one (first visit, or storage cleared)."""
    return key if isinstance(key, str) and len(key) >= MIN_KEY_CHARS else new_browser_key()


def requester(owner_key: str | None, request: gr.Request | None, profile: gr.OAuthProfile | None) -> Requester:
    """The person behind a request: the Hugging Face account signed in, else the login user, else the browser's key,
    else (a script without a key) its session.

    Without a request (a direct call, not through the server) it is an anonymous session, never the operator.
    """
    username = profile.username if profile is not None else getattr(request, "username", None)
    return Requester(
        session=getattr(request, "session_hash", None) or "anonymous",
        username=username or None,
        browser_key=owner_key or _cookie_key(request) or None,
    )


def _cookie_key(request: gr.Request | None) -> str | None:
    cookies = getattr(request, "cookies", None) if request is not None else None
    return cookies.get(COOKIE) if cookies else None


def requester_of_current_request() -> Requester | None:
    """The requester of the event being processed in this thread (Gradio's request context), None outside one."""
    request = LocalContext.request.get(None)
    if request is None:
        return None
    # A Hugging Face sign-in lives in the session, where Gradio finds it for a listener's `gr.OAuthProfile`
    # parameter: read the same way, so that a path check names the same owner as the listener that kept the upload.
    oauth_info = _get_valid_oauth_info_from_session(_session_from_request(request))
    profile = gr.OAuthProfile(oauth_info["userinfo"]) if oauth_info else None
    return requester(None, request, profile)


def discard_received(path: Path) -> None:
    """Delete the web server's own copy of a received upload, kept or refused: Gradio serves its cache to anyone
    with a file's URL, and a refused file must leave nothing behind. Files outside that cache are left alone."""
    if path.resolve().is_relative_to(Path(get_upload_folder()).resolve()):
        path.unlink(missing_ok=True)
