"""A Hub dataset is downloaded as files and parsed like an upload, in a child process with the same limits: a hostile
file published on the Hub costs that child, never the server. The Hub cannot be reached here, so `snapshot_download`
returns a local folder laid out like the repository it would have fetched."""

from pathlib import Path

import pytest
from datasets import Dataset
from datasets.builder import DatasetBuilder

import engine.datasets.hub_files
import engine.datasets.hub_sample
import engine.datasets.sources
from engine.common.errors import StudioError
from engine.common.paths import datasets_cache_dir
from engine.datasets.hub_sample import stream_sample
from engine.datasets.sources import load_raw

README = """---
configs:
- config_name: reviews
  data_files:
  - split: train
    path: reviews/train-*.csv
  - split: test
    path: reviews/test-*.csv
- config_name: hostile
  data_files:
  - split: train
    path: hostile/*.jsonl
---
# A dataset card
"""


@pytest.fixture
def hub(tmp_path, monkeypatch) -> dict:
    """A Hub that answers every repository with the folder `repositories[id]`, recording what was asked."""
    repositories: dict[str, Path] = {}
    asked: list[dict] = []

    def snapshot_download(repo_id: str, **options) -> str:
        asked.append({"repo_id": repo_id, **options})
        return str(repositories[repo_id])

    monkeypatch.setattr(engine.datasets.hub_files, "snapshot_download", snapshot_download)
    monkeypatch.setattr(engine.datasets.sources, "ensure_hub_reachable", lambda what: None)
    return {"repositories": repositories, "asked": asked, "root": tmp_path}


def _repository(hub: dict, dataset_id: str) -> Path:
    folder = hub["root"] / dataset_id.replace("/", "--")
    folder.mkdir(parents=True)
    hub["repositories"][dataset_id] = folder
    return folder


def _reviews_repository(hub: dict) -> Path:
    folder = _repository(hub, "someone/reviews")
    (folder / "README.md").write_text(README)
    (folder / "reviews").mkdir()
    (folder / "reviews" / "train-00000.csv").write_text("text,label\n" + "good,1\nbad,0\n" * 10)
    (folder / "reviews" / "test-00000.csv").write_text("text,label\nfine,1\n")
    (folder / "hostile").mkdir()
    (folder / "hostile" / "deep.jsonl").write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    return folder


@pytest.fixture
def no_parsing_here(monkeypatch) -> list:
    calls = []
    original = DatasetBuilder.download_and_prepare
    monkeypatch.setattr(
        DatasetBuilder, "download_and_prepare", lambda self, *a, **k: calls.append(1) or original(self, *a, **k)
    )
    return calls


def test_a_hostile_file_of_a_hub_dataset_crashes_its_child_not_the_server(hub, no_parsing_here, monkeypatch):
    # Before: load_dataset parsed the Hub's files in the server: this record killed it with SIGSEGV.
    _reviews_repository(hub)
    monkeypatch.setenv("STUDIO_MAX_JSON_DEPTH", "1000000")  # past the depth scan: the parser's own crash is met
    with pytest.raises(StudioError, match=r"Hub dataset 'someone/reviews' \(config 'hostile'\) crashed its reader"):
        load_raw("someone/reviews", "hostile")
    assert no_parsing_here == []


def test_a_hub_file_over_a_bound_is_refused_before_any_parser_reads_it(hub, no_parsing_here):
    _reviews_repository(hub)
    with pytest.raises(StudioError, match=r"deep.jsonl.*nest.*STUDIO_MAX_JSON_DEPTH"):
        load_raw("someone/reviews", "hostile")


def test_a_hub_dataset_loads_its_config_at_its_revision_parsed_in_a_child(hub, no_parsing_here):
    _reviews_repository(hub)
    loaded = load_raw("someone/reviews", "reviews", revision="v1.0")

    assert {name: split.num_rows for name, split in loaded.items()} == {"train": 20, "test": 1}
    assert loaded["test"][0] == {"text": "fine", "label": 1}
    assert no_parsing_here == []
    card, data = hub["asked"]  # the card first, then only the files its `configs:` give this configuration
    for asked in (card, data):
        assert (
            asked["repo_id"] == "someone/reviews" and asked["revision"] == "v1.0" and asked["repo_type"] == "dataset"
        )
    assert card["allow_patterns"] == ["README.md", "*.py"]
    assert "README.md" in data["allow_patterns"] and "hostile/*.jsonl" not in data["allow_patterns"]
    assert "*.parquet" not in data["allow_patterns"]  # not every data file of the repository


def test_a_hub_dataset_without_configs_in_its_card_fetches_its_data_files_by_format(hub, no_parsing_here, monkeypatch):
    monkeypatch.setattr(engine.datasets.sources, "require_hub_config", lambda *args: None)  # lists configs online
    folder = _repository(hub, "someone/plain")
    (folder / "train.csv").write_text("text,label\n" + "good,1\nbad,0\n" * 5)
    loaded = load_raw("someone/plain")

    assert loaded["train"].num_rows == 10
    assert "*.csv" in hub["asked"][-1]["allow_patterns"] and "*.parquet" in hub["asked"][-1]["allow_patterns"]


def test_a_hub_dataset_built_by_a_loading_script_is_refused_not_run(hub):
    folder = _repository(hub, "someone/scripted")
    (folder / "scripted.py").write_text("raise SystemExit('a loading script must never run')\n")
    with pytest.raises(
        StudioError, match=r"'someone/scripted' \(config 'default'\) is built by a loading script \(scripted.py\)"
    ):
        load_raw("someone/scripted", "default")


def test_a_hub_dataset_in_a_format_the_child_cannot_read_is_refused(hub):
    folder = _repository(hub, "someone/texts")
    (folder / "train.txt").write_text("a line\n")
    with pytest.raises(StudioError, match=r"'someone/texts'.*(stores its data as|cannot read).*"):
        load_raw("someone/texts", "default")


def test_a_streaming_sample_is_parsed_in_a_child_and_a_hostile_file_crashes_only_that(tmp_path, monkeypatch):
    # The child streams with `load_dataset(id, streaming=True)`, which reads a local folder laid out like the
    # repository as it would the Hub's. Before: the stream was parsed in the server, and this record killed it.
    for module in (engine.datasets.hub_sample, engine.datasets.sources):
        monkeypatch.setattr(module, "ensure_hub_reachable", lambda what: None)
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    (hostile / "train.jsonl").write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    reviews = tmp_path / "reviews"
    reviews.mkdir()
    (reviews / "train.csv").write_text("text,label\n" + "good,1\nbad,0\n" * 10)
    monkeypatch.setattr(Dataset, "from_list", pytest.fail)  # no row of it is made in this process

    with pytest.raises(StudioError, match=r"streaming sample of Hub dataset .* crashed its reader \(SIGSEGV\)"):
        stream_sample(str(hostile), None, "train", 5)
    sample = stream_sample(str(reviews), None, "train", 3)

    assert sample["train"].to_dict() == {"text": ["good", "bad", "good"], "label": [1, 0, 1]}
    assert not any((datasets_cache_dir() / "hub-samples").iterdir())  # the child's folder is gone once read
    with pytest.raises(StudioError, match=r"cannot stream Hub dataset .*split 'test'"):
        stream_sample(str(reviews), None, "test", 3)
