"""Fine-tuning as a library: a validated config in, a trained model, its model card and typed events out.

`config` and `presets` describe a run, `checks` refuse one that cannot work before any process starts, `plan`
estimates its cost, `data` prepares the dataset, `recipe` sets up `Trainer`, `run` trains and reports `events`
through a callback, `metrics` and `model_card` score and describe the result. It may import `common`, `models` and
`datasets`; it knows nothing of the job database or of processes (that is `jobs`).
"""
