"""engine.training.config: a TrainConfig validates itself when made, fills model-dependent defaults, and is checked
against the run's size and the machine before launch."""

from dataclasses import replace

import pytest
import torch

import engine.training.config
from engine.common.errors import StudioError
from engine.training.config import TrainConfig, check_fits, evaluations_planned, planned_steps, resolve_precision


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


def test_new_settings_default_to_the_recipe_the_app_always_used():
    made = config()

    assert (made.scheduler, made.warmup_ratio, made.weight_decay) == ("linear", 0.1, 0.01)
    assert (made.gradient_accumulation_steps, made.max_grad_norm) == (1, 1.0)
    assert (made.eval_strategy, made.eval_steps) == ("epoch", None)
    assert (made.load_best_model_at_end, made.early_stopping_patience) == (False, None)
    assert (made.precision, made.auto_find_batch_size, made.gradient_checkpointing) == ("auto", False, False)
    assert (made.name, made.resume_from_checkpoint) == (None, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scheduler": "step"}, "scheduler must be one of linear, cosine, not 'step'"),
        ({"warmup_ratio": 0.6}, r"warmup_ratio must be in \[0, 0.5\], not 0.6"),
        ({"warmup_ratio": -0.1}, "warmup_ratio must be in"),
        ({"weight_decay": -0.01}, r"weight_decay must be in \[0, 1\], not -0.01"),
        (
            {"gradient_accumulation_steps": 0},
            r"gradient_accumulation_steps must be a whole number in \[1, 1024\], not 0",
        ),
        ({"gradient_accumulation_steps": 2.5}, "gradient_accumulation_steps must be a whole number"),
        ({"max_grad_norm": 0}, "max_grad_norm must be a positive number, not 0"),
        ({"eval_strategy": "no"}, "eval_strategy must be one of epoch, steps, not 'no'"),
        ({"eval_strategy": "steps"}, 'eval_strategy "steps" needs eval_steps'),
        ({"eval_strategy": "steps", "eval_steps": 0}, "eval_steps must be a whole number >= 1, not 0"),
        (
            {"metric_for_best_model": "bleu"},
            "metric_for_best_model must be one of accuracy, f1, precision, recall, loss",
        ),
        ({"early_stopping_patience": 0, "load_best_model_at_end": True}, "early_stopping_patience must be a whole"),
        ({"early_stopping_patience": 2}, "early_stopping_patience needs load_best_model_at_end"),
        ({"precision": "int8"}, "precision must be one of auto, fp32, bf16, fp16, not 'int8'"),
        ({"name": "x" * 101}, "name must be at most 100 characters, not 101"),
        ({"resume_from_checkpoint": " "}, "resume_from_checkpoint is empty"),
    ],
)
def test_invalid_new_settings_are_rejected_naming_the_bad_value(changes, message):
    with pytest.raises(ValueError, match=message):
        config(**changes)


def test_the_new_settings_accept_their_boundary_values():
    made = config(
        warmup_ratio=0.5,
        weight_decay=0.0,
        gradient_accumulation_steps=1024,
        eval_strategy="steps",
        eval_steps=1,
        metric_for_best_model="loss",
        load_best_model_at_end=True,
        early_stopping_patience=1,
        name="x" * 100,
    )

    assert (made.eval_steps, made.early_stopping_patience, len(made.name)) == (1, 1, 100)


def test_a_config_saved_by_an_older_version_loads_with_the_new_defaults():
    older = {"dataset": "sample:topics", "model": "scratch:tiny", "epochs": 2.0, "batch_size": 8, "seed": 1}

    loaded = TrainConfig.from_dict(older)

    assert (loaded.epochs, loaded.batch_size, loaded.seed) == (2.0, 8, 1)
    assert (loaded.scheduler, loaded.eval_strategy, loaded.precision) == ("linear", "epoch", "auto")


def test_a_config_with_every_new_setting_round_trips_through_a_dict():
    made = config(scheduler="cosine", eval_strategy="steps", eval_steps=5, load_best_model_at_end=True)
    made = replace(made, early_stopping_patience=2, name="run", resume_from_checkpoint="/tmp/checkpoint-5")

    assert TrainConfig.from_dict(made.to_dict()) == made


def test_planned_steps_count_updates_as_trainer_does():
    # 60 rows in batches of 16: 4 batches an epoch; accumulating 3 of them: 2 updates an epoch.
    assert planned_steps(config(epochs=2.0), train_rows=60) == 8
    assert planned_steps(config(epochs=2.0, gradient_accumulation_steps=3), train_rows=60) == 4
    assert planned_steps(config(epochs=0.5), train_rows=60) == 2
    assert planned_steps(config(epochs=1.0), train_rows=60, processes=2) == 2  # 32 rows a batch across both


def test_evaluations_planned_per_epoch_count_a_last_partial_epoch():
    assert evaluations_planned(config(epochs=3.0), train_rows=60) == 3
    assert evaluations_planned(config(epochs=2.5), train_rows=60) == 3


def test_evaluations_planned_per_steps_count_a_last_evaluation_off_the_beat():
    # 8 updates, evaluated at steps 3 and 6, and at the end (8).
    assert evaluations_planned(config(epochs=2.0, eval_strategy="steps", eval_steps=3), train_rows=60) == 3
    assert evaluations_planned(config(epochs=2.0, eval_strategy="steps", eval_steps=4), train_rows=60) == 2


