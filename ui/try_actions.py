"""What the Try tab's buttons do: thin calls into the engine, shaped for Gradio components."""

import uuid
from pathlib import Path

import gradio as gr
import pandas as pd

from engine.common.access import hide_server_paths, may_see_server_paths
from engine.common.errors import StudioError
from engine.common.paths import downloads_dir, safe_name
from engine.datasets.columns import LABEL, TEXT, TEXT_PAIR
from engine.inference.compare import compare_inputs, compare_on_split
from engine.inference.evaluation import EvaluationReport, EvaluationRequest, evaluate_model
from engine.inference.pipelines import MAX_NEW_TOKENS, TASKS, TaskRequest, run_task, suggest_task
from engine.inference.predict import predict_one
from engine.inference.predict_file import FilePrediction, predict_file
from engine.inference.share import PushRequest, card_for_reading, model_card, push_to_hub, zip_model
from engine.jobs.catalog import trained_on
from ui import owner
from ui.column_pickers import filled, layout_of
from ui.errors import shows_errors
from ui.forms import Field, number
from ui.plots.evaluation import confusion_heatmap, probabilities_bar, reliability_diagram

PREVIEW_ROWS = 20
EXAMPLE_COLUMNS = ["true", "predicted", "confidence", "text", "text_pair"]  # short columns first


def _optional(value: str | None) -> str | None:
    return (value or "").strip() or None


@shows_errors
def classify(model: str, text: str, pair: str):
    """One prediction: label scores (for `gr.Label`), their chart, and the tokens and latency."""
    prediction = predict_one(model, text, _optional(pair))
    tokens = " ".join(f"`{token}`" for token in prediction.tokens)
    note = (
        f"**{prediction.label}**, in {prediction.milliseconds:.0f} ms (model already loaded). "
        f"The {len(prediction.tokens)} tokens the model saw: {tokens}"
    )
    return prediction.scores, probabilities_bar(prediction.scores), note


def _rows_done(progress: gr.Progress):
    """The engine's `on_batch(done, total)` as the page's progress bar."""
    return lambda done, total: progress(done / total, desc=f"{done:,} of {total:,} rows")


def _download_path(upload: Path, kind: str) -> Path:
    """A fresh file in the downloads folder named after the upload (sanitised), never overwriting another's."""
    return downloads_dir() / f"{safe_name(upload.stem)}-{kind}-{uuid.uuid4().hex[:8]}{upload.suffix.lower()}"


@shows_errors
def classify_file(model: str, upload: str | None, text_column: str, pair_column: str, progress=gr.Progress()):  # noqa: B008 - Gradio's idiom
    """Predict every row of an uploaded table; return the file to download and its first rows."""
    if not upload:
        raise StudioError("upload a CSV, TSV or JSONL file first")
    source = Path(upload)
    output = _download_path(source, "predicted")

    request = FilePrediction(source, (text_column or "").strip(), output, _optional(pair_column))
    table = predict_file(request, model, on_batch=_rows_done(progress))
    return str(output), table.head(PREVIEW_ROWS)


def _request(model, dataset, config, split, text_column, pair_column, label_column) -> EvaluationRequest:
    return EvaluationRequest(
        model=model,
        dataset=(dataset or "").strip(),
        split=(split or "").strip(),
        config=_optional(config),
        text_column=_optional(text_column),
        pair_column=_optional(pair_column),
        label_column=_optional(label_column),
    )


def _examples_table(rows: list[dict]) -> pd.DataFrame:
    """Rows for a table: label columns first, then the text(s), then the tokens (joined) when present."""
    columns = ["index", *EXAMPLE_COLUMNS] + (["tokens"] if rows and "tokens" in rows[0] else [])
    if not any("text_pair" in row for row in rows):
        columns.remove("text_pair")
    table = pd.DataFrame(rows, columns=columns)
    if "tokens" in table:
        table["tokens"] = table["tokens"].map(" ".join)
    table["confidence"] = table["confidence"].round(4)
    return table.rename(columns={"index": "row"})


def _summary(report: EvaluationReport) -> str:
    mistakes = sum(row["true"] != row["predicted"] for row in report.predictions)
    return (
        f"**{report.model}** on the **{report.split}** split of `{report.dataset}` ({report.rows:,} rows): "
        f"accuracy **{report.accuracy:.3f}**, macro F1 **{report.f1_macro:.3f}**, micro F1 {report.f1_micro:.3f}; "
        f"{mistakes:,} wrong. Expected calibration error {report.expected_calibration_error:.3f} "
        "(0: the confidences can be taken at their word). Click a cell of the confusion table to list its rows."
    )


