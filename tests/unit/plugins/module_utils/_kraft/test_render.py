# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Desired keys of brokers and controllers in every phase and rollback target, and the merge onto files."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import Cluster
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_spec import build_cluster
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import ALL_TARGETS, PHASES
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import PropertiesDocument, loads
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.render import (
    desired_properties,
    inventory_file,
    render,
    render_each,
    render_each_onto,
)

ACL = "kafka.security.authorizer.AclAuthorizer"
STANDARD = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
VOTERS = "3000@kc1:9093,3001@kc2:9093,3002@kc3:9093"

# A realistic ZooKeeper-mode broker: comments, unmanaged keys, a secret, ZooKeeper TLS client settings.
BROKER_FILE = """\
# Broker kb1 -- managed by the platform team
broker.id=1
broker.rack=rack-a

listeners=INTERNAL://kb1:9092,EXTERNAL://kb1:9094
advertised.listeners=INTERNAL://kb1.internal:9092,EXTERNAL://kafka.example.com:9094
listener.security.protocol.map=INTERNAL:SSL,EXTERNAL:SASL_SSL
inter.broker.listener.name=INTERNAL
! log settings
log.dirs=/data/kafka
num.partitions=6
default.replication.factor=3
zookeeper.connect=zk1:2181,zk2:2181,zk3:2181/kafka
zookeeper.ssl.client.enable=true
zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty
zookeeper.ssl.truststore.location=/etc/kafka/zk-truststore.jks
zookeeper.ssl.truststore.password=zk-secret
zookeeper.session.timeout.ms=18000
inter.broker.protocol.version=3.9
authorizer.class.name=kafka.security.authorizer.AclAuthorizer
super.users=User:admin;User:kb
ssl.keystore.location=/etc/kafka/kb1.jks
ssl.keystore.password=ks-secret
"""

UNMANAGED = {
    "num.partitions": "6",
    "default.replication.factor": "3",
    "super.users": "User:admin;User:kb",
    "ssl.keystore.location": "/etc/kafka/kb1.jks",
    "ssl.keystore.password": "ks-secret",
}
COMMENTS = ("# Broker kb1 -- managed by the platform team\n", "! log settings\n")
ZK_CLIENT = {
    "zookeeper.ssl.client.enable": "true",
    "zookeeper.clientCnxnSocket": "org.apache.zookeeper.ClientCnxnSocketNetty",
    "zookeeper.ssl.truststore.location": "/etc/kafka/zk-truststore.jks",
    "zookeeper.ssl.truststore.password": "zk-secret",
    "zookeeper.session.timeout.ms": "18000",
}


def _cluster(**overrides: Any) -> Cluster:
    spec: dict[str, Any] = {
        "kafka_version": "3.9.0",
        "controllers": [{"name": f"kc{i}", "node_id": 2999 + i} for i in (1, 2, 3)],
        "brokers": [{"name": "kb1", "current": loads(BROKER_FILE)}],
    }
    spec.update(overrides)
    cluster, problems = build_cluster(spec)
    assert cluster is not None and problems == [], problems
    return cluster