def test_evaluations_planned_use_the_models_default_epochs_when_none_are_given():
    assert evaluations_planned(config(), train_rows=60) == 10  # scratch models train 10 epochs
    assert evaluations_planned(config(model="bert-base-uncased"), train_rows=60) == 3


def with_patience(patience: int, **changes) -> TrainConfig:
    return config(load_best_model_at_end=True, early_stopping_patience=patience, **changes)


def test_check_fits_refuses_a_patience_that_can_never_trigger_naming_both_numbers():
    with pytest.raises(ValueError, match=r"patience 3 can never trigger: the run evaluates only 3 time\(s\)"):
        check_fits(with_patience(3, epochs=3.0), train_rows=60)


def test_check_fits_accepts_a_patience_below_the_number_of_evaluations():
    check_fits(with_patience(2, epochs=3.0), train_rows=60)
    check_fits(with_patience(2, epochs=1.0, eval_strategy="steps", eval_steps=1), train_rows=60)  # 4 evaluations


def test_check_fits_counts_the_evaluations_of_steps_runs_from_the_data_size():
    steps_config = with_patience(2, epochs=1.0, eval_strategy="steps", eval_steps=2)

    check_fits(steps_config, train_rows=100)  # 7 updates: 4 evaluations
    with pytest.raises(ValueError, match="evaluates only 2 time"):
        check_fits(steps_config, train_rows=60)  # 4 updates: 2 evaluations


def test_check_fits_refuses_a_resume_folder_that_is_no_checkpoint(tmp_path):
    with pytest.raises(ValueError, match="not a checkpoint folder"):
        check_fits(config(resume_from_checkpoint=str(tmp_path)), train_rows=60)

    (tmp_path / "trainer_state.json").write_text("{}")
    check_fits(config(resume_from_checkpoint=str(tmp_path)), train_rows=60)


@pytest.fixture
def cpu_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.fixture
def cuda_gpu(monkeypatch: pytest.MonkeyPatch):
    """A pretend CUDA machine; returns a function setting whether its GPU does bf16."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Tesla T4")

    def set_bf16(supported: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: supported)

    return set_bf16


def test_on_a_native_bf16_cpu_auto_is_bf16_for_wide_models_only(cpu_only, monkeypatch):
    monkeypatch.setattr(engine.training.config, "cpu_native_bf16", lambda: "avx512_bf16")
    assert resolve_precision("auto", hidden_size=384) == resolve_precision("auto", hidden_size=256) == "bf16"
    assert resolve_precision("auto", hidden_size=128) == resolve_precision("auto") == "fp32"  # unknown: narrow
    assert resolve_precision("fp32", hidden_size=384) == "fp32"  # a user can force fp32
    assert resolve_precision("bf16", hidden_size=64) == "bf16"


def test_on_a_cpu_without_native_bf16_auto_is_fp32_whatever_the_width(cpu_only, monkeypatch):
    monkeypatch.setattr(engine.training.config, "cpu_native_bf16", lambda: None)
    assert resolve_precision("auto", hidden_size=768) == "fp32"


def test_fp16_on_a_cpu_and_bf16_on_a_cpu_without_it_are_refused_naming_why(cpu_only, monkeypatch):
    monkeypatch.setattr(engine.training.config, "cpu_native_bf16", lambda: None)
    with pytest.raises(StudioError, match="precision fp16 needs a CUDA GPU; this machine trains on the CPU"):
        resolve_precision("fp16")
    with pytest.raises(StudioError, match=r"precision bf16 needs a CUDA GPU or a CPU with native bf16 \(AVX512-BF16"):
        check_fits(config(precision="bf16"), train_rows=60)


def test_the_cpus_bf16_feature_is_read_from_its_flags(monkeypatch, tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx512f avx512_bf16 avx512_vnni\n")
    monkeypatch.setattr(engine.training.config, "Path", lambda _: cpuinfo)
    assert engine.training.config.cpu_native_bf16() == "avx512_bf16"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2\n")
    assert engine.training.config.cpu_native_bf16() is None


def test_precision_auto_is_bf16_on_a_gpu_that_supports_it_else_fp16(cuda_gpu):
    cuda_gpu(True)
    assert resolve_precision("auto") == resolve_precision("auto", hidden_size=64) == "bf16"
    cuda_gpu(False)
    assert resolve_precision("auto") == "fp16"
    assert resolve_precision("fp16") == "fp16"


def test_bf16_on_a_gpu_without_it_is_refused_naming_the_gpu(cuda_gpu):
    cuda_gpu(False)

    with pytest.raises(ValueError, match="precision bf16 is not supported by Tesla T4"):
        resolve_precision("bf16")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"warmup_ratio": float("nan")}, "warmup_ratio must be a finite number, not nan"),
        ({"weight_decay": float("nan")}, "weight_decay must be a finite number, not nan"),
        ({"max_grad_norm": float("inf")}, "max_grad_norm must be a finite number, not inf"),
        ({"epochs": float("-inf")}, "epochs must be a finite number, not -inf"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite number, not nan"),
        ({"seed": float("nan")}, "seed must be a finite number, not nan"),
        ({"seed": -1}, r"seed must be a whole number in \[0, 4294967295\], not -1"),
        ({"seed": 2**32}, r"seed must be a whole number in \[0, 4294967295\], not 4294967296"),
        ({"seed": 1.5}, "seed must be a whole number"),
    ],
)
def test_non_finite_numbers_and_seeds_out_of_range_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        config(**changes)


def test_the_largest_seed_numpy_takes_is_accepted():
    assert config(seed=2**32 - 1).seed == 2**32 - 1
