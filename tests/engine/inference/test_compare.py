"""engine.inference.compare: two models on one input and on one split, their disagreements listed."""

import pytest

from engine.inference.compare import compare_inputs, compare_on_split
from engine.inference.evaluation import EvaluationRequest
from tests.conftest import review_rows
from tests.tiny_models import biased_classifier

LABELS = ["positive", "negative"]


@pytest.fixture(scope="module")
def two_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("compare-models")
    return (
        str(biased_classifier(folder / "always-positive", LABELS, favour=0)),
        str(biased_classifier(folder / "always-negative", LABELS, favour=1)),
    )


def test_one_input_gets_each_models_answer(two_models):
    first, second = compare_inputs(*two_models, "a lovely film")

    assert (first.label, second.label) == ("positive", "negative")


def test_on_a_split_the_metrics_sit_side_by_side_and_every_row_is_a_disagreement(two_models, tmp_path, write_csv):
    folder = write_csv(tmp_path / "reviews" / "test.csv", review_rows(10)).parent
    positive, negative = two_models

    comparison = compare_on_split(EvaluationRequest(positive, str(folder), split="test"), negative)

    table = {row["metric"]: row for row in comparison.metrics_table()}
    assert table["accuracy"][positive] == pytest.approx(0.5) and table["accuracy"][negative] == pytest.approx(0.5)
    assert comparison.first.confusion_matrix == [[5, 0], [5, 0]]
    assert comparison.second.confusion_matrix == [[0, 5], [0, 5]]
    assert comparison.disagreement_count == 10
    row = comparison.disagreements[0]
    assert (row[positive], row[negative]) == ("positive", "negative")
    assert row["text"] in review_rows(10)["text"]


def test_a_model_compared_with_itself_is_refused(two_models, tmp_path, write_csv):
    folder = write_csv(tmp_path / "reviews" / "test.csv", review_rows(4)).parent

    with pytest.raises(ValueError, match="pick two different models"):
        compare_on_split(EvaluationRequest(two_models[0], str(folder), split="test"), two_models[0])