ZK_BROKER: dict[str, str | None] = {
    "listeners": "INTERNAL://kb1:9092,EXTERNAL://kb1:9094",
    "advertised.listeners": "INTERNAL://kb1.internal:9092,EXTERNAL://kafka.example.com:9094",
    "log.dirs": "/data/kafka",
    "broker.rack": "rack-a",
    "inter.broker.listener.name": "INTERNAL",
    "security.inter.broker.protocol": None,
    "listener.security.protocol.map": "INTERNAL:SSL,EXTERNAL:SASL_SSL",
    "controller.quorum.voters": None,
    "controller.quorum.bootstrap.servers": None,
    "controller.listener.names": None,
    "sasl.mechanism.controller.protocol": None,
    "broker.id": "1",
    "node.id": None,
    "process.roles": None,
    "zookeeper.connect": "zk1:2181,zk2:2181,zk3:2181/kafka",
    **ZK_CLIENT,
    "zookeeper.metadata.migration.enable": None,
    "inter.broker.protocol.version": "3.9",
    "authorizer.class.name": ACL,
}
MIGRATING_BROKER: dict[str, str | None] = {
    **ZK_BROKER,
    "listener.security.protocol.map": "INTERNAL:SSL,EXTERNAL:SASL_SSL,CONTROLLER:PLAINTEXT",
    "controller.quorum.voters": VOTERS,
    "controller.listener.names": "CONTROLLER",
    "zookeeper.metadata.migration.enable": "true",
}
KRAFT_BROKER: dict[str, str | None] = {
    **MIGRATING_BROKER,
    "process.roles": "broker",
    "node.id": "1",
    "broker.id": None,
    "zookeeper.connect": None,
    **{key: None for key in ZK_CLIENT},
    "zookeeper.metadata.migration.enable": None,
    "inter.broker.protocol.version": None,
    "control.plane.listener.name": None,
    "authorizer.class.name": STANDARD,
}
CONTROLLER_MIGRATING: dict[str, str | None] = {
    "process.roles": "controller",
    "node.id": "3000",
    "broker.id": None,
    "controller.quorum.voters": VOTERS,
    "controller.quorum.bootstrap.servers": None,
    "controller.listener.names": "CONTROLLER",
    "listeners": "CONTROLLER://kc1:9093",
    "advertised.listeners": None,
    "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,INTERNAL:SSL",
    "log.dirs": "/var/lib/kafka/metadata",
    "metadata.log.dir": None,
    "inter.broker.protocol.version": None,
    "sasl.mechanism.controller.protocol": None,
    "inter.broker.listener.name": "INTERNAL",
    "authorizer.class.name": STANDARD,
    "super.users": "User:admin;User:kb",
    "zookeeper.metadata.migration.enable": "true",
    "zookeeper.connect": "zk1:2181,zk2:2181,zk3:2181/kafka",
    **ZK_CLIENT,
}
CONTROLLER_KRAFT: dict[str, str | None] = {
    **CONTROLLER_MIGRATING,
    "zookeeper.metadata.migration.enable": None,
    "zookeeper.connect": None,
    **{key: None for key in ZK_CLIENT},
}

EXPECTED = [
    pytest.param("kb1", "zookeeper", ZK_BROKER, id="broker-zookeeper"),
    pytest.param("kb1", "controllers", ZK_BROKER, id="broker-controllers"),
    pytest.param("kb1", "migration", MIGRATING_BROKER, id="broker-migration"),
    pytest.param("kb1", "dual_write", KRAFT_BROKER, id="broker-dual_write"),
    pytest.param("kb1", "kraft", KRAFT_BROKER, id="broker-kraft"),
    pytest.param("kb1", "rollback_hybrid", MIGRATING_BROKER, id="broker-rollback_hybrid"),
    pytest.param("kb1", "rollback_zookeeper", ZK_BROKER, id="broker-rollback_zookeeper"),
    pytest.param("kc1", "zookeeper", None, id="controller-zookeeper"),
    pytest.param("kc1", "controllers", CONTROLLER_MIGRATING, id="controller-controllers"),
    pytest.param("kc1", "migration", CONTROLLER_MIGRATING, id="controller-migration"),
    pytest.param("kc1", "dual_write", CONTROLLER_MIGRATING, id="controller-dual_write"),
    pytest.param("kc1", "kraft", CONTROLLER_KRAFT, id="controller-kraft"),
    pytest.param("kc1", "rollback_hybrid", CONTROLLER_MIGRATING, id="controller-rollback_hybrid"),
    pytest.param("kc1", "rollback_zookeeper", None, id="controller-rollback_zookeeper"),
]


@pytest.mark.parametrize("host,target,expected", EXPECTED)
def test_desired_managed_keys(host: str, target: str, expected: dict[str, str | None] | None) -> None:
    cluster = _cluster()
    assert desired_properties(cluster, cluster.node(host), target) == expected


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_broker_render_keeps_comments_and_unmanaged_keys(target: str) -> None:
    cluster = _cluster()
    rendered = render(cluster, cluster.node("kb1"), target, BROKER_FILE)
    assert rendered.text is not None and rendered.properties is not None
    for comment in COMMENTS:
        assert comment in rendered.text
    assert "\n\nlisteners=" in rendered.text  # the blank line survives in place
    assert {k: rendered.properties.get(k) for k in UNMANAGED} == UNMANAGED
    # Unmanaged keys keep their relative order.
    lines = [line.split("=")[0] for line in rendered.text.splitlines()]
    assert [k for k in lines if k in UNMANAGED] == list(UNMANAGED)


