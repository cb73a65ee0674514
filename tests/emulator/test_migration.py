"""The migration state machine of facts §1 driven end to end, plus its failure modes."""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

import pytest
from harness import MARKER, STANDARD_AUTHORIZER, STOPPED, controller_props, kraft_broker_props, migrating_props, voters_string, wait_until, zk_broker_props

STATE = "ZkMigrationState"
COUNT = "MigratingZkBrokerCount"


def start_zk_brokers(cluster: Any, count: int, catchup_ms: int = 200) -> tuple[list[Any], dict[int, dict[str, Any]]]:
    brokers, props = [], {}
    for i in range(1, count + 1):
        node = cluster.node(f"broker{i}")
        props[i] = zk_broker_props(node, i, cluster.zk_connect, rack=f"r{i}")
        node.write_config(props[i])
        node.set_faults({"catchup_ms": catchup_ms})
        node.start()
        brokers.append(node)
    for node in brokers:
        node.wait_log(r"\[KafkaServer id=\d+\] started")
    return brokers, props


def zk_cluster_id(zk_client: Any, cluster: Any) -> str:
    return str(json.loads(zk_client.get(f"{cluster.chroot}/cluster/id")[0])["id"])


def start_controllers(cluster: Any, ids: list[int], cluster_id: str, migration: bool = True,
                      extra: dict[str, Any] | None = None, prefix: str = "ctrl") -> list[tuple[int, Any]]:
    ctrls = [(cid, cluster.node(f"{prefix}{cid}")) for cid in ids]
    voters = voters_string(ctrls)
    for cid, node in ctrls:
        props = controller_props(node, cid, voters, cluster.zk_connect if migration else None, migration)
        props.update(extra or {})
        node.write_config(props)
        result = node.tool("kafka-storage.sh", "format", f"--cluster-id={cluster_id}", "-c", str(node.config))
        assert result.returncode == 0, result.stderr
        node.start()
    for _dummy, node in ctrls:
        node.wait_log(r"\[KafkaRaftServer nodeId=\d+\] Kafka Server started")
    return ctrls


def active(ctrls: list[tuple[int, Any]], timeout: float = 20) -> tuple[int, Any]:
    def find() -> tuple[int, Any] | None:
        for cid, node in ctrls:
            if node.running() and node.gauge("ActiveControllerCount") == 1:
                return cid, node
        return None
    return wait_until(find, timeout, 0.1, "an active controller")


def restart(node: Any, props: dict[str, Any]) -> None:
    assert node.stop() == STOPPED
    node.write_config(props)
    node.start()


def controller_znode(zk_client: Any, cluster: Any) -> tuple[dict[str, Any], bool]:
    raw, stat = zk_client.get(f"{cluster.chroot}/controller")
    return json.loads(raw), stat.ephemeralOwner != 0


