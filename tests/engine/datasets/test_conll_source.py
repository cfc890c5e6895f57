"""CoNLL-style files open as a dataset (`tokens`, `ner_tags` as ClassLabel) through the limited reading child."""

from pathlib import Path

import pytest

import engine.datasets.file_reading
from engine.common.errors import MissingFileError, StudioError
from engine.datasets.conll import conll_dataset, tag_order
from engine.datasets.session import DatasetRef, open_dataset
from engine.datasets.sources import load_raw
from engine.tasks.registry import infer_task

CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC

Peter\tB-PER
Blackburn\tI-PER
"""


def _write(path: Path, text: str = CONLL) -> Path:
    path.write_text(text)
    return path


def test_a_conll_file_opens_as_tokens_and_class_label_tags_through_the_child(tmp_path, monkeypatch):
    children = []
    original = engine.datasets.file_reading.run_child
    monkeypatch.setattr(
        engine.datasets.file_reading, "run_child", lambda *a, **k: children.append(a[0]) or original(*a, **k)
    )
    splits = load_raw(str(_write(tmp_path / "news.conll")))
    train = splits["train"]
    assert children == ["engine.datasets.file_child"]  # parsed in the reading child, not in the server
    assert train["tokens"] == [["EU", "rejects", "German"], ["Peter", "Blackburn"]]
    names = train.features["ner_tags"].feature.names
    assert names == ["O", "B-MISC", "B-ORG", "B-PER", "I-PER"]
    assert [[names[i] for i in tags] for tags in train["ner_tags"]] == [["B-ORG", "O", "B-MISC"], ["B-PER", "I-PER"]]
    assert infer_task(splits).name == "token-classification"
    load_raw(str(tmp_path / "news.conll"))
    assert len(children) == 1  # the same file again: from the cache, no child


def test_a_txt_file_is_read_as_conll_only_when_chosen_with_the_conll_prefix(tmp_path):
    path = _write(tmp_path / "news.txt")
    with pytest.raises(StudioError, match=r"only in CoNLL layout.*write the source as conll:"):
        load_raw(str(path))
    assert load_raw(f"conll:{path}")["train"].num_rows == 2
    with pytest.raises(MissingFileError, match="no such file or folder"):
        load_raw(f"conll:{tmp_path / 'missing.txt'}")


def test_a_folder_of_conll_files_gives_splits_sharing_one_tag_list(tmp_path):
    _write(tmp_path / "train.conll")
    _write(tmp_path / "validation.conll", "Ada B-PER\nsang O\nin O\nOslo B-LOC\n")
    splits = load_raw(str(tmp_path))
    assert list(splits) == ["train", "validation"]
    assert splits["train"].features == splits["validation"].features
    assert "B-LOC" in splits["train"].features["ner_tags"].feature.names


def test_a_malformed_line_is_named_by_file_and_line_and_nothing_is_cached(tmp_path):
    path = _write(tmp_path / "broken.conll", "EU B-ORG\n\nPeter B-PER\nlonely\n")
    with pytest.raises(StudioError, match=r"broken.conll.*line 4 of broken.conll: 'lonely' has a word and no tag"):
        load_raw(str(path))
    _write(path, "EU B-ORG\n\nPeter B-PER\nlonely O\n")  # fixed: read again, not a stale refusal
    assert load_raw(str(path))["train"]["tokens"][1] == ["Peter", "lonely"]


def test_bytes_that_are_not_utf8_and_an_empty_file_are_refused_by_name(tmp_path):
    latin = tmp_path / "latin.conll"
    latin.write_bytes("EU B-ORG\ncaf\xe9 O\n".encode("latin-1"))
    with pytest.raises(StudioError, match=r"latin.conll is not UTF-8 text: byte 0xe9 .*\(line 2\)"):
        load_raw(str(latin))
    with pytest.raises(StudioError, match="empty"):
        load_raw(str(_write(tmp_path / "empty.conll", "")))


def test_an_opened_conll_file_is_read_again_after_an_edit(tmp_path):
    path = _write(tmp_path / "news.conll")
    ref = DatasetRef(source=f"conll:{path}")
    assert open_dataset(ref)["train"].num_rows == 2
    path.write_text(CONLL + "\nAda B-PER\n")
    assert open_dataset(ref)["train"].num_rows == 3


def test_tags_are_ordered_o_first_then_by_type_and_other_tags_last():
    assert tag_order({"I-PER", "B-PER", "O", "B-LOC", "NN"}) == ["O", "B-LOC", "B-PER", "I-PER", "NN"]


def test_the_dataset_builder_reads_several_files_of_one_split_in_order(tmp_path):
    first = _write(tmp_path / "a.conll", "EU B-ORG\n")
    second = _write(tmp_path / "b.conll", "Ada B-PER\n")
    split = conll_dataset({"train": [str(first), str(second)]})["train"]
    assert split["tokens"] == [["EU"], ["Ada"]]