@pytest.mark.parametrize("target", ["dual_write", "kraft"])
def test_kraft_broker_has_no_zookeeper_keys(target: str) -> None:
    # The inventory's client settings are not the file's: every zookeeper.* key of the file must still go.
    cluster = _cluster(zookeeper_client_properties={"zookeeper.ssl.client.enable": "true"})
    rendered = render(cluster, cluster.node("kb1"), target, BROKER_FILE + "zookeeper.connection.timeout.ms=6000\n")
    assert rendered.properties is not None
    assert [k for k in rendered.properties if k.startswith("zookeeper.")] == []
    assert rendered.properties["authorizer.class.name"] == STANDARD
    assert "broker.id" not in rendered.properties and rendered.properties["node.id"] == "1"


def test_kraft_controller_has_no_zookeeper_keys() -> None:
    cluster = _cluster()
    migrating = render(cluster, cluster.node("kc1"), "controllers", None).text
    assert migrating is not None
    rendered = render(cluster, cluster.node("kc1"), "kraft", migrating + "zookeeper.extra.setting=1\n")
    assert rendered.properties is not None
    assert [k for k in rendered.properties if k.startswith("zookeeper.")] == []


@pytest.mark.parametrize("target", ["zookeeper", "controllers", "migration", "rollback_hybrid", "rollback_zookeeper"])
def test_zookeeper_mode_keeps_acl_authorizer(target: str) -> None:
    cluster = _cluster()
    rendered = render(cluster, cluster.node("kb1"), target, BROKER_FILE)
    assert rendered.properties is not None and rendered.properties["authorizer.class.name"] == ACL


def test_authorizer_untouched_without_acls() -> None:
    cluster = _cluster(authorizer="none")
    for target in PHASES:
        desired = desired_properties(cluster, cluster.node("kb1"), target) or {}
        assert "authorizer.class.name" not in desired
    assert "authorizer.class.name" not in (desired_properties(cluster, cluster.node("kc1"), "controllers") or {})


@pytest.mark.parametrize("host", ["kb1", "kc1"])
@pytest.mark.parametrize("target", ALL_TARGETS)
def test_render_is_idempotent(host: str, target: str) -> None:
    cluster = _cluster()
    baseline = BROKER_FILE if host == "kb1" else None
    first = render(cluster, cluster.node(host), target, baseline)
    if first.text is None:
        assert desired_properties(cluster, cluster.node(host), target) is None
        return
    second = render(cluster, cluster.node(host), target, first.text)
    assert second.changes == [] and second.text == first.text


def test_forward_then_rollback_restores_zookeeper_broker() -> None:
    cluster = _cluster()
    node = cluster.node("kb1")
    text: str | None = BROKER_FILE
    for target in PHASES:
        text = render(cluster, node, target, text).text
    assert text is not None and loads(text)["process.roles"] == "broker"
    for target in ("rollback_hybrid", "rollback_zookeeper"):
        text = render(cluster, node, target, text).text
    assert text is not None
    assert loads(text) == loads(BROKER_FILE)


def test_rollback_hybrid_keeps_the_migration_flag() -> None:
    cluster = _cluster()
    node = cluster.node("kb1")
    kraft_text = render(cluster, node, "kraft", BROKER_FILE).text
    props = render(cluster, node, "rollback_hybrid", kraft_text).properties
    assert props is not None
    assert props["zookeeper.metadata.migration.enable"] == "true"
    assert props["broker.id"] == "1" and "node.id" not in props and "process.roles" not in props
    assert props["controller.quorum.voters"] == VOTERS


def test_one_key_changes_one_line() -> None:
    cluster = _cluster()
    node = cluster.node("kb1")
    migrating = render(cluster, node, "migration", BROKER_FILE).text
    assert migrating is not None
    edited = migrating.replace("inter.broker.protocol.version=3.9", "inter.broker.protocol.version=3.8")
    again = render(cluster, node, "migration", edited)
    assert [(c.key, c.old, c.new) for c in again.changes] == [("inter.broker.protocol.version", "3.8", "3.9")]
    assert again.text == migrating


