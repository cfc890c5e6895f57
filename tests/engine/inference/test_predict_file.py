"""engine.inference.predict_file:

A table in, the same table with the model's answers out; bad files named precisely."""

import json
from pathlib import Path

import pandas as pd
import pytest

from engine.inference.predict_file import FilePrediction, predict_file
from tests.conftest import review_rows
from tests.tiny_models import biased_classifier, favoured_probability

LABELS = ["positive", "negative"]


@pytest.fixture(scope="module")
def always_negative(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(biased_classifier(tmp_path_factory.mktemp("file-models") / "always-negative", LABELS, favour=1))


def test_a_csv_comes_back_with_the_label_the_confidence_and_one_probability_per_label(always_negative, tmp_path):
    source = tmp_path / "reviews.csv"
    pd.DataFrame({"id": range(12), "review": review_rows(12)["text"]}).to_csv(source, index=False)
    output = tmp_path / "out" / "predicted.csv"
    progress = []

    predict_file(
        FilePrediction(source, "review", output, batch_size=5),
        always_negative,
        lambda done, total: progress.append(done),
    )

    table = pd.read_csv(output)
    assert list(table.columns) == ["id", "review", "predicted_label", "confidence", "prob_positive", "prob_negative"]
    assert table["id"].tolist() == list(range(12)) and table["review"].tolist() == review_rows(12)["text"]
    assert set(table["predicted_label"]) == {"negative"}
    assert table["prob_negative"].tolist() == pytest.approx([favoured_probability(2)] * 12, abs=1e-5)
    assert (table["prob_positive"] + table["prob_negative"]).tolist() == pytest.approx([1.0] * 12, abs=1e-5)
    assert progress == [5, 10, 12]


def test_jsonl_pairs_are_read_and_written_as_jsonl(always_negative, tmp_path):
    source = tmp_path / "pairs.jsonl"
    rows = [{"a": "the museum opens at nine", "b": "at nine it opens"}, {"a": "rain", "b": "sun"}]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    output = tmp_path / "pairs-predicted.jsonl"

    predict_file(FilePrediction(source, "a", output, pair_column="b"), always_negative)

    written = [json.loads(line) for line in output.read_text().splitlines()]
    assert [row["a"] for row in written] == ["the museum opens at nine", "rain"]
    assert all(row["predicted_label"] == "negative" for row in written)


@pytest.mark.parametrize(
    ("content", "column", "message"),
    [
        ("", "text", "reviews.csv is empty"),
        ("text,label\n", "text", "reviews.csv has no rows"),
        ("review,label\ngood,1\n", "text", "reviews.csv has no column 'text'; its columns are review, label"),
        ("text,label\ngood,1\n,0\n", "text", r"column 'text' is empty in 1 row\(s\), the first being row 2"),
    ],
)
def test_bad_files_are_refused_with_a_precise_message(always_negative, tmp_path, content, column, message):
    source = tmp_path / "reviews.csv"
    source.write_text(content)

    with pytest.raises(ValueError, match=message):
        predict_file(FilePrediction(source, column, tmp_path / "out.csv"), always_negative)
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"path": Path("notes.txt")}, r"input file 'notes.txt': use one of .csv, .tsv, .jsonl, .json"),
        ({"output": Path("out.xlsx")}, r"output file 'out.xlsx': use one of"),
        ({"text_column": " "}, "name the column that holds the text"),
        ({"pair_column": "text"}, "text column and second text column are both 'text'"),
        ({"batch_size": 0}, "batch size must be at least 1"),
    ],
)
def test_bad_requests_are_refused_before_reading(fields, message):
    with pytest.raises(ValueError, match=message):
        FilePrediction(**{"path": Path("in.csv"), "text_column": "text", "output": Path("out.csv"), **fields})
