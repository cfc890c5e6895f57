"""Child processes for work that a user's input can make heavy or crash: parsing a data file, running SQL.

The server starts one short-lived child per piece of work (`python -m engine.datasets.<module>`), hands it a pickled
request on stdin and reads a pickled answer on stdout. The child limits its own memory (`limit_memory`); the server
limits how many run at once (`Slots`), how long one may run and how much it may write (`run_child`), so that a
runaway or a crash costs the child, never the server.
"""

import os
import pickle
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from engine.common.errors import StudioError
from engine.common.paths import REPO_ROOT

# What a child may take to start (imports, opening its inputs) before its work's own clock starts.
START_GRACE_S = 20.0
_POLL_S = 0.2
# Arrow's default allocator (mimalloc) reserves a 1 GiB arena up front, which `limit_memory` would count as held and
# let the work fill unchecked; with the system allocator each large buffer is its own mapping, counted as it is made.
# Two malloc arenas: each thread's arena reserves 64 MB of address space the same way.
CHILD_ALLOCATOR = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "2"}


def limit_memory(megabytes: int) -> None:
    """Let this process allocate `megabytes` more than it holds now. RLIMIT_DATA counts the heap and anonymous
    mappings (what Arrow's and Python's allocators use), not memory-mapped files, so Arrow files of any size stay
    readable."""
    with open("/proc/self/status") as status:
        held_kb = next(int(line.split()[1]) for line in status if line.startswith("VmData:"))
    allowed = held_kb * 1024 + megabytes * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:  # a server started under a limit of its own passes it on: stay within it
        allowed = min(allowed, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (allowed, hard if hard != resource.RLIM_INFINITY else allowed))


class Slots:
    """At most `places` children of one kind at once; a request waits up to `wait_s` for a place, then is refused.

    Args:
        what: the work, in the user's words ("data files being read"), for the refusal.
        variable: the setting that sets `places`, named in the refusal.
    """

    def __init__(self, what: str, variable: str) -> None:
        self.what, self.variable = what, variable
        self._running = 0
        self._condition = threading.Condition()

    def hold(self, places: int, wait_s: float) -> "_Held":
        """A context in which this request holds one of `places` places."""
        return _Held(self, places, wait_s)


class _Held:
    def __init__(self, slots: Slots, places: int, wait_s: float) -> None:
        self.slots, self.places, self.wait_s = slots, places, wait_s

    def __enter__(self) -> None:
        slots = self.slots
        with slots._condition:
            if not slots._condition.wait_for(lambda: slots._running < self.places, timeout=self.wait_s):
                raise StudioError(
                    f"{slots._running} {slots.what} at once, the most this server allows "
                    f"({slots.variable}={self.places}); try again in a moment"
                )
            slots._running += 1

    def __exit__(self, *_: object) -> None:
        with self.slots._condition:
            self.slots._running -= 1
            self.slots._condition.notify()


@dataclass(frozen=True)
class ChildEnd:
    """How a child ended: its answer when it gave one, else why not."""

    answer: dict | None = None
    timed_out: bool = False
    wrote_too_much: bool = False
    signal_name: str | None = None  # killed by a signal (a crash, or an allocation the memory limit refused)
    exit_status: int | None = None  # ended with an error before it could answer
    last_words: str = ""  # the last line it printed on stderr


def written_bytes(pid: int) -> int:
    """Bytes a process has written so far (`wchar` in /proc/<pid>/io: every write call, files included)."""
    try:
        text = Path(f"/proc/{pid}/io").read_text()
    except OSError:  # ended meanwhile
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("wchar:")), 0)


def run_child(module: str, request: dict, timeout_s: float, max_written_mb: int | None = None) -> ChildEnd:
    """Run `python -m <module>` with the pickled request on stdin and return how it ended.

    It is killed (with its process group) when it runs past `timeout_s` plus the start grace, or writes more than
    `max_written_mb`. Nothing it raises reaches the server: the `ChildEnd` holds its answer (a plain dict), or says
    why there is none.
    """
    path = os.pathsep.join(filter(None, (str(REPO_ROOT), os.environ.get("PYTHONPATH"))))
    child = subprocess.Popen(
        [sys.executable, "-m", module],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | CHILD_ALLOCATOR | {"PYTHONPATH": path},
        start_new_session=True,  # its own group: whatever it starts is killed with it
    )
    deadline = time.monotonic() + timeout_s + START_GRACE_S
    payload: bytes | None = pickle.dumps(request)
    stopped = {}
    while True:
        try:
            out, err = child.communicate(payload, timeout=_POLL_S)
            break
        except subprocess.TimeoutExpired:
            payload = None  # sent already; communicate() goes on where it was
        if time.monotonic() > deadline:
            stopped = {"timed_out": True}
        elif max_written_mb is not None and written_bytes(child.pid) > max_written_mb * 2**20:
            stopped = {"wrote_too_much": True}
        if stopped:
            _kill_group(child)
            out, err = child.communicate()
            break
    last = (err.decode(errors="replace").strip().splitlines() or [""])[-1][:300]
    if stopped:
        return ChildEnd(last_words=last, **stopped)
    if child.returncode < 0:
        return ChildEnd(signal_name=signal.Signals(-child.returncode).name, last_words=last)
    if child.returncode == 0 and out:
        return ChildEnd(answer=pickle.loads(out), last_words=last)  # noqa: S301 - our own child's answer
    return ChildEnd(exit_status=child.returncode, last_words=last)


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:  # it ended on its own meanwhile
        pass


def answer_on_stdout(work) -> None:
    """Run `work(request)` on the pickled request from stdin and write its dict answer on stdout, pickled.

    While it runs, whatever the libraries print goes to stderr: a library that prints to stdout (datasets does)
    cannot spoil the answer.
    """
    request = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by the server
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    result = work(request)
    with os.fdopen(answer_fd, "wb") as answer:
        answer.write(pickle.dumps(result))
