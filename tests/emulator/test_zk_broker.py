"""ZooKeeper-mode brokers: znodes, meta.properties, controller election, tools, URPs, metrics, stop."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from harness import STOPPED, is_real, security, wait_until, zk_broker_props


def start_zk_brokers(cluster: Any, count: int, catchup_ms: int = 300) -> list[Any]:
    brokers = []
    for i in range(1, count + 1):
        node = cluster.node(f"broker{i}")
        node.write_config(zk_broker_props(node, i, cluster.zk_connect, rack=f"r{i}"))
        node.set_faults({"catchup_ms": catchup_ms})
        node.start()
        brokers.append(node)
    for node in brokers:
        node.wait_log(r"\[KafkaServer id=\d+\] started")
    return brokers


def bootstrap(node: Any) -> str:
    return f"{node.ip}:9092"


def test_registration_znodes_and_meta(cluster: Any, zk_client: Any) -> None:
    brokers = start_zk_brokers(cluster, 2)
    root = cluster.chroot
    cluster_id = json.loads(zk_client.get(f"{root}/cluster/id")[0])
    assert cluster_id["version"] == "1" and re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id["id"])
    assert sorted(zk_client.get_children(f"{root}/brokers/ids")) == ["1", "2"]
    raw, stat = zk_client.get(f"{root}/brokers/ids/1")
    assert stat.ephemeralOwner != 0
    reg = json.loads(raw)
    ip = brokers[0].ip
    # host/port name the first PLAINTEXT listener (none unless the real backend turned SASL_SSL into PLAINTEXT)
    plaintext = security("SASL_SSL") == "PLAINTEXT"
    assert reg == {
        "features": {}, "listener_security_protocol_map": {"INTERNAL": security("SASL_SSL"),
                                                           "EXTERNAL": security("SASL_SSL")},
        "endpoints": [f"INTERNAL://{ip}:9092", f"EXTERNAL://{ip}:9094"], "jmx_port": -1,
        "port": 9092 if plaintext else -1, "host": ip if plaintext else None,
        "version": 5, "timestamp": reg["timestamp"], "rack": "r1",
    }
    assert reg["timestamp"].isdigit()
    controller, cstat = zk_client.get(f"{root}/controller")
    data = json.loads(controller)
    assert cstat.ephemeralOwner != 0
    assert data["version"] == 2 and data["kraftControllerEpoch"] == -1 and data["brokerid"] in (1, 2)
    assert data["timestamp"].isdigit()
    assert int(zk_client.get(f"{root}/controller_epoch")[0]) >= 1
    meta = (brokers[0].dir / "data" / "meta.properties").read_text()
    assert "version=0" in meta and "broker.id=1" in meta and f"cluster.id={cluster_id['id']}" in meta
    assert "directory.id" not in meta
    for path in ("/brokers/topics", "/config/topics", "/config/changes", "/admin/delete_topics"):
        assert zk_client.exists(root + path)
    # metrics: ZK brokers report ZkMigrationState 4, one of them is the active controller
    assert brokers[0].gauge("ZkMigrationState") == 4
    # The gauge follows the election a moment after /controller is written.
    wait_until(lambda: sorted(b.gauge("ActiveControllerCount") for b in brokers) == [0, 1], 30, 0.1,
               "one active controller among the brokers")


def test_controller_failover_and_graceful_stop(cluster: Any, zk_client: Any) -> None:
    brokers = start_zk_brokers(cluster, 2)
    root = cluster.chroot
    first = json.loads(zk_client.get(f"{root}/controller")[0])["brokerid"]
    epoch = int(zk_client.get(f"{root}/controller_epoch")[0])
    holder = brokers[first - 1]
    assert holder.stop() == STOPPED
    assert "shut down completed" in holder.log_text()
    if not is_real():
        assert not (holder.log_dir / "kafka-emulator.pid").exists()
    other = 3 - first
    wait_until(lambda: json.loads(zk_client.get(f"{root}/controller")[0])["brokerid"] == other, 10,
               what="the other broker to become controller")
    assert int(zk_client.get(f"{root}/controller_epoch")[0]) == epoch + 1
    assert zk_client.get_children(f"{root}/brokers/ids") == [str(other)]


def test_inconsistent_cluster_id_refused(cluster: Any) -> None:
    node = cluster.node("broker1")
    node.write_config(zk_broker_props(node, 1, cluster.zk_connect))
    data = node.dir / "data"
    data.mkdir(parents=True)
    (data / "meta.properties").write_text("version=0\nbroker.id=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAB\n")
    result = node.run_foreground()
    assert result.returncode == 1
    # 3.7+: MetaPropertiesEnsemble.verify, before KafkaServer has its `[KafkaServer id=N] ` prefix
    text = f"Invalid cluster.id in: {data / 'meta.properties'}. Expected "
    assert text in result.stdout and ", but read AAAAAAAAAAAAAAAAAAAAAB\n" in result.stdout
    assert re.search(r"ERROR (\[KafkaEmulator\] )?Fatal error during KafkaServer startup\. Prepare to shutdown "
                     r"\(kafka\.server\.KafkaServer\)\njava\.lang\.RuntimeException: Invalid cluster\.id in: ",
                     node.log_text())


def test_topics_configs_acls_in_kafka_form_and_znodes(cluster: Any, zk_client: Any) -> None:
    brokers = start_zk_brokers(cluster, 3)
    bs = bootstrap(brokers[0])
    root = cluster.chroot
    created = brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--create", "--topic", "orders",
                              "--partitions", "6", "--replication-factor", "3", "--config", "retention.ms=604800000",
                              "--config", "cleanup.policy=delete")
    assert created.stdout == "Created topic orders.\n"
    dup = brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--create", "--topic", "orders",
                          "--partitions", "1", "--replication-factor", "1")
    assert dup.returncode == 1 and "Error while executing topic command : Topic 'orders' already exists." in dup.stdout
    too_big = brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--create", "--topic", "x",
                              "--partitions", "1", "--replication-factor", "4")
    assert "Replication factor: 4 larger than available brokers: 3." in too_big.stdout
    topic = json.loads(zk_client.get(f"{root}/brokers/topics/orders")[0])
    assert set(topic) == {"partitions", "topic_id", "adding_replicas", "removing_replicas", "version"}
    assert topic["version"] == 3 and len(topic["partitions"]) == 6
    assert all(sorted(r) == [1, 2, 3] for r in topic["partitions"].values())
    state = json.loads(zk_client.get(f"{root}/brokers/topics/orders/partitions/0/state")[0])
    assert set(state) == {"controller_epoch", "leader", "version", "leader_epoch", "isr"}
    assert json.loads(zk_client.get(f"{root}/config/topics/orders")[0]) == {
        "version": 1, "config": {"retention.ms": "604800000", "cleanup.policy": "delete"}}

    wait_until(lambda: brokers[1].tool("kafka-topics.sh", "--bootstrap-server", bs, "--describe",
                                       "--under-replicated-partitions").stdout == "", 10, 0.1, "catch-up")
    described = brokers[1].tool("kafka-topics.sh", "--bootstrap-server", bs, "--describe", "--topic", "orders").stdout
    lines = described.splitlines()
    assert re.fullmatch(r"Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 6\tReplicationFactor: 3\t"
                        r"Configs: cleanup.policy=delete,retention.ms=604800000", lines[0])
    assert len(lines) == 7
    for p, line in enumerate(lines[1:]):
        replicas = topic["partitions"][str(p)]
        assert line == (f"\tTopic: orders\tPartition: {p}\tLeader: {replicas[0]}\t"
                        f"Replicas: {','.join(map(str, replicas))}\tIsr: {','.join(map(str, replicas))}"
                        "\tElr: N/A\tLastKnownElr: N/A")  # 3.8+, from a ZK broker
    assert brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--list").stdout == "orders\n"

    altered = brokers[0].tool("kafka-configs.sh", "--bootstrap-server", bs, "--entity-type", "topics",
                              "--entity-name", "orders", "--alter", "--add-config", "retention.ms=1000,max.message.bytes=2048")
    assert altered.stdout == "Completed updating config for topic orders.\n"
    desc = brokers[0].tool("kafka-configs.sh", "--bootstrap-server", bs, "--entity-type", "topics",
                           "--entity-name", "orders", "--describe").stdout
    assert desc == ("Dynamic configs for topic orders are:\n"
                    "  cleanup.policy=delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=delete, "
                    "DEFAULT_CONFIG:log.cleanup.policy=delete}\n"
                    "  max.message.bytes=2048 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=2048, "
                    "DEFAULT_CONFIG:message.max.bytes=1048588}\n"
                    "  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}\n")
    changes = zk_client.get_children(f"{root}/config/changes")
    assert any(c.startswith("config_change_") for c in changes)
    change = json.loads(zk_client.get(f"{root}/config/changes/{sorted(changes)[-1]}")[0])
    assert change == {"version": 2, "entity_path": "topics/orders"}

    added = brokers[0].tool("kafka-acls.sh", "--bootstrap-server", bs, "--add", "--allow-principal", "User:alice",
                            "--operation", "Read", "--topic", "orders")
    pattern = "`ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`"
    entry = "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)"
    # the tool lists the resource's ACLs right after adding; a ZK broker's AclAuthorizer cache learns of the new
    # ACL through a change notification, so real Kafka may list none yet (then it prints no "Current" block)
    assert added.stdout in (f"Adding ACLs for resource {pattern}: \n \t{entry} \n\n"
                            f"Current ACLs for resource {pattern}: \n \t{entry} \n\n",
                            f"Adding ACLs for resource {pattern}: \n \t{entry} \n\n")
    assert json.loads(zk_client.get(f"{root}/kafka-acl/Topic/orders")[0]) == {
        "version": 1, "acls": [{"principal": "User:alice", "permissionType": "Allow", "operation": "Read",
                                "host": "*"}]}
    expected = f"Current ACLs for resource {pattern}: \n \t{entry} \n\n"
    wait_until(lambda: brokers[0].tool("kafka-acls.sh", "--bootstrap-server", bs, "--list").stdout == expected, 10,
               0.5, "the ACL to be listed")


@pytest.mark.emulator_only("needs the emulator's catch-up delay (faults catchup_ms)")
def test_under_replication_while_broker_down_and_catch_up(cluster: Any) -> None:
    brokers = start_zk_brokers(cluster, 3, catchup_ms=1500)
    bs = bootstrap(brokers[0])
    brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--create", "--topic", "payments",
                    "--partitions", "3", "--replication-factor", "3")

    def urps() -> list[str]:
        out = brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--describe",
                              "--under-replicated-partitions").stdout
        return [line for line in out.splitlines() if line]

    wait_until(lambda: urps() == [], 10, 0.1, "no URPs")
    assert brokers[0].gauge("UnderReplicatedPartitions") == 0
    assert brokers[2].stop() == STOPPED
    lines = urps()
    assert len(lines) == 3
    for line in lines:
        match = re.fullmatch(r"\tTopic: payments\tPartition: \d\tLeader: (\d)\tReplicas: ([\d,]+)\tIsr: ([\d,]+)\tElr: N/A\tLastKnownElr: N/A", line)
        assert match, line
        assert "3" not in match.group(3).split(",") and match.group(1) != "3"
    led = sum(brokers[i].gauge("UnderReplicatedPartitions") for i in (0, 1))
    assert led == 3
    brokers[2].start()
    brokers[2].wait_log(r"\[KafkaServer id=3\] started.*\n(.|\n)*\[KafkaServer id=3\] started", 15)
    # right after the restart the broker is alive but still catching up
    assert len(urps()) == 3
    wait_until(lambda: urps() == [], 10, 0.1, "catch-up to finish")


def test_jolokia_forms_and_unknown_mbean(cluster: Any) -> None:
    (broker,) = start_zk_brokers(cluster, 1)
    mbean = "kafka.controller:type=KafkaController,name=ActiveControllerCount"

    def controller() -> Any:
        answer = broker.jolokia(mbean)
        return answer if answer.get("value") == {"Value": 1} else None
    # A registered broker wins the controller election a moment later (a CI rehearsal under load read 0).
    plain = wait_until(controller, 30, 0.1, "the only broker to become the controller")
    assert plain["status"] == 200
    # Jolokia echoes the canonical ObjectName (key properties sorted)
    assert plain["request"] == {"mbean": "kafka.controller:name=ActiveControllerCount,type=KafkaController",
                                "type": "read"}
    attr = broker.jolokia(mbean, "Value")
    assert attr["value"] == 1 and attr["request"]["attribute"] == "Value"
    missing = broker.jolokia("kafka.controller:type=KafkaController,name=MigratingZkBrokerCount")
    assert missing["status"] == 404 and missing["error_type"] == "javax.management.InstanceNotFoundException"


@pytest.mark.emulator_only("fault injection (crash_after_s)")
def test_crash_fault_leaves_ephemeral_until_session_expiry(cluster: Any, zk_client: Any) -> None:
    node = cluster.node("broker1")
    props = zk_broker_props(node, 1, cluster.zk_connect)
    props["zookeeper.session.timeout.ms"] = 2000
    node.write_config(props)
    node.set_faults({"crash_after_s": 0.5})
    node.start()
    assert node.proc is not None
    assert node.proc.wait(timeout=15) == 1
    assert "Fault injection: the node crashes now" in node.log_text()
    wait_until(lambda: zk_client.exists(f"{cluster.chroot}/brokers/ids/1") is None, 10, 0.1, "session expiry")


@pytest.mark.emulator_only("checks the emulator's pid file")
def test_second_instance_fails_to_bind_and_stop_targets_the_first(cluster: Any) -> None:
    (broker,) = start_zk_brokers(cluster, 1)
    pid_file = broker.log_dir / "kafka-emulator.pid"
    assert broker.proc is not None and pid_file.read_text().strip() == str(broker.proc.pid)
    second = broker.run_foreground()
    assert second.returncode == 1
    assert f"Socket server failed to bind to {broker.ip}:9092: Address already in use." in second.stdout
    assert pid_file.read_text().strip() == str(broker.proc.pid)
    assert broker.stop() == STOPPED