def test_controller_file_from_nothing() -> None:
    cluster = _cluster()
    rendered = render(cluster, cluster.node("kc2"), "controllers", "")
    assert rendered.text is not None and rendered.text.startswith("# KRaft controller kc2 (node.id 3001)")
    assert rendered.properties is not None and rendered.properties["node.id"] == "3001"
    assert rendered.properties["listeners"] == "CONTROLLER://kc2:9093"


@pytest.mark.parametrize("release,expected", [
    pytest.param("3.7.0", None, id="3.7.0-without"),
    pytest.param("3.7.1", "INTERNAL", id="3.7.1-with"),
    pytest.param("3.9.0", "INTERNAL", id="3.9.0-with"),
])
def test_controller_inter_broker_listener_from_3_7_1(release: str, expected: str | None) -> None:
    cluster = _cluster(kafka_version=release, metadata_version="3.7")
    desired = desired_properties(cluster, cluster.node("kc1"), "controllers") or {}
    assert desired.get("inter.broker.listener.name") == expected


@pytest.mark.parametrize("protocol,mechanism,expected", [
    pytest.param("PLAINTEXT", None, None, id="plaintext"),
    pytest.param("SSL", None, None, id="mtls"),
    pytest.param("SASL_SSL", None, "PLAIN", id="sasl-default-plain"),
    pytest.param("SASL_PLAINTEXT", "GSSAPI", "GSSAPI", id="sasl-gssapi"),
])
def test_controller_sasl_mechanism(protocol: str, mechanism: str | None, expected: str | None) -> None:
    cluster = _cluster(controller_security_protocol=protocol, controller_sasl_mechanism=mechanism)
    for host, target in (("kc1", "controllers"), ("kb1", "migration"), ("kb1", "kraft")):
        desired = desired_properties(cluster, cluster.node(host), target) or {}
        assert desired["sasl.mechanism.controller.protocol"] == expected, (host, target)
    broker_map = (desired_properties(cluster, cluster.node("kb1"), "migration") or {})["listener.security.protocol.map"]
    assert broker_map == f"INTERNAL:SSL,EXTERNAL:SASL_SSL,CONTROLLER:{protocol}"


def test_broker_controller_properties_come_and_go() -> None:
    extra = {"listener.name.controller.plain.sasl.jaas.config": "secret-jaas"}
    cluster = _cluster(controller_security_protocol="SASL_SSL", broker_controller_properties=extra)
    node = cluster.node("kb1")
    migrating = render(cluster, node, "migration", BROKER_FILE)
    assert migrating.properties is not None
    assert migrating.properties["listener.name.controller.plain.sasl.jaas.config"] == "secret-jaas"
    back = render(cluster, node, "rollback_zookeeper", migrating.text)
    assert back.properties is not None and "listener.name.controller.plain.sasl.jaas.config" not in back.properties


def test_voters_override_is_used_everywhere() -> None:
    override = "3000@10.0.0.1:9093,3001@10.0.0.2:9093,3002@10.0.0.3:9093"
    cluster = _cluster(controller_quorum_voters=override)
    for host, target in (("kc1", "controllers"), ("kb1", "migration"), ("kb1", "kraft")):
        assert (desired_properties(cluster, cluster.node(host), target) or {})["controller.quorum.voters"] == override


def test_log_dir_singular_is_not_doubled() -> None:
    text = BROKER_FILE.replace("log.dirs=/data/kafka", "log.dir=/data/kafka")
    spec_current = loads(text)
    cluster = _cluster(brokers=[{"name": "kb1", "current": spec_current}])
    rendered = render(cluster, cluster.node("kb1"), "migration", text)
    assert rendered.properties is not None
    assert rendered.properties["log.dir"] == "/data/kafka" and "log.dirs" not in rendered.properties


