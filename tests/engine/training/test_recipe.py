"""engine.training.recipe: a TrainConfig becomes TrainingArguments and callbacks, and the recipe trains as it says.

The training tests run scratch:tiny on 60 short reviews for 1 to 4 epochs of 4 steps: a few seconds each.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, DataCollatorWithPadding, EarlyStoppingCallback, Trainer, TrainerCallback

import engine.training.config
from engine.models.loading import resolve_model
from engine.models.refs import parse_model_ref
from engine.training.config import TrainConfig, planned_steps
from engine.training.data import TrainingData, prepare_training_data, tokenize_splits
from engine.training.metrics import compute_metrics
from engine.training.recipe import (
    SAVE_TOTAL_LIMIT,
    NoFinalCheckpoint,
    callbacks_for,
    classifier_model,
    describe_hardware,
    final_metrics,
    training_arguments,
    training_devices,
)


@pytest.fixture(autouse=True)
def cpu_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same arguments on any machine: these tests describe the CPU case."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def config(**changes) -> TrainConfig:
    return TrainConfig(**{"dataset": "sample:topics", "model": "scratch:tiny", **changes}).with_defaults()


def arguments(tmp_path: Path, total_steps: int = 100, **changes):
    return training_arguments(config(**changes), tmp_path, total_steps)


def test_the_optimiser_settings_reach_the_training_arguments(tmp_path):
    made = arguments(
        tmp_path,
        scheduler="cosine",
        warmup_ratio=0.2,
        weight_decay=0.05,
        gradient_accumulation_steps=4,
        max_grad_norm=0.5,
        learning_rate=1e-4,
        batch_size=8,
    )

    assert (made.lr_scheduler_type.value, made.warmup_steps, made.weight_decay) == ("cosine", 0.2, 0.05)
    assert (made.gradient_accumulation_steps, made.max_grad_norm, made.learning_rate) == (4, 0.5, 1e-4)
    assert (made.per_device_train_batch_size, made.per_device_eval_batch_size) == (8, 16)


def test_the_defaults_keep_the_course_recipe_quiet_and_length_grouped(tmp_path, monkeypatch):
    monkeypatch.setattr(engine.training.config, "cpu_native_bf16", lambda: None)  # a CPU without native bf16
    made = arguments(tmp_path)

    assert (made.lr_scheduler_type.value, made.warmup_steps, made.weight_decay) == ("linear", 0.1, 0.01)
    assert made.train_sampling_strategy == "group_by_length"
    assert (made.report_to, made.disable_tqdm) == ([], True)
    assert (made.bf16, made.fp16, made.use_cpu) == (False, False, True)
    assert (made.auto_find_batch_size, made.activation_checkpointing) == (False, False)
    assert made.num_train_epochs == 10.0  # the scratch default, filled by with_defaults


def test_logging_is_spaced_to_about_fifty_points_a_run(tmp_path):
    assert arguments(tmp_path, total_steps=500).logging_steps == 10
    assert arguments(tmp_path, total_steps=20).logging_steps == 1


def test_each_evaluation_saves_a_checkpoint_keeping_few(tmp_path):
    made = arguments(tmp_path)

    assert (made.eval_strategy.value, made.save_strategy.value) == ("epoch", "epoch")
    assert made.save_total_limit == SAVE_TOTAL_LIMIT == 2
    assert made.load_best_model_at_end is False
    assert (made.metric_for_best_model, made.greater_is_better) == ("f1", True)


def test_evaluating_every_n_steps_saves_on_the_same_steps(tmp_path):
    made = arguments(tmp_path, eval_strategy="steps", eval_steps=5, load_best_model_at_end=True)

    assert (made.eval_strategy.value, made.eval_steps) == ("steps", 5)
    assert (made.save_strategy.value, made.save_steps) == ("steps", 5)
    assert made.load_best_model_at_end is True


def test_keeping_the_lowest_loss_means_lower_is_better(tmp_path):
    made = arguments(tmp_path, metric_for_best_model="loss", load_best_model_at_end=True)

    assert (made.metric_for_best_model, made.greater_is_better) == ("loss", False)


def test_the_speed_options_reach_the_training_arguments(tmp_path):
    made = arguments(tmp_path, auto_find_batch_size=True, gradient_checkpointing=True)

    assert (made.auto_find_batch_size, made.activation_checkpointing) == (True, True)


def test_overrides_win_over_the_config(tmp_path):
    made = training_arguments(config(), tmp_path, 100, save_total_limit=5, learning_rate=1e-3)

    assert (made.save_total_limit, made.learning_rate) == (5, 1e-3)


def test_the_benchmark_call_without_evaluation_also_turns_off_saving_and_keep_best(tmp_path):
    keep_best = config(load_best_model_at_end=True, early_stopping_patience=2)

    made = training_arguments(
        keep_best,
        tmp_path,
        total_steps=1,
        max_steps=3,
        eval_strategy="no",
        logging_strategy="no",
        train_sampling_strategy="random",
    )

    assert (made.eval_strategy.value, made.save_strategy.value) == ("no", "no")
    assert made.load_best_model_at_end is False
    assert (made.max_steps, made.train_sampling_strategy) == (3, "random")


def test_fp16_on_the_cpu_is_refused_before_any_training(tmp_path):
    with pytest.raises(ValueError, match="precision fp16 needs a CUDA GPU"):
        arguments(tmp_path, precision="fp16")


def test_bf16_on_a_cpu_with_native_bf16_trains_under_cpu_autocast(tmp_path, monkeypatch):
    monkeypatch.setattr(engine.training.config, "cpu_native_bf16", lambda: "amx_bf16")

    made = arguments(tmp_path, precision="bf16")

    assert made.bf16 and made.use_cpu and not made.fp16


def test_auto_trains_a_wide_model_in_bf16_on_a_native_bf16_cpu_and_a_narrow_one_in_fp32(tmp_path, monkeypatch):
    monkeypatch.setattr(engine.training.config, "cpu_native_bf16", lambda: "avx512_bf16")
    steps = planned_steps(config(), 54)

    wide = training_arguments(config(precision="auto"), tmp_path, steps, hidden_size=384)
    narrow = training_arguments(config(precision="auto"), tmp_path, steps, hidden_size=64)

    assert wide.bf16 and not narrow.bf16


def test_without_early_stopping_the_only_callback_skips_the_unusable_final_checkpoint():
    assert [type(callback) for callback in callbacks_for(config())] == [NoFinalCheckpoint]


def test_early_stopping_becomes_a_callback_with_its_patience():
    _, callback = callbacks_for(config(load_best_model_at_end=True, early_stopping_patience=3))

    assert isinstance(callback, EarlyStoppingCallback)
    assert callback.early_stopping_patience == 3


def test_the_cpu_is_described_with_its_cores_and_the_threads_training_uses(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert describe_hardware().startswith("CPU: ")
    assert describe_hardware().endswith(" cores, 1 thread)")
    assert describe_hardware(processes=2).endswith(" cores, 1 thread each)")
    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    assert describe_hardware().endswith(" cores, 4 threads)")
    assert training_devices() == 1


def test_gpus_are_described_by_count_and_name(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA H200")

    assert describe_hardware() == "2 × NVIDIA H200"  # one process spreads each batch over both
    assert describe_hardware(processes=4) == "4 × NVIDIA H200"


@pytest.fixture
def reviews(tiny_csv_folder) -> TrainingData:
    """60 reviews: 54 to train on (4 batches of 16), 6 to validate on."""
    return prepare_training_data(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"))


def build_trainer(data: TrainingData, train_config: TrainConfig, output_dir: Path) -> Trainer:
    """The worker's Trainer, without the job database."""
    path = resolve_model(parse_model_ref(train_config.model), data.train_texts, train_config.seed)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenized = tokenize_splits(data, tokenizer, train_config.max_length, ("train", "validation"))
    return Trainer(
        model=classifier_model(path, data.label_names),
        args=training_arguments(train_config, output_dir, planned_steps(train_config, len(tokenized["train"]))),
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=callbacks_for(train_config),
    )


