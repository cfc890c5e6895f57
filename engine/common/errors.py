"""The exceptions that mean "the input is wrong" (shown to the user as a one-line message), as opposed to bugs."""

from engine.common.hub import HubUnreachableError

# The engine raises ordinary exceptions with precise messages; the CLI turns these into exit code 2 and the app
# into a `gr.Error`. Anything else is a bug and keeps its traceback (in logs, not in the page).
USER_ERRORS: tuple[type[Exception], ...] = (ValueError, FileNotFoundError, LookupError, HubUnreachableError)
