"""What the Try tab's task views do: each task's prediction, file, evaluation and comparison, shaped for Gradio.

The engine modules these call load torch, so they are imported inside the handlers: the page starts without them
(tests/test_cold_start.py). Which views show follows the selected model's `task.json` (`views_for`).
"""

import gradio as gr
import pandas as pd

from engine.common.errors import StudioError
from engine.inference.model_task import saved_setup
from engine.inference.pipelines import studio_pipeline_call
from engine.jobs.catalog import trained_on
from ui.errors import shows_errors
from ui.forms import Field, number
from ui.plots.evaluation import probabilities_bar
from ui.plots.tasks import label_pairs_heatmaps, label_thresholds_bar, predicted_against_true, scores_bars
from ui.try_actions import PREVIEW_ROWS, _download_path, _rows_done

CLASSIFICATION = "text-classification"
TASK_TITLES = {
    "multi-label-classification": "multi-label classification: every label's probability against its threshold",
    "regression": "regression: a value, with the range of the targets it was trained on",
    "token-classification": "token classification: entities over the text, grouped from sub-words, with scores",
    "question-answering": "question answering: the answer in the context, its score and the next best",
}
# A multi-label evaluation's label-pair table, its keys in the user's words (A: the true label of the rows counted).
PAIR_HEADERS = {
    "label": "A (true label)",
    "other": "B",
    "rows_with_label": "rows with A",
    "instead": "B instead of A",
    "added": "B added to A",
    "dropped": "B dropped beside A",
    "spurious_rate": "B wrongly, share of A's rows",
    "gold_together": "true together",
    "predicted_together": "predicted together",
}
LIMIT_FIELD = Field("limit", number(minimum=1, whole=True, empty=None), label="Row limit")


def _setup(model: str | None) -> dict:
    """The selected model's saved setup; text classification's for a model without `task.json` or not found (the
    classification views then say what is wrong with it)."""
    try:
        return saved_setup(model or "") or {"task": CLASSIFICATION}
    except StudioError:
        return {"task": CLASSIFICATION}


def model_task(model: str | None) -> str:
    """The selected model's task (see `_setup`)."""
    return _setup(model)["task"]


def views_for(model: str | None, dataset: str | None = None) -> tuple:
    """The note naming the model's task, whether the classification and the task views show, which inputs the task
    takes (text and second text, or question and context), and the model's own dataset for its evaluation."""
    setup = _setup(model)
    task = setup["task"]
    pair = "text_pair" in (setup.get("columns") or {})
    other = task != CLASSIFICATION
    question = task == "question-answering"
    note = f"This model was trained for **{TASK_TITLES[task]}**." if other else ""
    call = studio_pipeline_call(setup) if other else None
    if call:
        note += f" Through transformers too (the **Other tasks** tab runs it): `{call}`."
    trained = trained_on(model or "") if other else None
    own = trained.dataset if trained and trained.dataset.startswith("sample:") else None
    return (
        note,
        *(gr.update(visible=not other) for _ in range(4)),  # predict, file, evaluate, compare of a classifier
        *(gr.update(visible=other) for _ in range(4)),  # the same for the other tasks
        gr.update(visible=not question),  # text
        gr.update(visible=pair),  # second text: for a model trained on pairs
        gr.update(visible=question),  # question
        gr.update(visible=question),  # context
        gr.update(visible=task in ("token-classification", "question-answering")),  # the text, highlighted
        gr.update(visible=task == "multi-label-classification"),  # probabilities against thresholds
        *(gr.update(value=own) if own else gr.update() for _ in range(2)),  # evaluate and compare datasets
        gr.update(visible=task == "multi-label-classification"),  # the evaluation's label confusions
    )


