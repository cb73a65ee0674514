# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""A process's start time from /proc, to the clock tick."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.procfs import boot_time, process_start_time


def fake_proc(root: Path, uptime: str, pid: int, start_ticks: int) -> None:
    (root / "uptime").write_text(uptime)
    (root / "stat").write_text("cpu 1 2 3\nbtime 1796000000\n")   # whole seconds: not what counts
    (root / str(pid)).mkdir()
    fields = ["S"] + ["0"] * 18 + [str(start_ticks)] + ["0"] * 10
    (root / str(pid) / "stat").write_text(f"{pid} (java (a) b) {' '.join(fields)}\n")


def test_the_boot_time_is_now_less_the_uptime_not_the_whole_second_of_btime(tmp_path: Path) -> None:
    # Booted at 1796000000.9: btime says 1796000000, which made every process look 0.9 s older than it is.
    fake_proc(tmp_path, "100.00 150.00\n", 7, 9950)

    def now() -> float:
        return 1796000100.9
    assert abs(boot_time(str(tmp_path), now) - 1796000000.9) < 1e-6
    started = process_start_time(7, proc=str(tmp_path), ticks=lambda: 100, now=now)
    assert started is not None and abs(started - 1796000100.4) < 1e-6


def test_a_process_started_just_after_a_file_was_written_is_not_older_than_it(tmp_path: Path) -> None:
    marker = tmp_path / "server.properties"
    marker.write_text("x=1\n")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = process_start_time(child.pid)
        assert started is not None
        # A clock tick (10 ms) and /proc/uptime's hundredth of a second are the only slack.
        assert started >= os.stat(marker).st_mtime - 0.03
        assert started <= time.time() + 0.03
    finally:
        child.kill()
        child.wait()


def test_a_missing_process_or_proc_is_none(tmp_path: Path) -> None:
    assert process_start_time(999999, proc=str(tmp_path)) is None
    (tmp_path / "5").mkdir()
    (tmp_path / "5" / "stat").write_text("5 (x) S 0\n")
    (tmp_path / "uptime").write_text("10.00 1.00\n")
    assert process_start_time(5, proc=str(tmp_path)) is None
