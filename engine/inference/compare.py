"""Two classifiers on the same input or the same split: their answers side by side, and where they disagree."""

from dataclasses import dataclass, replace

from engine.common.errors import StudioError
from engine.inference.evaluation import EvaluationReport, EvaluationRequest, load_split, score_rows
from engine.inference.predict import Prediction, predict_one

DISAGREEMENTS_SHOWN = 200


@dataclass
class Comparison:
    """Both models' evaluations of one split, and the rows where their predictions differ."""

    first: EvaluationReport
    second: EvaluationReport
    disagreements: list[dict]  # index, text, true, each model's prediction and confidence
    disagreement_count: int

    def metrics_table(self) -> list[dict]:
        """One row per metric with both models' values, for a side-by-side table."""
        names = ("accuracy", "f1_macro", "f1_micro", "expected_calibration_error")
        return [
            {
                "metric": name,
                self.first.model: getattr(self.first, name),
                self.second.model: getattr(self.second, name),
            }
            for name in names
        ]


def compare_inputs(first: str, second: str, text: str, pair: str | None = None) -> tuple[Prediction, Prediction]:
    """Both models' predictions for one text (or pair)."""
    return predict_one(first, text, pair), predict_one(second, text, pair)


def compare_on_split(request: EvaluationRequest, second_model: str) -> Comparison:
    """Evaluate `request.model` and `second_model` on the same rows of the same split.

    Raises:
        StudioError: the two references are the same model, a model is not a text classifier, or the split's
            labels are not a model's labels.
    """
    if request.model.strip() == second_model.strip():
        raise StudioError("pick two different models to compare")
    rows = load_split(request)  # read once, scored by both models
    first, second = (score_rows(replace(request, model=model), *rows) for model in (request.model, second_model))
    differing = [
        {
            "index": a["index"],
            "text": a["text"],
            **({"text_pair": a["text_pair"]} if "text_pair" in a else {}),
            "true": a["true"],
            first.model: a["predicted"],
            f"{first.model} confidence": a["confidence"],
            second.model: b["predicted"],
            f"{second.model} confidence": b["confidence"],
        }
        for a, b in zip(first.predictions, second.predictions, strict=True)
        if a["predicted"] != b["predicted"]
    ]
    return Comparison(first, second, differing[:DISAGREEMENTS_SHOWN], len(differing))
