"""`python -m engine compare [ID ...] [--name ... --status ... --dataset ... --model ... --sweep ...]`: runs side by
side, as the Train tab's "Compare runs" panel shows them: the best run with its margin against the seed-to-seed
spread, the ranking and the settings that differ."""

import argparse

from engine.cli.output import emit


def _table(rows: list[list[str]], columns: list[str]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(columns, *rows, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [columns, *rows]]
    return [line.rstrip() for line in lines]


def cmd_compare(args: argparse.Namespace) -> int:
    from engine.experiments.compare import RunFilter, compare_jobs, select_jobs
    from engine.jobs.store import JobStore

    store = JobStore()
    run_filter = RunFilter(args.name, args.status, args.dataset, args.model, args.sweep)
    comparison = compare_jobs(store, select_jobs(store, args.ids, run_filter), args.metric, show_all=args.show_all)
    verdict = comparison.verdict
    order = [job_id for job_id, _ in verdict.ranking]  # runs without the metric come last
    ranked = sorted(comparison.runs, key=lambda run: order.index(run.id) if run.id in order else len(order))
    ranking = [
        [f"{place}.", run.label, "-" if run.value is None else f"{run.value:.4g}"]
        for place, run in enumerate(ranked, start=1)
    ]
    lines = [verdict.text, "", *_table(ranking, ["", "run", verdict.metric])]
    if comparison.settings:
        shown = "settings" if args.show_all else "settings that differ"
        lines += ["", shown + ":", *_table(comparison.settings, comparison.columns)]
    emit(comparison.to_dict(), args.json, "\n".join(lines))
    return 0


def add_compare_commands(commands: argparse._SubParsersAction, as_json: argparse.ArgumentParser) -> None:
    """Add `compare` to the CLI's sub-commands."""
    compare = commands.add_parser(
        "compare",
        parents=[as_json],
        help="compare runs: the best by a metric against the seed-to-seed spread, and the settings that differ",
    )
    compare.add_argument("ids", type=int, nargs="*", help="job ids (and/or a filter below)")
    compare.add_argument("--name", default="", help="runs whose name contains this")
    compare.add_argument("--status", default="", help="runs whose status contains this (completed, failed...)")
    compare.add_argument("--dataset", default="", help="runs whose dataset contains this")
    compare.add_argument("--model", default="", help="runs whose model contains this")
    compare.add_argument("--sweep", default="", help="the runs of this sweep id")
    compare.add_argument("--metric", default="", help="validation metric to rank by (default: the runs' own)")
    compare.add_argument("--show-all", action="store_true", help="every setting, not only those that differ")
    compare.set_defaults(run=cmd_compare)
