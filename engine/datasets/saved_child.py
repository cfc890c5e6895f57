"""The process a `save_to_disk` folder is checked in (`python -m engine.datasets.saved_child`) before the server
memory-maps it.

The server opens such a folder's Arrow files as they are, without reading them: a damaged or hostile file (offsets
that point past its data, a truncated batch, a schema of a million columns) then crashes or fills the server at the
first page read. This child opens the folder as `load_from_disk` does, under a memory limit, and validates every
value's layout (`validate(full=True)`: offsets, lengths, UTF-8), so that what the server reads afterwards is whole.
"""

from pathlib import Path

from datasets import Dataset, disable_progress_bars, load_from_disk

from engine.common.disk import out_of_space
from engine.datasets.children import answer_on_stdout, limit_memory
from engine.datasets.file_child import out_of_memory


def check(request: dict) -> dict:
    """Open and validate the request's folder; answer its column counts by split, or what went wrong.

    Returns:
        `{"columns": {split: count}}` when every split is whole; `{"memory": True}` when opening it needed more than
        the limit; `{"error": text}` for a folder that cannot be read, a data file outside the folder or a value that
        does not fit its column's layout.
    """
    folder = Path(request["folder"]).resolve()
    try:
        loaded = load_from_disk(str(folder))
        splits = {"train": loaded} if isinstance(loaded, Dataset) else dict(loaded)
        for name, split in splits.items():
            _check_split(folder, name, split)
    except Exception as error:  # pyarrow and datasets raise many types for damaged files; the server names the folder
        if out_of_memory(error):
            return {"memory": True}
        if out_of_space(error):
            return {"disk_full": True}
        return {"error": f"{type(error).__name__}: {error}"}
    return {"columns": {name: len(split.column_names) for name, split in splits.items()}}


def _check_split(folder: Path, name: str, split: Dataset) -> None:
    for cache_file in split.cache_files:
        # `state.json` names its files and `dataset_dict.json` its split folders: neither may lead out of the folder.
        if not Path(cache_file["filename"]).resolve().is_relative_to(folder):
            raise ValueError(f"the {name} split reads {cache_file['filename']}, outside the folder")
    split.data.table.validate(full=True)


def main() -> None:
    disable_progress_bars()

    def work(request: dict) -> dict:
        limit_memory(request["memory_mb"])  # after the imports: the bound is on opening the folder, not on starting
        return check(request)

    answer_on_stdout(work)


if __name__ == "__main__":
    main()
