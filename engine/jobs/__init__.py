"""Training runs as jobs: rows in SQLite, a queue, and child processes launched with `accelerate launch`.

`store` is the job database, `queue` admits jobs and moves the queue (`advance_queue`), `process` starts, watches
and terminates a job's process group, `actions` are what a user does to a job (start, stop, resume, clone,
delete), `catalog` offers finished jobs' models and timings to the rest of the app, `worker` is the training
child that binds one job row to a `training` run, and `trials` binds a sweep's job to its Optuna trial. It may
import `common`, `datasets`, `models` and `training`, never `inference`, `tokenizer` or `cli`.
"""
