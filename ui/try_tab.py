"""Try tab: run a trained classifier on a text (or pair) and see every label's probability."""

import gradio as gr

from engine.models import model_choices
from engine.predict import predict
from ui.errors import shows_errors
from ui.plots import probabilities_bar

EXPLANATION = """\
The model turns its output **logits** into probabilities with a softmax: one number per label, summing to 100%.
A confident wrong answer is worse than an unsure one: try sentences unlike the training data to see where it breaks."""


@shows_errors
def classify(model: str, text: str, pair: str):
    """Return the label scores (for `gr.Label`) and a bar chart of them."""
    prediction = predict(model, [text], [pair] if pair else None)[0]
    return prediction.scores, probabilities_bar(prediction.scores)


def _latest_choices():
    choices = model_choices()
    jobs = [choice for choice in choices if choice.startswith("job:")]
    return gr.update(choices=choices, value=jobs[0] if jobs else None)


def build() -> gr.Dropdown:
    gr.Markdown(EXPLANATION)
    model = gr.Dropdown(
        choices=model_choices(),
        allow_custom_value=True,
        label="Model",
        info="a finished run (job:<id>), a local folder or a Hub text-classification model",
    )
    text = gr.Textbox(label="Text", lines=2, info="a sentence to classify")
    pair = gr.Textbox(label="Second text (for models trained on pairs)", lines=1)
    run = gr.Button("Predict", variant="primary")
    with gr.Row():
        label = gr.Label(label="Prediction")
        chart = gr.Plot(label="Probabilities")
    run.click(classify, [model, text, pair], [label, chart], api_name="predict")
    text.submit(classify, [model, text, pair], [label, chart], api_name=False)
    model.focus(_latest_choices, None, model, api_name=False)
    return model
