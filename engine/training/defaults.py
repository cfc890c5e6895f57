"""Epochs and learning rate that suit a model: random `scratch:` weights want more of both than a checkpoint."""

from engine.models.refs import SCRATCH, ModelRef

# Random weights need far more updates and a bigger step than a pretrained checkpoint; 1e-3 was measured to
# oscillate on sample:sentiment (validation accuracy 0.50-0.86 from epoch to epoch), 5e-4 to climb steadily.
SCRATCH_DEFAULTS = {"epochs": 10.0, "learning_rate": 5e-4}
# The BERT paper's fine-tuning range is 2e-5..5e-5 for 2-4 epochs; the course uses 3 epochs.
PRETRAINED_DEFAULTS = {"epochs": 3.0, "learning_rate": 5e-5}


def default_hyperparameters(ref: ModelRef) -> dict:
    """Epochs and learning rate that suit the model: scratch models start from random weights."""
    return dict(SCRATCH_DEFAULTS if ref.kind == SCRATCH else PRETRAINED_DEFAULTS)


def defaults_help(name: str) -> str:
    """'empty: 10 for scratch, 3 for pretrained' for `epochs` or `learning_rate`, for forms and --help."""
    return f"empty: {SCRATCH_DEFAULTS[name]:g} for scratch:, {PRETRAINED_DEFAULTS[name]:g} for pretrained models"
