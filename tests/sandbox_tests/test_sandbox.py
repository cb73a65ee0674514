"""The sandbox itself: hosts reachable over SSH, isolated filesystems, services, ZooKeeper, clean down.

Tests run in file order against one sandbox; the last one takes it down and checks nothing is left.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MACHINE_PATHS, run_sandbox
from lib import (
    INVENTORY_FILE,
    STATE_DIR,
    exec_on_host,
    load_state,
    mount_namespace,
    pid_alive,
    processes_in_namespace,
    read_pid,
    sshd_pid,
    zookeeper_pid_file,
)
from sandbox import kazoo_client, lines_since, sees_host_files
from topology import DEFAULT_NET, build

NET = os.environ.get("SANDBOX_NET") or DEFAULT_NET
TOPOLOGY = build("default", NET)
VENV_BIN = Path(sys.executable).parent


def ansible(pattern: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="True", ANSIBLE_DEPRECATION_WARNINGS="False")
    return subprocess.run(
        [str(VENV_BIN / "ansible"), "-i", str(INVENTORY_FILE), pattern, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_a_failed_sshd_start_quotes_only_what_that_start_logged(tmp_path: Path) -> None:
    log = tmp_path / "sshd.log"
    log.write_text("an earlier start's line\n")
    offset = log.stat().st_size
    with open(log, "a") as f:
        f.write("Received signal 15; terminating.\n")
    assert lines_since(log, offset) == ["Received signal 15; terminating."]
    assert lines_since(tmp_path / "missing.log", 0) == []


def test_up_reports_and_is_idempotent(sandbox: subprocess.CompletedProcess[str]) -> None:
    assert "sandbox up (topology default, the Kafka node emulator" in sandbox.stdout
    again = run_sandbox("up")
    assert "started: sshd none, zookeeper none, kafka none" in again.stdout


def test_ansible_reaches_every_host_over_ssh(sandbox: subprocess.CompletedProcess[str]) -> None:
    result = ansible("all", "-m", "ansible.builtin.ping")
    assert result.returncode == 0, result.stdout + result.stderr
    for host in [*TOPOLOGY.hosts]:
        assert f"{host.name} | SUCCESS" in result.stdout
    assert "localhost | SUCCESS" in result.stdout


def test_each_host_sees_only_its_own_etc_kafka(sandbox: subprocess.CompletedProcess[str]) -> None:
    kafka_hosts = [h for h in TOPOLOGY.hosts if h.is_kafka]
    for host in kafka_hosts:
        exec_on_host(host.name, ["sh", "-c", 'echo "$1" > /etc/kafka/whoami', "sh", host.name])
    for host in kafka_hosts:
        assert exec_on_host(host.name, ["cat", "/etc/kafka/whoami"]).stdout.strip() == host.name
    # Over SSH too: what a playbook sees.
    result = ansible("kafka", "-m", "ansible.builtin.command", "-a", "cat /etc/kafka/whoami")
    assert result.returncode == 0, result.stdout + result.stderr
    for host in kafka_hosts:
        assert f"{host.name} | CHANGED | rc=0 >>\n{host.name}\n" in result.stdout
    # The machine itself keeps an empty /etc/kafka and never looks like a systemd host.
    assert not os.path.exists("/etc/kafka/whoami")
    assert not os.path.exists("/run/systemd/system")


# Counts the Kafka nodes (kafka.Kafka processes) a host can see.
COUNT_KAFKA_NODES = (
    "import os\n"
    "n = 0\n"
    "for p in filter(str.isdigit, os.listdir('/proc')):\n"
    "    try:\n"
    "        n += 'kafka.Kafka' in open('/proc/%s/cmdline' % p, 'rb').read().decode(errors='replace').split(chr(0))\n"
    "    except OSError:\n"
    "        pass\n"
    "print(n)\n"
)


def test_each_host_sees_only_its_own_processes(sandbox: subprocess.CompletedProcess[str]) -> None:
    # A PID namespace per host: Kafka's kafka-server-stop.sh signals every Kafka node it can see.
    for broker in TOPOLOGY.brokers:
        assert exec_on_host(broker.name, ["python3", "-c", COUNT_KAFKA_NODES]).stdout.strip() == "1", broker.name
    assert exec_on_host("ctrl1", ["python3", "-c", COUNT_KAFKA_NODES]).stdout.strip() == "0"


def test_down_sweeps_a_namespace_only_for_processes_that_see_the_hosts_files(
        sandbox: subprocess.CompletedProcess[str]) -> None:
    # Namespace ids are reused: another sandbox's new host may get the id one of ours had.
    pids = {host.name: sshd_pid(host.name) for host in TOPOLOGY.hosts}
    for name, pid in pids.items():
        assert pid is not None and sees_host_files(pid, name), name
    assert not sees_host_files(pids["broker1"] or 0, "broker2")
    assert not sees_host_files(os.getpid(), "broker1")


def test_brokers_have_their_own_config(sandbox: subprocess.CompletedProcess[str]) -> None:
    for broker in TOPOLOGY.brokers:
        config = exec_on_host(broker.name, ["cat", "/etc/kafka/server.properties"]).stdout.splitlines()
        assert f"broker.id={broker.node_id}" in config
        assert f"broker.rack={broker.rack}" in config
        assert f"zookeeper.connect={NET}.10:2181/kafka" in config
    for controller in TOPOLOGY.controllers:
        assert exec_on_host(controller.name, ["test", "-e", "/etc/kafka/server.properties"], check=False).returncode == 1


def test_systemctl_status_kafka_on_brokers(sandbox: subprocess.CompletedProcess[str]) -> None:
    result = ansible("kafka_brokers", "-m", "ansible.builtin.command", "-a", "systemctl status kafka")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Active: active (running)") == len(TOPOLOGY.brokers)


def test_brokers_registered_in_zookeeper(sandbox: subprocess.CompletedProcess[str]) -> None:
    state = load_state()
    assert state is not None, f"no sandbox state in {STATE_DIR}"
    # The sandbox's own session: with SANDBOX_ZK_SASL=on, ZooKeeper takes none without the SASL login.
    client = kazoo_client(TOPOLOGY, state.zk_sasl)
    try:
        ids = {int(child) for child in client.get_children("/kafka/brokers/ids")}
        assert ids == {b.node_id for b in TOPOLOGY.brokers}
        assert client.exists("/kafka/controller") is not None
        topics = set(client.get_children("/kafka/brokers/topics"))
        assert {"orders", "payments", "audit-log"} <= topics
    finally:
        client.stop()
        client.close()


def test_status_reports_every_host(sandbox: subprocess.CompletedProcess[str]) -> None:
    result = run_sandbox("status")
    for host in TOPOLOGY.hosts:
        assert f"{host.name} " in result.stdout
    assert "/kafka/brokers/ids: [1, 2, 3]" in result.stdout
    assert "DOWN" not in result.stdout


def test_down_leaves_no_process_mount_or_file(
    sandbox: subprocess.CompletedProcess[str], machine_before: dict[str, bool]
) -> None:
    sshd_pids = {h.name: sshd_pid(h.name) for h in TOPOLOGY.hosts}
    assert all(sshd_pids.values()), sshd_pids
    namespaces = {mount_namespace(pid) for pid in sshd_pids.values() if pid}
    zk_pid = read_pid(zookeeper_pid_file("zk1"))
    assert zk_pid is not None

    run_sandbox("down")

    for namespace in namespaces:
        assert namespace is not None
        assert processes_in_namespace(namespace) == []
    assert not pid_alive(zk_pid)  # a zombie awaiting reaping by init counts as gone
    assert not STATE_DIR.exists()
    mounts = subprocess.run(["findmnt", "-rn", "-o", "SOURCE,TARGET"], capture_output=True, text=True, check=False).stdout
    assert str(STATE_DIR) not in mounts
    for path in MACHINE_PATHS:
        assert os.path.lexists(path) == machine_before[path], path
    for host in TOPOLOGY.hosts:
        with pytest.raises(OSError):
            socket.create_connection((host.address, 22), timeout=0.5).close()
    # A second down is harmless.
    assert "sandbox down" in run_sandbox("down").stdout
