"""`python -m engine`: every capability of the app from the command line, through the same code.

Each command prints readable text, or with `--json` one JSON object on the last line of stdout.
Wrong input (a `StudioError`) ends with a one-line `error: ...` on stderr and exit code 2; a training run that
fails, exit code 1; any other exception is a bug and ends with its traceback and exit code 1.
"""

import argparse
import logging
import sys
from dataclasses import asdict, replace

from engine.cli.output import emit
from engine.cli.task_option_flags import add_task_option_flags
from engine.common.errors import USER_ERRORS, MissingFileError, StudioError
from engine.tokenizer.inspection import PADDING_CHOICES, TRUNCATION_CHOICES


def cmd_data(args: argparse.Namespace) -> int:
    from engine.datasets.sources import summarize

    summary, splits = summarize(args.source, args.config)
    lines = [f"{name}: {rows} rows" for name, rows in summary.splits.items()]
    lines += [f"feature {name}: {kind}" for name, kind in summary.features.items()]
    lines += [f"labels: {', '.join(summary.label_names) or '-'}", *summary.notes]
    emit(asdict(summary), args.json, "\n".join(lines))
    return 0


def _token_input(args: argparse.Namespace):
    from pathlib import Path

    from engine.tokenizer.inspection import TokenInput

    if args.batch_file is None:
        if args.text is None:
            raise StudioError("give a TEXT to tokenize, or --batch-file FILE")
        return TokenInput.single(args.text, args.pair)
    if args.text is not None or args.pair is not None:
        raise StudioError("--batch-file replaces TEXT and --pair: put pairs on its lines as 'text<TAB>second text'")
    path = Path(args.batch_file)
    if not path.is_file():
        raise MissingFileError(f"no such batch file: {path}")
    return TokenInput.from_lines(path.read_text(encoding="utf-8"))


def cmd_tokenize(args: argparse.Namespace) -> int:
    from engine.cli.token_report import format_report, inspection_report
    from engine.models.loading import load_tokenizer
    from engine.tokenizer.compare import compare_tokenizers
    from engine.tokenizer.inspection import TokenizeOptions, inspect_tokens

    options = TokenizeOptions(
        add_special_tokens=not args.no_special_tokens,
        padding=args.padding,
        truncation=args.truncation,
        max_length=args.max_length,
        stride=args.stride,
        return_overflowing_tokens=args.overflow,
    )
    inputs = _token_input(args)
    tokenizer = load_tokenizer(args.tokenizer)
    inspection = inspect_tokens(tokenizer, inputs, options)
    comparison = None
    if args.compare:
        comparison = (args.compare, compare_tokenizers(tokenizer, load_tokenizer(args.compare), inputs))
    report = inspection_report(args.tokenizer, tokenizer, inspection, comparison)
    emit(report, args.json, format_report(report))
    return 0


def _print_progress(job) -> None:
    loss = f" loss {job.loss:.4f}" if job.loss is not None else ""
    print(f"job {job.id}: step {job.step}/{job.total_steps or '?'}{loss}", file=sys.stderr, flush=True)


def _train_flags() -> dict[str, str]:
    """`train` flag destination -> TrainConfig field, for the flags that default to None ("not given")."""
    from engine.training.reproduce import CLI_FLAGS

    given_first = ("dataset", "model", "dataset_config", "task", "columns")  # required, or read apart
    return {flag[2:].replace("-", "_"): field for field, flag in CLI_FLAGS.items() if field not in given_first}


def _print_event(event) -> None:
    """A training run's report as one line on stderr: the step reached (with the loss), and each evaluation."""
    from engine.training.events import EvalEvent, Progress

    if isinstance(event, Progress) and event.total_steps:
        loss = f" loss {event.loss:.4f}" if event.loss is not None else ""
        print(f"step {event.step}/{event.total_steps}{loss}", file=sys.stderr, flush=True)
    elif isinstance(event, EvalEvent):
        scores = ", ".join(f"{name} {value:.4f}" for name, value in event.values.items() if name in ("loss", "f1"))
        print(f"evaluation at step {event.step}: {scores}", file=sys.stderr, flush=True)


def _train_here(config, args: argparse.Namespace) -> int:
    """Train in this process (each process under `accelerate launch`) into `--output-dir`: no job, no database."""
    from pathlib import Path

    from engine.training.checks import check_config
    from engine.training.recipe import process_state
    from engine.training.run import RunFolders, train

    checked = check_config(config).config
    output = Path(args.output_dir).expanduser().resolve()
    folders = RunFolders(output / "checkpoints", output / "model", output / "trainer_state.json")
    metrics = train(checked, folders, report=_print_event, should_stop=lambda: False)
    if process_state().is_main_process:
        shown = [k for k in metrics if k in ("accuracy", "f1")] or [k for k in metrics if k != "loss"]
        scores = ", ".join(f"{k} {metrics[k]:.4f}" for k in shown)
        emit({"output_dir": str(folders.model), "metrics": metrics}, args.json, f"{scores} -> {folders.model}")
    return 0


