# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Cluster spec -> model: defaults from current files, collected problems, the spec round trip, secrets."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_spec import (
    build_cluster,
    cluster_to_spec,
    merge_secrets,
    split_secrets,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import (
    Listener,
    parse_listeners,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import is_secret_key


def test_quorum_voters_computed_once_and_equal_to_the_voters() -> None:
    cluster, problems = build_cluster(_spec())
    assert cluster is not None, problems
    assert cluster.quorum_voters == ",".join(str(v) for v in cluster.voters)
    assert cluster.quorum_voters is cluster.quorum_voters


BROKER_FILE: dict[str, str] = {
    "broker.id": "7",
    "listeners": "INTERNAL://kb7:9092,EXTERNAL://kb7:9094",
    "advertised.listeners": "INTERNAL://kb7:9092,EXTERNAL://public:9094",
    "listener.security.protocol.map": "INTERNAL:SSL,EXTERNAL:SASL_SSL",
    "inter.broker.listener.name": "INTERNAL",
    "log.dirs": "/d1, /d2",
    "broker.rack": "r1",
    "zookeeper.connect": "zk:2181/k",
    "zookeeper.ssl.client.enable": "true",
    "zookeeper.ssl.truststore.password": "zk-pass",
    "zookeeper.metadata.migration.enable": "false",
    "inter.broker.protocol.version": "3.7-IV2",
    "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
    "super.users": "User:admin",
}


def _spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "kafka_version": "3.9.0",
        "brokers": [{"name": "kb7", "current": dict(BROKER_FILE)}],
        "controllers": [{"name": "kc1", "node_id": 3000, "address": "10.0.0.1"}],
    }
    spec.update(overrides)
    return spec


def test_defaults_come_from_the_current_file() -> None:
    cluster, problems = build_cluster(_spec())
    assert problems == [] and cluster is not None
    broker = cluster.node("kb7")
    assert broker.node_id == 7
    assert broker.address == "kb7"
    assert broker.listeners == parse_listeners(BROKER_FILE["listeners"])
    assert broker.advertised_listeners == parse_listeners(BROKER_FILE["advertised.listeners"])
    assert broker.log_dirs == ("/d1", "/d2")
    assert broker.rack == "r1"
    assert cluster.metadata_version_text == "3.7-IV2"
    assert cluster.zookeeper_connect == "zk:2181/k"
    assert cluster.broker_protocol_map == {"INTERNAL": "SSL", "EXTERNAL": "SASL_SSL"}
    assert cluster.inter_broker_listener_name == "INTERNAL"
    assert cluster.authorizer_enabled is True
    assert cluster.super_users == "User:admin"
    # Client settings only: connect and the migration flag are managed separately.
    assert cluster.zookeeper_client_properties == {"zookeeper.ssl.client.enable": "true",
                                                   "zookeeper.ssl.truststore.password": "zk-pass"}
    controller = cluster.node("kc1")
    assert controller.listeners == (Listener("CONTROLLER", "10.0.0.1", 9093),)
    assert controller.log_dirs == ("/var/lib/kafka/metadata",)
    assert cluster.quorum_voters == "3000@10.0.0.1:9093"


def test_inventory_wins_over_the_file() -> None:
    spec = _spec(metadata_version="3.9", zookeeper_connect="other:2181", inter_broker_listener_name="external",
                 listener_security_protocol_map={"internal": "ssl", "external": "ssl"}, authorizer="none",
                 zookeeper_client_properties={"zookeeper.ssl.client.enable": "false"}, controller_port="9193",
                 controller_listener_name="kraft")
    spec["brokers"][0].update(node_id=7, listeners="EXTERNAL://kb7:9094", log_dirs=["/x"], rack="r9")
    cluster, problems = build_cluster(spec)
    assert problems == [] and cluster is not None
    broker = cluster.node("kb7")
    assert (broker.listeners, broker.log_dirs, broker.rack) == ((Listener("EXTERNAL", "kb7", 9094),), ("/x",), "r9")
    assert cluster.metadata_version_text == "3.9"
    assert cluster.zookeeper_connect == "other:2181"
    assert cluster.inter_broker_listener_name == "EXTERNAL"
    assert cluster.broker_protocol_map == {"INTERNAL": "SSL", "EXTERNAL": "SSL"}
    assert cluster.authorizer_enabled is False
    assert cluster.zookeeper_client_properties == {"zookeeper.ssl.client.enable": "false"}
    assert cluster.controller_listener_name == "KRAFT" and cluster.controller_port == 9193
    assert cluster.quorum_voters == "3000@10.0.0.1:9193"


