"""`python -m engine sweep | repeat ID | sweeps | sweep-status ID | sweep-stop ID`: sweeps from the command line.

`sweep` takes every option of `train` for the base run (or `--from-job ID`'s settings, the flags given winning),
plus `--vary SETTING=V1,V2` or `--vary SETTING=LOW:HIGH[:log]` (repeatable), `--strategy`, `--trials`, `--seeds`,
`--sweep-metric` and `--prune`; with `--dry-run` it prints the estimate and starts nothing; with `--detach` it prints
the sweep id and its job ids at once, else it follows the sweep to its end. `repeat ID --seeds N` is the sweep that
runs job ID's settings with N seeds (its own first), with the same output.
"""

import argparse
import copy
import sys
import time
from typing import TYPE_CHECKING

from engine.cli.output import emit
from engine.common.errors import StudioError

if TYPE_CHECKING:
    from engine.experiments.sweeps import StartedSweep

POLL_S = 2.0


def _base_run(args: argparse.Namespace):
    """The sweep's base run: `train`'s flags, or (`--from-job ID`) that job's settings with the flags given winning."""
    from dataclasses import replace

    from engine.cli.main import _train_flags, config_from_args
    from engine.jobs.store import JobStore
    from engine.training.config import TrainConfig

    if args.from_job is None:
        return config_from_args(args)
    job = JobStore().get(args.from_job)
    config = TrainConfig.from_dict({**job.config, "resume_from_checkpoint": None, "name": None})
    given = {field: getattr(args, dest) for dest, field in _train_flags().items() if getattr(args, dest) is not None}
    named = {name: getattr(args, name) for name in ("dataset", "model") if getattr(args, name)}
    return replace(config, **named, **given)


def sweep_spec(args: argparse.Namespace):
    """The `SweepSpec` that `sweep`'s arguments describe (the base run read as `train` reads it).

    Raises:
        StudioError: a `--vary` or another sweep option the sweep cannot take, naming the flag.
    """
    from engine.experiments.sweep_spec import SweepSpec, parse_vary

    if args.output_dir:
        raise StudioError("--output-dir is for train; a sweep's trials are jobs in the queue")
    vary = tuple(parse_vary(text) for text in args.vary or [])
    try:
        return SweepSpec(
            base=_base_run(args),
            vary=vary,
            strategy=args.strategy,
            trials=args.trials,
            seeds=args.seeds,
            name=args.name,
            metric=args.sweep_metric,
            prune=args.prune,
        )
    except StudioError as error:
        text = str(error)
        for flag in ("strategy", "trials", "seeds", "metric"):  # name the flag the user typed
            if text.startswith(f"{flag} "):
                raise StudioError(f"--{'sweep-metric' if flag == 'metric' else flag}: {text}") from None
        if text.startswith("vary "):
            raise StudioError(f"--{text}") from None
        raise


def _report_lines(report) -> list[str]:
    lines = [report.summary(), f"{report.description}; ranked by {report.metric} ({report.direction})"]
    for row in report.trials:
        value = f"{row.value:.4f}" if row.value is not None else "-"
        settings = ", ".join(f"{name}={setting}" for name, setting in row.settings.items())
        lines.append(f"  #{row.number:<3} job {row.job_id:<4} {row.status:<10} {value:>8}  {settings}")
    if report.importance:
        shares = ", ".join(f"{name} {share:.0%}" for name, share in report.importance.items())
        lines.append(f"importance ({report.importance_method}): {shares}")
    lines += [f"seeds: {spread.settings or 'the run'} -> {spread.describe()}" for spread in report.seeds]
    return lines


def cmd_sweep(args: argparse.Namespace) -> int:
    from engine.experiments.sweeps import start_sweep

    spec = sweep_spec(args)
    if args.dry_run:
        from engine.experiments.sweep_estimate import estimate_sweep
        from engine.jobs.catalog import past_runs

        estimate = estimate_sweep(spec, past_runs())
        payload = {"runs": estimate.runs, "steps": estimate.steps, "seconds": estimate.seconds}
        emit(payload | {"summary": estimate.summary()}, args.json, f"{spec.describe()}\n{estimate.summary()}")
        return 0
    return _follow(start_sweep(spec), args)


def _follow(started: "StartedSweep", args: argparse.Namespace) -> int:
    """Print a started sweep's ids (`--detach`), or follow it to its end and print its report."""
    from engine.experiments.sweeps import sweep_report

    print(f"sweep {started.sweep_id}: {started.description}; jobs {started.job_ids}", file=sys.stderr, flush=True)
    if args.detach:
        payload = {"sweep_id": started.sweep_id, "name": started.name, "job_ids": started.job_ids}
        text = f"sweep {started.sweep_id} queued: jobs {', '.join(map(str, started.job_ids))}"
        emit(payload, args.json, f"{text}; follow it with: sweep-status {started.sweep_id}")
        return 0
    last = None
    while (report := sweep_report(started.sweep_id)).status == "running":
        if report.counts != last:
            print(", ".join(f"{n} {status}" for status, n in report.counts.items()), file=sys.stderr, flush=True)
            last = report.counts
        time.sleep(POLL_S)
    emit(report.to_dict(), args.json, "\n".join(_report_lines(report)))
    return 0 if report.best is not None else 1


