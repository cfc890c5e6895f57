"""A run as a command that reproduces it on another machine: `python -m engine train ... --output-dir DIR`.

The command names the dataset and the model by the references the run used and spells out every setting, so a
later change of a default cannot change what it trains. With `--output-dir` the command trains right where it runs
(in each process `accelerate launch` starts, for several GPUs) and writes the model into that folder: it needs no
job database and no server. What cannot travel (a file or folder on this server, another job's model) is said in
notes beside the command.
"""

import shlex
from dataclasses import dataclass, fields
from pathlib import Path

from engine.datasets.sources import SAMPLE_PREFIX
from engine.models.refs import JOB, LOCAL, parse_model_ref
from engine.training.config import TrainConfig

# TrainConfig field -> the `python -m engine train` flag that sets it; the CLI's parser follows this table.
# `resume_from_checkpoint` has no flag: a reproduction trains from the start.
CLI_FLAGS = {
    "dataset": "--dataset",
    "model": "--model",
    "dataset_config": "--config",
    "task": "--task",
    "columns": "--column",
    "text_column": "--text-column",
    "text_pair_column": "--text-pair-column",
    "label_column": "--label-column",
    "threshold": "--threshold",
    "tune_thresholds": "--tune-thresholds",
    "delimiter": "--delimiter",
    "standardize": "--standardize",
    "label_all_tokens": "--label-all-tokens",
    "scheme": "--scheme",
    "stride": "--stride",
    "max_answer_length": "--max-answer-length",
    "n_best": "--n-best",
    "epochs": "--epochs",
    "batch_size": "--batch-size",
    "learning_rate": "--lr",
    "max_length": "--max-length",
    "seed": "--seed",
    "name": "--name",
    "scheduler": "--scheduler",
    "warmup_ratio": "--warmup-ratio",
    "weight_decay": "--weight-decay",
    "gradient_accumulation_steps": "--grad-accum",
    "max_grad_norm": "--max-grad-norm",
    "eval_strategy": "--eval-strategy",
    "eval_steps": "--eval-steps",
    "load_best_model_at_end": "--keep-best",
    "metric_for_best_model": "--metric",
    "early_stopping_patience": "--early-stopping",
    "precision": "--precision",
    "auto_find_batch_size": "--auto-batch-size",
    "gradient_checkpointing": "--gradient-checkpointing",
}
# Settings that are on or off: the flag alone turns them on, and off is the default.
SWITCHES = (
    "load_best_model_at_end",
    "auto_find_batch_size",
    "gradient_checkpointing",
    "standardize",
    "label_all_tokens",
)
# Settings that are on by default: only off is written, as `--no-<flag>`.
ON_BY_DEFAULT = ("tune_thresholds",)
NOT_REPRODUCED = ("resume_from_checkpoint",)


def train_arguments(config: TrainConfig) -> list[str]:
    """The `python -m engine train` arguments that set every field of `config` (but the checkpoint to resume)."""
    arguments = []
    for item in fields(TrainConfig):
        value = getattr(config, item.name)
        if item.name in NOT_REPRODUCED or value is None:
            continue
        if item.name in SWITCHES:
            arguments += [CLI_FLAGS[item.name]] if value else []
        elif item.name in ON_BY_DEFAULT:
            arguments += [] if value else [f"--no-{CLI_FLAGS[item.name][2:]}"]
        elif isinstance(value, dict):  # --column ROLE=NAME, once per role
            arguments += [
                part for role, column in value.items() for part in (CLI_FLAGS[item.name], f"{role}={column}")
            ]
        else:
            arguments += [CLI_FLAGS[item.name], repr(value) if isinstance(value, float) else str(value)]
    return arguments


def reproduce_command(config: TrainConfig, output_dir: str = "run") -> str:
    """One shell line that trains `config` again into `output_dir`, on any machine with Finetune Studio."""
    return shlex.join(["python", "-m", "engine", "train", *train_arguments(config), "--output-dir", output_dir])


def accelerate_command(config: TrainConfig, output_dir: str = "run") -> str:
    """The same run under `accelerate launch`: on every GPU of the machine that `accelerate config` describes."""
    arguments = ["accelerate", "launch", "-m", "engine", "train", *train_arguments(config), "--output-dir", output_dir]
    return shlex.join(arguments)


def portability_notes(config: TrainConfig) -> list[str]:
    """What the command names that exists only on this machine, and what to do about it."""
    notes = []
    if not config.dataset.startswith(SAMPLE_PREFIX) and Path(config.dataset).expanduser().exists():
        notes.append(
            f"The dataset is a file or folder on this machine ({config.dataset}): copy it to the other machine "
            "and change --dataset to where it lands."
        )
    ref = parse_model_ref(config.model)
    if ref.kind == JOB:
        notes.append(
            f"{config.model} is a model trained on this server: download it (Try tab, Share) and give its folder "
            "as --model."
        )
    elif ref.kind == LOCAL:
        notes.append(f"The model is a folder on this machine ({config.model}): copy it and change --model.")
    return notes


@dataclass(frozen=True)
class Reproduction:
    """How to train a run again elsewhere: the command, its `accelerate launch` form, and what cannot travel."""

    command: str
    accelerate: str
    notes: tuple[str, ...]

    def text(self) -> str:
        """The two commands and the notes, as a person reads them (comment lines are shell comments)."""
        notes = "".join(f"# {note}\n" for note in self.notes)
        gpus = "# on every GPU of a machine that `accelerate config` set up:"
        return f"{notes}{self.command}\n{gpus}\n{self.accelerate}\n"


def reproduction(config: TrainConfig, output_dir: str = "run") -> Reproduction:
    """The commands that train `config` again into `output_dir`, with the notes on what only exists here."""
    return Reproduction(
        reproduce_command(config, output_dir), accelerate_command(config, output_dir), tuple(portability_notes(config))
    )
