"""Experiments: many runs seen together. Sweeps (`sweep_spec`, `sweeps`, `study`, `seeds`) run many settings as
queued jobs, and `repeats` runs any job's settings again with N seeds as such a sweep; `curves` turns a run's stored
events into series (smoothed, on the x-axis a person picks); `compare` selects runs, lists the settings they differ
in and names the best run with its margin against the seed-to-seed spread.

It may import `common`, `datasets`, `models`, `tasks`, `training`, `inference` and `jobs` (the job database is what
it reads); only `cli` and `ui` import it.
"""
