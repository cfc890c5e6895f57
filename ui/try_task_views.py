"""The Try tab's views for a model of another task than single-label classification (its `task.json` says which):
one panel per part of the tab (predict, predict a file, evaluate, compare), each shown in place of the classifier's
when such a model is selected. Handlers in `ui.try_task_actions`; `ui.try_tab` mounts the panels."""

import gradio as gr

from engine.datasets.sources import sample_sources
from ui import try_task_actions as actions


def predict_panel(model: gr.Dropdown, visible: bool) -> tuple[gr.Column, list, list]:
    """Inputs by task, one Predict button (`/predict_task`), and each task's view of the result. Returns the panel,
    the components whose visibility follows the task (the four inputs, the highlighted text, the chart) and the
    outputs."""
    with gr.Column(visible=visible) as panel:
        text = gr.Textbox(label="Text", lines=2)
        pair = gr.Textbox(label="Second text (for models trained on pairs)", lines=1)
        question = gr.Textbox(label="Question", lines=1, visible=False)
        context = gr.Textbox(label="Context", lines=5, visible=False, info="the text that holds the answer")
        run = gr.Button("Predict", variant="primary")
        summary = gr.Markdown()
        highlighted = gr.HighlightedText(label="In the text", combine_adjacent=False, show_legend=True, visible=False)
        chart = gr.Plot(label="Probabilities and thresholds", visible=False)
        table = gr.Dataframe(label="Details", interactive=False)
        result = gr.JSON(label="Result")
        outputs = [summary, chart, highlighted, table, result]
        run.click(actions.predict_task, [model, text, pair, question, context], outputs, api_name="predict_task")
    return panel, [text, pair, question, context, highlighted, chart], outputs


def file_panel(model: gr.Dropdown, visible: bool) -> tuple[gr.Column, list]:
    """Upload a table holding the columns the model was trained on; download it with the task's columns."""
    with gr.Column(visible=visible) as panel:
        gr.Markdown(
            "Upload a CSV, TSV or JSONL file with the columns the model was trained on (words: a list in JSON Lines, "
            "or a text). Every row gets the task's answer: the labels and one probability per label; the value; the "
            "entities (JSON) and the tags; the answer, its start and its score."
        )
        upload = gr.File(label="File", file_types=[".csv", ".tsv", ".jsonl", ".json"], type="filepath")
        run = gr.Button("Predict the file", variant="primary")
        predicted = gr.File(label="Download the predictions")
        preview = gr.Dataframe(label="First rows", interactive=False)
        run.click(actions.predict_task_file, [model, upload], [predicted, preview], api_name="predict_task_file")
    return panel, [predicted, preview]


def _split_inputs() -> list:
    """Dataset, Hub config, split and row limit: the split is read with the columns the model was trained on."""
    with gr.Row():
        dataset = gr.Dropdown(choices=sample_sources(), value=None, allow_custom_value=True, label="Dataset", scale=2)
        config = gr.Textbox(label="Hub config", scale=1)
        split = gr.Textbox(label="Split", value="test", scale=1)
        limit = gr.Number(label="Row limit", precision=0, info="empty: every row", scale=1)
    return [dataset, config, split, limit]


def evaluate_panel(model: gr.Dropdown, visible: bool) -> tuple[gr.Column, gr.Dropdown, list, gr.Column]:
    """The task's evaluation report (`/evaluate_task`); for a multi-label model also its label confusions (the last
    column returned: `views_for` shows it when the model changes and when a page opens)."""
    with gr.Column(visible=visible) as panel:
        form = _split_inputs()
        run = gr.Button("Evaluate", variant="primary")
        summary = gr.Markdown()
        metrics = gr.Dataframe(label="Metrics", interactive=False)
        table = gr.Dataframe(label="Per label or entity type", interactive=False)
        chart = gr.Plot(label="Scores, or predicted against true values")
        errors = gr.Dataframe(label="Errors, worst first", interactive=False)
        # Multi-label only: which label confusions happen (engine/tasks/multi_label_errors.py says how they count).
        multi_label = actions.model_task(model.value) == "multi-label-classification"
        with gr.Column(visible=multi_label) as confusions:
            pairs_chart = gr.Plot(label="Label confusions by pair")
            pairs = gr.Dataframe(
                label="Label pairs: on the rows where A is true, B predicted instead of A, B added to A, B dropped "
                "beside A; and how often A and B are true together against predicted together",
                interactive=False,
            )
            patterns = gr.Dataframe(label="Error patterns, most frequent first", interactive=False)
        outputs = [summary, metrics, table, chart, errors, pairs_chart, pairs, patterns]
        run.click(actions.evaluate_task_split, [model, *form], outputs, api_name="evaluate_task")
    return panel, form[0], outputs, confusions


def compare_panel(
    model: gr.Dropdown, second: gr.Dropdown, inputs: list[gr.Textbox], visible: bool
) -> tuple[gr.Column, gr.Dropdown, list]:
    """Two models of the same task on the Predict tab's input (`/compare_task_input`: `inputs` are its text,
    second text, question and context) or on one split (`/compare_task_split`)."""
    with gr.Column(visible=visible) as panel:
        gr.Markdown("Both models must be of the same task; the split is read with the first model's columns.")
        run_one = gr.Button("Compare on the Predict tab's input")
        one_note = gr.Markdown()
        answers = gr.Dataframe(label="Each model's answer", interactive=False)
        run_one.click(
            actions.compare_task_input, [model, second, *inputs], [one_note, answers], api_name="compare_task_input"
        )
        form = _split_inputs()
        run = gr.Button("Compare on the split", variant="primary")
        note = gr.Markdown()
        metrics = gr.Dataframe(label="Metrics side by side", interactive=False)
        rows = gr.Dataframe(label="Rows where their answers differ", interactive=False)
        run.click(
            actions.compare_task_split, [model, second, *form], [note, metrics, rows], api_name="compare_task_split"
        )
    return panel, form[0], [one_note, answers, note, metrics, rows]
