"""Peak memory of a child process, measured from outside by polling its /proc/<pid>/status VmHWM.

`getrusage`/`wait4`'s ru_maxrss is no good for a child of the benchmark: Linux carries the high-water mark of the
memory a process had before exec() into its ru_maxrss, and a child spawned by `subprocess` (vfork or fork) starts
with the parent's memory, so every child would report at least the benchmark process's own size (about 110 MiB
once Django is loaded). VmHWM belongs to the memory map made by exec(), so it is the child's own peak. It only
grows, so polling it every POLL_SECONDS misses at most the growth of the child's last moments.
"""

import re
import threading
from pathlib import Path

POLL_SECONDS = 0.05
_VM_HWM = re.compile(r"^VmHWM:\s+(\d+) kB$", re.MULTILINE)


def vm_hwm_kib(status: str) -> int | None:
    """The VmHWM (peak resident set, KiB) in the text of /proc/<pid>/status, or None (e.g. a zombie has none)."""
    found = _VM_HWM.search(status)
    return int(found.group(1)) if found else None


class PeakRss:
    """Polls a running child's VmHWM in a thread until stopped; `kib` is the largest value read."""

    def __init__(self, pid: int, *, interval: float = POLL_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        path = Path(f"/proc/{self.pid}/status")
        while not self._stop.is_set():
            try:
                value = vm_hwm_kib(path.read_text())
            except OSError:
                return
            if value is None:
                return
            self.kib = max(self.kib, value)
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
