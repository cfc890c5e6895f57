"""Reaching the Hugging Face Hub, or failing fast with a clear message when it cannot be reached.

The Hub is optional: a Space has it, an offline laptop does not. Every code path that may touch the network
calls `ensure_hub_reachable()` first, so that a missing network is reported in about a second instead of a
long hang inside a download.
"""

import os
import socket
import time
from urllib.parse import urlparse

from engine.common.errors import HubUnreachableError

OFFLINE_CHOICES = (
    "Offline choices: datasets sample:sentiment, sample:paraphrase, sample:topics or a local file/folder; "
    "models scratch:tiny, scratch:small, a local save_pretrained folder or job:<id>."
)
_CONNECT_TIMEOUT_S = 3.0
# Remember a successful check for a while: a page that loads many things should not probe the network each time.
_REACHABLE_TTL_S = 60.0
_last_success = 0.0


def hub_endpoint() -> str:
    """Return the Hub address, honouring `HF_ENDPOINT` (mirrors, private hubs)."""
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def _offline_flag() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def ensure_hub_reachable(what: str) -> None:
    """Raise `HubUnreachableError` within a few seconds if the Hub cannot be reached.

    Args:
        what: what the caller wanted from the Hub, for the message (e.g. "dataset 'imdb'").

    Raises:
        HubUnreachableError: when `HF_HUB_OFFLINE` is set or a TCP connection to the endpoint fails.
    """
    global _last_success
    endpoint = hub_endpoint()
    if _offline_flag():
        raise HubUnreachableError(f"cannot fetch {what}: HF_HUB_OFFLINE is set, so the Hub is off. {OFFLINE_CHOICES}")
    if time.monotonic() - _last_success < _REACHABLE_TTL_S:
        return
    url = urlparse(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname, port), timeout=_CONNECT_TIMEOUT_S).close()
    except OSError as error:
        raise HubUnreachableError(
            f"cannot fetch {what}: the Hugging Face Hub ({endpoint}) is unreachable ({error}). {OFFLINE_CHOICES}"
        ) from error
    _last_success = time.monotonic()
