"""Which launcher a job's processes start under, read from the accelerate config, and refused when it cannot run.

Without a config a job is one process (on the GPU when there is one). With one (`STUDIO_ACCELERATE_CONFIG`, or the
file `accelerate config` saved) the job follows it through `accelerate launch`: several GPUs, several machines,
DeepSpeed or FSDP. One case takes another road: several CPU processes (`distributed_type: MULTI_CPU`).
accelerate's launcher starts those through MPI only, and without an MPI host file it silently runs a single
process; PyTorch's own launcher (`torch.distributed.run`) starts them with the gloo backend, the same way a
multi-GPU launch does.
"""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from engine.common.errors import StudioError

SINGLE_PROCESS = ["--num_processes", "1", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
# The distributed types that put one process on each GPU.
_GPU_TYPES = ("MULTI_GPU", "DEEPSPEED", "FSDP", "MEGATRON_LM")


@dataclass(frozen=True)
class Launch:
    """How a job's processes start: the command before `-m engine.jobs.worker <id>`, how many processes run, and
    how many CPU threads each may use (`OMP_NUM_THREADS` in their environment)."""

    command: list[str]
    processes: int
    config_file: str | None
    threads: int = 1


def _cgroup_cpus() -> float | None:
    """The CPUs a cgroup v2 quota allows (`cpu.max`: "200000 100000" is 2), None without a quota. A container on a
    shared host (a Space, a CI runner) often sees every core of the host but may use only its quota."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return None
    return None if quota == "max" else int(quota) / int(period)


def cpu_threads(processes_per_machine: int = 1) -> int:
    """The CPU threads each of a job's processes on this machine may use: `OMP_NUM_THREADS` when the server's
    environment sets it, else the physical cores this process may run on (its CPU affinity, its cgroup quota)
    shared between the processes.

    Why: `accelerate launch` sets `OMP_NUM_THREADS` for the processes it starts, to 1 unless told otherwise (it
    picks more only with `--cpu`, from the host's core count), and PyTorch's launcher sets 1 for several processes;
    a training child on a CPU then uses one core of many. Physical cores, as torch counts by default: a second
    thread on a core's sibling adds little to matrix products.
    """
    chosen = os.environ.get("OMP_NUM_THREADS", "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    import psutil  # accelerate's own dependency; it counts cores the same way for its launcher

    logical, physical = psutil.cpu_count(logical=True) or 1, psutil.cpu_count(logical=False) or 1
    cores = available * physical / logical  # the allowed CPUs, less their SMT siblings
    quota = _cgroup_cpus()
    if quota is not None:
        cores = min(cores, quota)
    return max(1, int(cores // max(1, processes_per_machine)))


def _accelerate_default_config_file() -> str:
    """Where `accelerate config` saves (accelerate's `default_config_file`), computed as accelerate does, without
    importing it: accelerate imports torch, which the web server must not pay for at start."""
    cache = os.environ.get("HF_HOME", os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface"))
    return os.path.join(os.path.expanduser(cache), "accelerate", "default_config.yaml")


default_config_file = _accelerate_default_config_file()


def accelerate_config_file() -> str | None:
    """The accelerate config jobs follow: `STUDIO_ACCELERATE_CONFIG`, else the one `accelerate config` saved."""
    chosen = os.environ.get("STUDIO_ACCELERATE_CONFIG")
    if chosen:
        return chosen
    return default_config_file if Path(default_config_file).is_file() else None


def _read(config_file: str) -> dict:
    path = Path(config_file).expanduser()
    try:
        values = yaml.safe_load(path.read_text())  # accelerate writes YAML, or JSON (which YAML reads too)
    except OSError as error:
        raise StudioError(f"cannot read the accelerate config {config_file}: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise StudioError(f"the accelerate config {config_file} is not YAML or JSON: {error}") from error
    if not isinstance(values, dict):
        raise StudioError(f"the accelerate config {config_file} holds no settings (a mapping of names to values)")
    return values


def _count(values: dict, name: str, config_file: str) -> int:
    value = values.get(name, 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise StudioError(f"{name} in the accelerate config {config_file} must be a whole number >= 1, not {value!r}")
    return value


def launch_plan(config_file: str | None = None) -> Launch:
    """How a job starts on this machine under `config_file` (by default `accelerate_config_file()`).

    Raises:
        StudioError: the config cannot be read, or asks for what this machine cannot do (more GPU processes than
            GPUs, GPU processes without a GPU, several CPU processes over several machines without their address).
    """
    config_file = config_file or accelerate_config_file()
    accelerate = [sys.executable, "-m", "accelerate.commands.launch"]
    if config_file is None:
        return Launch(accelerate + SINGLE_PROCESS, 1, None, cpu_threads(1))
    values = _read(config_file)
    kind = str(values.get("distributed_type", "NO")).upper()
    processes = _count(values, "num_processes", config_file)
    machines = _count(values, "num_machines", config_file)
    if kind in _GPU_TYPES:
        import torch  # here: the web server imports this module at start

        gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        per_machine = -(-processes // machines)
        if per_machine > gpus:
            raise StudioError(
                f"the accelerate config {config_file} starts {per_machine} GPU process(es) on this machine "
                f"({kind}), but it has {gpus} GPU(s); lower num_processes, or use a config made on this machine "
                "(accelerate config)"
            )
    threads = cpu_threads(-(-processes // machines))
    if kind == "MULTI_CPU" and processes > 1 and not values.get("mpirun_config"):
        return Launch(_torch_run(values, processes, machines, config_file), processes, config_file, threads)
    return Launch(accelerate + ["--config_file", config_file], processes, config_file, threads)


def _torch_run(values: dict, processes: int, machines: int, config_file: str) -> list[str]:
    """PyTorch's launcher for several CPU processes (gloo), on this machine or over several."""
    if processes % machines:
        raise StudioError(
            f"the accelerate config {config_file} spreads {processes} processes over {machines} machines: "
            "use a multiple of the number of machines"
        )
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes // machines)]
    if machines == 1:
        return command + ["--standalone"]  # a local rendezvous on a free port
    address, port = values.get("main_process_ip"), values.get("main_process_port")
    if not address or not port:
        raise StudioError(
            f"the accelerate config {config_file} runs on {machines} machines but names no main_process_ip and "
            "main_process_port for them to meet at"
        )
    rank = values.get("machine_rank", 0)
    return command + [
        "--nnodes",
        str(machines),
        "--node_rank",
        str(rank),
        "--master_addr",
        str(address),
        "--master_port",
        str(port),
    ]