def test_full_migration_flow(cluster: Any, zk_client: Any) -> None:
    root = cluster.chroot
    brokers, props = start_zk_brokers(cluster, 3)
    bs = f"{brokers[0].ip}:9092"
    assert brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--create", "--topic", "orders",
                           "--partitions", "6", "--replication-factor", "3", "--config", "retention.ms=86400000"
                           ).returncode == 0
    assert brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--create", "--topic", "audit-log",
                           "--partitions", "1", "--replication-factor", "3", "--config", "cleanup.policy=compact"
                           ).returncode == 0
    assert brokers[0].tool("kafka-acls.sh", "--bootstrap-server", bs, "--add", "--allow-principal", "User:alice",
                           "--operation", "Read", "--topic", "orders").returncode == 0
    zk_topic_ids = {t: json.loads(zk_client.get(f"{root}/brokers/topics/{t}")[0])["topic_id"]
                    for t in ("orders", "audit-log")}
    # The roll guard's metrics: a ZooKeeper broker runs (BrokerState 3, RUNNING) and has no raft client.
    assert brokers[0].broker_state() == 3 and brokers[0].raft_metrics() is None

    # phase 1: controllers, PRE_MIGRATION
    # The brokers authorize, so the controllers must too: a migrating broker forwards CreateAcls to them, and
    # without an authorizer Kafka refuses it (SecurityDisabledException), as the product's controllers never are.
    ctrls = start_controllers(cluster, [3000, 3001, 3002], zk_cluster_id(zk_client, cluster),
                              extra={"authorizer.class.name": STANDARD_AUTHORIZER})
    voters = voters_string(ctrls)
    leader_id, leader = active(ctrls)
    wait_until(lambda: leader.gauge(STATE) == 2, 10, what="PRE_MIGRATION")

    # Every voter's raft-metrics: one leader, the others follow it and have fetched from it. A follower learns
    # the leader (its vote, BeginQuorumEpoch) before its first fetch, so its log end offset is 0 until then.
    def following() -> list[dict[str, Any]] | None:
        seen = [n.raft_metrics() or {} for _i, n in ctrls]
        agreed = sorted(m.get("current-state", "") for m in seen) == ["follower", "follower", "leader"]
        fetched = all(m.get("log-end-offset", 0) > 0 for m in seen)
        return seen if agreed and fetched and all(m["current-leader"] == leader_id for m in seen) else None

    wait_until(following, 10, 0.1, "voters following the leader, their logs fetched")
    assert leader.gauge(COUNT) == 0
    assert json.loads(zk_client.get(f"{root}/migration")[0]) == {
        "version": 0, "kraft_controller_id": -1, "kraft_controller_epoch": -1, "kraft_metadata_offset": -1,
        "kraft_metadata_epoch": -1}
    leader.wait_log(r"No brokers are known to KRaft, waiting for brokers to register\.")
    status = leader.tool("kafka-metadata-quorum.sh", "--bootstrap-controller", f"{ctrls[1][1].ip}:9093",
                         "describe", "--status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    labels = ["ClusterId:", "LeaderId:", "LeaderEpoch:", "HighWatermark:", "MaxFollowerLag:",
              "MaxFollowerLagTimeMs:", "CurrentVoters:", "CurrentObservers:"]
    assert [line[:24].rstrip() for line in lines] == labels
    assert all(line[len(label):24] == " " * (24 - len(label)) for line, label in zip(lines, labels))
    assert lines[0][24:] == zk_cluster_id(zk_client, cluster) and lines[1][24:] == str(leader_id)
    voters_json = json.loads(lines[6][24:])
    assert [v["id"] for v in voters_json] == [3000, 3001, 3002]
    assert voters_json[0] == {"id": 3000, "directoryId": None, "endpoints": [f"CONTROLLER://{ctrls[0][1].ip}:9093"]}
    assert json.loads(lines[7][24:]) == []
    # ZK still owns the cluster
    assert controller_znode(zk_client, cluster)[1] is True

    # phase 2: brokers into migration mode, one at a time
    mig_props = {i: migrating_props(props[i], voters) for i in props}
    for i in (1, 2):
        restart(brokers[i - 1], mig_props[i])
        brokers[i - 1].wait_log(rf"\[KafkaServer id={i}\] started")
        wait_until(lambda i=i: leader.gauge(COUNT) == i, 10, what=f"{i} migrating brokers")
    leader.wait_log(r"Still waiting for ZK brokers \[3\] to register with KRaft\.")

    # A broker in migration mode observes the quorum through its raft client, once it has found the leader.
    def observing() -> dict[str, Any] | None:
        metrics = brokers[0].raft_metrics()
        if not metrics:
            return None
        return metrics if metrics["current-state"] == "observer" and metrics["current-leader"] == leader_id else None

    wait_until(observing, 10, 0.1, "broker 1 observing the quorum's leader")
    assert brokers[0].broker_state() == 3
    assert leader.gauge(STATE) == 2
    assert controller_znode(zk_client, cluster)[1] is True
    meta = (brokers[0].dir / "data" / "meta.properties").read_text()
    assert "version=0" in meta and re.search(r"^directory\.id=\S{22}$", meta, re.M)
    # a ZooKeeper-mode broker, even migrating, does not serve DESCRIBE_QUORUM: ask the controllers
    refused = leader.tool("kafka-metadata-quorum.sh", "--bootstrap-server", f"{brokers[0].ip}:9092",
                          "describe", "--status")
    assert refused.returncode == 1
    assert ("org.apache.kafka.common.errors.UnsupportedVersionException: The node does not support DESCRIBE_QUORUM"
            in refused.stderr)
    status = leader.tool("kafka-metadata-quorum.sh", "--bootstrap-controller", f"{leader.ip}:9093",
                         "describe", "--status").stdout
    observers = json.loads(status.splitlines()[7][24:])
    assert sorted(o["id"] for o in observers) == [1, 2]  # Kafka lists observers in no particular order
    restart(brokers[2], mig_props[3])
    wait_until(lambda: leader.gauge(STATE) == 1, 15, what="MIGRATION")
    assert leader.gauge(COUNT) == 3
    # As in Kafka, the MIGRATION state record commits before the driver writes /migration and logs that it
    # finished: wait for that line rather than expect it with the state.
    leader.wait_log(r"Finished initial migration of ZK metadata to KRaft")
    log = leader.log_text()
    assert MARKER in log
    assert re.search(r"Completed migration of metadata from ZooKeeper to KRaft\. \d+ records were generated", log)
    assert log.index("Still waiting for ZK brokers [3]") < log.index("Completed migration of metadata")
    data, ephemeral = controller_znode(zk_client, cluster)
    assert not ephemeral and data["brokerid"] == leader_id and data["kraftControllerEpoch"] >= 0
    migration = json.loads(zk_client.get(f"{root}/migration")[0])
    assert migration["kraft_controller_id"] == leader_id and migration["kraft_metadata_offset"] > 0
    wait_until(lambda: all(b.gauge("ActiveControllerCount") == 0 for b in brokers), 10, what="ZK controller resign")
    assert all(b.gauge(STATE) == 4 for b in brokers)
    replication = leader.tool("kafka-metadata-quorum.sh", "--bootstrap-controller", f"{leader.ip}:9093",
                              "describe", "--replication").stdout.splitlines()
    assert re.split(r"\s*\t", replication[0].strip()) == [
        "NodeId", "DirectoryId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"]
    rows = [re.split(r"\s*\t", r.strip()) for r in replication[1:]]
    assert [r[-1] for r in rows] == ["Leader", "Follower", "Follower", "Observer", "Observer", "Observer"]
    assert rows[0][0] == str(leader_id) and sorted(r[0] for r in rows[3:]) == ["1", "2", "3"]

    # dual-write: changes made through brokers land in the KRaft log and in ZooKeeper
    assert brokers[1].tool("kafka-topics.sh", "--bootstrap-server", f"{brokers[1].ip}:9092", "--create", "--topic",
                           "payments", "--partitions", "3", "--replication-factor", "3").stdout == \
        "Created topic payments.\n"
    assert zk_client.exists(f"{root}/brokers/topics/payments/partitions/2/state")
    brokers[1].tool("kafka-configs.sh", "--bootstrap-server", f"{brokers[1].ip}:9092", "--entity-type", "topics",
                    "--entity-name", "orders", "--alter", "--add-config", "retention.ms=1000")
    assert json.loads(zk_client.get(f"{root}/config/topics/orders")[0])["config"]["retention.ms"] == "1000"
    acl = brokers[1].tool("kafka-acls.sh", "--bootstrap-server", f"{brokers[1].ip}:9092", "--add",
                          "--allow-principal", "User:bob", "--operation", "Write", "--topic", "payments")
    assert acl.returncode == 0 and "Error" not in acl.stdout + acl.stderr, acl.stdout + acl.stderr
    # Kafka's driver mirrors committed records into ZooKeeper asynchronously: allow it a moment
    wait_until(lambda: zk_client.exists(f"{root}/kafka-acl/Topic/payments"), 10, 0.1, "the ACL in ZooKeeper")
    assert json.loads(zk_client.get(f"{root}/kafka-acl/Topic/payments")[0])["acls"][0]["principal"] == "User:bob"

    # phase 3: brokers onto KRaft
    for i in (1, 2, 3):
        restart(brokers[i - 1], kraft_broker_props(mig_props[i]))
        brokers[i - 1].wait_log(rf"\[KafkaRaftServer nodeId={i}\] Kafka Server started")
        wait_until(lambda i=i: leader.gauge(COUNT) == 3 - i, 10, what="count falling")
    assert leader.gauge(STATE) == 1
    kbs = f"{brokers[2].ip}:9092"

    def settled_description() -> str:
        out = brokers[2].tool("kafka-topics.sh", "--bootstrap-server", kbs, "--describe").stdout
        return out if "Isr: " in out and brokers[2].tool(
            "kafka-topics.sh", "--bootstrap-server", kbs, "--describe", "--under-replicated-partitions").stdout == "" else ""

    described = wait_until(settled_description, 10)
    headers = re.findall(r"^Topic: (\S+)\tTopicId: (\S+)\t", described, re.M)
    assert dict(headers)["orders"] == zk_topic_ids["orders"] and dict(headers)["audit-log"] == zk_topic_ids["audit-log"]
    assert "Configs: cleanup.policy=compact" in described
    acls = brokers[2].tool("kafka-acls.sh", "--bootstrap-server", kbs, "--list").stdout
    assert "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)" in acls
    assert brokers[2].gauge("UnderReplicatedPartitions") == 0
    assert brokers[2].broker_state() == 3 and (brokers[2].raft_metrics() or {}).get("current-state") == "observer"
    assert brokers[2].jolokia(f"kafka.controller:type=KafkaController,name={STATE}")["status"] == 404
    assert brokers[2].tool("kafka-topics.sh", "--bootstrap-server", kbs, "--create", "--topic", "kraft-made",
                           "--partitions", "1", "--replication-factor", "2").returncode == 0
    assert zk_client.exists(f"{root}/brokers/topics/kraft-made")
    assert brokers[2].tool("kafka-topics.sh", "--bootstrap-server", kbs, "--delete", "--topic", "kraft-made"
                           ).returncode == 0
    assert zk_client.exists(f"{root}/brokers/topics/kraft-made") is None
    assert zk_client.exists(f"{root}/config/topics/kraft-made") is None
    meta = (brokers[0].dir / "data" / "meta.properties").read_text()
    assert "version=0" in meta

    # phase 4: finalize, controllers without the flag and without zookeeper.connect
    for cid, node in ctrls:
        restart(node, controller_props(node, cid, voters, None, migration=False))
        node.wait_log(r"\[KafkaRaftServer nodeId=\d+\] Kafka Server started.*\n(.|\n)*Kafka Server started")
    new_id, new_leader = active(ctrls)
    wait_until(lambda: new_leader.gauge(STATE) == 3, 15, what="POST_MIGRATION")
    # logged by QuorumController, so in controller.log (additivity off), not server.log
    assert any("Completing the ZK migration since this controller was configured with "
               "'zookeeper.metadata.migration.enable' set to 'false'." in n.log_text("controller.log")
               for dummy, n in ctrls)
    assert not any("Completing the ZK migration" in n.log_text() for dummy, n in ctrls)
    assert brokers[0].tool("kafka-topics.sh", "--bootstrap-server", f"{brokers[0].ip}:9092", "--create", "--topic",
                           "after-finalize", "--partitions", "1", "--replication-factor", "1").returncode == 0
    assert zk_client.exists(f"{root}/brokers/topics/after-finalize") is None
    assert "after-finalize" in brokers[0].tool("kafka-topics.sh", "--bootstrap-server", f"{brokers[0].ip}:9092",
                                               "--list").stdout


