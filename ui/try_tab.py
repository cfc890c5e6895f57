"""Try tab: run a trained model (a classifier, or a model of another task with its own views), predict a file,
evaluate it with error analysis, compare, other tasks, share."""

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr
import pandas as pd

from engine.datasets.columns import LABEL, TEXT, TEXT_PAIR
from engine.datasets.sources import SAMPLE_PREFIX, sample_sources
from engine.inference.pipelines import MAX_NEW_TOKENS, TASKS
from engine.jobs.catalog import model_choices, trained_on
from ui import try_actions as actions
from ui import try_task_actions
from ui import try_task_views as views
from ui.column_pickers import ColumnPickers, column_pickers

EXPLANATION = """\
The model turns its output **logits** into probabilities with a softmax: one number per label, summing to 100%.
A confident wrong answer is worse than an unsure one: try sentences unlike the training data to see where it breaks,
then **evaluate** on a labelled split to see which classes it confuses and whether its confidence can be trusted."""


def _finished_runs() -> list[str]:
    # Only finished runs: a scratch starter has no trained classification head to try.
    return [choice for choice in model_choices() if choice.startswith("job:")]


def _latest_choices(current: str | None):
    """Offer the finished runs; pick the latest when nothing is chosen yet."""
    runs = _finished_runs()
    return gr.update(choices=runs, value=current or (runs[0] if runs else None))


def _model_dropdown(label: str, info: str) -> gr.Dropdown:
    runs = _finished_runs()
    return gr.Dropdown(choices=runs, value=runs[0] if runs else None, allow_custom_value=True, label=label, info=info)


FALLBACK_DATASET = "sample:sentiment"  # for a model the studio did not train: no dataset of its own to default to


def _split_form(model: str | None) -> tuple[list, ColumnPickers]:
    """Dataset, config, split and columns (the same source strings as the Datasets and Train tabs), set to the
    model's own bundled sample when the studio trained it on one. The split and column pickers are filled when the
    page opens (`TryTab.follow_model`): the dataset is read then, for the visitor who may see it, not while the page
    is built, and without reaching the Hub while the app starts. Returns the endpoint's inputs, in order, and the
    pickers."""
    trained = trained_on(model) if model else None
    if trained and not trained.dataset.startswith(SAMPLE_PREFIX):
        trained = None
    source, config_name = (trained.dataset, trained.config) if trained else (FALLBACK_DATASET, None)
    with gr.Row():
        dataset = gr.Dropdown(
            choices=sample_sources(), value=source, allow_custom_value=True, label="Dataset", scale=2
        )
        config = gr.Textbox(label="Hub config", value=config_name or "", scale=1)
    pickers = column_pickers((TEXT, TEXT_PAIR, LABEL), None, True)
    pickers.wire(dataset, config)
    return [dataset, config, pickers.split, *pickers.columns.values()], pickers


@dataclass
class TryTab:
    """What the rest of the page needs from the Try tab."""

    model: gr.Dropdown  # the model every part of the tab uses
    follow_model: Callable[[gr.Blocks], None]  # on page load: Evaluate and Compare on the model's own dataset


