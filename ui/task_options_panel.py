"""The Train form's task options: one row per task, shown only while that task is picked.

What each option means and its range are the engine's (`engine.training.task_settings`, `TrainConfig`); this module
only lays the boxes out, named as the `TrainConfig` fields they set.
"""

from dataclasses import dataclass

import gradio as gr

from engine.training.task_settings import (
    MULTI_LABEL,
    OPTION_HELP,
    QUESTION_ANSWERING,
    REGRESSION,
    SCHEMES,
    TOKEN_CLASSIFICATION,
)

DETECTED = "auto"  # the scheme (or delimiter) read from the data
OPTION_TASKS = (MULTI_LABEL, REGRESSION, TOKEN_CLASSIFICATION, QUESTION_ANSWERING)  # the tasks with options, in order


@dataclass
class TaskOptions:
    """The option components by `TrainConfig` field, and each task's row (shown for that task only)."""

    fields: dict[str, gr.components.Component]
    rows: dict[str, gr.Row]


def build_task_options(task: str) -> TaskOptions:
    """Lay out every task's options, the rows of tasks other than `task` hidden."""
    fields: dict[str, gr.components.Component] = {}
    rows: dict[str, gr.Row] = {}
    with gr.Row(visible=task == MULTI_LABEL) as rows[MULTI_LABEL]:
        fields["threshold"] = gr.Number(label="Threshold", value=0.5, info=OPTION_HELP["threshold"])
        fields["tune_thresholds"] = gr.Checkbox(
            label="Tune one threshold per label on validation", value=True, info=OPTION_HELP["tune_thresholds"]
        )
        fields["delimiter"] = gr.Textbox(label="Label delimiter", value="", info=OPTION_HELP["delimiter"])
    with gr.Row(visible=task == REGRESSION) as rows[REGRESSION]:
        fields["standardize"] = gr.Checkbox(
            label="Standardise the target", value=False, info=OPTION_HELP["standardize"]
        )
    with gr.Row(visible=task == TOKEN_CLASSIFICATION) as rows[TOKEN_CLASSIFICATION]:
        fields["label_all_tokens"] = gr.Checkbox(
            label="Label every sub-word", value=False, info=OPTION_HELP["label_all_tokens"]
        )
        # Custom values pass to the config, whose message names the field and the schemes (Gradio's names neither).
        fields["scheme"] = gr.Dropdown(
            [DETECTED, *SCHEMES[:3]],
            value=DETECTED,
            label="Tagging scheme",
            info=OPTION_HELP["scheme"],
            allow_custom_value=True,
        )
    with gr.Row(visible=task == QUESTION_ANSWERING) as rows[QUESTION_ANSWERING]:
        # Text: empty is "a quarter of max length", which a Number box cannot show.
        fields["stride"] = gr.Textbox(label="Stride (tokens)", value="", info=OPTION_HELP["stride"])
        fields["max_answer_length"] = gr.Number(
            label="Max answer length (tokens)", value=30, precision=0, info=OPTION_HELP["max_answer_length"]
        )
        fields["n_best"] = gr.Number(label="Candidates (n best)", value=20, precision=0, info=OPTION_HELP["n_best"])
    return TaskOptions(fields=fields, rows=rows)