def test_an_acl_change_in_dual_write_needs_an_authorizer_on_the_controllers(cluster: Any, zk_client: Any) -> None:
    """A migrating broker forwards CreateAcls to the KRaft controllers; without an authorizer of their own they
    refuse it (AclApis: SecurityDisabledException). The product gives them StandardAuthorizer for that reason."""
    brokers, props = start_zk_brokers(cluster, 1)
    ctrls = start_controllers(cluster, [3000], zk_cluster_id(zk_client, cluster))
    dummy, leader = active(ctrls)
    restart(brokers[0], migrating_props(props[1], voters_string(ctrls)))
    wait_until(lambda: leader.gauge(STATE) == 1, 30, what="MIGRATION")
    wait_until(lambda: brokers[0].gauge("ActiveControllerCount") == 0, 10, what="ZK controller resign")
    refused = brokers[0].tool("kafka-acls.sh", "--bootstrap-server", f"{brokers[0].ip}:9092", "--add",
                              "--allow-principal", "User:bob", "--operation", "Write", "--topic", "payments")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert ("Error while executing ACL command: org.apache.kafka.common.errors.SecurityDisabledException: "
            "No Authorizer is configured.") in refused.stdout
    assert not zk_client.exists(f"{cluster.chroot}/kafka-acl/Topic/payments")


