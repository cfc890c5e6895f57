"""Fixtures shared by every test: an isolated data directory, tiny datasets and a way to keep the Hub out of reach.

Nothing here touches the network, and nothing writes into the repository: every test gets its own
`STUDIO_DATA_DIR` (the training child of a CLI test inherits it through the environment).
"""

import csv
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from datasets import Dataset, DatasetDict
from datasets.utils.logging import disable_progress_bar

import engine.common.hub
from engine.jobs.store import JobStore
from engine.models.scratch import train_wordpiece

disable_progress_bar()  # keeps pytest's captured output readable

POSITIVE_WORDS = ["great", "lovely", "superb", "charming", "delightful", "wonderful"]
NEGATIVE_WORDS = ["awful", "dreadful", "boring", "clumsy", "tedious", "terrible"]
THINGS = ["film", "meal", "hotel", "concert", "book"]


def review_rows(count: int) -> dict[str, list[str]]:
    """`count` short reviews alternating positive / negative, each with its own words: easy to learn, no randomness."""
    texts, labels = [], []
    for i in range(count):
        label = "positive" if i % 2 == 0 else "negative"
        words = POSITIVE_WORDS if label == "positive" else NEGATIVE_WORDS
        texts.append(f"a {words[i % len(words)]} {THINGS[i % len(THINGS)]}, truly {words[(i + 1) % len(words)]}")
        labels.append(label)
    return {"text": texts, "label": labels}


@pytest.fixture(autouse=True)
def studio_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point `STUDIO_DATA_DIR` at a fresh folder, so jobs, caches and scratch models never land in the repo."""
    folder = tmp_path / "studio-data"
    monkeypatch.setenv("STUDIO_DATA_DIR", str(folder))
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    return folder


@pytest.fixture
def store(studio_data_dir: Path) -> JobStore:
    """The job database of this test's own data directory."""
    return JobStore()


@pytest.fixture(scope="session")
def write_csv() -> Callable[[Path, dict[str, list]], Path]:
    """Return a function writing columns (name -> values) to a CSV file, creating its folder."""

    def write(path: Path, columns: dict[str, list]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(zip(*columns.values(), strict=True))
        return path

    return write


@pytest.fixture(scope="session")
def tiny_csv_folder(tmp_path_factory: pytest.TempPathFactory, write_csv) -> Path:
    """A folder with `train.csv` (60 rows) and `test.csv` (12 rows): string labels, no validation split.

    Shared by the whole session (the CLI tests train on it once): treat it as read-only.
    """
    folder = tmp_path_factory.mktemp("reviews")
    write_csv(folder / "train.csv", review_rows(60))
    write_csv(folder / "test.csv", review_rows(12))
    return folder


@pytest.fixture
def tiny_dataset() -> DatasetDict:
    """The tiny reviews as an in-memory train split: 60 rows, labels `positive` / `negative` as strings."""
    return DatasetDict({"train": Dataset.from_dict(review_rows(60))})


@pytest.fixture(scope="session")
def pair_rows() -> dict[str, list[str]]:
    """Twenty sentence pairs labelled `equivalent` / `not_equivalent`, in the `sentence1` / `sentence2` layout."""
    first = ["the museum opens at nine", "the train leaves at noon", "the shop sells fresh bread", "rain is expected"]
    same = ["at nine the museum opens", "at noon the train departs", "fresh bread is sold at the shop", "it will rain"]
    other = ["the zoo closes at five", "the bus is late", "the shop is closed", "the sky is clear"]
    rows: dict[str, list[str]] = {"sentence1": [], "sentence2": [], "label": []}
    for i in range(20):
        equivalent = i % 2 == 0
        rows["sentence1"].append(first[i % 4])
        rows["sentence2"].append(same[i % 4] if equivalent else other[i % 4])
        rows["label"].append("equivalent" if equivalent else "not_equivalent")
    return rows


@pytest.fixture
def pair_dataset(pair_rows) -> DatasetDict:
    """The sentence pairs as an in-memory train split."""
    return DatasetDict({"train": Dataset.from_dict(pair_rows)})


@pytest.fixture(scope="session")
def pair_csv_folder(tmp_path_factory: pytest.TempPathFactory, write_csv, pair_rows) -> Path:
    """The sentence pairs as a folder holding a single `train.csv` (read-only, shared by the session)."""
    folder = tmp_path_factory.mktemp("pairs")
    write_csv(folder / "train.csv", pair_rows)
    return folder


@pytest.fixture
def corpus(pair_rows) -> list[str]:
    """A few dozen short texts: enough for a WordPiece tokenizer to learn whole words."""
    return review_rows(60)["text"] + pair_rows["sentence1"] + pair_rows["sentence2"]


@pytest.fixture
def wordpiece_tokenizer(corpus):
    """A BERT-style tokenizer trained on `corpus` (milliseconds; nothing written to disk)."""
    return train_wordpiece(corpus, vocab_size=300)


@pytest.fixture
def hub_unreachable(monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the Hub unreachable without the offline flag: `HF_ENDPOINT` is a local port nothing listens on.

    Returns the endpoint, so a test can check that the message names it.
    """
    with socket.socket() as probe:  # bind then close: the port is free, so connecting is refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setattr(engine.common.hub, "_last_success", 0.0)  # forget any earlier successful check
    return endpoint
