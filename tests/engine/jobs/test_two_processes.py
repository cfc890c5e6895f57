"""Two training processes on the CPU (gloo), through the app's own launch path: the same loss scale as one process,
half the steps per epoch, one writer, one saved model.

`STUDIO_ACCELERATE_CONFIG` asks for `MULTI_CPU` with two processes, as a user would write it; the job starts under
PyTorch's launcher (`engine.jobs.launcher`) and its worker runs as two ranks.
"""

import math

from engine.jobs.actions import start_job, wait_for_job
from engine.jobs.store import COMPLETED, JobStore
from engine.training.checks import check_config
from engine.training.config import TrainConfig, planned_steps

BATCH = 4


def test_two_cpu_processes_train_with_the_single_process_loss_scale_and_half_the_steps(
    tmp_path, monkeypatch, tiny_csv_folder
):
    config_file = tmp_path / "two-cpus.yaml"
    config_file.write_text("distributed_type: MULTI_CPU\nnum_processes: 2\nnum_machines: 1\nmixed_precision: 'no'\n")
    monkeypatch.setenv("STUDIO_ACCELERATE_CONFIG", str(config_file))
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", epochs=1, batch_size=BATCH)
    train_rows = len(check_config(config).data.splits["train"])
    store = JobStore()

    job = wait_for_job(start_job(config, store).id, store)

    assert job.status == COMPLETED, job.error
    assert "torch.distributed.run --nproc_per_node 2" in job.command
    # Each rank takes its own half of every epoch: half the optimizer steps of one process at the same batch size.
    assert job.total_steps == planned_steps(config, train_rows, processes=2) == math.ceil(train_rows / (2 * BATCH))
    assert job.total_steps < planned_steps(config, train_rows, processes=1)
    # Two labels from random weights: a cross-entropy near ln 2 = 0.69. The loss Trainer logged with 2 processes was
    # scaled by 2 (1.39) before `average_tokens_across_devices` was turned off.
    losses = [event["loss"] for event in store.events(job.id) if event["kind"] == "train"]
    assert losses and max(losses) < 1.0
    assert (job.model_dir / "config.json").is_file()
    assert "2 processes on CPU" in (job.model_dir / "README.md").read_text()
    # One writer: the main rank alone wrote each event (two writers would log every step twice).
    steps = [event["step"] for event in store.events(job.id) if event["kind"] == "train"]
    assert len(steps) == len(set(steps))