def test_stale_bootstrap_servers_are_replaced_by_voters() -> None:
    cluster = _cluster()
    text = BROKER_FILE + "controller.quorum.bootstrap.servers=old:9093\n"
    props = render(cluster, cluster.node("kb1"), "zookeeper", text).properties
    assert props is not None and "controller.quorum.bootstrap.servers" not in props


def test_changes_list_reports_old_and_new() -> None:
    cluster = _cluster()
    changes: list[Any] = render(cluster, cluster.node("kb1"), "dual_write", BROKER_FILE).changes
    by_key = {c.key: (c.old, c.new) for c in changes}
    assert by_key["broker.id"] == ("1", None)
    assert by_key["node.id"] == (None, "1")
    assert by_key["authorizer.class.name"] == (ACL, STANDARD)
    assert by_key["zookeeper.ssl.truststore.password"] == ("zk-secret", None)


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_security_inter_broker_protocol_becomes_the_listener_name(target: str) -> None:
    # Kafka refuses both keys together, and the protocol setting names the replication listener.
    text = (
        "broker.id=1\nlisteners=PLAINTEXT://kb1:9092,SSL://kb1:9093\nsecurity.inter.broker.protocol=SSL\n"
        "log.dirs=/d\nzookeeper.connect=zk:2181\ninter.broker.protocol.version=3.9\n"
    )
    cluster = _cluster(brokers=[{"name": "kb1", "current": loads(text)}])
    assert cluster.inter_broker_listener_name == "SSL"
    props = render(cluster, cluster.node("kb1"), target, text).properties
    assert props is not None
    assert props["inter.broker.listener.name"] == "SSL" and "security.inter.broker.protocol" not in props
    controller = desired_properties(cluster, cluster.node("kc1"), "controllers") or {}
    assert controller["inter.broker.listener.name"] == "SSL"
    assert "SSL:SSL" in str(controller["listener.security.protocol.map"])


# Kafka's stock layout: each key under its comment section.
COMMENTED_FILE = """\
############################# Server Basics #############################

# The id of the broker. This must be set to a unique integer for each broker.
broker.id=1
broker.rack=rack-a

############################# Socket Server Settings #############################

# The address the socket server listens on.
listeners=INTERNAL://kb1:9092,EXTERNAL://kb1:9094
advertised.listeners=INTERNAL://kb1.internal:9092,EXTERNAL://kafka.example.com:9094
# Maps listener names to security protocols.
listener.security.protocol.map=INTERNAL:SSL,EXTERNAL:SASL_SSL
inter.broker.listener.name=INTERNAL

############################# Log Basics #############################

log.dirs=/data/kafka
num.partitions=6

############################# Zookeeper #############################

# Zookeeper connection string (see zookeeper docs for details).
zookeeper.connect=zk1:2181,zk2:2181,zk3:2181/kafka
# Timeout in ms for connecting to zookeeper
zookeeper.connection.timeout.ms=18000

############################# Versions #############################

# Keep the IBP equal to the release until the upgrade is done.
inter.broker.protocol.version=3.9
"""


def _roll(cluster: Cluster, targets: Any, history: list[str]) -> list[str]:
    """Render each target in turn, each time with the earlier texts as backups (newest first)."""
    history = list(history)
    for target in targets:
        rendered = render(cluster, cluster.node("kb1"), target, history[-1], list(reversed(history[:-1])))
        assert rendered.text is not None
        if rendered.text != history[-1]:
            history.append(rendered.text)
    return history


def _line_after(text: str, line: str) -> str:
    lines = text.splitlines()
    return lines[lines.index(line) + 1]


def test_rollback_puts_restored_keys_back_in_their_sections() -> None:
    cluster = _cluster(brokers=[{"name": "kb1", "current": loads(COMMENTED_FILE)}])
    kraft = _roll(cluster, PHASES, [COMMENTED_FILE])
    assert "broker.id" not in loads(kraft[-1]) and "zookeeper.connect" not in loads(kraft[-1])
    back = _roll(cluster, ("rollback_hybrid", "rollback_zookeeper"), kraft)[-1]
    # Every restored key sits under its own comment, as in the file before the migration.
    assert _line_after(back, "# The id of the broker. This must be set to a unique integer for each broker.") == (
        "broker.id=1")
    assert _line_after(back, "# Zookeeper connection string (see zookeeper docs for details).") == (
        "zookeeper.connect=zk1:2181,zk2:2181,zk3:2181/kafka")
    assert _line_after(back, "# Timeout in ms for connecting to zookeeper") == "zookeeper.connection.timeout.ms=18000"
    assert _line_after(back, "# Keep the IBP equal to the release until the upgrade is done.") == (
        "inter.broker.protocol.version=3.9")
    # Byte for byte the file before the migration: nothing restored was appended at the end.
    assert back == COMMENTED_FILE


