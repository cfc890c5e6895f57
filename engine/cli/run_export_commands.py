"""`python -m engine export-run ID --out DIR`: a job as a folder that trains it again anywhere, without the studio.

(`export` is the dataset command: `python -m engine export SOURCE --format ... --output ...`.)
"""

import argparse

from engine.cli.output import emit


def cmd_export_run(args: argparse.Namespace) -> int:
    from engine.jobs.export import export_job

    exported = export_job(args.id, args.out)
    lines = [f"wrote job {args.id} to {exported.folder}: {', '.join(exported.files)}"]
    lines += [f"note: {note}" for note in exported.notes]
    lines += [f"run it: cd {exported.folder} && pip install -r requirements.txt && python train.py"]
    payload = {
        "job_id": args.id,
        "folder": str(exported.folder),
        "files": list(exported.files),
        "dataset_fingerprint": exported.dataset_fingerprint,
        "notes": list(exported.notes),
    }
    emit(payload, args.json, "\n".join(lines))
    return 0


def add_run_export_commands(commands: argparse._SubParsersAction, as_json: argparse.ArgumentParser) -> None:
    """Add `export-run` to the CLI's sub-commands."""
    export = commands.add_parser(
        "export-run",
        parents=[as_json],
        help="write a job as a standalone folder: config.yaml, train.py, requirements.txt, README.md",
    )
    export.add_argument("id", type=int, help="job id")
    export.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    export.set_defaults(run=cmd_export_run)