def _confusion_table(report: EvaluationReport):
    """The confusion matrix as a clickable heatmap table: each count shaded by its share of the largest one."""
    rows = [[label, *counts] for label, counts in zip(report.labels, report.confusion_matrix, strict=True)]
    table = pd.DataFrame(rows, columns=["true \\ predicted", *report.labels])
    largest = max(1, max(max(row) for row in report.confusion_matrix))

    def shade(count: int) -> str:
        share = count / largest
        text = "white" if share > 0.6 else "black"  # readable on the darkest cells, as on the plotly heatmap
        return f"background-color: rgba(37, 99, 235, {0.08 + 0.8 * share:.2f}); color: {text}"

    return table.style.map(shade, subset=report.labels)


@shows_errors
def evaluate_split(model, dataset, config, split, text_column, pair_column, label_column, progress=gr.Progress()):  # noqa: B008 - Gradio's idiom
    """Evaluate a model on a labelled split: summary, per-class scores, charts, confusion table, mistakes, and the
    report itself (kept in the session's state, for the rows of a clicked cell)."""
    request = _request(model, dataset, config, split, text_column, pair_column, label_column)

    report = evaluate_model(request, on_batch=_rows_done(progress))
    per_class = pd.DataFrame([vars(scores) for scores in report.per_class]).round(4)
    return (
        _summary(report),
        per_class,
        confusion_heatmap(report.labels, report.confusion_matrix),
        reliability_diagram([vars(b) for b in report.calibration]),
        _confusion_table(report),
        _examples_table(report.misclassified),
        report,
    )


def _cell_rows(report: EvaluationReport | None, true_label: str, predicted_label: str) -> pd.DataFrame:
    if not report:
        raise StudioError("evaluate a model first, then pick a cell")
    for label in (true_label, predicted_label):
        if label not in report.labels:
            raise StudioError(f"unknown label {label!r}; the labels are {', '.join(report.labels)}")
    return _examples_table(report.examples(true_label, predicted_label))


@shows_errors
def confusion_examples(report: EvaluationReport | None, true_label: str, predicted_label: str):
    """The rows of one confusion-matrix cell, most confident first."""
    return _cell_rows(report, true_label, predicted_label)


@shows_errors
def confusion_cell_selected(report: EvaluationReport | None, event: gr.SelectData):
    """A click on the confusion table: list that cell's rows (the first column holds the true labels)."""
    row, column = event.index
    if not report or column == 0:
        return gr.update()
    return _cell_rows(report, report.labels[row], report.labels[column - 1])


@shows_errors
def compare_text(model: str, second: str, text: str, pair: str):
    """Both models' probabilities for one input, label by label."""
    first_prediction, second_prediction = compare_inputs(model, second, text, _optional(pair))
    labels = list(dict.fromkeys([*first_prediction.scores, *second_prediction.scores]))
    table = pd.DataFrame(
        {
            "label": labels,
            model: [first_prediction.scores.get(label) for label in labels],
            second: [second_prediction.scores.get(label) for label in labels],
        }
    ).round(4)
    verdict = "agree" if first_prediction.label == second_prediction.label else "disagree"
    note = (
        f"The models **{verdict}**: {model} says **{first_prediction.label}**, "
        f"{second} says **{second_prediction.label}**."
    )
    return note, table


@shows_errors
def compare_split(model, second, dataset, config, split, text_column, pair_column, label_column):
    """Both models evaluated on the same split: metrics side by side and the rows where they disagree."""
    request = _request(model, dataset, config, split, text_column, pair_column, label_column)
    comparison = compare_on_split(request, (second or "").strip())
    note = f"{comparison.disagreement_count:,} of {comparison.first.rows:,} rows get different labels" + (
        f" (the first {len(comparison.disagreements)} are listed)." if comparison.disagreements else "."
    )
    metrics = pd.DataFrame(comparison.metrics_table()).round(4)
    return note, metrics, pd.DataFrame(comparison.disagreements)


def task_form(task: str):
    """Label the pipeline form's two text boxes for the task (hiding the second when it needs one only)."""
    fields = TASKS.get(task, ("text",))
    names = {
        "text": "Text",
        "text_pair": "Second text (optional)",
        "candidate_labels": "Candidate labels, separated by commas",
        "context": "Context",
        "question": "Question",
        "target_language": "Target language",
    }
    second = fields[1] if len(fields) > 1 else None
    return gr.update(label=names[fields[0]]), gr.update(label=names.get(second, ""), visible=second is not None)


