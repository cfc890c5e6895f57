"""The model commands of `python -m engine`: `predict` (a text, a pair, a question and its context, or a whole
file) and `evaluate`, for a model of any task.

A model trained here carries its task (`task.json`): `--task`, when given, must be that task (else exit 2, naming
both). Text classifiers (and models from elsewhere, which carry no task) go through the classifier paths; the other
tasks through `engine.inference.task_predict`, `task_file` and `task_evaluation`. They print readable text, or with
`--json` one JSON object on the last line; wrong input raises the engine's `StudioError`s, which `engine.cli.main`
turns into `error: ...` and exit code 2.
"""

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from engine.cli.output import emit
from engine.common.errors import StudioError
from engine.training.config import TASK_METRICS

TASK_NAMES = tuple(TASK_METRICS)  # the registry's names, from a table that does not import transformers


CLASSIFICATION = "text-classification"
ERRORS_PRINTED = 10  # of a report's error list, in the readable output (--json has them all)


def _model_task(args: argparse.Namespace) -> str:
    """The task the model was trained for, checked against `--task`; text classification for a model without
    `task.json` (a classifier from elsewhere), unless `--task` names another task."""
    from engine.inference.model_task import task_of
    from engine.inference.task_models import check_task

    task = task_of(args.model)
    if task is None:
        if args.task and args.task != CLASSIFICATION:
            raise StudioError(
                f"task is {args.task!r} but model {args.model!r} carries no task.json, so it can only be used as a "
                "text classifier: train it here for that task"
            )
        return CLASSIFICATION
    check_task(args.model, task, args.task)
    return task


def _no_classifier_columns(args: argparse.Namespace, task: str) -> None:
    """A model of another task reads the columns it was trained on: the classifier's column flags mean nothing."""
    given = [flag for flag in ("text_column", "text_pair_column", "label_column") if getattr(args, flag, None)]
    if given:
        flags = ", ".join("--" + flag.replace("_", "-") for flag in given)
        raise StudioError(f"{flags}: a {task} model reads the columns it was trained on (see its task.json)")


def _task_inputs(args: argparse.Namespace, task: str) -> dict[str, str | None]:
    if task == "question-answering":
        if args.text is not None:
            raise StudioError("a question-answering model takes --question and --context, not a TEXT")
        return {"question": args.question, "context": args.context}
    if args.question or args.context:
        raise StudioError(f"--question and --context are for question answering; a {task} model takes a TEXT")
    if args.text is None:
        raise StudioError("give a TEXT to predict, or --file FILE --output OUT")
    return {"text": args.text, "text_pair": args.pair}


def _prediction_text(task: str, result: dict) -> str:
    """A task's prediction, readable: labels over their thresholds, a value and its range, entities, an answer."""
    if task == "multi-label-classification":
        rows = [
            f"  {'*' if row['predicted'] else ' '} {row['label']:<20} {row['probability']:.3f} "
            f"(threshold {row['threshold']:.2f})"
            for row in result["scores"]
        ]
        return "\n".join([f"labels: {', '.join(result['labels']) or '(none over its threshold)'}", *rows])
    if task == "regression":
        low, high = result["range"]
        note = "; outside the training range" if result["outside_range"] else ""
        return f"{result['value']:.4f} (trained on {low:g} to {high:g}{note})"
    if task == "token-classification":
        rows = [
            f"  {e['type']:<6} {e['text']!r} characters {e['start']}-{e['end']}, score {e['score']:.3f}"
            for e in result["entities"]
        ]
        return "\n".join([f"{len(rows)} entities", *rows])
    lines = [
        f"answer: {result['answer']!r} (score {result['score']:.3f}, characters {result['start']}-{result['end']})"
    ]
    lines += [f"  or {a['answer']!r} ({a['score']:.3f})" for a in result["alternatives"]]
    return "\n".join(lines)


def cmd_predict(args: argparse.Namespace) -> int:
    task = _model_task(args)
    if task != CLASSIFICATION:
        return _predict_task_file(args, task) if args.file else _predict_task(args, task)
    if args.question or args.context:
        raise StudioError("--question and --context are for question answering; a text classifier takes a TEXT")
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


def _predict_task(args: argparse.Namespace, task: str) -> int:
    from engine.inference.task_predict import predict_reference

    prediction = predict_reference(args.model, task, **_task_inputs(args, task))
    emit(asdict(prediction), args.json, _prediction_text(task, prediction.result))
    return 0


def _predict_task_file(args: argparse.Namespace, task: str) -> int:
    from engine.inference.task_file import TaskFilePrediction, predict_task_file

    _no_classifier_columns(args, task)
    if args.text is not None or args.question or args.context:
        raise StudioError("give either an input or --file, not both")
    if not args.output:
        raise StudioError("--file needs --output")
    request = TaskFilePrediction(Path(args.file), Path(args.output), args.batch_size)

    def progress(done: int, total: int) -> None:
        print(f"{done}/{total} features", file=sys.stderr, flush=True)

    table = predict_task_file(request, args.model, task, on_batch=progress)
    payload = {"output": str(request.output), "rows": len(table), "task": task, "columns": list(table.columns)}
    emit(payload, args.json, f"wrote {len(table)} rows to {request.output} with {task} predictions")
    return 0