def test_early_stopping_ends_the_run_once_the_metric_stops_improving(reviews, tmp_path):
    # A learning rate this small changes nothing: the score never improves after the first evaluation.
    stalled = config(epochs=4.0, learning_rate=1e-9, load_best_model_at_end=True, early_stopping_patience=1)

    trainer = build_trainer(reviews, stalled, tmp_path)
    trainer.train()

    assert trainer.state.epoch == 2.0  # the first evaluation set the best, the second did not beat it
    assert trainer.state.global_step == 8 < trainer.state.max_steps == 16


def test_keep_best_ends_with_the_best_checkpoints_model_and_keeps_the_last_for_resuming(reviews, tmp_path):
    keep_best = config(epochs=3.0, load_best_model_at_end=True, metric_for_best_model="loss")

    trainer = build_trainer(reviews, keep_best, tmp_path)
    trainer.train()

    losses = [entry["eval_loss"] for entry in trainer.state.log_history if "eval_loss" in entry]
    assert trainer.state.best_metric == min(losses)
    assert trainer.evaluate()["eval_loss"] == pytest.approx(min(losses))
    kept = sorted(path.name for path in tmp_path.glob("checkpoint-*"))
    assert Path(trainer.state.best_model_checkpoint).name in kept
    assert "checkpoint-12" in kept and len(kept) <= SAVE_TOTAL_LIMIT


