"""Experiments over many runs: sweeps (`sweep_spec`, `sweeps`, `study`, `seeds`) and comparisons of runs.

It may import `common`, `datasets`, `models`, `tasks`, `training`, `inference` and `jobs`; only `cli` imports it.
"""
