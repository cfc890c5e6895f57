"""engine.training.reproduce:

A run's config becomes a `python -m engine train` command that the CLI reads back into the same config."""

import shlex

import pytest

from engine.cli.main import build_parser, train_config
from engine.training.config import TrainConfig
from engine.training.reproduce import (
    CLI_FLAGS,
    NOT_REPRODUCED,
    accelerate_command,
    portability_notes,
    reproduce_command,
    reproduction,
    train_arguments,
)

EVERY_SETTING = TrainConfig(
    dataset="sample:paraphrase",
    model="scratch:tiny",
    dataset_config="plain",
    text_column="sentence 1",  # a space: the command must quote it
    text_pair_column="sentence2",
    label_column="label",
    epochs=2.5,
    batch_size=8,
    learning_rate=3e-05,
    max_length=64,
    seed=7,
    name="it's a run",
    scheduler="cosine",
    warmup_ratio=0.05,
    weight_decay=0.0,
    gradient_accumulation_steps=2,
    max_grad_norm=0.5,
    eval_strategy="steps",
    eval_steps=10,
    metric_for_best_model="accuracy",
    load_best_model_at_end=True,
    early_stopping_patience=2,
    precision="fp32",
    auto_find_batch_size=True,
    gradient_checkpointing=True,
    resume_from_checkpoint="/somewhere/checkpoint-10",
)


def _read_back(command: str) -> TrainConfig:
    words = shlex.split(command)
    return train_config(build_parser().parse_args(words[words.index("train") :]))


@pytest.mark.parametrize(
    "config", [EVERY_SETTING, TrainConfig(dataset="sample:sentiment", model="scratch:small")], ids=["all", "defaults"]
)
def test_the_command_reads_back_as_the_same_config_trained_from_the_start(config):
    again = _read_back(reproduce_command(config, "out"))

    assert again == TrainConfig.from_dict(config.to_dict() | {"resume_from_checkpoint": None})


def test_every_setting_has_a_flag_the_cli_knows():
    from dataclasses import fields

    settable = {item.name for item in fields(TrainConfig)} - set(NOT_REPRODUCED)
    assert set(CLI_FLAGS) == settable
    options = build_parser()._subparsers._group_actions[0].choices["train"]._option_string_actions
    assert [flag for flag in CLI_FLAGS.values() if flag not in options] == []


def test_the_command_trains_into_its_output_folder_and_names_every_setting_explicitly():
    config = TrainConfig(dataset="sample:sentiment", model="scratch:small").with_defaults()
    command = reproduce_command(config, "run-3")

    assert command.startswith("python -m engine train --dataset sample:sentiment --model scratch:small")
    assert command.endswith("--output-dir run-3")
    # Defaults spelled out: a later change of a default cannot change what this command trains.
    assert "--epochs 10.0" in command and "--lr 0.0005" in command and "--seed 42" in command


def test_the_accelerate_form_runs_the_same_command_under_accelerate_launch():
    assert accelerate_command(EVERY_SETTING, "out") == "accelerate launch -m engine " + shlex.join(
        ["train", *train_arguments(EVERY_SETTING), "--output-dir", "out"]
    )


def test_a_bundled_sample_and_scratch_model_travel_without_notes():
    assert portability_notes(TrainConfig(dataset="sample:topics", model="scratch:tiny")) == []


def test_what_exists_only_here_is_named_in_a_note(tmp_path):
    (tmp_path / "train.csv").write_text("text,label\na,x\n")
    notes = portability_notes(TrainConfig(dataset=str(tmp_path), model="job:3"))

    assert len(notes) == 2
    assert str(tmp_path) in notes[0] and "copy it" in notes[0]
    assert "job:3" in notes[1] and "download it" in notes[1]


def test_the_text_shows_the_notes_as_shell_comments_above_both_commands(tmp_path):
    text = reproduction(TrainConfig(dataset=str(tmp_path), model="scratch:tiny"), "out").text()
    lines = text.splitlines()

    assert lines[0].startswith("# The dataset is a file or folder on this machine")
    assert lines[1].startswith("python -m engine train") and lines[-1].startswith("accelerate launch")
