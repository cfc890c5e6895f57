"""The process a user's data file is parsed in (`python -m engine.datasets.file_child`), so that a crash or a runaway
of the parser cannot take the server.

pyarrow's readers can crash the process on a hostile file (a JSON record nested deep overflows the stack) or fill the
memory (a Parquet zstd bomb whose footer understates its size). This child reads one request (the `datasets` packaged
builder, the data files, its options, the cache folder), limits its own memory, and converts the files into the
`datasets` Arrow cache: `download_and_prepare` writes the entry into a `.incomplete` folder and renames it into
place when it is whole (CoNLL-style files: parsed by `engine.datasets.conll`, saved with `save_to_disk` the same
way). The server then only memory-maps the finished Arrow files (`engine.datasets.file_reading`).
"""

from pathlib import Path

from datasets import DownloadMode, disable_progress_bars, load_dataset_builder

from engine.common.disk import out_of_space
from engine.common.errors import StudioError
from engine.datasets.children import answer_on_stdout, limit_memory
from engine.datasets.conll import CONLL_BUILDER, write_conll_entry


def prepare(request: dict) -> dict:
    """Convert the request's files into the Arrow cache; answer `{}`, or what went wrong.

    Returns:
        `{}` when the cache entry is in place; `{"memory": True}` when the parser needed more than its limit;
        `{"disk_full": True}` when the disk is full; `{"error": text}` for a file the parser refuses.
    """
    try:
        if request["builder"] == CONLL_BUILDER:
            write_conll_entry(request["files"], Path(request["cache_dir"]))
            return {}
        builder = load_dataset_builder(
            request["builder"], data_files=request["files"], cache_dir=request["cache_dir"], **request["options"]
        )
        mode = DownloadMode.FORCE_REDOWNLOAD if request["force"] else DownloadMode.REUSE_DATASET_IF_EXISTS
        builder.download_and_prepare(download_mode=mode)
    except StudioError as error:  # the CoNLL reader's own message names the file and the line
        return {"error": str(error)}
    except Exception as error:  # datasets raises many types for unreadable files; the server names the file
        if out_of_memory(error):
            return {"memory": True}
        if out_of_space(error):
            return {"disk_full": True}
        return {"error": f"{type(error).__name__}: {error}"}
    return {}


def out_of_memory(error: BaseException | None) -> bool:
    """True when the error, or one it was raised from, is a refused allocation (datasets wraps the parser's
    `MemoryError`, pyarrow's `ArrowMemoryError` among them, in a `DatasetGenerationError`)."""
    while error is not None:
        if isinstance(error, MemoryError):
            return True
        error = error.__cause__ or error.__context__
    return False


def main() -> None:
    disable_progress_bars()  # nobody reads the child's stderr but its last line

    def work(request: dict) -> dict:
        limit_memory(request["memory_mb"])  # after the imports: the bound is on reading, not on starting
        return prepare(request)

    answer_on_stdout(work)


if __name__ == "__main__":
    main()
