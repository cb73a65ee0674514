"""Kill the playbook at a task boundary, run it again: it must finish (issue 10, part 3).

A task boundary is the moment Ansible prints a ``TASK [...]`` header: every host finished the
task before it. The run is killed (SIGKILL, a lost terminal) right there; then, for each case:
- at most one broker is down at the halt;
- the re-run exits 0, every broker was restarted at most once per roll over both runs;
- verify.yml passes.

``FAULTS_SWEEP=all`` kills at every boundary of migrate.yml (to dual-write) and rollback.yml,
counted from a reference run of each; by default (CI) a fixed sample of one boundary in each
playbook's broker roll runs. Every case starts from the state the previous one left, so the
cases chain without rebuilding the sandbox (a rollback resets a migrate case and the other way round).
``FAULTS_SHARD=i/n`` (with ``FAULTS_SWEEP=all``) runs every n-th boundary from the i-th, so n
sandboxes (lanes, machines) share the sweep, which takes hours on one.
"""

from __future__ import annotations

import os
import re
import time
from typing import Callable

import pytest
from faults import (  # noqa: E402  (conftest puts tests/faults on sys.path)
    BROKERS,
    brokers_down,
    kill_at_boundary,
    run_until,
    to_zookeeper_mode,
)
from playbook_runs import run_playbook  # noqa: E402

pytestmark = pytest.mark.usefixtures("cluster")
DUAL_WRITE = ("-e", "zk2kraft_stop_after=dual_write")
FULL = os.environ.get("FAULTS_SWEEP") == "all"
# CI's sample: the boundary just before the second broker's restart in each playbook's first roll.
SAMPLE = {"migrate.yml": ("Restart the broker", 2), "rollback.yml": ("Restart the broker", 2)}


def shard(points: list, spec: str) -> list:
    """The boundaries of shard ``i/n``: every n-th from the i-th (1-based); all of them for ''."""
    if not spec:
        return points
    match = re.fullmatch(r"(\d+)/(\d+)", spec.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise pytest.UsageError(f"FAULTS_SHARD={spec!r}: give i/n with 1 <= i <= n, for example 2/4")
    index, count = int(match.group(1)), int(match.group(2))
    return points[index - 1::count]


def restarts_in(output: str) -> dict:
    """Broker restarts a run made, from its output (killed runs write no report)."""
    counts = {b: 0 for b in BROKERS}
    task = ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line
        elif re.search(r"(Restart|Start) the broker\]", task):
            match = re.match(r"changed: \[(broker\d)\]", line)
            if match:
                counts[match.group(1)] += 1
    return counts


def boundaries(playbook: str, tasks: list) -> list:
    if FULL:
        return shard(list(range(1, len(tasks))), os.environ.get("FAULTS_SHARD", ""))
    name, nth = SAMPLE[playbook]
    hits = [i for i, t in enumerate(tasks) if t.endswith(name)]
    return [hits[nth - 1]] if len(hits) >= nth else []


def sweep(playbook: str, extra: tuple, before, after, rolls: int, verify_phase: str) -> None:
    before()
    if FULL:
        reference = run_until(playbook, *extra)
        assert reference.rc == 0, reference.tail()
        tasks = reference.tasks
        after()
    else:
        # The sample kills by name: the headers up to the kill are all it needs.
        tasks = []
    failures, started, cases = [], time.monotonic(), 0
    points = boundaries(playbook, tasks) if FULL else [None]
    for index in points:
        before()
        kill: Callable[[list, str], bool]
        if index is None:
            name, nth = SAMPLE[playbook]

            def kill(seen: list, line: str, name: str = name, nth: int = nth) -> bool:
                return line.startswith("TASK [") and sum(1 for t in seen if t.endswith(name)) == nth
        else:
            kill = kill_at_boundary(index)
        killed = run_until(playbook, *extra, kill=kill)
        where = f"{playbook} at boundary {index if index is not None else 'sample'} ({killed.killed_in})"
        cases += 1
        if killed.killed_in is None:
            failures.append(f"{where}: the run ended before the boundary (rc {killed.rc})")
            continue
        down = brokers_down()
        if len(down) > 1:
            failures.append(f"{where}: {len(down)} brokers down at the halt: {down}")
        again = run_until(playbook, *extra, timeout=1200)
        if again.rc != 0:
            failures.append(f"{where}: the re-run exited {again.rc}:\n{again.tail(30)}")
            break   # the next case would start from a broken state
        total = {b: restarts_in(killed.output)[b] + restarts_in(again.output)[b] for b in BROKERS}
        extra_restarts = {b: n for b, n in total.items() if n > rolls}
        if extra_restarts:
            failures.append(f"{where}: extra restarts {extra_restarts}")
        verify = run_playbook("verify.yml", "-e", f"zk2kraft_verify_phase={verify_phase}") \
            if verify_phase != "zookeeper" else None
        if verify is not None and verify.returncode != 0:
            failures.append(f"{where}: verify.yml failed:\n{verify.stdout[-3000:]}")
        after()
    seconds = time.monotonic() - started
    print(f"\n{playbook}: {len(tasks)} task boundaries, {cases} case(s) run in {seconds:.0f}s "
          f"({seconds / max(cases, 1):.0f}s each)")
    assert not failures, "\n".join(failures)


def _to_dual_write() -> None:
    to_zookeeper_mode()
    done = run_playbook("migrate.yml", *DUAL_WRITE)
    assert done.returncode == 0, done.stdout[-4000:]


def _nothing() -> None:
    return None


def test_migrate_killed_at_a_task_boundary_finishes_when_run_again() -> None:
    sweep("migrate.yml", DUAL_WRITE, to_zookeeper_mode, _nothing, rolls=2, verify_phase="dual_write")


def test_rollback_killed_at_a_task_boundary_finishes_when_run_again() -> None:
    sweep("rollback.yml", (), _to_dual_write, _nothing, rolls=2, verify_phase="zookeeper")
