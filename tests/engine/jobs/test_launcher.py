"""engine.jobs.launcher: a job follows its accelerate config, several CPU processes included, or is refused."""

import sys

import pytest
import torch

from engine.common.errors import StudioError
from engine.jobs.actions import start_job
from engine.jobs.launcher import launch_plan
from engine.jobs.store import JobStore
from engine.training.config import TrainConfig


def _config(tmp_path, text: str) -> str:
    path = tmp_path / "accelerate.yaml"
    path.write_text(text)
    return str(path)


def test_several_cpu_processes_start_under_pytorchs_launcher_not_a_silent_single_process(tmp_path):
    plan = launch_plan(_config(tmp_path, "distributed_type: MULTI_CPU\nnum_processes: 2\nnum_machines: 1\n"))

    assert plan.command == [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone"]
    assert plan.processes == 2


def test_cpu_processes_over_several_machines_meet_at_the_main_process(tmp_path):
    config = _config(
        tmp_path,
        "distributed_type: MULTI_CPU\nnum_processes: 4\nnum_machines: 2\nmachine_rank: 1\n"
        "main_process_ip: 10.0.0.5\nmain_process_port: 29500\n",
    )

    command = launch_plan(config).command

    assert command[command.index("--nproc_per_node") + 1] == "2"
    assert command[command.index("--nnodes") + 1 :] == [
        "2",
        "--node_rank",
        "1",
        "--master_addr",
        "10.0.0.5",
        "--master_port",
        "29500",
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("distributed_type: MULTI_CPU\nnum_processes: 4\nnum_machines: 2\n", "names no main_process_ip"),
        ("distributed_type: MULTI_CPU\nnum_processes: 3\nnum_machines: 2\n", "a multiple of the number of machines"),
        ("distributed_type: MULTI_GPU\nnum_processes: 2\n", r"starts 2 GPU process\(es\) .* but it has 0 GPU"),
        ("distributed_type: MULTI_CPU\nnum_processes: two\n", "num_processes .* must be a whole number"),
        ("- just\n- a list\n", "holds no settings"),
        ("distributed_type: [unclosed\n", "is not YAML or JSON"),
    ],
    ids=["no-address", "uneven", "gpus-missing", "count", "list", "broken"],
)
def test_a_config_this_machine_cannot_honour_is_refused_with_the_reason(tmp_path, monkeypatch, text, says):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    with pytest.raises(StudioError, match=says):
        launch_plan(_config(tmp_path, text))


def test_a_start_under_such_a_config_is_refused_before_anything_is_recorded(tmp_path, monkeypatch, tiny_csv_folder):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv(
        "STUDIO_ACCELERATE_CONFIG", _config(tmp_path, "distributed_type: MULTI_GPU\nnum_processes: 8\n")
    )
    store = JobStore()

    with pytest.raises(StudioError, match="accelerate config"):
        start_job(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", epochs=1), store)
    assert store.list() == []


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(StudioError, match="cannot read the accelerate config .*absent.yaml"):
        launch_plan(str(tmp_path / "absent.yaml"))