def train_config(args: argparse.Namespace):
    """The `TrainConfig` that `train`'s arguments describe: the preset's values, then the flags given."""
    from engine.training.config import TrainConfig
    from engine.training.presets import apply_preset

    config = TrainConfig(
        dataset=args.dataset,
        model=args.model,
        dataset_config=args.config,
        task=args.task,
        columns=_column_roles(args.column),
    )
    if args.preset:
        config = apply_preset(config, args.preset.replace("-", " "))
    # Flags the user gave win over the preset; the others keep the preset's or the config's defaults.
    given = {field: getattr(args, dest) for dest, field in _train_flags().items() if getattr(args, dest) is not None}
    return replace(config, **given)


def _column_roles(values: list[str] | None) -> dict[str, str] | None:
    """`--column ROLE=NAME` flags as a role -> column mapping.

    Raises:
        StudioError: a value that is not ROLE=NAME, or a role given twice, naming the flag.
    """
    roles: dict[str, str] = {}
    for value in values or []:
        role, separator, column = value.partition("=")
        if not separator or not role.strip() or not column.strip():
            raise StudioError(f"--column takes ROLE=NAME (tokens=words, answers=answers), not {value!r}")
        if role.strip() in roles:
            raise StudioError(f"--column names the {role.strip()} role twice")
        roles[role.strip()] = column.strip()
    return roles or None


def config_from_args(args: argparse.Namespace):
    """`train`'s `TrainConfig`: from `--config FILE.yaml` (an exported run's settings) with the flags given beside it
    winning over the file's values, else from the flags alone."""
    from engine.training.config_file import is_config_file, read_config

    if not is_config_file(args.config):
        if not args.dataset or not args.model:
            raise StudioError("train needs --dataset and --model, or --config FILE.yaml with the run's settings")
        return train_config(args)
    from engine.training.presets import apply_preset

    config = read_config(args.config)
    named = {"dataset": args.dataset, "model": args.model}
    named |= {"task": args.task, "columns": _column_roles(args.column)}
    config = replace(config, **{field: value for field, value in named.items() if value is not None})
    if args.preset:
        config = apply_preset(config, args.preset.replace("-", " "))
    given = {field: getattr(args, dest) for dest, field in _train_flags().items() if getattr(args, dest) is not None}
    return replace(config, **given)


