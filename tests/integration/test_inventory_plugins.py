# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The repository's ansible.cfg tries the YAML inventory plugin before 'auto' (a plain YAML inventory is read
once, not twice); an inventory plugin's configuration file is still read by 'auto'."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"


def _env() -> dict[str, str]:
    return dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")


def test_yaml_before_auto() -> None:
    done = subprocess.run([str(BIN / "ansible-config"), "dump", "--format", "json"], cwd=str(REPO), env=_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120, check=True)
    enabled = next(item["value"] for item in json.loads(done.stdout) if item["name"] == "INVENTORY_ENABLED")
    assert enabled.index("yaml") < enabled.index("auto")
    assert set(enabled) >= {"host_list", "script", "auto", "yaml", "ini", "toml"}


def test_plain_yaml_and_a_plugin_configuration_both_read(tmp_path: Path) -> None:
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {
        "kafka_brokers": {"hosts": {"kb1": {"zk2kraft_node_id": 1}, "kb2": {"zk2kraft_node_id": 2}}}}}}))
    # Read after hosts.yml (a directory's sources are read in name order): 'yaml' refuses it, 'auto' takes it.
    (tmp_path / "zz-constructed.yml").write_text(yaml.safe_dump({
        "plugin": "ansible.builtin.constructed", "strict": True,
        "groups": {"first_broker": "zk2kraft_node_id == 1"}}))
    done = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(tmp_path), "--list"], cwd=str(REPO), env=_env(),
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    listed = json.loads(done.stdout)
    assert listed["kafka_brokers"]["hosts"] == ["kb1", "kb2"]
    assert listed["first_broker"]["hosts"] == ["kb1"]
    assert b"WARNING" not in done.stderr, done.stderr.decode()
