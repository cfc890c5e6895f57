"""Where a run trains, in numbers and in words: the devices that share a batch, the queue a job joins, the hardware.

Kept apart from the recipe so that the web server (plans, the queue) can answer these without importing
`transformers` and `accelerate` at start; torch itself is imported only when asked.
"""

import os
import platform
from pathlib import Path


def training_devices(processes: int = 1) -> int:
    """How many devices share each batch: one per process, or every visible GPU for a single process
    (`Trainer` then wraps the model in `DataParallel`)."""
    import torch

    if processes > 1:
        return processes
    return max(1, torch.cuda.device_count()) if torch.cuda.is_available() else 1


def training_device() -> str:
    """The device a new run trains on, and so the queue its job joins: `cuda` when there is a GPU, else `cpu`."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def describe_hardware(processes: int = 1) -> str:
    """The hardware a run trains on, in words: "1 × NVIDIA H200" or "CPU: AMD EPYC 7B13 (2 cores, 2 threads)": the
    threads are those torch uses in this process (`OMP_NUM_THREADS`, set by the job's launcher)."""
    import torch

    if torch.cuda.is_available():
        return f"{training_devices(processes)} × {torch.cuda.get_device_name(0)}"
    on = f"{processes} processes on " if processes > 1 else ""
    threads = torch.get_num_threads()
    each = " each" if processes > 1 else ""
    return f"{on}CPU: {_cpu_name()} ({os.cpu_count()} cores, {threads} thread{'s' if threads > 1 else ''}{each})"


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():  # Linux: the marketing name; platform.processor() there is only "x86_64"
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"
