"""The model commands of `python -m engine`: `predict` (a text, a pair or a whole file) and `evaluate`.

They print readable text, or with `--json` one JSON object on the last line; wrong input raises the engine's
`StudioError`s, which `engine.cli.main` turns into `error: ...` and exit code 2.
"""

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from engine.cli.output import emit
from engine.common.errors import StudioError


def cmd_predict(args: argparse.Namespace) -> int:
    if args.file:
        return _predict_file(args)
    if args.text is None:
        raise StudioError("give a TEXT to classify, or --file FILE --text-column C --output OUT")
    from engine.inference.predict import predict_one

    prediction = predict_one(args.model, args.text, args.pair)
    scores = ", ".join(f"{label} {p:.3f}" for label, p in prediction.scores.items())
    emit(asdict(prediction), args.json, f"{prediction.label} ({scores})")
    return 0


def _predict_file(args: argparse.Namespace) -> int:
    from engine.inference.predict_file import PREDICTED, FilePrediction, predict_file

    if args.text is not None:
        raise StudioError("give either a TEXT or --file, not both")
    if not args.text_column or not args.output:
        raise StudioError("--file needs --text-column and --output")
    request = FilePrediction(
        Path(args.file), args.text_column, Path(args.output), args.text_pair_column, args.batch_size
    )

    def progress(done: int, total: int) -> None:
        print(f"{done}/{total} rows", file=sys.stderr, flush=True)

    table = predict_file(request, args.model, on_batch=progress)
    counts = table[PREDICTED].value_counts().to_dict()
    payload = {"output": str(request.output), "rows": len(table), "predicted": counts}
    emit(payload, args.json, f"wrote {len(table)} rows to {request.output}: {counts}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from engine.inference.evaluation import EvaluationRequest, evaluate_model

    request = EvaluationRequest(
        model=args.model,
        dataset=args.dataset,
        split=args.split,
        config=args.config,
        text_column=args.text_column,
        pair_column=args.text_pair_column,
        label_column=args.label_column,
        limit=args.limit,
    )
    report = evaluate_model(request)
    lines = [
        f"{report.model} on {report.dataset} [{report.split}], {report.rows} rows: accuracy {report.accuracy:.4f}, "
        f"macro F1 {report.f1_macro:.4f}, micro F1 {report.f1_micro:.4f}, "
        f"calibration error {report.expected_calibration_error:.4f}",
        *(
            f"  {c.label:<20} precision {c.precision:.3f} recall {c.recall:.3f} F1 {c.f1:.3f} support {c.support}"
            for c in report.per_class
        ),
        "confusion matrix (rows: true, columns: predicted, in this order): " + ", ".join(report.labels),
        *("  " + " ".join(f"{count:>6}" for count in row) for row in report.confusion_matrix),
    ]
    emit(report.to_dict(), args.json, "\n".join(lines))
    return 0


def add_try_commands(commands, as_json: argparse.ArgumentParser) -> None:
    """Add `predict` and `evaluate` to the CLI's subcommands."""
    predict = commands.add_parser(
        "predict", parents=[as_json], help="classify a text (or pair), or every row of a file"
    )
    predict.add_argument("text", nargs="?", help="the text to classify (or use --file)")
    predict.add_argument("--model", required=True, help="job:<id>, a local folder or a Hub classifier")
    predict.add_argument("--pair", help="second text of a pair")
    predict.add_argument("--file", help="a CSV / TSV / JSONL file whose rows to classify")
    predict.add_argument("--text-column", help="with --file: the column holding the text")
    predict.add_argument("--text-pair-column", help="with --file: the column holding the second text")
    predict.add_argument("--output", help="with --file: where to write the table with the predictions")
    predict.add_argument("--batch-size", type=int, default=32, help="rows per forward pass (default 32)")
    predict.set_defaults(run=cmd_predict)

    evaluate = commands.add_parser(
        "evaluate", parents=[as_json], help="score a classifier on a labelled dataset split"
    )
    evaluate.add_argument("--model", required=True, help="job:<id>, a local folder or a Hub classifier")
    evaluate.add_argument("--dataset", required=True, help="sample:<name>, a file or folder, or a Hub id")
    evaluate.add_argument("--config", help="Hub dataset config")
    evaluate.add_argument("--split", default="test", help="split to evaluate on (default test)")
    evaluate.add_argument("--text-column")
    evaluate.add_argument("--text-pair-column")
    evaluate.add_argument("--label-column")
    evaluate.add_argument("--limit", type=int, help="evaluate the first N rows only")
    evaluate.set_defaults(run=cmd_evaluate)
