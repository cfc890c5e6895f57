"""`python -m engine train`'s flags for the task options (`engine.training.task_settings.TASK_OPTIONS`).

Each flag sets the `TrainConfig` field of its name (`engine.training.reproduce.CLI_FLAGS`), defaults to None ("not
given": the config's or the preset's value stays) and says which task it belongs to.
"""

import argparse

from engine.training.task_settings import OPTION_HELP, SCHEMES, option_task


def _help(option: str) -> str:
    return f"{option_task(option)}: {OPTION_HELP[option]}"


def add_task_option_flags(train: argparse.ArgumentParser) -> None:
    """Add the task options' flags to the `train` parser."""
    options = train.add_argument_group("task options (each for one task)")
    options.add_argument("--threshold", type=float, help=_help("threshold"))
    options.add_argument(
        "--tune-thresholds", action=argparse.BooleanOptionalAction, default=None, help=_help("tune_thresholds")
    )
    options.add_argument("--delimiter", help=_help("delimiter"))
    options.add_argument("--standardize", action="store_const", const=True, help=_help("standardize"))
    options.add_argument("--label-all-tokens", action="store_const", const=True, help=_help("label_all_tokens"))
    options.add_argument("--scheme", choices=SCHEMES, help=_help("scheme"))
    options.add_argument("--stride", type=int, help=_help("stride"))
    options.add_argument("--max-answer-length", type=int, help=_help("max_answer_length"))
    options.add_argument("--n-best", type=int, help=_help("n_best"))
