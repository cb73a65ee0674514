"""Fault injection, controller readiness, version-dependent forms, combined mode, install.py."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from harness import MARKER, REPO, STOPPED, controller_props, migrating_props, voters_string, wait_until
from test_migration import active, restart, start_controllers, start_zk_brokers, zk_cluster_id


@pytest.mark.emulator_only("fault injection (start_delay_s, never_register)")
def test_start_delay_and_never_register(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 2)
    ctrls = start_controllers(cluster, [3000], zk_cluster_id(zk_client, cluster))
    dummy, leader = active(ctrls)
    voters = voters_string(ctrls)
    brokers[0].set_faults({"never_register": True})
    restart(brokers[0], migrating_props(props[1], voters))
    brokers[1].set_faults({"start_delay_s": 1.5})
    started = time.monotonic()
    restart(brokers[1], migrating_props(props[2], voters))
    brokers[1].wait_log(r"Fault injection: delaying startup by 1.5 s")
    wait_until(lambda: leader.gauge("MigratingZkBrokerCount") == 1, 15)
    assert time.monotonic() - started >= 1.5
    leader.wait_log(r"Still waiting for ZK brokers \[1\] to register with KRaft\.")
    assert "Fault injection: this broker never registers with the KRaft controller." in brokers[0].log_text()
    assert zk_client.exists(f"{cluster.chroot}/brokers/ids/1")  # still a live ZK broker
    assert leader.gauge("ZkMigrationState") == 2


def test_waits_for_every_controller_registration(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 1)
    cid = zk_cluster_id(zk_client, cluster)
    nodes = [(c, cluster.node(f"ctrl{c}")) for c in (3000, 3001, 3002)]
    voters = voters_string(nodes)
    for c, node in nodes[:2]:
        node.write_config(controller_props(node, c, voters, cluster.zk_connect))
        formatted = node.tool("kafka-storage.sh", "format", f"--cluster-id={cid}", "-c", str(node.config))
        assert formatted.returncode == 0, formatted.stdout + formatted.stderr
        node.start()
    dummy, leader = active(nodes[:2])
    # Kafka appends the reason right after the colon
    leader.wait_log(r"WARN " + re.escape(MARKER) + r"\[KRaftMigrationDriver id=\d+\] Still waiting for all controller nodes "
                    r"ready to begin the migration\. Not ready due to:No registration found for controller 3002 "
                    r"\(org\.apache\.kafka\.metadata\.migration\.KRaftMigrationDriver\)")
    restart(brokers[0], migrating_props(props[1], voters))
    wait_until(lambda: leader.gauge("MigratingZkBrokerCount") == 1, 10)
    assert leader.gauge("ZkMigrationState") == 2
    # the third voter joins without the flag: still not ready, and says why
    third = nodes[2][1]
    third.write_config(controller_props(third, 3002, voters, None, migration=False))
    third.tool("kafka-storage.sh", "format", f"--cluster-id={cid}", "-c", str(third.config))
    third.start()
    leader.wait_log(r"Not ready due to:Controller 3002 has not enabled zookeeper\.metadata\.migration\.enable")
    restart(third, controller_props(third, 3002, voters, cluster.zk_connect))
    wait_until(lambda: leader.gauge("ZkMigrationState") == 1, 15, what="MIGRATION once all voters are ready")


@pytest.mark.emulator_only("the emulator's version switch (KAFKA_EMULATOR_VERSION); the real backend runs one version")
def test_pre_39_forms(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 1)
    node = cluster.node("ctrl3000")
    node.kafka_version = "3.7.1"
    voters = f"3000@{node.ip}:9093"
    node.write_config(controller_props(node, 3000, voters, cluster.zk_connect))
    formatted = node.tool("kafka-storage.sh", "format", f"--cluster-id={zk_cluster_id(zk_client, cluster)}", "-c", str(node.config),
                          "-r", "3.7-IV4")
    assert formatted.stdout == f"Formatting {node.dir / 'metadata'} with metadata.version 3.7-IV4.\n"
    node.start()
    active([(3000, node)])
    mig = migrating_props(props[1], voters)
    mig["inter.broker.protocol.version"] = "3.7"
    restart(brokers[0], mig)
    wait_until(lambda: node.gauge("ZkMigrationState") == 1, 15)
    status = node.tool("kafka-metadata-quorum.sh", "--bootstrap-controller", f"{node.ip}:9093", "describe",
                       "--status").stdout.splitlines()
    assert status[6] == "CurrentVoters:          [3000]"
    assert status[7] == "CurrentObservers:       [1]"
    replication = node.tool("kafka-metadata-quorum.sh", "--bootstrap-controller", f"{node.ip}:9093", "describe",
                            "--replication").stdout.splitlines()
    assert replication[0].split() == ["NodeId", "LogEndOffset", "Lag", "LastFetchTimestamp",
                                      "LastCaughtUpTimestamp", "Status"]
    # 3.4-3.8 controllers refuse advertised.listeners
    bad = cluster.node("ctrl-adv", jolokia=False)
    bad.kafka_version = "3.8.0"
    props_bad = controller_props(bad, 3000, f"3000@{bad.ip}:9093", cluster.zk_connect)
    props_bad["advertised.listeners"] = f"CONTROLLER://{bad.ip}:9093"
    bad.write_config(props_bad)
    result = bad.run_foreground()
    assert result.returncode == 1
    assert "The advertised.listeners config must be empty when process.roles=controller" in result.stdout


def test_combined_mode_runs(offline: Any) -> None:
    node = offline.node("combined")
    props = {
        "process.roles": "broker,controller", "node.id": 1, "controller.quorum.voters": f"1@{node.ip}:9093",
        "controller.listener.names": "CONTROLLER", "listeners": f"PLAINTEXT://{node.ip}:9092,CONTROLLER://{node.ip}:9093",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT", "log.dirs": str(node.dir / "data"),
    }
    node.write_config(props)
    assert node.tool("kafka-storage.sh", "format", "-t", "MkU3OEVBNTcwNTJENDM2Qg", "-c", str(node.config)).returncode == 0
    node.start()
    # KafkaRaftServer reports the start once the broker part is STARTED
    node.wait_log(r"\[BrokerServer id=1\] Transition from STARTING to STARTED(.|\n)*\[KafkaRaftServer nodeId=1\] "
                  r"Kafka Server started", 20)
    assert node.log_text().count("Kafka Server started") == 1
    bs = f"{node.ip}:9092"
    assert node.tool("kafka-topics.sh", "--bootstrap-server", bs, "--create", "--topic", "solo", "--partitions", "2",
                     "--replication-factor", "1").stdout == "Created topic solo.\n"
    assert node.gauge("ZkMigrationState") == 0
    assert node.stop() == STOPPED


@pytest.mark.emulator_only("checks the emulator's install.py")
def test_install_is_idempotent(tmp_path: Path) -> None:
    dest = tmp_path / "opt-kafka"
    cmd = [sys.executable, str(REPO / "tests/sandbox/kafka_emulator/install.py"), str(dest), "--python", sys.executable]
    assert subprocess.run(cmd, capture_output=True, text=True, check=True).stdout == "changed\n"
    assert subprocess.run(cmd, capture_output=True, text=True, check=True).stdout == "unchanged\n"
    for tool in ("kafka-server-start.sh", "kafka-server-stop.sh", "kafka-storage.sh", "kafka-metadata-quorum.sh",
                 "kafka-topics.sh", "kafka-configs.sh", "kafka-acls.sh"):
        assert (dest / "bin" / tool).stat().st_mode & 0o111
    assert (dest / "libs" / "kafka-emulator-version.txt").read_text() == "3.9.0\n"
    assert "emulator" in (dest / "EMULATOR.md").read_text().lower()
    uuid = subprocess.run([str(dest / "bin" / "kafka-storage.sh"), "random-uuid"], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, check=False)
    assert uuid.returncode == 0 and len(uuid.stdout.strip()) == 22
    stop = subprocess.run([str(dest / "bin" / "kafka-server-stop.sh")], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LOG_DIR": str(tmp_path / "logs")}, check=False)
    assert stop.returncode == 1 and stop.stdout == "No kafka server to stop\n"