def build() -> TryTab:
    """Lay out the Try tab and wire its handlers (`ui.try_actions`)."""
    gr.Markdown(EXPLANATION)
    model = _model_dropdown("Model", "a finished run (job:<id>), a local folder or a Hub text-classification model")
    model.focus(_latest_choices, model, model, api_name=False)
    task_note = gr.Markdown()
    # A model trained for another task (its task.json says which) gets that task's views in place of these.
    classifier = try_task_actions.model_task(model.value) == try_task_actions.CLASSIFICATION

    with gr.Tab("Predict"):
        with gr.Column(visible=classifier) as classify_view:
            text = gr.Textbox(label="Text", lines=2, info="a sentence to classify")
            pair = gr.Textbox(label="Second text (for models trained on pairs)", lines=1)
            run = gr.Button("Predict", variant="primary")
            with gr.Row():
                label = gr.Label(label="Prediction")
                chart = gr.Plot(label="Probabilities")
            seen = gr.Markdown()
            run.click(actions.classify, [model, text, pair], [label, chart, seen], api_name="predict")
            text.submit(actions.classify, [model, text, pair], [label, chart, seen], api_name=False)

        predict_view, task_inputs, task_predicted = views.predict_panel(model, not classifier)

    with gr.Tab("Predict a file"):
        with gr.Column(visible=classifier) as file_view:
            gr.Markdown(
                "Upload a CSV, TSV or JSONL file: every row gets the predicted label, its confidence and one "
                "probability column per label. Rows are batched by length, so little compute goes to padding."
            )
            with gr.Row():
                upload = gr.File(label="File", file_types=[".csv", ".tsv", ".jsonl", ".json"], type="filepath")
                with gr.Column():
                    file_pickers = column_pickers((TEXT, TEXT_PAIR), None)
                    run_file = gr.Button("Predict the file", variant="primary")
            file_text, file_pair = file_pickers.columns[TEXT], file_pickers.columns[TEXT_PAIR]
            upload.change(
                actions.file_columns, [upload, file_text, file_pair], file_pickers.components, api_name=False
            )
            predicted = gr.File(label="Download the predictions")
            preview = gr.Dataframe(label="First rows", interactive=False)
            run_file.click(
                actions.classify_file,
                [model, upload, file_text, file_pair],
                [predicted, preview],
                api_name="predict_file",
            )

        file_task_view, task_file_results = views.file_panel(model, not classifier)

    with gr.Tab("Evaluate"):
        with gr.Column(visible=classifier) as evaluate_view:
            split_form, evaluate_pickers = _split_form(model.value)
            evaluate = gr.Button("Evaluate", variant="primary")
            summary = gr.Markdown()
            per_class = gr.Dataframe(label="Per class", interactive=False)
            with gr.Row():
                heatmap = gr.Plot(label="Confusion matrix")
                reliability = gr.Plot(label="Reliability diagram")
            confusion = gr.Dataframe(label="Confusion table: click a cell to list its rows", interactive=False)
            cell = gr.Dataframe(
                value=pd.DataFrame(columns=actions.EXAMPLE_COLUMNS),
                label="Rows of the selected cell",
                interactive=False,
            )
            mistakes = gr.Dataframe(
                label="Misclassified rows, most confident first, with their tokens", interactive=False
            )
            report = gr.State()
            evaluate.click(
                actions.evaluate_split,
                [model, *split_form],
                [summary, per_class, heatmap, reliability, confusion, mistakes, report],
                api_name="evaluate",
            )
            confusion.select(actions.confusion_cell_selected, report, cell, api_name=False)
            # The same, addressable by label names: for scripts (gradio_client), which cannot click.
            true_label, predicted_label = gr.Textbox(visible=False), gr.Textbox(visible=False)
            gr.Button(visible=False).click(
                actions.confusion_examples, [report, true_label, predicted_label], cell, api_name="confusion_examples"
            )

        evaluate_task_view, evaluate_dataset, task_evaluated, confusions = views.evaluate_panel(model, not classifier)

    with gr.Tab("Compare"):
        second = _model_dropdown("Second model", "compared with the model above")
        second.focus(_latest_choices, second, second, api_name=False)
        with gr.Column(visible=classifier) as compare_view:
            with gr.Row():
                compare_text = gr.Textbox(label="Text", lines=2, scale=3)
                compare_pair = gr.Textbox(label="Second text (pairs)", scale=2)
            compare_one = gr.Button("Compare on this text")
            compare_note = gr.Markdown()
            compare_table = gr.Dataframe(label="Probabilities", interactive=False)
            compare_one.click(
                actions.compare_text,
                [model, second, compare_text, compare_pair],
                [compare_note, compare_table],
                api_name="compare_text",
            )
            gr.Markdown("On a labelled split (the same form as **Evaluate**):")
            compare_form, compare_pickers = _split_form(model.value)
            compare_all = gr.Button("Compare on the split", variant="primary")
            split_note = gr.Markdown()
            side_by_side = gr.Dataframe(label="Metrics side by side", interactive=False)
            disagreements = gr.Dataframe(label="Rows where they disagree", interactive=False)
            compare_all.click(
                actions.compare_split,
                [model, second, *compare_form],
                [split_note, side_by_side, disagreements],
                api_name="compare_split",
            )

        compare_task_view, compare_dataset, task_compared = views.compare_panel(
            model, second, task_inputs[:4], not classifier
        )

    with gr.Tab("Other tasks"):
        gr.Markdown(
            "Any Hub or local model through `transformers.pipeline`. Question answering, summarization and "
            "translation go through `text-generation` with an instruction (transformers 5 removed their own "
            "pipelines), so they need a chat or instruction-tuned model."
        )
        with gr.Row():
            task_model = gr.Textbox(label="Model", info="a Hub id or a local folder, of any task", scale=3)
            task = gr.Dropdown(list(TASKS), value="fill-mask", label="Task", scale=2)
            max_new_tokens = gr.Number(label="Max new tokens", value=MAX_NEW_TOKENS, precision=0, info="1 or more")
        task_text = gr.Textbox(label="Text", lines=3)
        task_second = gr.Textbox(label="", visible=False)
        run_task = gr.Button("Run", variant="primary")
        task_output = gr.JSON(label="Pipeline output")
        task.change(actions.task_form, task, [task_text, task_second], api_name=False)
        task_model.blur(actions.suggest, task_model, task, api_name=False)
        run_task.click(
            actions.run_pipeline,
            [task, task_model, task_text, task_second, max_new_tokens],
            task_output,
            api_name="run_pipeline",
        )

    with gr.Tab("Share"):
        with gr.Row():
            show = gr.Button("Show the model card")
            zip_button = gr.Button("Download the model folder (zip)")
        card = gr.Markdown()
        archive = gr.File(label="Model folder")
        show.click(actions.show_card, model, card, api_name="model_card")
        zip_button.click(actions.download_zip, model, archive, api_name="download_model")
        gr.Markdown(
            "Push to the Hugging Face Hub. The token is used for this push only: it is not stored, logged or "
            "kept in the page (the box is emptied afterwards). Without one, `HF_TOKEN` is used."
        )
        with gr.Row():
            repo_id = gr.Textbox(label="Repository", info="user-or-org/model-name", scale=2)
            token = gr.Textbox(label="Hub token (write)", type="password", scale=2)
            private = gr.Checkbox(label="Private", value=True, scale=0)
        push = gr.Button("Push to the Hub")
        pushed = gr.Markdown()
        # The token never stays in the page: emptied after a push that worked and after one that failed (`.then`
        # does not run after a failed event).
        pushing = push.click(actions.push, [model, repo_id, token, private], pushed, api_name="push_to_hub")
        pushing.success(lambda: "", None, token, api_name=False)
        pushing.failure(lambda: "", None, token, api_name=False)

    # Another model: its own dataset, split and columns in Evaluate and Compare, and no result of the previous one.
    forms = [*split_form, evaluate_pickers.note, *compare_form, compare_pickers.note]
    model.change(actions.model_dataset, [model, *forms], forms, api_name=False, show_progress="hidden")

    # Which views show follows the model's task: the classifier's, or its task's.
    task_views = [task_note, classify_view, file_view, evaluate_view, compare_view]
    task_views += [predict_view, file_task_view, evaluate_task_view, compare_task_view, *task_inputs]
    task_views += [evaluate_dataset, compare_dataset, confusions]
    model.change(try_task_actions.views_for, model, task_views, api_name=False, show_progress="hidden")

    def follow_model(demo: gr.Blocks) -> None:
        demo.load(actions.opened_forms, [model, *forms], forms, api_name=False, show_progress="hidden")
        demo.load(try_task_actions.views_for, model, task_views, api_name=False, show_progress="hidden")

    results = [label, chart, seen, predicted, preview, summary, per_class, heatmap, reliability, confusion, cell]
    results += [mistakes, report, compare_note, compare_table, split_note, side_by_side, disagreements, card, archive]
    results += [pushed]
    model.change(actions.cleared_results, None, results, api_name=False, show_progress="hidden")
    task_results = [*task_predicted, *task_file_results, *task_evaluated, *task_compared]
    model.change(lambda: [None] * len(task_results), None, task_results, api_name=False, show_progress="hidden")
    return TryTab(model=model, follow_model=follow_model)
