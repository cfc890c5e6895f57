"""The process a streaming sample of a Hub dataset is read in (`python -m engine.datasets.hub_sample_child`).

Streaming parses the Hub's files as they arrive, and a file published on the Hub is as untrusted as an upload: this
child takes the first rows under a memory limit and writes them with `save_to_disk` into a folder the server named,
which the server then reads into memory (`engine.datasets.hub_sample`). A crash or a runaway costs the child.
"""

from datasets import Dataset, disable_progress_bars, load_dataset

from engine.common.disk import out_of_space
from engine.datasets.children import answer_on_stdout, limit_memory
from engine.datasets.file_child import out_of_memory


def take(request: dict) -> dict:
    """Write the first `rows` rows of the request's split into `folder`; answer `{}`, or what went wrong.

    Returns:
        `{}` when the folder holds the sample; `{"memory": True}`, `{"disk_full": True}`, `{"unreachable": text}`
        when the Hub could not be reached, or `{"error": text}` (an unknown dataset, config or split).
    """
    try:
        stream = load_dataset(
            request["dataset_id"],
            request["config"],
            split=request["split"],
            revision=request["revision"],
            streaming=True,
        )
        rows = list(stream.take(request["rows"]))
        if not rows:  # `save_to_disk` would write no Arrow file at all
            return {"error": f"split {request['split']!r} has no rows"}
        Dataset.from_list(rows, features=stream.features).save_to_disk(request["folder"])
    except ConnectionError as error:
        return {"unreachable": str(error)}
    except Exception as error:  # unknown id or split, gated dataset, an unreadable file: the message names it
        if out_of_memory(error):
            return {"memory": True}
        if out_of_space(error):
            return {"disk_full": True}
        return {"error": f"{type(error).__name__}: {error}"}
    return {}


def main() -> None:
    disable_progress_bars()

    def work(request: dict) -> dict:
        limit_memory(request["memory_mb"])
        return take(request)

    answer_on_stdout(work)


if __name__ == "__main__":
    main()
