import numpy as np
import pytest
from datasets import ClassLabel, Dataset, Features, List, Value

from engine.common.errors import StudioError
from engine.tasks.multi_label import MultiLabelClassification, detect_delimiter, multi_label_scores, tune_thresholds
from tests import tiny_models

TASK = MultiLabelClassification()


def _labels(setup, split):
    return TASK.preprocess(split, tiny_models.tokenizer(), setup, _tokenization())["labels"]


def _tokenization():
    from engine.tasks.base import Tokenization

    return Tokenization(max_length=32)


def test_a_list_column_gives_sorted_label_names_and_multi_hot_float_targets():
    split = Dataset.from_dict({"text": ["a", "b"], "labels": [["sports", "politics"], ["health"]]})
    setup = TASK.setup(split)
    assert setup.labels == ("health", "politics", "sports")
    assert _labels(setup, split) == [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]
    encoded = TASK.preprocess(split, tiny_models.tokenizer(), setup, _tokenization())
    assert encoded.features["labels"] == List(Value("float32"))
    assert TASK.model_kwargs(setup)["problem_type"] == "multi_label_classification"


def test_a_list_of_class_label_ids_reads_its_names():
    features = Features({"text": Value("string"), "labels": List(ClassLabel(names=["a", "b", "c"]))})
    split = Dataset.from_dict({"text": ["x", "y"], "labels": [[0, 2], [1]]}, features=features)
    setup = TASK.setup(split)
    assert setup.labels == ("a", "b", "c")
    assert _labels(setup, split) == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def test_a_delimited_string_is_split_on_the_detected_or_given_delimiter():
    split = Dataset.from_dict({"text": ["a", "b"], "labels": ["sports|politics", "health"]})
    setup = TASK.setup(split)
    assert setup.option("delimiter") == "|" and setup.labels == ("health", "politics", "sports")
    assert TASK.setup(split, delimiter="/").labels == ("health", "sports|politics")
    assert detect_delimiter(["a;b", "c"]) == ";" and detect_delimiter(["a", "b"]) == ";"


def test_zero_one_columns_are_found_without_a_labels_column():
    split = Dataset.from_dict({"text": ["a", "b", "c"], "toxic": [1, 0, 0], "rude": [1, 1, 0]})
    setup = TASK.setup(split)
    assert setup.labels == ("toxic", "rude") and setup.option("layout") == "columns"
    # an all-zero row says "none of these" explicitly, and is kept
    assert _labels(setup, split) == [[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize("labels", [[["sports"], []], ["sports", ""]])
def test_a_row_with_no_label_is_refused_naming_the_row(labels):
    with pytest.raises(StudioError, match=r"row 1 of train: no label in 'labels'"):
        TASK.setup(Dataset.from_dict({"text": ["a", "b"], "labels": labels}))


def test_a_validation_label_the_train_split_lacks_is_refused():
    setup = TASK.setup(Dataset.from_dict({"text": ["a"], "labels": [["sports"]]}))
    with pytest.raises(StudioError, match="row 0 of validation: label 'art' is not among"):
        TASK.validate(Dataset.from_dict({"text": ["a"], "labels": [["art"]]}), setup, "validation")


def test_metrics_match_hand_computed_values():
    actual = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    predicted = np.array([[1, 0, 0], [0, 1, 1], [1, 0, 1]])
    metrics, table = multi_label_scores(predicted, actual, ["a", "b", "c"])
    # overlap 4, predicted 5, actual 5: micro P = R = F1 = 0.8
    assert metrics["f1_micro"] == pytest.approx(0.8)
    # per label F1: a 1, b 2/3 (P 1, R .5), c 2/3 (P .5, R 1)
    assert [row["f1"] for row in table] == pytest.approx([1, 2 / 3, 2 / 3])
    assert metrics["f1_macro"] == pytest.approx((1 + 4 / 3) / 3)
    # rows: 2*1/3, 2*1/3, 2*2/4
    assert metrics["f1_samples"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert metrics["subset_accuracy"] == pytest.approx(1 / 3)
    assert [row["support"] for row in table] == [2, 2, 1]


def test_thresholds_tuned_per_label_on_validation_and_kept_in_the_setup():
    probabilities = np.array([[0.3, 0.9], [0.2, 0.8], [0.1, 0.6]])
    actual = np.array([[1, 1], [1, 0], [0, 0]])
    # label 0: any threshold in (0.1, 0.2] catches both positives and not the negative; label 1: (0.8, 0.9]
    assert tune_thresholds(probabilities, actual) == [0.2, 0.85]
    assert tune_thresholds(probabilities, np.zeros_like(actual)) == [0.5, 0.5]
    split = Dataset.from_dict({"text": ["a", "b", "c"], "labels": [["x", "y"], ["x"], ["y"]]})
    setup = TASK.setup(split)
    logits = np.log(probabilities / (1 - probabilities))
    tuned = TASK.calibrate(
        setup, logits, split, TASK.preprocess(split, tiny_models.tokenizer(), setup, _tokenization())
    )
    assert tuned.option("thresholds") == tune_thresholds(probabilities, np.array([[1, 1], [1, 0], [0, 1]]))
    assert TASK.postprocess(tuned, logits, split, split)[0]["labels"] == ["x", "y"]
