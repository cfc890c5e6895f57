"""One place where engine errors become messages in the page."""

import functools
import logging
from collections.abc import Callable

import gradio as gr

from engine.common.errors import USER_ERRORS

logger = logging.getLogger(__name__)


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
        except Exception as error:  # a bug: keep the traceback in the server log, give the page a short message
            logger.exception("%s failed", fn.__name__)
            raise gr.Error(
                f"Unexpected error ({type(error).__name__}): {error}. Details are in the server log."
            ) from error

    return wrapper
