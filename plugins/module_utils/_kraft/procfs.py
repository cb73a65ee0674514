# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""When a process started, from /proc (Linux), as a UNIX timestamp to the clock tick.

The boot time is taken as now less /proc/uptime (to the hundredth of a second), not /proc/stat's ``btime``:
that one is whole seconds, cut down, so a process looked up to a second older than it is. A node restarted
within that second of its config file's write then looked older than the file: a restart still due
(``restart_pending``) on the next run, which restarted it again. How much of a second depends on the moment
the machine booted, so the error came and went from one machine (a CI run) to the next.
"""

from __future__ import annotations

import os
import time
from typing import Callable


def boot_time(proc: str = "/proc", now: Callable[[], float] = time.time) -> float:
    """The boot's UNIX time: now less the uptime. Raises OSError or ValueError when /proc has none."""
    with open(os.path.join(proc, "uptime")) as handle:
        return now() - float(handle.read().split()[0])


def start_ticks(stat: str) -> int:
    """Field 22 of /proc/PID/stat (starttime, clock ticks since boot); it follows the parenthesised command name."""
    return int(stat.rsplit(")", 1)[1].split()[19])


def process_start_time(pid: int, proc: str = "/proc", ticks: Callable[[], int] | None = None,
                       now: Callable[[], float] = time.time) -> float | None:
    """The process's start as a UNIX timestamp; None when it is gone (or /proc cannot say)."""
    try:
        with open(os.path.join(proc, str(pid), "stat")) as handle:
            stat = handle.read()
        booted = boot_time(proc, now)
        return booted + start_ticks(stat) / float(ticks() if ticks is not None else os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None