class StopAfterTheFirstEpoch(TrainerCallback):
    """A user's Stop at the end of epoch 1 (of 2): the run saves a checkpoint there and ends."""

    def on_epoch_end(self, args, state, control, **kwargs):
        control.should_training_stop = True


def test_a_run_resumes_from_its_checkpoint_where_it_stopped(reviews, tmp_path):
    stopped = build_trainer(reviews, config(epochs=2.0), tmp_path)
    stopped.add_callback(StopAfterTheFirstEpoch())
    stopped.train()
    checkpoint = tmp_path / "checkpoint-4"
    assert json.loads((checkpoint / "trainer_state.json").read_text())["global_step"] == 4

    resumed = build_trainer(reviews, config(epochs=2.0), tmp_path)
    resumed.train(resume_from_checkpoint=str(checkpoint))

    train_logs = [entry for entry in resumed.state.log_history if "loss" in entry]
    assert resumed.state.global_step == 8
    assert train_logs[0]["step"] == 1 and train_logs[-1]["step"] == 8  # the history continues, not restarts


def test_gradient_checkpointing_trains_on_the_cpu(reviews, tmp_path):
    trainer = build_trainer(reviews, config(epochs=1.0, gradient_checkpointing=True), tmp_path)

    output = trainer.train()

    assert output.global_step == 4
    assert trainer.model.is_gradient_checkpointing