def cmd_train(args: argparse.Namespace) -> int:
    from engine.jobs.actions import start_job, wait_for_job

    config = config_from_args(args)
    if args.output_dir and not args.dry_run:
        return _train_here(config, args)
    if args.dry_run:
        from engine.jobs.catalog import past_runs
        from engine.training.plan import plan_training

        plan = plan_training(config, past_runs())
        emit(asdict(plan) | {"summary": plan.summary()}, args.json, plan.summary())
        return 0
    job = start_job(config)
    print(f"job {job.id} {job.status}; log: {job.log_path}", file=sys.stderr, flush=True)
    if args.detach:
        payload = {"job_id": job.id, "status": job.status, "output_dir": str(job.model_dir), "log": str(job.log_path)}
        emit(payload, args.json, f"job {job.id} {job.status} in the background; follow it with: job {job.id}")
        return 0
    job = wait_for_job(job.id, on_progress=_print_progress)
    payload = {
        "job_id": job.id,
        "status": job.status,
        "output_dir": str(job.model_dir),
        "metrics": job.metrics,
        "error": job.error,
    }
    # The task's own scores, in the order the run wrote them (accuracy and F1; exact match and F1; MSE, RMSE...).
    scores = [(k, v) for k, v in job.metrics.items() if k != "loss" and isinstance(v, int | float)][:3]
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in scores)
    emit(payload, args.json, f"job {job.id} {job.status}: {metrics or job.error} -> {job.model_dir}")
    if job.status != "completed":
        print(f"error: training job {job.id} {job.status}: {(job.error or '').splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


def _job_payload(job, store) -> dict:
    return job.to_dict() | {"queue_position": store.queue_position(job), "reproduce": _reproduce(job)}


def _reproduce(job) -> str | None:
    """The command that trains this job again on any machine (None when its stored settings cannot be read)."""
    from engine.jobs.catalog import job_reproduction

    reproduced = job_reproduction(job)
    return reproduced.command if reproduced else None


def cmd_jobs(args: argparse.Namespace) -> int:
    from engine.jobs.queue import advance_queue
    from engine.jobs.store import JobStore

    store = JobStore()
    advance_queue(store)  # marks dead jobs and starts queued ones, as the app does when it looks
    jobs = store.list()
    lines = [
        f"{job.id:>4} {job.status:<10} {job.config['model']:<24} {job.config['dataset']:<24} "
        f"acc {job.metrics.get('accuracy', float('nan')):.3f}"
        for job in jobs
    ]
    emit({"jobs": [_job_payload(job, store) for job in jobs]}, args.json, "\n".join(lines) or "no training jobs yet")
    return 0


def cmd_job(args: argparse.Namespace) -> int:
    from engine.jobs.queue import advance_queue
    from engine.jobs.store import JobStore

    store = JobStore()
    advance_queue(store)
    job = store.get(args.id)
    payload = _job_payload(job, store) | {"events": store.events(job.id)[-5:] if args.json else []}
    lines = [f"job {job.id} {job.status} on {job.device}: step {job.step}/{job.total_steps}"]
    lines += [f"{name} {value:.4f}" for name, value in job.metrics.items()]
    lines += [f"error ({job.error_category}): {job.error}"] if job.error else []
    emit(payload, args.json, "\n".join(lines))
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from engine.jobs.actions import stop_job

    job = stop_job(args.id, wait=True, grace_s=args.grace)
    emit(job.to_dict(), args.json, f"job {job.id} {job.status}")
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from engine.jobs.actions import resume_job

    job = resume_job(args.id)
    emit(job.to_dict(), args.json, f"job {job.id} {job.status}, resuming from {job.config['resume_from_checkpoint']}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from engine.jobs.actions import delete_job

    delete_job(args.id)
    emit({"deleted": args.id}, args.json, f"job {args.id} deleted")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from engine.cli.compare_commands import add_compare_commands
    from engine.cli.dataset_commands import add_dataset_commands
    from engine.cli.run_export_commands import add_run_export_commands
    from engine.cli.sweep_commands import add_sweep_commands
    from engine.cli.try_commands import add_try_commands
    from engine.training.config import EVAL_STRATEGIES, INFER_TASK, PRECISIONS, SCHEDULERS, TASK_METRICS
    from engine.training.defaults import defaults_help
    from engine.training.presets import PRESETS

    parser = argparse.ArgumentParser(prog="python -m engine", description="Finetune Studio's engine.")
    commands = parser.add_subparsers(dest="command", required=True)
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print one JSON object on the last line")

    data = commands.add_parser("data", parents=[as_json], help="describe a dataset source")
    data.add_argument("source", help="sample:<name>, a file, a folder or a Hub dataset id")
    data.add_argument("--config", help="Hub dataset configuration name")
    data.set_defaults(run=cmd_data)

    tokenize = commands.add_parser("tokenize", parents=[as_json], help="show what a tokenizer returns")
    tokenize.add_argument("text", nargs="?", help="the text (or give --batch-file)")
    tokenize.add_argument("--tokenizer", required=True, help="model reference whose tokenizer to use")
    tokenize.add_argument("--pair", help="second text of a pair")
    tokenize.add_argument("--batch-file", metavar="FILE", help="one text per line, or 'text<TAB>second text'")
    tokenize.add_argument("--padding", choices=PADDING_CHOICES, default="do_not_pad")
    tokenize.add_argument(
        "--truncation",
        choices=TRUNCATION_CHOICES,
        default="none",
        metavar="STRATEGY",
        help=", ".join(TRUNCATION_CHOICES),
    )
    tokenize.add_argument("--max-length", type=int)
    tokenize.add_argument("--stride", type=int, default=0, help="tokens shared by consecutive overflow windows")
    tokenize.add_argument("--overflow", action="store_true", help="return_overflowing_tokens: windows of max length")
    tokenize.add_argument("--no-special-tokens", action="store_true", help="add_special_tokens=False")
    tokenize.add_argument("--compare", metavar="MODEL", help="another model reference whose tokenizer to compare")
    tokenize.set_defaults(run=cmd_tokenize)

    train = commands.add_parser("train", parents=[as_json], help="fine-tune a model for one of the tasks")
    train.add_argument("--dataset", help="required, unless --config names a config.yaml")
    train.add_argument("--model", help="required, unless --config names a config.yaml")
    train.add_argument(
        "--config", help="Hub dataset configuration name, or a .yaml file of settings (flags given win over it)"
    )
    train.add_argument(
        "--task",
        choices=[*TASK_METRICS, INFER_TASK],
        help=f"{', '.join(TASK_METRICS)}; default: {INFER_TASK}, inferred from the data's columns "
        "(or the config file's task)",
    )
    train.add_argument(
        "--column",
        action="append",
        metavar="ROLE=NAME",
        help="the column of one of the task's roles (repeatable): text, text_pair, label, labels, tokens, tags, "
        "question, context, answers, id",
    )
    train.add_argument("--text-column")
    train.add_argument("--text-pair-column")
    train.add_argument("--label-column")
    add_task_option_flags(train)
    train.add_argument("--epochs", type=float, help=defaults_help("epochs").replace("empty", "default"))
    train.add_argument("--batch-size", type=int, help="default: 16")
    train.add_argument("--lr", type=float, help=defaults_help("learning_rate").replace("empty", "default"))
    train.add_argument("--max-length", type=int, help="default: 128 tokens")
    train.add_argument("--seed", type=int, help="default: 42")
    train.add_argument("--name", help="a name for the job")
    train.add_argument(
        "--preset",
        choices=[name.replace(" ", "-") for name in PRESETS],
        help="; ".join(f"{name.replace(' ', '-')}: {preset.explanation}" for name, preset in PRESETS.items()),
    )
    train.add_argument("--scheduler", choices=SCHEDULERS, help="learning-rate decay after warm-up (default: linear)")
    train.add_argument("--warmup-ratio", type=float, help="share of the updates spent warming up (default: 0.1)")
    train.add_argument("--weight-decay", type=float, help="AdamW weight decay (default: 0.01)")
    train.add_argument("--grad-accum", type=int, help="batches per optimizer update (default: 1)")
    train.add_argument("--max-grad-norm", type=float, help="gradient clipping (default: 1.0)")
    train.add_argument("--eval-strategy", choices=EVAL_STRATEGIES, help="evaluate each epoch or every N steps")
    train.add_argument("--eval-steps", type=int, help="with --eval-strategy steps: updates between evaluations")
    train.add_argument("--keep-best", action="store_const", const=True, help="end with the best evaluated checkpoint")
    train.add_argument(
        "--metric",
        metavar="METRIC",
        help="what 'best' means: loss or one of the task's metrics (default: the task's own, f1 for text "
        "classification, rmse for regression)",
    )
    train.add_argument("--early-stopping", type=int, metavar="PATIENCE", help="stop after N evaluations without gain")
    train.add_argument("--precision", choices=PRECISIONS, help="auto: bf16/fp16 on GPUs that support it, else fp32")
    train.add_argument("--auto-batch-size", action="store_const", const=True, help="halve the batch on out-of-memory")
    train.add_argument("--gradient-checkpointing", action="store_const", const=True, help="less memory, slower")
    train.add_argument("--detach", action="store_true", help="print the job id at once; it trains in the background")
    train.add_argument("--dry-run", action="store_true", help="check the settings and estimate the run; start nothing")
    train.add_argument(
        "--output-dir",
        metavar="DIR",
        help="train right here into DIR (in each process under `accelerate launch`): no job, no database; "
        "what a job's reproduce command runs",
    )
    train.set_defaults(run=cmd_train)

    add_try_commands(commands, as_json)

    add_dataset_commands(commands, as_json)

    add_run_export_commands(commands, as_json)

    add_compare_commands(commands, as_json)
    add_sweep_commands(commands, as_json, train)

    jobs = commands.add_parser("jobs", parents=[as_json], help="list training jobs")
    jobs.set_defaults(run=cmd_jobs)

    for name, run, text in (
        ("job", cmd_job, "one job: status, progress, metrics, error"),
        ("stop", cmd_stop, "stop a job (after its current step; a checkpoint is saved)"),
        ("resume", cmd_resume, "resume a stopped or failed job from its last checkpoint"),
        ("delete", cmd_delete, "delete a finished job and its files"),
    ):
        command = commands.add_parser(name, parents=[as_json], help=text)
        command.add_argument("id", type=int, help="job id")
        command.set_defaults(run=run)
        if name == "stop":
            command.add_argument("--grace", type=float, default=30.0, help="seconds before the process is killed")
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()  # keeps stdout/stderr readable; training progress is reported by the job instead
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except USER_ERRORS as error:  # the user's mistake: its message is all they need
        print(f"error: {error}", file=sys.stderr)
        return 2
    # Anything else is a bug: it propagates, so Python prints its traceback and exits with code 1.


if __name__ == "__main__":  # python -m engine.cli.main
    sys.exit(main())