def test_dead_broker_in_assignment_blocks_migration(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 2)
    bs = f"{brokers[0].ip}:9092"
    assert brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--create", "--topic", "t",
                           "--partitions", "2", "--replication-factor", "2").returncode == 0
    assert brokers[1].stop() == STOPPED
    ctrls = start_controllers(cluster, [3000], zk_cluster_id(zk_client, cluster))
    dummy, leader = active(ctrls)
    restart(brokers[0], migrating_props(props[1], voters_string(ctrls)))
    wait_until(lambda: leader.gauge(COUNT) == 1, 10)
    # every live ZK broker registered; broker 2 only survives in the partition assignments
    leader.wait_log(r"Still waiting for ZK brokers \[2\] found in metadata to register with KRaft\.")
    assert "Still waiting for ZK brokers [2] to register with KRaft." not in leader.log_text()
    assert leader.gauge(STATE) == 2
    assert controller_znode(zk_client, cluster)[1] is True
    assert "Completed migration" not in leader.log_text()


def test_registration_errors_against_one_quorum(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 2)
    ctrls = start_controllers(cluster, [3000], zk_cluster_id(zk_client, cluster))
    voters = voters_string(ctrls)
    dummy, leader = active(ctrls)
    # IBP different from the finalized metadata.version
    wrong_ibp = migrating_props(props[1], voters)
    wrong_ibp["inter.broker.protocol.version"] = "3.8"
    restart(brokers[0], wrong_ibp)
    brokers[0].wait_log(r"Unable to register broker 1 because the controller returned error UNSUPPORTED_VERSION")
    # a KRaft broker while PRE_MIGRATION: refused, then it gives up after the registration timeout
    kraft = cluster.node("kraft5")
    kprops = kraft_broker_props(migrating_props(zk_broker_props(kraft, 5, cluster.zk_connect), voters))
    kprops["initial.broker.registration.timeout.ms"] = 2500
    kraft.write_config(kprops)
    assert kraft.tool("kafka-storage.sh", "format", f"--cluster-id={zk_cluster_id(zk_client, cluster)}", "-c",
                      str(kraft.config)).returncode == 0
    kraft.start()
    kraft.wait_log(r"Unable to register broker 5 because the controller returned error BROKER_ID_NOT_REGISTERED")
    assert kraft.proc is not None and kraft.proc.wait(timeout=15) != 0
    assert "Shutting down because we were unable to register with the controller quorum." in kraft.log_text()
    # the same id held by a live migrating broker
    restart(brokers[1], migrating_props(props[2], voters))
    wait_until(lambda: leader.gauge(COUNT) == 1, 10)
    dup = cluster.node("dup2")
    dprops = kraft_broker_props(migrating_props(zk_broker_props(dup, 2, cluster.zk_connect), voters))
    dup.write_config(dprops)
    dup.tool("kafka-storage.sh", "format", f"--cluster-id={zk_cluster_id(zk_client, cluster)}", "-c", str(dup.config))
    dup.start()
    dup.wait_log(r"Unable to register broker 2 because the controller returned error DUPLICATE_BROKER_REGISTRATION")


