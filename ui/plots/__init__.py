"""Plotly figure builders, one module per subject: pure functions, data in, figure out, no Gradio.

`training` draws a job's curves, `evaluation` a prediction's probabilities and an evaluation's confusion matrix
and reliability, `datasets` the Datasets tab's checks, `tokenizer` a batch's input_ids and attention_mask.
"""
