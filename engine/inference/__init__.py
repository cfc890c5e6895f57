"""Using a trained model: predictions with probabilities, whole files, evaluation, comparison, pipelines, sharing.

It may import `common`, `models`, `datasets` and `training` (the same metric modules as training); it knows
nothing of the job database or of processes.
"""
