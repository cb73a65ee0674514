# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""migration_plan on what reading the hosts found (zk2kraft_node): drift refuses unless accepted,
a world-readable file holding secrets is a warning, an id disagreement names the side the storage supports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "playbooks" / "examples" / "inventory"
PLAYBOOK_BIN = REPO / ".venv" / "bin" / "ansible-playbook"

PLAY = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - zk2kraft.migration.migration_plan:
        fail_on_error: false
        phases: [migration]
        accept_drift: "{{ accept | default(false) }}"
      register: plan
      no_log: true
    - ansible.builtin.copy:
        content: "{{ plan.violations | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""

DRIFT = [{"key": "zookeeper.connect", "written": "zk1.example.com:2181/kafka", "found": "zk9:2181/other"}]


def _violations(tmp_path: Path, accept: bool) -> list[dict[str, Any]]:
    inventory = tmp_path / "inventory"
    if not inventory.exists():
        shutil.copytree(str(EXAMPLE), str(inventory))
        hosts = yaml.safe_load((inventory / "hosts.yml").read_text())
        brokers = hosts["all"]["children"]["kafka"]["children"]["kafka_brokers"]["hosts"]
        brokers["kb1.example.com"]["zk2kraft_node"] = {"config_mode": "0644", "drift": DRIFT,
                                                       "meta_properties": {"/data": {"broker.id": "1"}}}
        brokers["kb1.example.com"]["zk2kraft_current_properties"] = (
            "broker.id=11\nssl.keystore.password=ks-secret-value\n")
        (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
        (tmp_path / "play.yml").write_text(PLAY)
    out = tmp_path / ("accepted.json" if accept else "refused.json")
    command = [str(PLAYBOOK_BIN), "-i", str(inventory), str(tmp_path / "play.yml"), "-e", f"out={out}",
               "-e", f"accept={str(accept).lower()}"]
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run(command, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=120, check=False)
    output = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0, output[-4000:]
    assert "ks-secret-value" not in output
    return [v for v in json.loads(out.read_text()) if v["host"] == "kb1.example.com"]


def test_observed_state_reaches_the_plan(tmp_path: Path) -> None:
    refused = _violations(tmp_path, accept=False)
    by_key = {v["key"]: v for v in refused}
    drift = by_key["zookeeper.connect"]
    assert drift["severity"] == "error" and "found 'zk9:2181/other'" in drift["message"]
    assert "zk2kraft_accept_drift=true" in drift["fix"]
    readable = by_key["server.properties"]
    assert readable["severity"] == "warning" and "world-readable (mode 0644)" in readable["message"]
    broker_id = by_key["broker.id"]
    assert "supports the inventory (meta.properties in /data says 1)" in broker_id["message"]
    assert broker_id["fix"].startswith("set broker.id=1 in kb1.example.com's server.properties")

    accepted = {v["key"]: v for v in _violations(tmp_path, accept=True)}
    assert accepted["zookeeper.connect"]["severity"] == "warning"