def test_a_run_saves_the_model_its_config_metrics_trainer_state_and_card_and_reports_typed_events(
    tiny_csv_folder, tmp_path, monkeypatch
):
    from engine.training.events import EvalEvent, Progress, SummaryEvent, TrainEvent
    from engine.training.run import RunFolders, StudioTrainer, train

    def no_second_pass(*args, **kwargs):
        raise AssertionError("the card's table and the tuned options come from the evaluation that scored the model")

    monkeypatch.setattr(StudioTrainer, "predict", no_second_pass)

    run = config(dataset=str(tiny_csv_folder), epochs=2.0, load_best_model_at_end=True, early_stopping_patience=1)
    folders = RunFolders(tmp_path / "checkpoints", tmp_path / "model", tmp_path / "trainer_state.json")
    reports = []

    metrics = train(run, folders, reports.append, should_stop=lambda: False)

    assert set(metrics) == {"loss", "accuracy", "f1", "precision", "recall"}
    assert {type(report) for report in reports} == {Progress, TrainEvent, EvalEvent, SummaryEvent}
    assert Progress(8, 8, 2.0) in reports  # the end of training, whose last step need not be a logging step
    saved = {path.name for path in folders.model.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md"} <= saved
    assert json.loads((folders.model / "metrics.json").read_text()) == metrics
    assert TrainConfig.from_dict(json.loads((folders.model / "training_config.json").read_text())) == run
    state = json.loads(folders.trainer_state.read_text())
    assert state["global_step"] == 8 and state["best_metric"] is not None
    assert "Hardware: CPU: " in (folders.model / "README.md").read_text()


def test_a_run_writes_no_checkpoint_at_its_last_step_and_ends_on_its_last_evaluation(reviews, tmp_path):
    two_epochs = config(epochs=2.0)

    trainer = build_trainer(reviews, two_epochs, tmp_path)
    trainer.train()

    # Epoch 1's checkpoint stays for a resume; the last step's would be deleted unread once the job completes.
    assert sorted(path.name for path in tmp_path.glob("checkpoint-*")) == ["checkpoint-4"]
    last = final_metrics(trainer.state.log_history, trainer.state.global_step, None)
    assert last is not None and last["step"] == trainer.state.global_step == 8
    assert last["eval_loss"] == pytest.approx(trainer.evaluate()["eval_loss"])  # the same numbers, without the pass


def test_evaluation_batches_come_sorted_by_length_so_each_pads_only_to_rows_like_its_own(reviews, tmp_path):
    trainer = build_trainer(reviews, config(batch_size=8), tmp_path)
    split = trainer.train_dataset  # 54 rows of varied length: 4 evaluation batches of 16

    lengths = [int(n) for batch in trainer.get_eval_dataloader(split) for n in batch["attention_mask"].sum(dim=1)]

    assert sorted(lengths) == sorted(len(ids) for ids in split["input_ids"])  # every row, once
    assert lengths == sorted(lengths, reverse=True)  # transformers 5 length-groups evaluation like training


def test_keep_best_reads_the_best_checkpoints_evaluation_and_an_unevaluated_end_reads_none():
    history = [
        {"step": 4, "eval_loss": 0.5, "eval_f1": 0.8},
        {"step": 8, "eval_loss": 0.7, "eval_f1": 0.6},
        {"step": 9, "loss": 0.4},
    ]

    assert final_metrics(history, 8, "/run/checkpoints/checkpoint-4")["eval_f1"] == 0.8
    assert final_metrics(history, 8, None)["eval_f1"] == 0.6
    assert final_metrics(history, 9, None) is None  # stopped between evaluations: evaluate the final model


def test_kept_predictions_are_those_of_the_last_and_the_best_evaluated_steps():
    from types import SimpleNamespace

    from transformers import EvalPrediction

    from engine.training.kept_predictions import KeptPredictions

    kept = KeptPredictions(lambda prediction: {"f1": float(prediction.predictions.sum())})
    state = SimpleNamespace(global_step=0, best_model_checkpoint=None)
    for step, value, best in ((4, 1.0, None), (8, 2.0, "/run/checkpoint-4"), (12, 3.0, "/run/checkpoint-4")):
        state.global_step, state.best_model_checkpoint = step, best
        assert kept.compute_metrics(EvalPrediction(np.full(2, value), np.zeros(2))) == {"f1": 2 * value}
        kept.on_evaluate(None, state, None)

    assert kept.outputs_at(4).tolist() == [1.0, 1.0]  # the best checkpoint's, kept for keep-best
    assert kept.outputs_at(12).tolist() == [3.0, 3.0]  # the last step's
    assert kept.outputs_at(8) is None  # neither: dropped
