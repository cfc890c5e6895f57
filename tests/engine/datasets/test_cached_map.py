"""A damaged `datasets.map` cache (the tokenized rows of a training run or a tokenize preview) is detected and
rebuilt, never served: cut inside a record batch it fails every call, cut between two it serves fewer rows."""

import gc
from pathlib import Path

import pyarrow as pa
import pytest

from engine.datasets.sources import load_raw
from engine.datasets.tokenize_preview import PaddingOptions, tokenize_preview
from engine.training.config import TrainConfig
from engine.training.data import prepare_training_data, tokenize_splits

ROWS = 2_500  # three record batches of `map`'s 1,000-row writer


@pytest.fixture
def reviews(tmp_path: Path) -> Path:
    path = tmp_path / "reviews.csv"
    path.write_text(
        "text,label\n" + "".join(f"review {i} says it was {'good' if i % 2 else 'bad'},{i % 2}\n" for i in range(ROWS))
    )
    return path


def _map_caches(folder: Path) -> list[Path]:
    return sorted(folder.rglob("cache-*.arrow"))


def _cut_inside_a_batch(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def _keep_first_batch_only(path: Path) -> None:
    """Cut between two record batches: the file still reads, with fewer rows."""
    with pa.memory_map(str(path)) as source:
        reader = pa.ipc.open_stream(source)
        first, schema = reader.read_next_batch(), reader.schema
    cut = path.with_name(path.name + ".cut")
    with pa.OSFile(str(cut), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        writer.write_batch(first)  # `first` points into the old file's mapping: a new file, then a rename
    cut.replace(path)


def _preview(source: Path, wordpiece_tokenizer):
    split = load_raw(str(source))["train"]
    return tokenize_preview(split, wordpiece_tokenizer, ["text"], PaddingOptions(max_length=16))


@pytest.mark.parametrize("damage", [_cut_inside_a_batch, _keep_first_batch_only])
def test_a_damaged_tokenize_preview_cache_is_rebuilt_not_served(reviews, wordpiece_tokenizer, studio_data_dir, damage):
    first = _preview(reviews, wordpiece_tokenizer)
    gc.collect()  # the cache files are unmapped, as after the request that wrote them
    caches = _map_caches(studio_data_dir / "cache" / "datasets")
    assert caches, "map wrote no cache file"
    for path in caches:
        damage(path)

    again = _preview(reviews, wordpiece_tokenizer)

    assert (
        (again.rows, again.tokens, again.truncated_rows)
        == (first.rows, first.tokens, first.truncated_rows)
        == (
            ROWS,
            first.tokens,
            first.truncated_rows,
        )
    )


def test_a_damaged_cache_of_tokenized_training_data_is_rebuilt_not_served(
    reviews, wordpiece_tokenizer, studio_data_dir
):
    config = TrainConfig(dataset=str(reviews), model="scratch:tiny")
    before = tokenize_splits(prepare_training_data(config), wordpiece_tokenizer, 16, ("train", "validation"))
    rows = {name: len(split) for name, split in before.items()}
    del before
    gc.collect()
    for path in _map_caches(studio_data_dir / "cache" / "datasets"):
        _keep_first_batch_only(path)

    after = tokenize_splits(prepare_training_data(config), wordpiece_tokenizer, 16, ("train", "validation"))

    assert {name: len(split) for name, split in after.items()} == rows
    assert sum(rows.values()) == ROWS