def cmd_repeat(args: argparse.Namespace) -> int:
    from engine.experiments.repeats import check_repeats, repeat_with_seeds

    try:
        seeds = check_repeats(args.seeds)
    except StudioError as error:
        raise StudioError(f"--seeds: {error}") from None
    return _follow(repeat_with_seeds(args.id, seeds), args)


def cmd_sweeps(args: argparse.Namespace) -> int:
    from engine.experiments.sweeps import list_sweeps

    sweeps = list_sweeps()
    lines = [
        f"{s['sweep_id']:>4} {s['status']:<9} {s['strategy']:<6} {s['completed']}/{s['jobs']} completed  "
        f"best {s['metric']} {s['best'] if s['best'] is not None else '-'}  {s['name']}"
        for s in sweeps
    ]
    emit({"sweeps": sweeps}, args.json, "\n".join(lines) or "no sweeps yet")
    return 0


def cmd_sweep_status(args: argparse.Namespace) -> int:
    from engine.experiments.sweeps import sweep_report
    from engine.jobs.queue import advance_queue

    advance_queue()  # as `jobs` does: marks dead jobs and starts queued ones
    report = sweep_report(args.id)
    emit(report.to_dict(), args.json, "\n".join(_report_lines(report)))
    return 0


def cmd_sweep_stop(args: argparse.Namespace) -> int:
    from engine.experiments.sweeps import stop_sweep

    jobs = stop_sweep(args.id)
    statuses = {job.id: job.status for job in jobs}
    emit({"sweep_id": args.id, "jobs": statuses}, args.json, f"sweep {args.id} stopping: {statuses}")
    return 0


def add_sweep_commands(
    commands: argparse._SubParsersAction, as_json: argparse.ArgumentParser, train: argparse.ArgumentParser
) -> None:
    """Add `sweep` (with every option of `train`), `repeat`, `sweeps`, `sweep-status` and `sweep-stop`."""
    from engine.experiments.repeats import MIN_REPEATS
    from engine.experiments.sweep_spec import MAX_SEEDS, STRATEGIES, SWEEPABLE

    # A copy of train's parser: "resolve" takes the redefined flags (--detach, --dry-run, --output-dir) off the
    # parent's own action objects, which `parents` shares rather than copies; on `train` itself those flags then
    # turned into positionals that are always true, and every `train` only estimated.
    sweep = commands.add_parser(
        "sweep",
        parents=[copy.deepcopy(train)],
        conflict_handler="resolve",
        help="run a group of jobs that vary some settings",
    )
    sweep.add_argument(
        "--vary",
        action="append",
        metavar="SETTING=VALUES",
        help=f"repeatable: SETTING=V1,V2 (a list) or SETTING=LOW:HIGH[:log] (a range, random and tpe); settings: "
        f"{', '.join(SWEEPABLE)}",
    )
    sweep.add_argument("--strategy", choices=STRATEGIES, default="grid", help="default: grid (every combination)")
    sweep.add_argument("--trials", type=int, help="how many trials for random and tpe")
    sweep.add_argument("--seeds", type=int, default=1, help=f"repeat each combination with N seeds (1-{MAX_SEEDS})")
    sweep.add_argument("--sweep-metric", metavar="METRIC", help="what ranks the trials (default: --metric's)")
    sweep.add_argument(
        "--prune",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="stop trials whose evaluations trail the median of earlier ones (default: on for tpe)",
    )
    sweep.add_argument(
        "--from-job", type=int, metavar="ID", help="the base run is this job's (flags given win): --seeds N repeats it"
    )
    sweep.add_argument("--output-dir", help=argparse.SUPPRESS)  # train's: refused by `sweep_spec`
    sweep.add_argument("--detach", action="store_true", help="print the sweep and job ids at once")
    sweep.add_argument("--dry-run", action="store_true", help="check the sweep and estimate it; start nothing")
    sweep.set_defaults(run=cmd_sweep)

    repeat = commands.add_parser(
        "repeat", parents=[as_json], help="repeat a job's settings with N seeds, as a sweep: the mean ± spread"
    )
    repeat.add_argument("id", type=int, help="job id")
    repeat.add_argument(
        "--seeds",
        type=int,
        required=True,
        help=f"how many runs ({MIN_REPEATS}-{MAX_SEEDS}): seeds S, S+1, ... where S is the job's own seed",
    )
    repeat.add_argument("--detach", action="store_true", help="print the sweep and job ids at once")
    repeat.set_defaults(run=cmd_repeat)

    listed = commands.add_parser("sweeps", parents=[as_json], help="list sweeps")
    listed.set_defaults(run=cmd_sweeps)
    for name, run, text in (
        ("sweep-status", cmd_sweep_status, "one sweep: its trials by the metric, the best, each setting's importance"),
        ("sweep-stop", cmd_sweep_stop, "stop a whole sweep: queued trials are cancelled, running ones stop"),
    ):
        command = commands.add_parser(name, parents=[as_json], help=text)
        command.add_argument("id", type=int, help="sweep id")
        command.set_defaults(run=run)
