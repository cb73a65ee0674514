"""Benchmark: broker rolls one broker at a time against one rack at a time, from the same setup.

For each strategy asked for (default: serial, then rack), brings a fresh sandbox up (default: the
12-broker, 3-rack ``bench`` topology), runs ``migrate.yml`` to dual-write with that
``zk2kraft_roll_strategy``, and prints from the run's JSON report, per roll: its wall time (first
stop to last healthy), its batches, the brokers' median stop-to-healthy time, the automation's own
time per broker (the report's: the roll's wall time less each batch's stop-to-healthy time, per
broker) and the gaps between one batch being healthy and the next being stopped. Then the ratio of
the serial to the rack rolls' wall times. Takes the sandbox down after each run unless --keep (last
run only). Prints figures only; asserts nothing.
On real Kafka with SANDBOX_KAFKA=real (and SANDBOX_KAFKA_VERSION).

    .venv/bin/python tests/bench/bench_roll.py [--topology bench|default] [--strategy serial|rack ...] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STATE_DIR = Path(os.environ.get("SANDBOX_STATE_DIR") or REPO / "tests" / "sandbox" / ".state")
REPORTS = STATE_DIR / "reports" if os.environ.get("SANDBOX_STATE_DIR") else REPO / "reports"
ROLLS = ("migration", "dual_write")


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), PATH="{}:{}".format(BIN, os.environ.get("PATH", "")))
    return subprocess.run(argv, cwd=REPO, env=env, text=True, capture_output=True, check=False)


def roll_figures(report: dict[str, Any], phase: str) -> dict[str, Any] | None:
    """Wall time, batches, downtime and the automation's own time of one roll, from the report."""
    info = report["phases"].get(phase)
    if not info or "duration_seconds" not in info:
        return None
    down: dict[str, float] = {}
    for host, host_info in report["hosts"].items():
        for step in host_info["timeline"]:
            if step["phase"] == phase and step["restarted"] and step["healthy_at"] is not None:
                down[host] = step["healthy_at"] - step["stopped_at"]
    batches = info.get("batches") or [[h] for h in down]
    gaps = [g["seconds"] for g in report["roll_gaps"] if g["phase"] == phase]
    wall = info["duration_seconds"]
    return {"wall": wall, "brokers": info["restarts"], "batches": len(batches),
            # The report's figure: the roll's wall time less each batch's stop-to-healthy time, per broker.
            "own_per_broker": info["automation_seconds_per_broker"],
            "down_median": statistics.median(down.values()) if down else 0.0,
            "gap_median": statistics.median(gaps) if gaps else 0.0, "gap_max": max(gaps) if gaps else 0.0}


def one_run(topology: str, strategy: str, keep: bool) -> dict[str, Any] | None:
    sandbox = [sys.executable, str(REPO / "tests" / "sandbox" / "sandbox.py")]
    up = run(sandbox + ["up", "--topology", topology])
    if up.returncode != 0:
        print(up.stdout + up.stderr)
        return None
    try:
        started = time.monotonic()
        migrate = run([str(BIN / "ansible-playbook"), "-i", str(STATE_DIR / "inventory.yml"), "playbooks/migrate.yml",
                       "-e", f"zk2kraft_roll_strategy={strategy}"])
        wall = time.monotonic() - started
        if migrate.returncode != 0:
            print(migrate.stdout[-5000:] + migrate.stderr[-2000:])
            return None
        report_path = max(REPORTS.glob("migration-*.json"), key=lambda p: p.stat().st_mtime)
        report = json.loads(report_path.read_text())
    finally:
        if not keep:
            run(sandbox + ["down"])
    print(f"strategy {strategy}: migrate.yml to dual-write took {wall:.1f} s (report {report_path.name})")
    figures = {}
    for phase in ROLLS:
        fig = roll_figures(report, phase)
        if fig is None:
            continue
        figures[phase] = fig
        print(f"  roll {phase:<11} {fig['brokers']:2d} brokers in {fig['batches']:2d} batches: {fig['wall']:6.1f} s; "
              f"stop-to-healthy median {fig['down_median']:.2f} s; automation's own time {fig['own_per_broker']:.2f} s "
              f"per broker; healthy -> next stop "
              f"median {fig['gap_median']:.2f} s, max {fig['gap_max']:.2f} s")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--topology", default="bench")
    parser.add_argument("--strategy", action="append", choices=("serial", "rack"),
                        help="roll strategy to time (repeatable; default: serial and rack)")
    parser.add_argument("--keep", action="store_true", help="leave the sandbox of the last run up afterwards")
    args = parser.parse_args()
    strategies = args.strategy or ["serial", "rack"]
    results: dict[str, dict[str, Any]] = {}
    for index, strategy in enumerate(strategies):
        figures = one_run(args.topology, strategy, args.keep and index == len(strategies) - 1)
        if figures is None:
            return 1
        results[strategy] = figures
    if "serial" in results and "rack" in results:
        serial = sum(f["wall"] for f in results["serial"].values())
        rack = sum(f["wall"] for f in results["rack"].values())
        print(f"broker rolls, serial {serial:.1f} s, rack {rack:.1f} s: rack-parallel is {serial / rack:.2f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
