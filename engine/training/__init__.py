"""Fine-tuning as a library: a validated config in, a trained model, its model card and typed events out.

`config`, `defaults` and `presets` describe a run, `checks` refuse one that cannot work before any process starts,
`plan` estimates its cost, `data` prepares the dataset, `recipe` sets up `Trainer`, `run` trains and reports typed
`events` through a callback (`progress`), `failures` sorts a failed run into an error category, and `metrics` and
`model_card` score and describe the result. It may import `common`, `datasets` and `models`; it knows nothing of the
job database or of processes (that is `jobs`).
"""
