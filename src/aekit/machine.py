"""What this machine offers a job: the CPU cores it may use and its RAM.

Core layer (no aekit imports), so the data layer (how many processes decode a folder,
whether a dataset fits the memory budget) and the engine (threads, device requests)
ask the same questions the same way.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, else the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def physical_memory() -> int:
    """This machine's RAM in bytes (0 where the platform does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return 0
