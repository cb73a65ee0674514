# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Bad run options and inventory variables stop every playbook before its first SSH connection.

The hosts point at TEST-NET addresses nothing answers on: a playbook that tried to reach one would
report UNREACHABLE (after a connection timeout) instead of the allowed values.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK_BIN = REPO / ".venv" / "bin" / "ansible-playbook"
PLAYBOOKS = ("migrate", "rollback", "verify", "validate")


def _inventory(root: Path, **broker_vars: object) -> Path:
    kb1 = {"zk2kraft_node_id": 1, "ansible_host": "192.0.2.11"}
    kb1.update(broker_vars)
    doc = {"all": {
        "vars": {"zk2kraft_kafka_version": "3.9.0", "zk2kraft_zookeeper_connect": "192.0.2.1:2181/kafka",
                 "ansible_user": "nobody", "ansible_ssh_common_args": "-o ConnectTimeout=3"},
        "children": {
            "kafka_controllers": {"hosts": {f"kc{i}": {"zk2kraft_node_id": 2999 + i, "ansible_host": f"192.0.2.{i}"}
                                            for i in (1, 2, 3)}},
            "kafka_brokers": {"hosts": {"kb1": kb1}},
        }}}
    path = root / "hosts.yml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _run(playbook: str, inventory: Path, extra: list[str]) -> tuple[int, str, float]:
    command = [str(PLAYBOOK_BIN), "-i", str(inventory), f"playbooks/{playbook}.yml"]
    for item in extra:
        command += ["-e", item]
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    started = time.monotonic()
    done = subprocess.run(command, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=120, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace"), time.monotonic() - started


CASES: dict[str, tuple[dict[str, object], list[str], str]] = {
    "stop-after": ({}, ["zk2kraft_stop_after=bogus"],
                   "zk2kraft_stop_after | 'bogus' is not one of the allowed values controllers, migration, dual_write"),
    "finalize": ({}, ["zk2kraft_finalize=maybe"], "zk2kraft_finalize | 'maybe' is not a boolean"),
    "verify-phase": ({}, ["zk2kraft_verify_phase=bogus"],
                     "zk2kraft_verify_phase | 'bogus' is not one of the allowed values kraft, dual_write"),
    "listener-port": ({"zk2kraft_listeners": "PLAINTEXT://kb1:0"}, [],
                      "kb1 | zk2kraft_listeners | listener 'PLAINTEXT://kb1:0': port 0 is outside 1..65535"),
}


@pytest.mark.parametrize("playbook", PLAYBOOKS)
@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_fails_before_any_ssh_connection(playbook: str, name: str, tmp_path: Path) -> None:
    host_vars, extra, message = CASES[name]
    status, output, seconds = _run(playbook, _inventory(tmp_path, **host_vars), extra)
    assert status != 0, output
    flat = " ".join(output.split()).replace("''", "'")
    assert message in flat, output
    assert "no host was contacted" in flat, output
    assert "UNREACHABLE" not in output and "192.0.2." not in output, output
    # Only the first play ran: on localhost, nothing else.
    assert "kc1" not in output.split("PLAY RECAP")[-1] and "kb1 " not in output.split("PLAY RECAP")[-1], output
    assert seconds < 60, output


def test_a_validation_that_reads_the_hosts_refuses_bad_input_before_reading_them(tmp_path: Path) -> None:
    # Without live reads the plan checks the inputs (no host is contacted before it); with them the first
    # play must, before the play that reads the files over SSH.
    status, output, _seconds = _run("validate", _inventory(tmp_path, zk2kraft_listeners="PLAINTEXT://kb1:0"),
                                    ["zk2kraft_validate_live=true"])
    assert status != 0, output
    assert "port 0 is outside 1..65535" in output and "no host was contacted" in output, output
    assert "Read the current server.properties" not in output and "UNREACHABLE" not in output, output


def test_a_dry_run_checks_the_inputs_once_in_its_plan(tmp_path: Path) -> None:
    status, output, _seconds = _run("validate", _inventory(tmp_path), ["zk2kraft_finalize=maybe"])
    assert status != 0, output
    flat = " ".join(output.split())
    assert "zk2kraft_finalize | 'maybe' is not a boolean" in flat.replace("''", "'"), output
    # The first play left the check to the plan, whose report is the check's message.
    assert "1 error(s) in the run options and the inventory; no host was contacted" in flat, output
    assert "Cluster: Kafka" not in output, output
