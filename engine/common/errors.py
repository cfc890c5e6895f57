"""The exceptions that mean "the input is wrong", as opposed to bugs.

Every mistake a user can make (a bad value, a missing column, a file that is not there, an action they may not
take, a Hub that cannot be reached) is raised as a `StudioError` with a precise, one-line message naming the field
or value. The app shows that message with `gr.Error`; the CLI prints it and exits with code 2. Anything else is a
bug: the app logs its traceback with an id and shows an internal error with that id; the CLI exits with code 1.

The subclasses also derive from the built-in exception a caller would expect (`LookupError` for "no such job",
`FileNotFoundError` for "no such file"), so code and tests that catch those keep working.
"""


class StudioError(ValueError):
    """A user mistake, with a message that says what is wrong and, where it can, what to do instead."""


class NotFoundError(StudioError, LookupError):
    """Something named by the user does not exist: a job, a column, a split, a label, a token."""


class MissingFileError(StudioError, FileNotFoundError):
    """A file or folder the user named is not there."""


class NotAllowedError(StudioError):
    """The requester may not do this (training is restricted, or someone else's job)."""


class HubUnreachableError(StudioError, ConnectionError):
    """The Hugging Face Hub cannot be reached (offline mode, no DNS, no route, firewall)."""


# What the CLI and the app treat as the user's mistake. Only `StudioError`: a `KeyError` or `ValueError` from a
# library or a bug is an internal error, logged with its traceback.
USER_ERRORS: tuple[type[Exception], ...] = (StudioError,)