def test_registration_errors_from_controller_settings(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 3)
    cid = zk_cluster_id(zk_client, cluster)
    other_id = "MkU3OEVBNTcwNTJENDM2Qg"
    wrong_cluster = start_controllers(cluster, [3000], other_id, prefix="wrongid")
    no_flag = start_controllers(cluster, [3001], cid, migration=False, prefix="noflag")
    other_ibl = start_controllers(cluster, [3002], cid, prefix="ibl", extra={
        "inter.broker.listener.name": "REPLICATION",
        "listener.security.protocol.map": "CONTROLLER:SASL_SSL,REPLICATION:SSL"})
    expectations = [(wrong_cluster, None), (no_flag, "BROKER_ID_NOT_REGISTERED"),
                    (other_ibl, "INVALID_REGISTRATION")]
    for i, (ctrls, _dummy) in enumerate(expectations, 1):
        restart(brokers[i - 1], migrating_props(props[i], voters_string(ctrls)))
    for i, (_dummy, error) in enumerate(expectations, 1):
        if error is not None:
            brokers[i - 1].wait_log(rf"Unable to register broker {i} because the controller returned error {error}")
    # another cluster's quorum refuses the raft client's FETCH: the registration is never sent (3.9.2 measured)
    brokers[0].wait_log(r"\[RaftManager id=1\] Unexpected error INCONSISTENT_CLUSTER_ID in FETCH response: "
                        r"InboundResponse\(.*source=" + re.escape(f"{wrong_cluster[0][1].ip}:9093 (id: 3000 rack: null))"))
    assert "returned error INCONSISTENT_CLUSTER_ID" not in brokers[0].log_text()
    for ctrls, _dummy in expectations:
        assert ctrls[0][1].gauge(COUNT) == 0
    assert no_flag[0][1].gauge(STATE) == 0


