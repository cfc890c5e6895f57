"""`python -m engine predict` (one text or a whole file) and `evaluate`, run in this process on tiny models."""

import csv
import json

import pytest

from tests.cli.conftest import run_main
from tests.conftest import review_rows
from tests.tiny_models import biased_classifier, favoured_probability

LABELS = ["positive", "negative"]


@pytest.fixture(scope="module")
def always_positive(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(biased_classifier(tmp_path_factory.mktemp("cli-models") / "always-positive", LABELS, favour=0))


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run `main(ARGS)`, offline; return (exit code, stdout, stderr)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return lambda *args: run_main(capsys, *args)


@pytest.fixture
def reviews(tmp_path, write_csv):
    return write_csv(tmp_path / "reviews" / "test.csv", review_rows(20)).parent


def test_predict_one_text_gives_the_label_scores_tokens_and_latency(cli, always_positive):
    code, out, _ = cli("predict", "a lovely film", "--model", always_positive, "--json")

    assert code == 0
    prediction = json.loads(out.splitlines()[-1])
    assert prediction["label"] == "positive"
    assert prediction["scores"]["positive"] == pytest.approx(favoured_probability(2), abs=1e-5)
    assert prediction["tokens"] == ["[CLS]", "a", "lovely", "film", "[SEP]"]
    assert prediction["milliseconds"] > 0


def test_predict_a_file_writes_the_table_with_one_probability_column_per_label(cli, always_positive, tmp_path):
    source = tmp_path / "in.tsv"
    source.write_text("review\tother\na lovely film\tx\nan awful meal\ty\n")
    output = tmp_path / "out.csv"

    code, out, err = cli(
        "predict", "--model", always_positive, "--file", str(source), "--text-column", "review",
        "--output", str(output), "--json",
    )  # fmt: skip

    assert code == 0, err
    assert json.loads(out.splitlines()[-1]) == {"output": str(output), "rows": 2, "predicted": {"positive": 2}}
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["review", "other", "predicted_label", "confidence", "prob_positive", "prob_negative"]
    assert "2/2 rows" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give a TEXT to classify, or --file FILE --text-column C --output OUT"),
        (("--file", "in.csv"), "--file needs --text-column and --output"),
        (("hello", "--file", "in.csv"), "give either a TEXT or --file, not both"),
    ],
)
def test_predict_with_a_wrong_combination_of_arguments_exits_2(cli, always_positive, args, message):
    code, out, err = cli("predict", "--model", always_positive, *args)

    assert (code, out, err) == (2, "", f"error: {message}\n")


def test_predict_a_file_with_a_missing_column_exits_2_naming_the_columns(cli, always_positive, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("review\nfine\n")

    code, _, err = cli(
        "predict", "--model", always_positive, "--file", str(source), "--text-column", "text",
        "--output", str(tmp_path / "out.csv"),
    )  # fmt: skip

    assert (code, err) == (2, "error: in.csv has no column 'text'; its columns are review\n")


def test_evaluate_reports_the_scores_per_class_metrics_confusion_matrix_and_mistakes(cli, always_positive, reviews):
    code, out, _ = cli("evaluate", "--model", always_positive, "--dataset", str(reviews), "--json")

    assert code == 0
    report = json.loads(out.splitlines()[-1])
    assert report["labels"] == LABELS
    assert report["confusion_matrix"] == [[10, 0], [10, 0]]
    assert report["accuracy"] == pytest.approx(0.5) and report["f1_micro"] == pytest.approx(0.5)
    assert report["f1_macro"] == pytest.approx(1 / 3)
    assert [c["support"] for c in report["per_class"]] == [10, 10]
    assert len(report["misclassified"]) == 10 and "predictions" not in report


def test_evaluate_in_text_prints_the_matrix_with_its_label_order(cli, always_positive, reviews):
    code, out, _ = cli("evaluate", "--model", always_positive, "--dataset", str(reviews), "--limit", "4")

    assert code == 0
    assert "4 rows: accuracy 0.5000" in out
    assert "confusion matrix (rows: true, columns: predicted, in this order): positive, negative" in out


def test_evaluate_with_labels_the_model_does_not_know_exits_2(cli, always_positive, tmp_path, write_csv):
    folder = write_csv(tmp_path / "other" / "test.csv", {"text": ["a", "b"], "label": ["spam", "ham"]}).parent

    code, _, err = cli("evaluate", "--model", always_positive, "--dataset", str(folder))

    assert code == 2
    unknown = "the dataset has labels the model does not know: ham, spam"
    assert err == f"error: {unknown}; the model's labels are positive, negative\n"
