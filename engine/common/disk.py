"""A full disk, said in the user's words.

Writing into the data directory (a sample's Arrow cache, a scratch model, a checkpoint) can fail because the disk or
the quota is full. The library that writes reports it in its own way, with this server's paths in the text; the user
needs to know only that the disk is full and that freeing space fixes it.
"""

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from engine.common.errors import StudioError

# A full disk or an exhausted quota: `open`/`write` raise these, possibly wrapped by the library that saves.
NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT}

# Libraries that report a full disk without an errno: safetensors (a Rust IoError, "StorageFull ... No space left
# on device"), PyTorch's zip writer behind torch.save ("PytorchStreamWriter failed writing file ...: file write
# failed", which a short write by a full disk is) and pyarrow ("IOError: ... No space left on device").
NO_SPACE_TEXTS = ("no space left on device", "storagefull", "disk quota exceeded", "file write failed")


class DiskFullError(StudioError, OSError):
    """The disk (or the quota) holding the data directory is full."""


def out_of_space(error: BaseException | None) -> bool:
    """True when the error, or one it was raised from, says the disk or the quota is full."""
    while error is not None:
        if isinstance(error, DiskFullError):
            return True
        if isinstance(error, OSError) and error.errno in NO_SPACE_ERRNOS:
            return True
        if any(text in str(error).lower() for text in NO_SPACE_TEXTS):
            return True
        error = error.__cause__ or error.__context__
    return False


@contextmanager
def disk_full_as_error(doing: str) -> Iterator[None]:
    """Turn a full disk met inside the block into a `DiskFullError` naming what was being done, not where.

    Args:
        doing: what the block writes, in the user's words ("preparing sample 'sentiment'").

    Raises:
        DiskFullError: the block failed because the disk or the quota is full; anything else passes through.
    """
    try:
        yield
    except DiskFullError:
        raise
    except Exception as error:
        if not out_of_space(error):
            raise
        # The library's text names server paths (a leak on a shared Space) and no remedy: say what helps instead.
        message = f"the disk is full in the data directory while {doing}; free some space, then try again"
        full = DiskFullError(message)
        full.errno = errno.ENOSPC  # still an ENOSPC to code that checks (`out_of_space`, the training categories)
        raise full from error
