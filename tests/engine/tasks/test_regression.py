import numpy as np
import pytest
from datasets import Dataset

from engine.common.errors import StudioError
from engine.tasks.base import Tokenization
from engine.tasks.regression import Regression, regression_scores
from tests import tiny_models

TASK = Regression()


def test_metrics_match_hand_computed_values():
    scores = regression_scores(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 1.0, 4.0, 3.0]))
    assert scores["mse"] == 1.0 and scores["rmse"] == 1.0 and scores["mae"] == 1.0
    assert scores["pearson"] == pytest.approx(0.6) and scores["spearman"] == pytest.approx(0.6)
    assert scores["r2"] == pytest.approx(0.2)


@pytest.mark.parametrize("scores", [["1.5", "high"], ["1.5", None], [1.5, float("nan")], [True, False]])
def test_a_target_that_is_not_a_number_is_refused_naming_the_row(scores):
    split = Dataset.from_dict({"sentence1": ["a", "b"], "sentence2": ["c", "d"], "score": scores})
    with pytest.raises(StudioError, match=r"row [01] of train: the 'score' target .* is not a number"):
        TASK.setup(split)


def test_a_pair_with_a_score_column_trains_one_float_output():
    split = Dataset.from_dict({"sentence1": ["a", "b"], "sentence2": ["c", "d"], "score": [1.0, 4.0]})
    setup = TASK.setup(split)
    assert setup.columns == {"text": "sentence1", "text_pair": "sentence2", "label": "score"}
    assert setup.option("range") == [1.0, 4.0]
    assert TASK.model_kwargs(setup)["num_labels"] == 1 and TASK.model_kwargs(setup)["problem_type"] == "regression"
    encoded = TASK.preprocess(split, tiny_models.tokenizer(), setup, Tokenization(max_length=32))
    assert encoded["labels"] == [1.0, 4.0]
    assert 1 in encoded["token_type_ids"][0]  # the pair's second text


def test_standardised_targets_train_on_the_z_scale_and_predictions_come_back_on_the_original():
    split = Dataset.from_dict({"text": ["a", "b", "c"], "label": [10.0, 20.0, 30.0]})
    setup = TASK.setup(split, standardize=True)
    std = np.std([10.0, 20.0, 30.0])
    assert setup.option("mean") == 20.0 and setup.option("std") == pytest.approx(std)
    encoded = TASK.preprocess(split, tiny_models.tokenizer(), setup, Tokenization(max_length=32))
    assert encoded["labels"] == pytest.approx([-10 / std, 0.0, 10 / std])
    outputs = np.array([[-10 / std], [0.0], [10 / std]], dtype=np.float32)
    assert [p["value"] for p in TASK.postprocess(setup, outputs, split, encoded)] == pytest.approx(
        [10, 20, 30], rel=1e-5
    )
    report = TASK.report(setup, outputs, split, encoded)
    assert report.metrics["rmse"] == pytest.approx(0.0, abs=1e-4) and report.metrics["r2"] == pytest.approx(1.0)
    with pytest.raises(StudioError, match="same on every train row"):
        TASK.setup(Dataset.from_dict({"text": ["a", "b"], "label": [1.0, 1.0]}), standardize=True)
