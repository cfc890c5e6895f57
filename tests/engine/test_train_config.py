"""engine.train_config: a TrainConfig validates itself when made and fills model-dependent defaults."""

import pytest

from engine.train_config import TrainConfig


def config(**changes) -> TrainConfig:
    return TrainConfig(**{"dataset": "sample:topics", "model": "scratch:tiny", **changes})


def test_defaults_are_the_documented_ones():
    made = config()

    assert (made.epochs, made.learning_rate) == (None, None)  # filled by with_defaults, per model
    assert (made.batch_size, made.max_length, made.seed) == (16, 128, 42)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dataset": " "}, "no dataset given"),
        ({"model": ""}, "no model given"),
        ({"epochs": 0}, r"epochs must be in \(0, 1000\], not 0"),
        ({"epochs": 1001}, "epochs must be in"),
        ({"batch_size": 0}, r"batch_size must be in \[1, 4096\], not 0"),
        ({"batch_size": 5000}, "batch_size must be in"),
        ({"learning_rate": 0}, r"learning_rate must be in \(0, 1\), not 0"),
        ({"learning_rate": 1.0}, "learning_rate must be in"),
        ({"max_length": 4}, r"max_length must be in \[8, 8192\], not 4"),
        ({"text_column": "q", "text_pair_column": "q"}, "text column and text pair column are both 'q'"),
    ],
)
def test_invalid_settings_are_rejected_naming_the_bad_value(changes, message):
    with pytest.raises(ValueError, match=message):
        config(**changes)


def test_boundary_values_are_accepted():
    made = config(epochs=0.5, batch_size=1, learning_rate=0.5, max_length=8)

    assert (made.epochs, made.batch_size, made.max_length) == (0.5, 1, 8)


def test_with_defaults_gives_a_scratch_model_many_epochs_and_a_large_learning_rate():
    filled = config().with_defaults()

    assert (filled.epochs, filled.learning_rate) == (10.0, 5e-4)


def test_with_defaults_gives_a_pretrained_model_the_bert_fine_tuning_defaults():
    filled = config(model="bert-base-uncased").with_defaults()

    assert (filled.epochs, filled.learning_rate) == (3.0, 5e-5)


def test_with_defaults_keeps_values_that_were_given():
    filled = config(epochs=2.0, learning_rate=3e-4).with_defaults()

    assert (filled.epochs, filled.learning_rate) == (2.0, 3e-4)


def test_with_defaults_rejects_a_malformed_model_reference():
    with pytest.raises(ValueError, match="unknown scratch model"):
        config(model="scratch:huge").with_defaults()


def test_a_config_round_trips_through_a_dict_ignoring_unknown_keys():
    made = config(text_column="body", epochs=2.0)

    assert TrainConfig.from_dict({**made.to_dict(), "added_in_a_later_version": True}) == made


def test_a_config_cannot_be_changed_after_it_is_made():
    with pytest.raises(AttributeError):
        config().epochs = 3.0
