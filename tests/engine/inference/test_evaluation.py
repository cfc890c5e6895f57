"""engine.inference.evaluation: labels matched by name, exact confusion matrices, errors and calibration."""

from pathlib import Path

import pytest
from datasets import ClassLabel, Dataset

from engine.inference.evaluation import (
    EvaluationRequest,
    calibration,
    evaluate_model,
    expected_calibration_error,
    label_names,
    match_labels,
)
from tests.conftest import review_rows
from tests.tiny_models import biased_classifier, favoured_probability

# The model's ids are in the opposite order from the sorted names a dataset of strings would get.
MODEL_LABELS = ["positive", "negative"]


@pytest.fixture(scope="module")
def always_positive(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(biased_classifier(tmp_path_factory.mktemp("models") / "always-positive", MODEL_LABELS, favour=0))


@pytest.fixture
def reviews_csv(tmp_path: Path, write_csv) -> Path:
    """20 reviews, 10 positive and 10 negative, labels as strings, in a `test` split."""
    return write_csv(tmp_path / "reviews" / "test.csv", review_rows(20)).parent


def test_string_labels_in_another_order_are_matched_to_the_model_by_name(always_positive, reviews_csv):
    report = evaluate_model(EvaluationRequest(always_positive, str(reviews_csv), split="test"))

    assert report.labels == MODEL_LABELS
    # rows: true positive, true negative; columns: predicted positive, predicted negative
    assert report.confusion_matrix == [[10, 0], [10, 0]]
    assert report.accuracy == pytest.approx(0.5)
    assert report.f1_micro == pytest.approx(0.5)
    positive, negative = report.per_class
    assert (positive.label, positive.precision, positive.recall, positive.support) == ("positive", 0.5, 1.0, 10)
    assert positive.f1 == pytest.approx(2 / 3)
    assert (negative.precision, negative.recall, negative.f1, negative.support) == (0.0, 0.0, 0.0, 10)
    assert report.f1_macro == pytest.approx((2 / 3 + 0) / 2)


def test_the_misclassified_rows_carry_their_tokens_and_a_cell_lists_its_examples(always_positive, reviews_csv):
    report = evaluate_model(EvaluationRequest(always_positive, str(reviews_csv), split="test"))

    assert len(report.misclassified) == 10
    first = report.misclassified[0]
    assert (first["true"], first["predicted"]) == ("negative", "positive")
    assert first["confidence"] == pytest.approx(favoured_probability(2))
    assert first["tokens"][0] == "[CLS]" and first["tokens"][-1] == "[SEP]"
    assert first["text"] in review_rows(20)["text"]
    cell = report.examples("negative", "positive")
    assert len(cell) == 10 and {row["true"] for row in cell} == {"negative"}
    assert report.examples("positive", "negative") == []


def test_class_label_ids_are_read_as_their_names_then_matched_by_name():
    # A `ClassLabel` whose id 0 is "negative", as a Hub dataset would have; the model's id 0 is "positive".
    feature = ClassLabel(names=["negative", "positive"])
    split = Dataset.from_dict({"label": [0, 1, 1]}).cast_column("label", feature)

    names = label_names(split, "label")

    assert names == ["negative", "positive", "positive"]
    assert match_labels(names, MODEL_LABELS) == [1, 0, 0]


def test_a_row_without_a_label_is_refused():
    split = Dataset.from_dict({"label": ["positive", None]})

    with pytest.raises(ValueError, match="label column 'label' has empty values"):
        label_names(split, "label")


def test_labels_the_model_does_not_know_are_refused_naming_both_sets():
    with pytest.raises(ValueError, match="labels the model does not know: neutral; the model's labels are a, b"):
        match_labels(["a", "neutral", "b"], ["a", "b"])


def test_integer_labels_match_a_model_saved_without_label_names():
    assert match_labels(["1", "0", "1"], ["LABEL_0", "LABEL_1"]) == [1, 0, 1]


def test_an_unknown_split_names_the_splits_there_are(always_positive, reviews_csv):
    with pytest.raises(ValueError, match=r"no split 'validation' in .* \(splits are test\)"):
        evaluate_model(EvaluationRequest(always_positive, str(reviews_csv), split="validation"))


def test_calibration_puts_each_confidence_in_its_bin_and_measures_the_gap():
    import numpy as np

    confidence = np.array([0.55, 0.58, 0.95, 1.0])
    correct = np.array([True, False, True, True])

    bins = calibration(confidence, correct)

    assert [b.count for b in bins] == [0, 0, 0, 0, 0, 2, 0, 0, 0, 2]
    assert bins[5].accuracy == 0.5 and bins[9].accuracy == 1.0
    expected = 0.5 * abs(0.565 - 0.5) + 0.5 * abs(0.975 - 1.0)
    assert expected_calibration_error(bins) == pytest.approx(expected)


def test_a_constant_classifier_is_as_miscalibrated_as_its_confidence_is_above_its_accuracy(
    always_positive, reviews_csv
):
    report = evaluate_model(EvaluationRequest(always_positive, str(reviews_csv), split="test"))

    assert report.expected_calibration_error == pytest.approx(favoured_probability(2) - 0.5, abs=1e-6)
    assert sum(b.count for b in report.calibration) == report.rows == 20


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"model": " "}, "no model given"),
        ({"dataset": ""}, "no dataset given"),
        ({"split": ""}, "no split given"),
        ({"limit": 0}, "limit must be at least 1"),
    ],
)
def test_bad_requests_are_refused_before_anything_loads(fields, message):
    with pytest.raises(ValueError, match=message):
        EvaluationRequest(**{"model": "job:1", "dataset": "sample:sentiment", **fields})
