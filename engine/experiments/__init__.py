"""Experiments: many runs seen together. `curves` turns a run's stored events into series (smoothed, on the x-axis a
person picks), `compare` selects runs, lists the settings they differ in and names the best run with its margin
against the seed-to-seed spread.

It may import `common`, `datasets`, `models`, `tasks`, `training` and `jobs` (the job database is what it reads);
never `inference`, `tokenizer` or `cli`.
"""