def _entities_highlight(text: str, entities: list[dict]) -> list[tuple[str, str | None]]:
    """The text cut into pieces for `gr.HighlightedText`: each entity labelled with its type, the rest unlabelled."""
    pieces, cursor = [], 0
    for entity in sorted(entities, key=lambda e: e["start"]):
        if entity["start"] > cursor:
            pieces.append((text[cursor : entity["start"]], None))
        pieces.append((text[entity["start"] : entity["end"]], entity["type"]))
        cursor = entity["end"]
    if cursor < len(text):
        pieces.append((text[cursor:], None))
    return pieces


def _answer_highlight(context: str, answer: dict) -> list[tuple[str, str | None]]:
    """The context with the answer's characters labelled `answer`."""
    start, end = answer["start"], answer["end"]
    if end <= start:
        return [(context, None)]
    return [(context[:start], None), (context[start:end], "answer"), (context[end:], None)]


def _prediction_view(task: str, result: dict, inputs: dict) -> tuple:
    """(summary, figure, highlighted pieces, table) for one task's result."""
    if task == "multi-label-classification":
        labels = ", ".join(f"**{name}**" for name in result["labels"]) or "no label over its threshold"
        table = pd.DataFrame(result["scores"]).round(4)
        return f"Predicted: {labels}.", label_thresholds_bar(result["scores"]), None, table
    if task == "regression":
        low, high = result["range"]
        note = " **Outside the training range**: an extrapolation." if result["outside_range"] else ""
        return (
            f"**{result['value']:.4f}** (the targets it was trained on run from {low:g} to {high:g}).{note}",
            None,
            None,
            None,
        )
    if task == "token-classification":
        table = pd.DataFrame(result["entities"], columns=["type", "text", "start", "end", "score"]).round(4)
        summary = (
            f"{len(result['entities'])} entities (grouped from sub-words; a score is its words' mean probability)."
        )
        return summary, None, _entities_highlight(inputs["text"].strip(), result["entities"]), table
    if task == "question-answering":
        answers = [result, *result["alternatives"]]
        table = pd.DataFrame(answers, columns=["answer", "score", "start", "end"]).round(4)
        summary = (
            f"Answer: **{result['answer'] or '(none)'}**, score {result['score']:.3f} (its share of the candidates)."
        )
        return summary, None, _answer_highlight(inputs["context"].strip(), result), table
    table = pd.DataFrame({"label": list(result["scores"]), "probability": list(result["scores"].values())}).round(4)
    return f"**{result['label']}**", probabilities_bar(result["scores"]), None, table


@shows_errors
def predict_task(model: str, text: str, text_pair: str, question: str, context: str):
    """One prediction of the model's task: summary, chart, highlighted text, table and the result as JSON."""
    from engine.inference.task_predict import predict_reference

    inputs = {"text": text, "text_pair": text_pair, "question": question, "context": context}
    prediction = predict_reference((model or "").strip(), **inputs)
    summary, figure, highlighted, table = _prediction_view(prediction.task, prediction.result, inputs)
    summary += f" In {prediction.milliseconds:.0f} ms (model already loaded)."
    return summary, figure, highlighted, table, prediction.result


@shows_errors
def predict_task_file(model: str, upload: str | None, progress=gr.Progress()):  # noqa: B008 - Gradio's idiom
    """Predict every row of an uploaded table with the task's columns; the file to download and its first rows."""
    from pathlib import Path

    from engine.inference.task_file import TaskFilePrediction, predict_task_file

    if not upload:
        raise StudioError("upload a CSV, TSV or JSONL file first")
    source = Path(upload)
    output = _download_path(source, "predicted")
    table = predict_task_file(TaskFilePrediction(source, output), (model or "").strip(), on_batch=_rows_done(progress))
    return str(output), table.head(PREVIEW_ROWS)


def _request(model, dataset, config, split, limit):
    from engine.inference.task_evaluation import TaskEvaluationRequest

    return TaskEvaluationRequest(
        model=(model or "").strip(),
        dataset=(dataset or "").strip(),
        split=(split or "").strip(),
        config=(config or "").strip() or None,
        limit=LIMIT_FIELD.read(limit),
    )


