"""Running the collection's playbooks against the sandbox from tests, and interrupting them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
STATE_DIR = Path(os.environ.get("SANDBOX_STATE_DIR") or REPO / "tests" / "sandbox" / ".state")
INVENTORY = STATE_DIR / "inventory.yml"
# A sandbox with its own state dir (a lane) keeps its reports there too (see sandbox.py's inventory).
REPORTS = STATE_DIR / "reports" if os.environ.get("SANDBOX_STATE_DIR") else REPO / "reports"


def newest_report(kind: str = "migration") -> dict[str, Any]:
    """The JSON report of the latest migrate.yml (or, with kind="rollback", rollback.yml) run."""
    reports = sorted(REPORTS.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime)
    report: dict[str, Any] = json.loads(reports[-1].read_text())
    return report


def ansible_env() -> dict[str, str]:
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["PATH"] = "{}:{}".format(Path(sys.executable).parent, env.get("PATH", ""))
    env["ANSIBLE_FORCE_COLOR"] = "0"
    # Ansible does not flush its output: through a pipe it comes in 8 KiB blocks, so a test that acts
    # on a line (kills the run at a task boundary) would act minutes late, or never.
    env["PYTHONUNBUFFERED"] = "1"
    # The playbooks write their reports under $PWD/reports (zk2kraft_report_dir); they run from REPO.
    env["PWD"] = str(REPO)
    return env


def playbook(name: str, *extra: str) -> list[str]:
    return [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(INVENTORY),
            str(REPO / "playbooks" / name), *extra]


def run_playbook(name: str, *extra: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(playbook(name, *extra), cwd=REPO, env=ansible_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)


def kill_after_restart(name: str, host: str, *extra: str) -> tuple[bool, list[str]]:
    """Run a playbook and SIGKILL it (like a lost terminal) right after it restarted ``host``'s broker.

    Returns whether it was killed, and the output seen up to then.
    """
    proc = subprocess.Popen(playbook(name, *extra), cwd=REPO, env=ansible_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen: list[str] = []
    in_restart = killed = False
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("TASK ["):
                in_restart = "Restart the broker]" in line
            elif in_restart and line.startswith(f"changed: [{host}]"):
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
                break
    finally:
        proc.wait(timeout=600)
    return killed, seen