def test_rollback_without_backups_appends_restored_keys() -> None:
    cluster = _cluster(brokers=[{"name": "kb1", "current": loads(COMMENTED_FILE)}])
    kraft = _roll(cluster, PHASES, [COMMENTED_FILE])[-1]
    back = render(cluster, cluster.node("kb1"), "rollback_zookeeper", kraft).text
    assert back is not None and loads(back) == loads(COMMENTED_FILE)
    assert back.rstrip("\n").splitlines()[-1].startswith(("zookeeper.", "broker.id", "inter.broker"))


@pytest.mark.parametrize("host", ["kb1", "kc1"])
@pytest.mark.parametrize("baseline", [BROKER_FILE, COMMENTED_FILE, None, ""], ids=["file", "commented", "none", "empty"])
def test_render_each_is_render_of_each_target(host: str, baseline: str | None) -> None:
    cluster = _cluster()
    targets = list(ALL_TARGETS) + ["kraft", "zookeeper"]  # a repeated target is rendered like the first time
    layout = [COMMENTED_FILE]
    each = render_each(cluster, cluster.node(host), targets, baseline, layout)
    assert list(each) == list(dict.fromkeys(targets))
    for target, rendered in each.items():
        assert rendered == render(cluster, cluster.node(host), target, baseline, layout), target


@pytest.mark.parametrize("host", ["kb1", "kc1"])
@pytest.mark.parametrize("baseline", [BROKER_FILE, COMMENTED_FILE, "# only a comment\n"], ids=["file", "commented", "comment"])
def test_render_each_onto_a_document_is_render_each_of_its_text(host: str, baseline: str) -> None:
    cluster = _cluster()
    document = PropertiesDocument.parse(baseline)
    onto = render_each_onto(cluster, cluster.node(host), ALL_TARGETS, document, [COMMENTED_FILE])
    assert onto == render_each(cluster, cluster.node(host), ALL_TARGETS, baseline, [COMMENTED_FILE])
    assert document.render() == baseline  # merged onto copies


@pytest.mark.parametrize("brokers", [
    [{"name": "kb1", "current": loads(BROKER_FILE)}],
    [{"name": "kb1", "node_id": 1, "listeners": "INTERNAL://kb1:9092", "log_dirs": ["/d"], "rack": "r a"}],
], ids=["file", "inventory"])
def test_inventory_file_is_the_zookeeper_render_from_nothing(brokers: list[dict[str, Any]]) -> None:
    cluster = _cluster(brokers=brokers, inter_broker_listener_name="INTERNAL", zookeeper_connect="zk1:2181/kafka")
    node = cluster.node("kb1")
    document = inventory_file(cluster, node)
    assert document.render() == render(cluster, node, "zookeeper", "").text
    onto = render_each_onto(cluster, node, PHASES, document)
    assert onto == render_each(cluster, node, PHASES, document.render())


def test_render_each_shares_nothing_between_targets() -> None:
    # A broker wants the same keys before and while the controllers come: one merge, two independent results.
    cluster = _cluster()
    each = render_each(cluster, cluster.node("kb1"), ["zookeeper", "controllers"], BROKER_FILE)
    first, second = each["zookeeper"], each["controllers"]
    assert first.text == second.text and first.changes == second.changes and first.properties == second.properties
    assert first.properties is not second.properties and first.changes is not second.changes
    assert first.managed is not second.managed
    assert (first.target, second.target) == ("zookeeper", "controllers")


def test_render_each_of_no_target_reads_nothing_more() -> None:
    cluster = _cluster()
    assert render_each(cluster, cluster.node("kb1"), [], BROKER_FILE) == {}