@pytest.mark.emulator_only("asserts the emulator's own line for a stale /migration (Kafka has no single line for it)")
def test_stale_migration_znode_skips_the_copy(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 1)
    bs = f"{brokers[0].ip}:9092"
    brokers[0].tool("kafka-topics.sh", "--bootstrap-server", bs, "--create", "--topic", "precious",
                    "--partitions", "1", "--replication-factor", "1")
    zk_client.create(f"{cluster.chroot}/migration", json.dumps(
        {"version": 0, "kraft_controller_id": 3000, "kraft_controller_epoch": 1, "kraft_metadata_offset": 42,
         "kraft_metadata_epoch": 1}).encode())
    ctrls = start_controllers(cluster, [3000], zk_cluster_id(zk_client, cluster))
    dummy, leader = active(ctrls)
    restart(brokers[0], migrating_props(props[1], voters_string(ctrls)))
    wait_until(lambda: leader.gauge(STATE) == 1, 15, what="MIGRATION")
    log = leader.log_text()
    assert "Skipping the migration of metadata from ZooKeeper to KRaft" in log
    assert "Completed migration of metadata" not in log
    # Kafka's trap: KRaft never got the topic, and the sync wipes it from ZooKeeper
    wait_until(lambda: zk_client.exists(f"{cluster.chroot}/brokers/topics/precious") is None, 10)


def test_failover_persistence_and_wiped_metadata(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 1)
    ctrls = start_controllers(cluster, [3000, 3001, 3002], zk_cluster_id(zk_client, cluster))
    voters = voters_string(ctrls)
    first_id, first = active(ctrls)
    restart(brokers[0], migrating_props(props[1], voters))
    wait_until(lambda: first.gauge(STATE) == 1, 15, what="MIGRATION")
    epoch_before = controller_znode(zk_client, cluster)[0]["kraftControllerEpoch"]
    # MIGRATION committed on the followers (Kafka reports it only once committed)
    wait_until(lambda: all(n.gauge(STATE) == 1 for dummy, n in ctrls), 10, what="MIGRATION replicated")
    first.kill()
    rest = [(c, n) for c, n in ctrls if c != first_id]
    second_id, second = active(rest, timeout=20)
    wait_until(lambda: controller_znode(zk_client, cluster)[0]["brokerid"] == second_id, 10, what="re-claim")
    data, ephemeral = controller_znode(zk_client, cluster)
    assert not ephemeral and data["kraftControllerEpoch"] > epoch_before
    assert second.gauge(STATE) == 1 and second.gauge(COUNT) == 1
    # the new leader's driver resumes the migration instead of copying again
    second.wait_log(r"\[KRaftMigrationDriver id=\d+\] Migration is in already progress, not waiting on ZK brokers\.")
    assert "Completed migration of metadata from ZooKeeper to KRaft" not in second.log_text()
    assert "Loaded ZK migration state of MIGRATION." in second.log_text("controller.log")
    # the killed controller comes back as a follower with the replicated state from its own log
    first.start()
    wait_until(lambda: first.gauge(STATE) == 1 and first.gauge("ActiveControllerCount") == 0, 15)
    assert (first.dir / "metadata" / "__cluster_metadata-0" / "quorum-state").exists()
    # wiping the metadata dir loses the state: the controller refuses to start unformatted
    assert first.stop() == STOPPED

    shutil.rmtree(first.dir / "metadata")
    result = first.run_foreground()
    assert result.returncode == 1
    # 3.7+: no meta.properties in any directory (MetaPropertiesEnsemble), found while the server is built
    assert "Exiting Kafka due to fatal exception (kafka.Kafka$)\n" \
           "java.lang.RuntimeException: No readable meta.properties files found.\n" in result.stdout
