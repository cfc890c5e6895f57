"""One place where engine errors become messages in the page.

A `StudioError` is the user's mistake: the page shows its one-line message. Anything else is a bug: its traceback
goes to the server log under a short incident id, and the page shows only that id, never the exception's type or
text (which can hold paths or internals).
"""

import functools
import logging
import secrets
from collections.abc import Callable

import gradio as gr

from engine.common.errors import USER_ERRORS

logger = logging.getLogger(__name__)


def incident_id() -> str:
    """A short random id that ties the page's message to the traceback in the server log."""
    return secrets.token_hex(4)


def shows_errors(fn: Callable) -> Callable:
    """Wrap a listener so that wrong input shows as a `gr.Error` with the engine's message, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except USER_ERRORS as error:
            raise gr.Error(str(error), print_exception=False) from error
        except Exception as error:  # a bug: keep the traceback in the server log, give the page only an id
            incident = incident_id()
            logger.exception("%s failed [%s]", fn.__name__, incident)
            raise gr.Error(
                f"Internal error {incident}: this is a bug in the app, not a problem with your input. "
                "Details are in the server log under that id.",
                print_exception=False,
            ) from error

    return wrapper