def _readable(rows: list[dict]) -> pd.DataFrame:
    """A list of dicts as a table, lists joined by `; ` and numbers rounded."""
    table = pd.DataFrame(
        [{key: "; ".join(map(str, v)) if isinstance(v, list) else v for key, v in row.items()} for row in rows]
    )
    return table.round(4) if not table.empty else table


def _evaluation_figure(evaluation):
    if evaluation.points:
        return predicted_against_true(evaluation.points)
    if evaluation.table:
        return scores_bars(evaluation.table, "type" if "type" in evaluation.table[0] else "label")
    return None


def _label_confusions(evaluation) -> tuple:
    """A multi-label evaluation's label pairs (heatmaps and table) and its error patterns; a sentence on its most
    frequent pattern for the summary. Nothing for another task."""
    if evaluation.task != "multi-label-classification":
        return "", None, None, None
    labels = [row["label"] for row in evaluation.table]
    pairs = pd.DataFrame(evaluation.pairs, columns=list(PAIR_HEADERS)).rename(columns=PAIR_HEADERS).round(4)
    patterns = pd.DataFrame(evaluation.patterns, columns=["pattern", "rows"])
    top = evaluation.patterns[0] if evaluation.patterns else None
    note = f" Most frequent confusion: **{top['pattern']}** ({top['rows']:,} rows)." if top else ""
    return note, label_pairs_heatmaps(evaluation.pairs, labels), pairs, patterns


@shows_errors
def evaluate_task_split(model, dataset, config, split, limit, progress=gr.Progress()):  # noqa: B008 - Gradio's idiom
    """Evaluate the model with its task's report: summary, metrics, per-label or per-type table, chart, errors, and
    for multi-label the label confusions (pairs heatmaps, pairs table, error patterns)."""
    from engine.inference.task_evaluation import evaluate_task

    evaluation = evaluate_task(_request(model, dataset, config, split, limit), on_batch=_rows_done(progress))
    metrics = ", ".join(f"{name} **{value:.3f}**" for name, value in evaluation.metrics.items())
    note, *confusions = _label_confusions(evaluation)
    summary = (
        f"**{evaluation.model}** ({evaluation.task}) on the **{evaluation.split}** split of `{evaluation.dataset}` "
        f"({evaluation.rows:,} rows): {metrics}. {len(evaluation.errors)} errors listed below, worst first.{note}"
    )
    metrics_table = pd.DataFrame([evaluation.metrics]).round(4)
    return (
        summary,
        metrics_table,
        _readable(evaluation.table),
        _evaluation_figure(evaluation),
        _readable(evaluation.errors),
        *confusions,
    )


@shows_errors
def compare_task_split(model, second, dataset, config, split, limit):
    """Two models of one task on the same split: their metrics side by side and the rows where they differ."""
    from engine.inference.task_evaluation import compare_tasks

    comparison = compare_tasks(_request(model, dataset, config, split, limit), (second or "").strip())
    note = f"{comparison.disagreement_count:,} of {comparison.first.rows:,} rows get different answers" + (
        f" (the first {len(comparison.disagreements)} are listed)." if comparison.disagreements else "."
    )
    return note, pd.DataFrame(comparison.metrics_table()).round(4), _readable(comparison.disagreements)


@shows_errors
def compare_task_input(model: str, second: str, text: str, text_pair: str, question: str, context: str):
    """Both models (of one task) on the Predict tab's input: whether they agree, and each one's answer."""
    from engine.inference.task_evaluation import answer_text, compare_task_inputs

    inputs = {"text": text, "text_pair": text_pair, "question": question, "context": context}
    first, other = compare_task_inputs((model or "").strip(), (second or "").strip(), **inputs)
    answers = [answer_text(first.task, first.result), answer_text(other.task, other.result)]
    verdict = "agree" if answers[0] == answers[1] else "disagree"
    note = f"The models **{verdict}**: {model} says **{answers[0]}**, {second} says **{answers[1]}**."
    return note, pd.DataFrame({"model": [model, second], "answer": answers})