@shows_errors
def suggest(model: str):
    """Pick the task the model was built for, when its config says."""
    task = suggest_task(model) if (model or "").strip() else None
    return gr.update(value=task) if task else gr.update()


MAX_NEW_TOKENS_FIELD = Field(
    "max_new_tokens", number(minimum=1, maximum=1024, whole=True, empty=MAX_NEW_TOKENS), label="Max new tokens"
)


@shows_errors
def run_pipeline(task: str, model: str, text: str, second: str, max_new_tokens: float):
    """Run a model of any supported task through `transformers.pipeline`."""
    fields = TASKS.get(task, ("text",))
    inputs = {fields[0]: text or ""}
    if len(fields) > 1:
        inputs[fields[1]] = second or ""
    tokens = MAX_NEW_TOKENS_FIELD.read(max_new_tokens)
    return run_task(TaskRequest(task, (model or "").strip(), inputs, tokens))


@shows_errors
def show_card(model: str) -> str:
    """The model card of a finished job or local model, rendered (its metadata in a code block)."""
    return card_for_reading(model_card(model))


@shows_errors
def download_zip(model: str) -> str:
    """Zip the model folder for download."""
    return str(zip_model(model))


@shows_errors
def push(model: str, repo_id: str, token: str, private: bool) -> str:
    """Push the model folder to the Hub (the page empties the token box afterwards, success or not)."""
    url = push_to_hub(PushRequest(model, (repo_id or "").strip(), bool(private)), token)
    return f"Pushed to [{url}]({url})."


SPLIT_FORM_ROLES = (TEXT, TEXT_PAIR, LABEL)


def _own_form(model: str | None, request: gr.Request | None) -> list | None:
    """One split form (dataset, config, split, text, second text and label columns, note) set to the model's own
    dataset, its held-out split and the columns it trained on; None for a model the studio did not train, and for
    another visitor's job trained on a file on the server (its path is not theirs to see, nor to open)."""
    trained = trained_on(model or "")
    viewer = owner.requester(None, request, None)
    private = hide_server_paths(trained.dataset) != trained.dataset if trained else False
    if trained is None or (private and not may_see_server_paths(trained.owner, viewer)):
        return None
    layout, problem = layout_of(trained.dataset, trained.config)
    return [
        trained.dataset,
        trained.config or "",
        *filled(SPLIT_FORM_ROLES, layout, problem, {}, with_split=True, preferred=trained.columns),
    ]


@shows_errors
def model_dataset(model: str | None, *forms, request: gr.Request = None):
    """The Evaluate and Compare forms set to the model's own dataset (see `_own_form`); left as they are for a
    model the studio did not train, or another visitor's on a server file."""
    own = _own_form(model, request)
    if own is None:
        return [gr.update()] * len(forms)
    return own * (len(forms) // len(own))


@shows_errors
def opened_forms(model: str | None, *forms, request: gr.Request = None):
    """When the page opens: the Evaluate and Compare forms on the model's own dataset, else their pickers filled
    from the dataset they show. The dataset is read here, per visitor, not while the page is built."""
    own = _own_form(model, request)
    size = len(SPLIT_FORM_ROLES) + 4  # dataset, config, split, the columns, note
    if own is not None:
        return own * (len(forms) // size)
    updates = []
    for start in range(0, len(forms), size):
        dataset, config, split, *columns = forms[start : start + size - 1]
        layout, problem = layout_of(dataset, config)
        current = dict(zip(SPLIT_FORM_ROLES, columns, strict=True))
        updates += [gr.update(), gr.update(), *filled(SPLIT_FORM_ROLES, layout, problem, current, split, True)]
    return updates


@shows_errors
def file_columns(upload: str | None, text_column: str | None, pair_column: str | None):
    """The uploaded file's columns in the file form's pickers, with the text (and second text) guessed."""
    if not upload:
        return gr.update(), gr.update(), ""
    layout, problem = layout_of(upload, None)
    return filled((TEXT, TEXT_PAIR), layout, problem, {TEXT: text_column, TEXT_PAIR: pair_column})


def cleared_results():
    """Every result panel of the tab, empty: another model's results must not pass for this one's."""
    empty = pd.DataFrame()
    predict = [None, None, ""]
    predict_file = [None, empty]
    evaluate = ["", empty, None, None, empty, pd.DataFrame(columns=EXAMPLE_COLUMNS), empty, None]
    compare = ["", empty, "", empty, empty]
    share = ["", None, ""]
    return [*predict, *predict_file, *evaluate, *compare, *share]
