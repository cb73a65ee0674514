"""An interrupted rollback finishes when started again.

The cluster is migrated to dual-write; the rollback is killed (SIGKILL) right after its first
roll restarted broker2 back into ZooKeeper mode. The next run must work out what is left
(roll broker3 back, deprovision the controllers, clean ZooKeeper, the last roll) and leave the
cluster in plain ZooKeeper mode.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from lib import read_host_file, service_state  # noqa: E402  (conftest puts tests/sandbox on sys.path)
from test_migrate_resume import REPO, ansible_env  # noqa: E402

INVENTORY = REPO / "tests" / "sandbox" / ".state" / "inventory.yml"


def playbook(name: str, *extra: str) -> list[str]:
    return [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(INVENTORY),
            str(REPO / "playbooks" / name), *extra]


def test_a_rollback_killed_in_its_first_roll_completes_when_started_again(sandbox):
    migrate = subprocess.run(playbook("migrate.yml", "-e", "zk2kraft_stop_after=dual_write"), cwd=REPO,
                             env=ansible_env(), capture_output=True, text=True, timeout=900, check=False)
    assert migrate.returncode == 0, migrate.stdout[-5000:]

    proc = subprocess.Popen(playbook("rollback.yml"), cwd=REPO, env=ansible_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen: list[str] = []
    in_restart = killed = False
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("TASK ["):
                in_restart = "Restart the broker]" in line
            elif in_restart and line.startswith("changed: [broker2]"):
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
                break
    finally:
        proc.wait(timeout=600)
    assert killed, "the rollback ended before broker2 was rolled back:\n" + "".join(seen[-40:])
    assert "process.roles=broker" in read_host_file("broker3", "/etc/kafka/server.properties")

    again = subprocess.run(playbook("rollback.yml"), cwd=REPO, env=ansible_env(), capture_output=True,
                           text=True, timeout=900, check=False)
    assert again.returncode == 0, again.stdout[-6000:] + again.stderr[-3000:]
    assert "Rolling back from dual_write: roll 1 (keep the migration flag) on broker3;" in " ".join(again.stdout.split())

    for broker in ("broker1", "broker2", "broker3"):
        text = read_host_file(broker, "/etc/kafka/server.properties")
        assert "zookeeper.connect=" in text and "process.roles" not in text
        assert "zookeeper.metadata.migration.enable" not in text and "controller.quorum.voters" not in text
    for controller in ("ctrl1", "ctrl2", "ctrl3"):
        assert service_state(controller) != "active"
    reports = sorted((REPO / "reports").glob("rollback-*.json"), key=lambda p: p.stat().st_mtime)
    assert json.loads(reports[-1].read_text())["phase_before"] == "dual_write"

    # Nothing is left to do: a third run changes nothing.
    third = subprocess.run(playbook("rollback.yml"), cwd=REPO, env=ansible_env(), capture_output=True,
                           text=True, timeout=900, check=False)
    assert third.returncode == 0 and "changed=0" in third.stdout and "changed=1" not in third.stdout, third.stdout[-4000:]
