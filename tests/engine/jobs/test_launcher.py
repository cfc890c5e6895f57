"""engine.jobs.launcher: a job follows its accelerate config, several CPU processes included, or is refused."""

import subprocess
import sys

import pytest
import torch

import engine.jobs.launcher
from engine.common.errors import StudioError
from engine.jobs.actions import start_job
from engine.jobs.launcher import cpu_threads, launch_plan
from engine.jobs.process import _child_environment
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


def _cores(monkeypatch, *, affinity: int, logical: int, physical: int, quota: float | None = None) -> None:
    import psutil

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(engine.jobs.launcher.os, "sched_getaffinity", lambda pid: set(range(affinity)))
    monkeypatch.setattr(psutil, "cpu_count", lambda logical=True: logical_count if logical else physical)
    monkeypatch.setattr(engine.jobs.launcher, "_cgroup_cpus", lambda: quota)
    logical_count = logical


def test_one_process_gets_every_physical_core_it_may_run_on(monkeypatch):
    _cores(monkeypatch, affinity=8, logical=8, physical=4)  # 4 cores with 2 hardware threads each

    assert cpu_threads(1) == 4
    assert cpu_threads(2) == 2  # shared between a job's processes on this machine
    assert cpu_threads(8) == 1


def test_a_cgroup_quota_or_an_affinity_mask_limits_the_threads(monkeypatch):
    _cores(monkeypatch, affinity=64, logical=64, physical=64, quota=2.0)  # a container given 2 CPUs of a big host
    assert cpu_threads(1) == 2

    _cores(monkeypatch, affinity=3, logical=16, physical=16)  # `taskset -c 0-2`
    assert cpu_threads(1) == 3


def test_omp_num_threads_set_for_the_server_is_kept(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")

    assert cpu_threads(1) == 3


def test_the_launched_process_uses_the_planned_threads_not_the_launchers_one(tmp_path, monkeypatch, studio_data_dir):
    """`accelerate launch` without `--cpu` sets OMP_NUM_THREADS=1 for its child: on a CPU a job trained on one core
    of many until the job's environment named the count. Runs the real launcher on a script that reports it."""
    monkeypatch.delenv("STUDIO_ACCELERATE_CONFIG", raising=False)
    monkeypatch.setattr(engine.jobs.launcher, "default_config_file", str(tmp_path / "absent.yaml"))
    monkeypatch.setattr(engine.jobs.launcher, "cpu_threads", lambda processes=1: 2)
    script = tmp_path / "threads.py"
    script.write_text("import torch\nprint('threads', torch.get_num_threads())\n")
    plan = launch_plan()

    result = subprocess.run(
        [*plan.command, str(script)], env=_child_environment(7, plan.threads), capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "threads 2" in result.stdout
