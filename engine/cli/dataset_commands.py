"""The dataset commands of `python -m engine`: `rows`, `stats`, `search` and `export`.

They print readable text, or with `--json` one JSON object on the last line; wrong input raises the engine's
`StudioError`s, which `engine.cli.main` turns into `error: ...` and exit code 2.
"""

import argparse
from dataclasses import asdict

from datasets import DatasetDict

from engine.cli.output import emit
from engine.common.errors import NotFoundError
from engine.datasets.session import DatasetRef, open_dataset


def _split(args: argparse.Namespace):
    splits = open_dataset(DatasetRef(args.source, args.config or None, getattr(args, "revision", None) or None))
    name = args.split or next(iter(splits))
    if name not in splits:
        raise NotFoundError(f"no split {name!r}; splits are {', '.join(splits)}")
    return splits, name


def _table(rows: list[dict], width: int = 60) -> str:
    return "\n".join(" | ".join(str(value)[:width] for value in row.values()) for row in rows)


def cmd_rows(args: argparse.Namespace) -> int:
    from engine.datasets.view import read_page

    splits, name = _split(args)
    page = read_page(splits[name], args.offset, args.limit)
    payload = {"split": name} | asdict(page)
    emit(payload, args.json, f"{name}: {page.description}\n{_table(page.rows)}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from engine.datasets.stats import StatsOptions, dataset_stats

    splits, name = _split(args)
    if args.split:  # one split: no leakage check, which compares the other splits with train
        splits = DatasetDict({name: splits[name]})
    options = StatsOptions(
        text_column=args.text_column, label_column=args.label_column, max_length=args.max_length or 128
    )
    tokenizer = None
    if args.tokenizer:
        from engine.models.loading import load_tokenizer

        tokenizer = load_tokenizer(args.tokenizer)
    stats = dataset_stats(splits, options, tokenizer)
    payload = asdict(stats) | {"tokenizer": args.tokenizer}
    lines = []
    for name, split in stats.splits.items():
        labels = ", ".join(f"{label} {count:,}" for label, count in split.label_counts.items()) or "-"
        tokens = (
            f"; tokens median {split.tokens.median:g}, p95 {split.tokens.p95:g}, max {split.tokens.max} "
            f"({split.truncated_share:.1%} over {stats.max_length}, {split.tokens.rows:,} rows measured)"
            if split.tokens
            else ""
        )
        empty = sum(split.empty.values())
        lines.append(
            f"{name}: {split.rows:,} rows; labels {labels}; characters median {split.chars.median:g}, "
            f"p95 {split.chars.p95:g}, max {split.chars.max}{tokens}; empty {empty:,}; duplicates {split.duplicates:,}"
        )
    lines += [f"{name} rows also in train: {rows:,}" for name, rows in stats.leakage.items()]
    emit(payload, args.json, "\n".join(lines + stats.warnings))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from engine.datasets.view import read_page

    splits, name = _split(args)
    if args.sql:
        from engine.datasets.sql import run_sql

        result = run_sql(splits, name, args.sql, limit=args.limit)
        payload = {"split": name, "total": result.total, "columns": result.columns, "rows": result.rows}
    else:
        from engine.datasets.search import RowFilter, filter_rows, filtered_view

        row_filter = RowFilter(
            query=args.query or "",
            column=args.column,
            case_sensitive=args.case_sensitive,
            label=args.label,
            label_column=args.label_column or ("label" if args.label else None),
            min_chars=args.min_chars,
            max_chars=args.max_chars,
        )
        result = filter_rows(splits[name], row_filter)
        view = filtered_view(splits[name], result)
        rows = read_page(view, 0, args.limit).rows if result.total else []
        payload = {"split": name, "total": result.total, "scanned": result.scanned, "rows": rows}
    text = f"{payload['total']:,} matching rows in {name}\n{_table(payload['rows'])}"
    emit(payload, args.json, text)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from engine.datasets.export import export_dataset

    splits, name = _split(args)
    data = splits if args.format == "save_to_disk" and not args.split else splits[name]
    written = export_dataset(data, args.format, args.output)
    rows = sum(len(s) for s in splits.values()) if data is splits else len(data)
    emit({"output": str(written), "format": args.format, "rows": rows}, args.json, f"wrote {rows:,} rows to {written}")
    return 0


def add_dataset_commands(commands: argparse._SubParsersAction, as_json: argparse.ArgumentParser) -> None:
    """Add `rows`, `stats`, `search` and `export` to the CLI's sub-commands."""
    source = argparse.ArgumentParser(add_help=False)
    source.add_argument("source", help="sample:<name>, a file, a folder (save_to_disk too) or a Hub dataset id")
    source.add_argument("--config", help="Hub dataset configuration name")
    source.add_argument("--revision", help="Hub dataset branch, tag or commit")
    source.add_argument("--split", help="the split (default: the first)")
    parents = [as_json, source]

    rows = commands.add_parser("rows", parents=parents, help="print a page of rows of a split")
    rows.add_argument("--offset", type=int, default=0, help="first row (from 0)")
    rows.add_argument("--limit", type=int, default=20, help="rows to print (at most 1000)")
    rows.set_defaults(run=cmd_rows)

    stats = commands.add_parser("stats", parents=parents, help="labels, lengths, empty values, duplicates, leakage")
    stats.add_argument("--tokenizer", help="model reference whose tokenizer counts tokens (e.g. scratch:tiny)")
    stats.add_argument("--max-length", type=int, help="the truncation length to check against (default: 128)")
    stats.add_argument("--text-column")
    stats.add_argument("--label-column")
    stats.set_defaults(run=cmd_stats)

    search = commands.add_parser("search", parents=parents, help="search a whole split by text or read-only SQL")
    how = search.add_mutually_exclusive_group()
    how.add_argument("--query", help="text to find (case-insensitive substring)")
    how.add_argument("--sql", help="one SELECT over the table `data` (the split; each split is a table too)")
    search.add_argument("--min-chars", type=int, help="only rows whose --column has at least this many characters")
    search.add_argument("--max-chars", type=int, help="only rows whose --column has at most this many characters")
    search.add_argument("--column", help="the column to search (default: every text column)")
    search.add_argument("--case-sensitive", action="store_true")
    search.add_argument("--label", help="only rows of this label")
    search.add_argument("--label-column", help="default: label")
    search.add_argument("--limit", type=int, default=20, help="rows to print (at most 1000)")
    search.set_defaults(run=cmd_search)

    export = commands.add_parser(
        "export", parents=parents, help="write a split as CSV, JSON Lines, Parquet or save_to_disk"
    )
    export.add_argument("--format", required=True, choices=["csv", "jsonl", "parquet", "save_to_disk"])
    export.add_argument("--output", required=True, help="file to write (a folder for save_to_disk)")
    export.set_defaults(run=cmd_export)
