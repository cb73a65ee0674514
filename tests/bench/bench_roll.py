"""Benchmark: how long a health-gated broker roll leaves between brokers.

Brings the sandbox up (default: the 12-broker ``bench`` topology), runs ``migrate.yml`` up to
dual-write, and prints from the run's JSON report, per roll, the seconds between one broker
being healthy and the next broker being stopped, plus per-phase durations. Takes the sandbox
down again unless --keep. Prints figures only; it asserts nothing.

    .venv/bin/python tests/bench/bench_roll.py [--topology bench|default] [--keep]
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

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), PATH="{}:{}".format(BIN, os.environ.get("PATH", "")))
    return subprocess.run(argv, cwd=REPO, env=env, text=True, capture_output=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--topology", default="bench")
    parser.add_argument("--keep", action="store_true", help="leave the sandbox up afterwards")
    args = parser.parse_args()
    sandbox = [sys.executable, str(REPO / "tests" / "sandbox" / "sandbox.py")]
    up = run(sandbox + ["up", "--topology", args.topology])
    if up.returncode != 0:
        print(up.stdout + up.stderr)
        return 1
    try:
        started = time.monotonic()
        migrate = run([str(BIN / "ansible-playbook"), "-i", "tests/sandbox/.state/inventory.yml", "playbooks/migrate.yml"])
        wall = time.monotonic() - started
        if migrate.returncode != 0:
            print(migrate.stdout[-5000:] + migrate.stderr[-2000:])
            return 1
        report_path = max((REPO / "reports").glob("migration-*.json"), key=lambda p: p.stat().st_mtime)
        report = json.loads(report_path.read_text())
    finally:
        if not args.keep:
            run(sandbox + ["down"])
    print(f"topology {args.topology}: migrate.yml to dual-write took {wall:.1f} s (report {report_path.name})")
    for phase, info in report["phases"].items():
        if "duration_seconds" in info:
            print("  roll {:<11} {:2d} restarts in {:6.1f} s ({:.1f} s per broker)".format(
                phase, info["restarts"], info["duration_seconds"], info["duration_seconds"] / max(info["restarts"], 1)))
    by_phase: dict[str, list[float]] = {}
    for gap in report["roll_gaps"]:
        by_phase.setdefault(gap["phase"], []).append(gap["seconds"])
    for phase, gaps in by_phase.items():
        print(f"  healthy -> next stop, {phase:<11} n={len(gaps):<3d} median {statistics.median(gaps):.2f} s  "
              f"max {max(gaps):.2f} s  min {min(gaps):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