def _confusion_lines(report) -> list[str]:
    """A multi-label evaluation's label pairs with mistakes and its most frequent error patterns (none otherwise)."""
    wrong = [pair for pair in report.pairs if pair["instead"] + pair["added"] + pair["dropped"]]
    lines = [f"label pairs with mistakes ({len(wrong)}; A is the true label of the rows counted):"] if wrong else []
    lines += [
        f"  A {pair['label']:<16} B {pair['other']:<16} B instead of A {pair['instead']}, B added to A "
        f"{pair['added']}, B dropped beside A {pair['dropped']} (B wrongly on {pair['spurious_rate']:.0%} of A's "
        f"{pair['rows_with_label']} rows); together: true {pair['gold_together']}, predicted "
        f"{pair['predicted_together']}"
        for pair in wrong[:ERRORS_PRINTED]
    ]
    if report.patterns:
        lines.append("error patterns, most frequent first:")
        lines += [f"  {row['rows']:>5} rows  {row['pattern']}" for row in report.patterns[:ERRORS_PRINTED]]
    return lines


def _report_lines(report) -> list[str]:
    """A task evaluation, readable: its metrics, its table, and the first of its errors."""
    lines = [
        f"{report.model} ({report.task}) on {report.dataset} [{report.split}], {report.rows} rows: "
        + ", ".join(f"{name} {value:.4f}" for name, value in report.metrics.items())
    ]
    for row in report.table:
        name = row.get("label", row.get("type"))
        lines.append(
            f"  {name:<20} precision {row['precision']:.3f} recall {row['recall']:.3f} F1 {row['f1']:.3f} "
            f"support {row['support']}"
        )
    lines += _confusion_lines(report)
    if report.errors:
        lines.append(f"{len(report.errors)} errors listed, worst first (the first {ERRORS_PRINTED} here):")
        lines += [
            "  " + "; ".join(f"{key} {value}" for key, value in error.items())
            for error in report.errors[:ERRORS_PRINTED]
        ]
    return lines


def _evaluate_task(args: argparse.Namespace, task: str) -> int:
    from engine.inference.task_evaluation import TaskEvaluationRequest, evaluate_task

    _no_classifier_columns(args, task)
    request = TaskEvaluationRequest(args.model, args.dataset, args.split, args.config, args.limit, task)
    report = evaluate_task(request)
    emit(report.to_dict(), args.json, "\n".join(_report_lines(report)))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from engine.inference.evaluation import EvaluationRequest, evaluate_model

    task = _model_task(args)
    if task != CLASSIFICATION:
        return _evaluate_task(args, task)

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
    predict.add_argument("text", nargs="?", help="the text to predict (or use --file; QA: --question, --context)")
    predict.add_argument("--model", required=True, help="job:<id>, a local folder or a Hub classifier")
    predict.add_argument("--task", choices=TASK_NAMES, help="the task the model must have been trained for")
    predict.add_argument("--pair", help="second text of a pair")
    predict.add_argument("--question", help="question answering: the question")
    predict.add_argument("--context", help="question answering: the text that holds the answer")
    predict.add_argument("--file", help="a CSV / TSV / JSONL file whose rows to predict")
    predict.add_argument("--text-column", help="with --file, text classifiers: the column holding the text")
    predict.add_argument("--text-pair-column", help="with --file, text classifiers: the column of the second text")
    predict.add_argument("--output", help="with --file: where to write the table with the predictions")
    predict.add_argument("--batch-size", type=int, default=32, help="rows per forward pass (default 32)")
    predict.set_defaults(run=cmd_predict)

    evaluate = commands.add_parser(
        "evaluate", parents=[as_json], help="score a model with its task's report on a labelled dataset split"
    )
    evaluate.add_argument("--model", required=True, help="job:<id>, a local folder or a Hub classifier")
    evaluate.add_argument("--task", choices=TASK_NAMES, help="the task the model must have been trained for")
    evaluate.add_argument("--dataset", required=True, help="sample:<name>, a file or folder, or a Hub id")
    evaluate.add_argument("--config", help="Hub dataset config")
    evaluate.add_argument("--split", default="test", help="split to evaluate on (default test)")
    evaluate.add_argument("--text-column", help="text classifiers only (other tasks read their saved columns)")
    evaluate.add_argument("--text-pair-column", help="text classifiers only")
    evaluate.add_argument("--label-column", help="text classifiers only")
    evaluate.add_argument("--limit", type=int, help="evaluate the first N rows only")
    evaluate.set_defaults(run=cmd_evaluate)
