"""engine.training.presets:

Three ways to train, each explained in one line, sensible for scratch and pretrained models."""

import pytest

from engine.training.config import TrainConfig, check_fits
from engine.training.presets import PRESETS, apply_preset

SCRATCH, PRETRAINED = "scratch:tiny", "bert-base-uncased"


def config(model: str = SCRATCH, **changes) -> TrainConfig:
    return TrainConfig(dataset="sample:topics", model=model, **changes)


def test_the_presets_are_quick_demo_balanced_and_thorough():
    assert list(PRESETS) == ["quick demo", "balanced", "thorough"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_is_explained_in_one_plain_sentence(name):
    explanation = PRESETS[name].explanation

    assert "\n" not in explanation and explanation.endswith(".")
    assert 40 < len(explanation) < 220


@pytest.mark.parametrize(("model", "epochs"), [(SCRATCH, 3.0), (PRETRAINED, 1.0)])
def test_quick_demo_trains_a_third_of_the_models_usual_epochs_without_early_stopping(model, epochs):
    quick = apply_preset(config(model), "quick demo")

    assert quick.epochs == epochs
    assert (quick.load_best_model_at_end, quick.early_stopping_patience) == (False, None)


@pytest.mark.parametrize("model", [SCRATCH, PRETRAINED])
def test_balanced_keeps_the_models_defaults_and_the_best_epoch(model):
    balanced = apply_preset(config(model, epochs=7.0, learning_rate=1e-3), "balanced")

    assert (balanced.epochs, balanced.learning_rate) == (None, None)  # filled per model at launch
    assert (balanced.load_best_model_at_end, balanced.early_stopping_patience) == (True, 2)


@pytest.mark.parametrize(("model", "epochs"), [(SCRATCH, 20.0), (PRETRAINED, 6.0)])
def test_thorough_doubles_the_epochs_with_a_cosine_schedule(model, epochs):
    thorough = apply_preset(config(model), "thorough")

    assert (thorough.epochs, thorough.scheduler) == (epochs, "cosine")
    assert (thorough.load_best_model_at_end, thorough.early_stopping_patience) == (True, 3)


def test_a_preset_replaces_everything_an_earlier_preset_set():
    quick = apply_preset(apply_preset(config(eval_strategy="steps", eval_steps=10), "thorough"), "quick demo")

    assert (quick.scheduler, quick.eval_strategy, quick.eval_steps) == ("linear", "epoch", None)
    assert (quick.load_best_model_at_end, quick.early_stopping_patience) == (False, None)


def test_a_preset_leaves_the_data_model_and_batch_settings_alone():
    mine = config(text_column="headline", batch_size=8, max_length=64, seed=7, name="mine", weight_decay=0.0)

    applied = apply_preset(mine, "thorough")

    assert (applied.text_column, applied.batch_size, applied.max_length, applied.seed) == ("headline", 8, 64, 7)
    assert (applied.name, applied.weight_decay) == ("mine", 0.0)


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("model", [SCRATCH, PRETRAINED])
def test_every_presets_early_stopping_can_trigger_with_the_models_epochs(name, model):
    check_fits(apply_preset(config(model), name), train_rows=1000)


def test_an_unknown_preset_is_refused_listing_the_presets():
    with pytest.raises(ValueError, match="unknown preset 'fast'; presets are quick demo, balanced, thorough"):
        apply_preset(config(), "fast")
