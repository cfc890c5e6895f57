"""The validation predictions of the evaluations during training, kept for the model a run ends with.

At its end a run needs the kept model's outputs on validation twice over: to tune what the task tunes there
(multi-label thresholds) and for the model card's evaluation table (per label, per entity type). The evaluation
that already scored that model (the last step's, or the best checkpoint's under keep-best) computed exactly those
outputs; predicting again would be a second pass over the validation split for the same numbers (issue 15: no work
done twice).
"""

from transformers import EvalPrediction, TrainerCallback

from engine.tasks.base import MetricsFunction, Outputs


class KeptPredictions(TrainerCallback):
    """Wraps `compute_metrics` to see each evaluation's predictions, and files them under the step the
    evaluation scored (`on_evaluate` follows `compute_metrics` in `Trainer`). Only the outputs a run may end with
    stay: the latest step's and the best checkpoint's.
    """

    def __init__(self, compute_metrics: MetricsFunction) -> None:
        self._compute = compute_metrics
        self._latest: Outputs | None = None
        self._by_step: dict[int, Outputs] = {}

    def compute_metrics(self, prediction: EvalPrediction) -> dict[str, float]:
        self._latest = prediction.predictions
        return self._compute(prediction)

    def on_evaluate(self, args, state, control, **kwargs) -> None:
        if self._latest is None:
            return
        self._by_step[state.global_step] = self._latest
        self._latest = None
        best = state.best_model_checkpoint
        keep = {state.global_step, int(best.rsplit("-", 1)[1])} if best else {state.global_step}
        for step in set(self._by_step) - keep:
            del self._by_step[step]

    def outputs_at(self, step: int) -> Outputs | None:
        """The validation outputs of the model at `step`, when an evaluation scored it; else None."""
        return self._by_step.get(step)
