"""Presets: three sensible ways to train, each with the reason for its choices in one line.

A preset sets every field it governs (so choosing one after another leaves nothing of the first behind) and
leaves the rest of the config (data, model, batch size, seed...) as it was. Epochs are scaled from the model's
own default (`engine.training.defaults.default_hyperparameters`), so a preset suits a scratch model, which needs many
epochs, as well as a pretrained one, which needs few.
"""

from dataclasses import dataclass, replace

from engine.common.errors import StudioError
from engine.models.refs import parse_model_ref
from engine.training.config import TrainConfig
from engine.training.defaults import default_hyperparameters


@dataclass(frozen=True)
class Preset:
    """A named set of training choices.

    Args:
        name: what the user picks.
        explanation: one plain sentence saying what the preset does and why.
        epochs_scale: the model's default epochs times this, rounded to whole epochs (at least 1);
            None keeps the default itself (the config's `epochs` is left empty).
        scheduler: how the learning rate decays after the warm-up.
        load_best_model_at_end: keep the evaluated checkpoint with the best `metric_for_best_model`.
        early_stopping_patience: stop after this many evaluations without improvement; None never stops early.
    """

    name: str
    explanation: str
    epochs_scale: float | None
    scheduler: str
    load_best_model_at_end: bool
    early_stopping_patience: int | None

    def __post_init__(self) -> None:
        if self.epochs_scale is not None and self.epochs_scale <= 0:
            raise StudioError(f"preset {self.name!r}: epochs_scale must be positive, not {self.epochs_scale}")


PRESETS = {
    preset.name: preset
    for preset in (
        Preset(
            name="quick demo",
            explanation="A third of the usual epochs and no early stopping: a first result in minutes, "
            "to check the data and settings before a longer run.",
            epochs_scale=1 / 3,
            scheduler="linear",
            load_best_model_at_end=False,  # with so few evaluations there is little to choose from
            early_stopping_patience=None,
        ),
        Preset(
            name="balanced",
            explanation="The model's usual epochs and learning rate; keeps the epoch that scored best on "
            "validation and stops after 2 epochs without improvement, so no time is spent overfitting.",
            epochs_scale=None,
            scheduler="linear",
            load_best_model_at_end=True,
            # 2, not 1: one bad epoch is often noise on a small validation split.
            early_stopping_patience=2,
        ),
        Preset(
            name="thorough",
            explanation="Twice the usual epochs with a learning rate that eases off gently (cosine) for the "
            "last gains; keeps the best epoch and stops after 3 without improvement.",
            epochs_scale=2.0,
            scheduler="cosine",
            load_best_model_at_end=True,
            early_stopping_patience=3,
        ),
    )
}


def apply_preset(config: TrainConfig, name: str) -> TrainConfig:
    """Return `config` with the preset's choices: epochs, learning rate (the model's default), schedule,
    evaluation each epoch, keep-best and early stopping.

    Raises:
        ValueError: an unknown preset name, or a model reference that cannot be parsed.
    """
    if name not in PRESETS:
        raise StudioError(f"unknown preset {name!r}; presets are {', '.join(PRESETS)}")
    preset = PRESETS[name]
    epochs = None
    if preset.epochs_scale is not None:
        default = default_hyperparameters(parse_model_ref(config.model))["epochs"]
        epochs = float(max(1, round(default * preset.epochs_scale)))
    return replace(
        config,
        epochs=epochs,
        learning_rate=None,
        scheduler=preset.scheduler,
        eval_strategy="epoch",
        eval_steps=None,
        load_best_model_at_end=preset.load_best_model_at_end,
        early_stopping_patience=preset.early_stopping_patience,
    )