def test_defaults_without_any_file() -> None:
    spec = _spec(zookeeper_connect="zk:2181")
    spec["brokers"] = [{"name": "kb1", "node_id": 1, "listeners": ["PLAINTEXT://kb1:9092"], "log_dirs": "/a,/b"}]
    cluster, problems = build_cluster(spec)
    assert problems == [] and cluster is not None
    assert cluster.metadata_version_text == "3.9"   # the release's line
    assert cluster.inter_broker_listener_name == "PLAINTEXT"
    assert cluster.broker_protocol_map == {p: p for p in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")}
    assert cluster.authorizer_enabled is False
    assert cluster.node("kb1").log_dirs == ("/a", "/b")


def test_controller_mapping_is_not_a_broker_mapping() -> None:
    current = dict(BROKER_FILE, **{"listener.security.protocol.map": "INTERNAL:SSL,CONTROLLER:SSL"})
    cluster = build_cluster(_spec(brokers=[{"name": "kb7", "current": current}]))[0]
    assert cluster is not None and cluster.broker_protocol_map == {"INTERNAL": "SSL"}


# (spec change, host, key, message fragment): every problem is collected, none stops the others.
PROBLEMS: list[Any] = [
    pytest.param({"kafka_version": "3.9"}, None, None, None, id="short-release-is-fine"),
    pytest.param({"kafka_version": "three"}, "(cluster)", "zk2kraft_kafka_version", "is not a Kafka release",
                 id="bad-release"),
    pytest.param({"metadata_version": "latest"}, "(cluster)", "zk2kraft_metadata_version", "is not a metadata version",
                 id="bad-metadata-version"),
    pytest.param({"controller_port": "ninety"}, "(cluster)", "zk2kraft_controller_port", "must be an integer",
                 id="bad-port"),
    pytest.param({"listener_security_protocol_map": "INTERNAL"}, "(cluster)", "listener.security.protocol.map",
                 "is not a NAME:PROTOCOL pair", id="bad-map"),
    pytest.param({"authorizer": "ranger"}, "(cluster)", "zk2kraft_authorizer", "is not one of auto, acl, none",
                 id="bad-authorizer"),
    pytest.param({"controller_properties": ["a=b"]}, "(cluster)", "zk2kraft_controller_properties",
                 "must be a mapping", id="properties-not-a-mapping"),
    pytest.param({"brokers": [{"name": "kb1", "listeners": "PLAINTEXT://kb1:9092", "log_dirs": ["/d"]}],
                  "zookeeper_connect": "zk"}, "kb1", "zk2kraft_node_id", "no broker id", id="missing-broker-id"),
    pytest.param({"controllers": [{"name": "kc1"}]}, "kc1", "zk2kraft_node_id", "no controller id",
                 id="missing-controller-id"),
    pytest.param({"controllers": [{"name": "kc1", "node_id": "x1"}]}, "kc1", "zk2kraft_node_id",
                 "must be an integer", id="non-integer-id"),
    pytest.param({"controllers": [{"name": "kc1", "node_id": -1}]}, "kc1", "zk2kraft_node_id",
                 "broker id generation cannot be used", id="negative-id"),
    pytest.param({"controllers": [{"node_id": 3000}]}, "(inventory)", "name", "a controller entry has no host name",
                 id="nameless"),
    pytest.param({"brokers": [{"name": "kb7", "current": dict(BROKER_FILE, listeners="INTERNAL:9092")}]}, "kb7",
                 "listeners", "is not a listener", id="bad-listeners-in-file"),
    pytest.param({"brokers": [{"name": "kb7", "current": BROKER_FILE, "advertised_listeners": "x"}]}, "kb7",
                 "zk2kraft_advertised_listeners", "is not a listener", id="bad-advertised-in-inventory"),
    pytest.param({"controller_quorum_voters": "3000@kc1:9093,3001-kc2:9093"}, "(cluster)",
                 "zk2kraft_controller_quorum_voters", "Failed to parse controller.quorum.voters entry",
                 id="voters-override-unparseable"),
    pytest.param({"brokers": [{"name": "kb7", "current": dict(BROKER_FILE, **{"zookeeper.connect": ""})}]},
                 "(cluster)", "zookeeper.connect", "Missing required configuration `zookeeper.connect`",
                 id="missing-zookeeper-connect"),
]


@pytest.mark.parametrize("changes,host,key,fragment", PROBLEMS)
def test_build_cluster_problems(changes: dict[str, Any], host: Any, key: Any, fragment: Any) -> None:
    cluster, problems = build_cluster(_spec(**changes))
    if host is None:
        assert problems == [] and cluster is not None
        return
    matching = [p for p in problems if (p.host, p.key) == (host, key) and fragment in p.message]
    assert matching, [str(p) for p in problems]
    assert all(p.severity == "error" and p.fix for p in problems)


def test_problems_are_all_collected_and_unusable_model_is_none() -> None:
    spec = _spec(kafka_version="x", metadata_version="y", zookeeper_connect=None)
    spec["brokers"] = [{"name": "kb1", "listeners": "bad"}, {"name": "kb2", "node_id": 2, "listeners": "bad"}]
    cluster, problems = build_cluster(spec)
    assert cluster is None
    found = {(p.host, p.key) for p in problems}
    assert found >= {("(cluster)", "zk2kraft_kafka_version"), ("(cluster)", "zk2kraft_metadata_version"),
                     ("kb1", "zk2kraft_node_id"), ("kb1", "zk2kraft_listeners"), ("kb2", "zk2kraft_listeners"),
                     ("(cluster)", "zookeeper.connect")}


def test_only_one_ibp_among_brokers_becomes_the_default() -> None:
    spec = _spec()
    kb8_file = dict(BROKER_FILE, **{"broker.id": "8", "inter.broker.protocol.version": "3.8"})
    spec["brokers"].append({"name": "kb8", "current": kb8_file})
    cluster = build_cluster(spec)[0]
    # Two different IBPs: the release's line is used, and check_cluster reports the odd one out.
    assert cluster is not None and cluster.metadata_version_text == "3.9"


def test_node_lookup() -> None:
    cluster = build_cluster(_spec())[0]
    assert cluster is not None
    with pytest.raises(ModelError, match="'kz' is neither a broker nor a controller"):
        cluster.node("kz")
    assert [n.name for n in cluster.nodes] == ["kc1", "kb7"]


def test_cluster_to_spec_round_trip() -> None:
    cluster = build_cluster(_spec(controller_security_protocol="SASL_SSL", controller_sasl_mechanism="plain"))[0]
    assert cluster is not None
    resolved = cluster_to_spec(cluster)
    # A resolved spec stands alone: no current files needed to rebuild the same model.
    again, problems = build_cluster(resolved)
    assert problems == [] and again is not None
    for attribute in ("kafka_version", "metadata_version", "zookeeper_connect", "inter_broker_listener_name",
                      "broker_protocol_map", "authorizer_enabled", "zookeeper_client_properties", "super_users",
                      "quorum_voters", "controller_sasl_mechanism", "controller_security_protocol"):
        assert getattr(again, attribute) == getattr(cluster, attribute), attribute
    strip = ("current", "file")
    for old, new in zip(cluster.nodes, again.nodes):
        assert {k: v for k, v in vars(old).items() if k not in strip} == {
            k: v for k, v in vars(new).items() if k not in strip}


def test_split_and_merge_secrets() -> None:
    spec: dict[str, Any] = {
        "kafka_version": "3.9.0",
        "controller_properties": {"ssl.keystore.password": "p1", "ssl.keystore.location": "/k"},
        "broker_controller_properties": {"listener.name.controller.plain.sasl.jaas.config": "jaas"},
        "zookeeper_client_properties": {"zookeeper.ssl.client.enable": "true"},
    }
    public, secrets = split_secrets(spec, is_secret_key)
    assert public["controller_properties"] == {"ssl.keystore.location": "/k"}
    assert public["broker_controller_properties"] == {}
    assert public["zookeeper_client_properties"] == {"zookeeper.ssl.client.enable": "true"}
    assert secrets == {
        "controller_properties": {"ssl.keystore.password": "p1"},
        "broker_controller_properties": {"listener.name.controller.plain.sasl.jaas.config": "jaas"},
    }
    assert "p1" not in repr(public) and "jaas" not in repr(public)
    assert spec["controller_properties"]["ssl.keystore.password"] == "p1"  # the input is not modified
    assert merge_secrets(public, secrets) == spec
    assert merge_secrets(public, None) == public
    assert merge_secrets(public, {"unknown_group": {"a": "b"}}) == public


def test_zookeeper_settings_come_from_the_controllers_once_the_brokers_are_on_kraft() -> None:
    spec = {
        "kafka_version": "3.9.0", "metadata_version": "3.9",
        "brokers": [{"name": "b1", "node_id": 1, "listeners": "PLAINTEXT://b1:9092", "log_dirs": ["/d"],
                     "current": {"process.roles": "broker", "node.id": "1"}}],
        "controllers": [{"name": "c1", "node_id": 3000,
                         "current": {"process.roles": "controller", "zookeeper.connect": "zk:2181/kafka",
                                     "zookeeper.session.timeout.ms": "18000",
                                     "zookeeper.metadata.migration.enable": "true"}}],
    }
    cluster, problems = build_cluster(spec)
    assert not [p for p in problems if p.severity == "error"] and cluster is not None
    assert cluster.zookeeper_connect == "zk:2181/kafka"
    assert cluster.zookeeper_client_properties == {"zookeeper.session.timeout.ms": "18000"}


def test_the_resolved_spec_names_the_tools_bootstrap_addresses() -> None:
    cluster, problems = build_cluster({
        "kafka_version": "3.9.0", "inter_broker_listener_name": "INTERNAL",
        "zookeeper_connect": "zk:2181", "controller_port": 9093,
        "brokers": [{"name": "b1", "node_id": 1, "log_dirs": ["/d"],
                     "listeners": "EXTERNAL://b1:9094,INTERNAL://10.1.1.1:9092"}],
        "controllers": [{"name": "c1", "node_id": 3000, "address": "c1.x"},
                        {"name": "c2", "node_id": 3001, "address": "c2.x"}],
    })
    assert cluster is not None, problems
    spec = cluster_to_spec(cluster)
    assert spec["bootstrap_controllers"] == "c1.x:9093,c2.x:9093"
    assert spec["brokers"][0]["bootstrap_server"] == "10.1.1.1:9092"
    assert spec["controllers"][0]["bootstrap_server"] is None
