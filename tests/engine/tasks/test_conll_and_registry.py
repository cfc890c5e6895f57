import pytest
from datasets import Dataset

from engine.common.errors import NotFoundError, StudioError
from engine.datasets.sources import load_raw, sample_sources
from engine.tasks.base import Task
from engine.tasks.conll import parse_conll, read_conll
from engine.tasks.registry import get_task, infer_task, task_names

CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC

Peter\tB-PER
Blackburn\tI-PER
"""


def test_the_conll_reader_keeps_word_and_last_column_and_skips_docstart(tmp_path):
    path = tmp_path / "train.conll"
    path.write_text(CONLL)
    split = read_conll(path)
    assert split["tokens"] == [["EU", "rejects", "German"], ["Peter", "Blackburn"]]
    assert split["ner_tags"] == [["B-ORG", "O", "B-MISC"], ["B-PER", "I-PER"]]
    assert infer_task(split).name == "token-classification"


def test_the_conll_reader_names_a_line_without_a_tag_and_refuses_an_empty_file(tmp_path):
    with pytest.raises(StudioError, match=r"line 2 of the file: 'lonely' has a word and no tag"):
        parse_conll("EU B-ORG\nlonely\n")
    with pytest.raises(StudioError, match="holds no sentence"):
        parse_conll("-DOCSTART- O\n\n")
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\xe9 O\n".encode("latin-1"))
    with pytest.raises(StudioError, match="not UTF-8"):
        read_conll(path)


def test_every_registered_task_implements_the_protocol_and_is_found_by_name():
    assert task_names() == [
        "question-answering",
        "token-classification",
        "multi-label-classification",
        "regression",
        "text-classification",
    ]
    for name in task_names():
        task = get_task(name)
        assert isinstance(task, Task) and task.name == name and task.best_metric in task.metric_names
    with pytest.raises(NotFoundError, match="unknown task 'ner'; tasks are question-answering"):
        get_task("ner")


@pytest.mark.parametrize(
    ("sample", "task"),
    [
        ("sentiment", "text-classification"),
        ("paraphrase", "text-classification"),
        ("tags", "multi-label-classification"),
        ("similarity", "regression"),
        ("entities", "token-classification"),
        ("questions", "question-answering"),
    ],
)
def test_each_bundled_sample_infers_its_task(sample, task):
    assert infer_task(load_raw(f"sample:{sample}")).name == task


def test_the_tabs_list_the_classification_samples_and_every_sample_loads_by_name():
    assert "sample:entities" not in sample_sources() and "sample:entities" in sample_sources(None)
    assert sample_sources("regression") == ["sample:similarity"]


def test_layouts_infer_their_task_and_unknown_columns_are_refused_naming_them():
    assert infer_task(Dataset.from_dict({"text": ["a"], "labels": ["x;y"]})).name == "multi-label-classification"
    assert infer_task(Dataset.from_dict({"text": ["a"], "labels": ["x"]})).name == "text-classification"
    assert infer_task(Dataset.from_dict({"text": ["a"], "a": [0], "b": [1]})).name == "multi-label-classification"
    assert infer_task(Dataset.from_dict({"text": ["a"], "label": [0.5]})).name == "regression"
    assert infer_task(Dataset.from_dict({"text": ["a"], "label": [1]})).name == "text-classification"
    with pytest.raises(StudioError, match="no task reads the columns body, stars"):
        infer_task(Dataset.from_dict({"body": ["a"], "stars": ["x"]}))
