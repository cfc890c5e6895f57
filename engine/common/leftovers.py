"""What crashed or killed writers leave behind in the data directory, found and removed once it is stale.

Every cache entry and upload is written under a temporary name and renamed into place (`paths.atomic_file`,
`paths.atomic_folder`); `datasets` does the same (`<entry>.incomplete`, `tmp*` files beside a map cache), and so does
a SQL query's Arrow copy (`<fingerprint>.<random>.partial`). A writer killed midway (kill -9, a full disk, a power cut)
leaves that temporary file or folder for ever, and the SQL copies themselves (`cache/datasets/sql/*.arrow`) pile up
one per dataset version. They are removed at server start (`clean_leftovers`) and beside each new atomic write
(`paths.clean_stale_siblings`).

Nothing in use is ever removed: a temporary name that carries its writer's pid is kept while that process lives,
and anything else is kept until it (or, for a folder, the newest file in it) has not changed for `STALE_AFTER_S`. A
SQL copy is touched each time a query uses it, so one in use is never stale.
"""

import logging
import os
import re
import time
from pathlib import Path

from engine.common.paths import STALE_AFTER_S, data_dir, datasets_cache_dir, is_stale, is_temporary, remove_entry

logger = logging.getLogger(__name__)

# In the datasets cache only: a builder's `<entry>.incomplete` folder, the `tmp<random>` file a map writes before its
# rename, a SQL copy's `<fingerprint>.<uuid>.partial`.
_DATASETS_TEMP = re.compile(r"^(?:.+\.incomplete|tmp[\w-]{6,}|.+\.[0-9a-f]{32}\.partial)$")


def _sql_copies(now: float) -> list[Path]:
    folder = datasets_cache_dir() / "sql"
    if not folder.is_dir():
        return []
    stale = []
    for path in folder.glob("*.arrow"):
        try:
            if now - path.stat().st_mtime > STALE_AFTER_S:
                stale.append(path)
        except FileNotFoundError:
            pass
    return stale


def clean_leftovers() -> list[Path]:
    """Remove every stale temporary file or folder under the data directory, and the SQL copies no query has used
    for `STALE_AFTER_S`; return what was removed."""
    now, removed = time.time(), []
    cache = datasets_cache_dir()
    for folder, subfolders, files in os.walk(data_dir()):
        in_cache = Path(folder).is_relative_to(cache)
        for name in list(subfolders) + files:
            path = Path(folder) / name
            ours = is_temporary(path) or (in_cache and _DATASETS_TEMP.match(name) is not None)
            if ours and is_stale(path, now) and remove_entry(path):
                removed.append(path)
                if name in subfolders:
                    subfolders.remove(name)  # gone: nothing to walk into
    removed += [path for path in _sql_copies(now) if remove_entry(path)]
    if removed:
        logger.info("removed %d leftover temporary files and folders from the data directory", len(removed))
    return removed
