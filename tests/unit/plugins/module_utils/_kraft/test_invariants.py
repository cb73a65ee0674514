# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Every rule of check_config and check_cluster: one passing and one failing case at least."""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_spec import build_cluster
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    WARNING,
    Violation,
    ViolationsFound,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.invariants import (
    check_cluster,
    check_config,
    errors_only,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import Release

VOTERS = "3000@kc1:9093,3001@kc2:9093,3002@kc3:9093"

# One valid file per node state; each case changes a few keys (None deletes).
ZK: dict[str, str] = {
    "broker.id": "1",
    "listeners": "PLAINTEXT://kb1:9092",
    "log.dirs": "/data/kafka",
    "zookeeper.connect": "zk1:2181/kafka",
    "inter.broker.protocol.version": "3.9",
}
ZK_MIGRATING: dict[str, str] = dict(
    ZK,
    **{
        "zookeeper.metadata.migration.enable": "true",
        "controller.quorum.voters": VOTERS,
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    }
)
KRAFT_BROKER: dict[str, str] = {
    "process.roles": "broker",
    "node.id": "1",
    "listeners": "PLAINTEXT://kb1:9092",
    "log.dirs": "/data/kafka",
    "controller.quorum.voters": VOTERS,
    "controller.listener.names": "CONTROLLER",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "inter.broker.listener.name": "PLAINTEXT",
}
CONTROLLER: dict[str, str] = {
    "process.roles": "controller",
    "node.id": "3000",
    "listeners": "CONTROLLER://kc1:9093",
    "log.dirs": "/var/lib/kafka/metadata",
    "controller.quorum.voters": VOTERS,
    "controller.listener.names": "CONTROLLER",
    "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    "zookeeper.metadata.migration.enable": "true",
    "zookeeper.connect": "zk1:2181/kafka",
}
BASES = {"zk": ZK, "zk_migrating": ZK_MIGRATING, "kraft_broker": KRAFT_BROKER, "controller": CONTROLLER}


def _props(base: str, changes: dict[str, str | None]) -> dict[str, str]:
    props = dict(BASES[base])
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return props


@pytest.mark.parametrize("base", sorted(BASES))
def test_base_files_are_valid(base: str) -> None:
    assert check_config(BASES[base], "h1") == []


# (base, changes, release, key, message fragment); fragments are Kafka's own wording.
CONFIG_ERRORS: list[Any] = [
    pytest.param("zk_migrating", {"node.id": "2"}, "3.9.0", "node.id",
                 "You must set `node.id` to the same value as `broker.id`.", id="node-id-differs-from-broker-id"),
    pytest.param("kraft_broker", {"process.roles": "broker,observer"}, "3.9.0", "process.roles",
                 "Unknown process role 'observer'", id="unknown-role"),
    pytest.param("kraft_broker", {"process.roles": "broker,broker"}, "3.9.0", "process.roles",
                 "Duplicate role names found in `process.roles`", id="duplicate-role"),
    pytest.param("kraft_broker", {"security.inter.broker.protocol": "PLAINTEXT"}, "3.9.0",
                 "security.inter.broker.protocol",
                 "Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.",
                 id="inter-broker-name-and-protocol"),
    pytest.param("zk", {"log.dirs": None}, "3.9.0", "log.dirs",
                 "At least one log directory must be defined via log.dirs or log.dir.", id="no-log-dirs"),
    pytest.param("zk", {"listeners": "PLAINTEXT//kb1:9092"}, "3.9.0", "listeners",
                 "is not a listener", id="unparseable-listeners"),
    pytest.param("zk", {"advertised.listeners": "kb1:9092"}, "3.9.0", "advertised.listeners",
                 "is not a listener", id="unparseable-advertised-listeners"),
    pytest.param("zk_migrating", {"listener.security.protocol.map": "PLAINTEXT"}, "3.9.0",
                 "listener.security.protocol.map", "is not a NAME:PROTOCOL pair", id="unparseable-protocol-map"),
    pytest.param("kraft_broker", {"controller.quorum.voters": "3000@kc1"}, "3.9.0", "controller.quorum.voters",
                 "Failed to parse controller.quorum.voters entry '3000@kc1'", id="unparseable-voters"),
    pytest.param("zk", {"zookeeper.connect": None}, "3.9.0", "zookeeper.connect",
                 "Missing required configuration `zookeeper.connect` which has no default value.", id="zk-no-connect"),
    pytest.param("zk_migrating", {"broker.id": None}, "3.9.0", "broker.id",
                 "broker id generation is not supported", id="migration-without-broker-id"),
    pytest.param("zk_migrating", {"broker.id": "-1"}, "3.9.0", "broker.id",
                 "broker.id must be set explicitly to a non-negative id", id="migration-negative-broker-id"),
    pytest.param("zk_migrating", {"controller.quorum.voters": None}, "3.9.0", "controller.quorum.voters",
                 "controller.quorum.voters must contain a parseable set of voters", id="migration-without-quorum"),
    pytest.param("zk_migrating", {"controller.listener.names": None}, "3.9.0", "controller.listener.names",
                 "controller.listener.names must not be empty when running in ZooKeeper migration mode",
                 id="migration-without-controller-listener"),
    pytest.param("zk_migrating", {"inter.broker.protocol.version": "3.3"}, "3.9.0", "inter.broker.protocol.version",
                 "Cannot enable ZooKeeper migration without setting 'inter.broker.protocol.version' to 3.4 or higher",
                 id="migration-ibp-below-3.4"),
    pytest.param("zk_migrating", {"inter.broker.protocol.version": None}, "3.9.0", "inter.broker.protocol.version",
                 "to 3.4 or higher", id="migration-ibp-unset"),
    pytest.param("zk_migrating", {"log.dirs": "/d1,/d2", "inter.broker.protocol.version": "3.6"}, "3.6.2", "log.dirs",
                 "Migration of JBOD enabled ZK brokers is not supported", id="jbod-on-3.6"),
    pytest.param("zk_migrating", {"log.dirs": "/d1,/d2", "inter.broker.protocol.version": "3.7-IV1"}, "3.9.0",
                 "log.dirs", "multiple log directories (aka JBOD) without setting 'inter.broker.protocol.version' to "
                 "3.7-IV2 or higher", id="jbod-ibp-below-3.7-IV2"),
    pytest.param("zk_migrating", {"listener.security.protocol.map": "PLAINTEXT:PLAINTEXT"}, "3.9.0",
                 "listener.security.protocol.map",
                 "Controller listener with name CONTROLLER defined in controller.listener.names not found in "
                 "listener.security.protocol.map", id="migration-controller-not-mapped"),
    pytest.param("zk", {"controller.listener.names": "CONTROLLER"}, "3.9.0", "controller.listener.names",
                 "controller.listener.names must be empty when not running in KRaft mode: [CONTROLLER]",
                 id="zk-with-controller-listener"),
    pytest.param("kraft_broker", {"node.id": None}, "3.9.0", "node.id",
                 "Missing required configuration `node.id` which has no default value.", id="kraft-no-node-id"),
    pytest.param("controller", {"zookeeper.connect": None}, "3.9.0", "zookeeper.connect",
                 "If using `zookeeper.metadata.migration.enable` in KRaft mode, `zookeeper.connect` must also be set.",
                 id="kraft-migration-without-zk-connect"),
    pytest.param("kraft_broker", {"controller.quorum.voters": None}, "3.9.0", "controller.quorum.voters",
                 "either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or "
                 "controller.quorum.voters must contain a parseable set of controllers", id="kraft-no-quorum"),
    pytest.param("kraft_broker", {"control.plane.listener.name": "PLAINTEXT"}, "3.9.0", "control.plane.listener.name",
                 "control.plane.listener.name is not supported in KRaft mode.", id="kraft-control-plane-listener"),
    pytest.param("kraft_broker", {"node.id": "3001"}, "3.9.0", "controller.quorum.voters",
                 "the node id 3001 must not be included in the set of voters", id="broker-id-among-voters"),
    pytest.param("kraft_broker", {"controller.listener.names": None}, "3.9.0", "controller.listener.names",
                 "controller.listener.names must contain at least one value when running KRaft with just the broker "
                 "role", id="broker-no-controller-listener"),
    pytest.param("kraft_broker", {"listeners": "PLAINTEXT://kb1:9092,CONTROLLER://kb1:9093"}, "3.9.0", "listeners",
                 "controller.listener.names must not contain a value appearing in the 'listeners' configuration",
                 id="broker-listens-on-controller-listener"),
    pytest.param("kraft_broker", {"listener.security.protocol.map": "PLAINTEXT:PLAINTEXT"}, "3.9.0",
                 "listener.security.protocol.map", "an explicit security mapping for each controller listener is "
                 "required", id="broker-controller-not-mapped"),
    pytest.param("kraft_broker", {"listeners": "CONTROLLER://kb1:9093"}, "3.9.0", "advertised.listeners",
                 "There must be at least one advertised listener.", id="broker-no-advertised-listener"),
    pytest.param("kraft_broker", {"inter.broker.listener.name": "INTERNAL"}, "3.9.0", "inter.broker.listener.name",
                 "inter.broker.listener.name must be a listener name defined in advertised.listeners",
                 id="broker-inter-broker-listener-not-advertised"),
    pytest.param("controller", {"listeners": "CONTROLLER://kc1:9093,PLAINTEXT://kc1:9092"}, "3.9.0", "listeners",
                 "The listeners config must only contain KRaft controller listeners from controller.listener.names",
                 id="controller-extra-listener"),
    pytest.param("controller", {"node.id": "3005"}, "3.9.0", "controller.quorum.voters",
                 "the node id 3005 must be included in the set of voters", id="controller-not-a-voter"),
    pytest.param("controller", {"controller.listener.names": "OTHER"}, "3.9.0", "controller.listener.names",
                 "controller.listener.names must contain at least one value appearing in the 'listeners'",
                 id="controller-listener-name-not-in-listeners"),
    pytest.param("controller", {"advertised.listeners": "CONTROLLER://kc1:9093"}, "3.8.1", "advertised.listeners",
                 "The advertised.listeners config must be empty when process.roles=controller",
                 id="controller-advertised-before-3.9"),
]


@pytest.mark.parametrize("base,changes,release,key,fragment", CONFIG_ERRORS)
def test_check_config_rejects(base: str, changes: dict[str, str | None], release: str, key: str,
                              fragment: str) -> None:
    found = check_config(_props(base, changes), "kb1.example.com", Release.parse(release), "migration")
    matching = [v for v in found if v.key == key and fragment in v.message]
    assert matching, f"no {key} violation with {fragment!r} in {[str(v) for v in found]}"
    violation = matching[0]
    assert (violation.host, violation.severity, violation.phase) == ("kb1.example.com", ERROR, "migration")
    assert violation.fix


# The nearest valid neighbour of each rule: the same rule must stay silent.
CONFIG_VALID: list[Any] = [
    pytest.param("zk_migrating", {"node.id": "1"}, "3.9.0", id="node-id-equals-broker-id"),
    pytest.param("kraft_broker", {"process.roles": " broker "}, "3.9.0", id="role-with-blanks"),
    pytest.param("zk", {"log.dirs": None, "log.dir": "/data/kafka"}, "3.9.0", id="log-dir-singular"),
    pytest.param("zk", {"listeners": "PLAINTEXT://:9092,SSL://[::1]:9093"}, "3.9.0", id="listeners-wildcard-ipv6"),
    pytest.param("zk", {"listener.security.protocol.map": None}, "3.9.0", id="zk-default-protocol-map"),
    pytest.param("zk", {"zookeeper.metadata.migration.enable": "false"}, "3.9.0", id="zk-flag-false"),
    pytest.param("zk_migrating", {"controller.quorum.voters": None,
                                  "controller.quorum.bootstrap.servers": "kc1:9093"}, "3.9.0",
                 id="migration-bootstrap-servers"),
    pytest.param("zk_migrating", {"inter.broker.protocol.version": "3.4"}, "3.9.0", id="migration-ibp-3.4"),
    pytest.param("zk_migrating", {"log.dirs": "/d1,/d2", "inter.broker.protocol.version": "3.7-IV2"}, "3.9.0",
                 id="jbod-ibp-3.7-IV2"),
    pytest.param("zk_migrating", {"log.dirs": "/d1,/d2", "inter.broker.protocol.version": "3.7"}, "3.7.0",
                 id="jbod-on-3.7.0-ibp-3.7"),
    pytest.param("zk_migrating", {"listener.security.protocol.map": None}, "3.9.0",
                 id="migration-default-protocol-map"),
    pytest.param("kraft_broker", {"controller.quorum.voters": None,
                                  "controller.quorum.bootstrap.servers": "kc1:9093"}, "3.9.0",
                 id="kraft-bootstrap-servers"),
    pytest.param("kraft_broker", {"advertised.listeners": "PLAINTEXT://kafka.example.com:9092"}, "3.9.0",
                 id="broker-advertised-differs"),
    pytest.param("kraft_broker", {"inter.broker.listener.name": None}, "3.9.0", id="broker-no-inter-broker-name"),
    pytest.param("zk", {"security.inter.broker.protocol": "PLAINTEXT"}, "3.9.0", id="security-inter-broker-protocol-alone"),
    pytest.param("kraft_broker", {"listener.security.protocol.map": None}, "3.9.0", id="broker-default-map"),
    pytest.param("controller", {"zookeeper.metadata.migration.enable": None, "zookeeper.connect": None}, "3.9.0",
                 id="controller-finalized"),
    pytest.param("controller", {"advertised.listeners": "CONTROLLER://kc1:9093"}, "3.9.0",
                 id="controller-advertised-on-3.9"),
]


@pytest.mark.parametrize("base,changes,release", CONFIG_VALID)
def test_check_config_accepts(base: str, changes: dict[str, str | None], release: str) -> None:
    assert [str(v) for v in check_config(_props(base, changes), "h1", Release.parse(release))] == []


# --- check_cluster ----------------------------------------------------------------------------

def _broker_file(node_id: int, extra: dict[str, str | None] | None = None) -> dict[str, str]:
    props = {
        "broker.id": str(node_id),
        "listeners": f"INTERNAL://kb{node_id}:9092,EXTERNAL://kb{node_id}:9094",
        "listener.security.protocol.map": "INTERNAL:SSL,EXTERNAL:SSL",
        "inter.broker.listener.name": "INTERNAL",
        "log.dirs": "/data/kafka",
        "zookeeper.connect": "zk1:2181/kafka",
        "inter.broker.protocol.version": "3.9",
    }
    for key, value in (extra or {}).items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return props


def _spec() -> dict[str, Any]:
    return {
        "kafka_version": "3.9.0",
        "controllers": [{"name": f"kc{i}", "node_id": 2999 + i} for i in (1, 2, 3)],
        "brokers": [{"name": f"kb{i}", "current": _broker_file(i)} for i in (1, 2, 3)],
    }


Mutation = Callable[[dict[str, Any]], None]


def _set(key: str, value: Any) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        spec[key] = value
    return mutate


def _broker(index: int, **changes: Any) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        spec["brokers"][index].update(changes)
    return mutate


def _broker_current(index: int, extra: dict[str, str | None]) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        spec["brokers"][index]["current"] = _broker_file(index + 1, extra)
    return mutate


def _all_brokers_current(extra: dict[str, str | None]) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        for index, entry in enumerate(spec["brokers"]):
            entry["current"] = _broker_file(index + 1, extra)
    return mutate


def _controllers(count: int) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        spec["controllers"] = [{"name": f"kc{i}", "node_id": 2999 + i} for i in range(1, count + 1)]
    return mutate


def _chain(*mutations: Mutation) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        for item in mutations:
            item(spec)
    return mutate


def _cluster_violations(mutation: Mutation | None) -> list[Violation]:
    spec = copy.deepcopy(_spec())
    if mutation is not None:
        mutation(spec)
    cluster, problems = build_cluster(spec)
    assert cluster is not None, problems
    assert errors_only(problems) == []
    return check_cluster(cluster)


def test_base_cluster_is_valid() -> None:
    assert _cluster_violations(None) == []


# (mutation, host, key, severity, fragment)
CLUSTER_RULES: list[Any] = [
    pytest.param(_set("kafka_version", "3.3.2"), "(cluster)", "zk2kraft_kafka_version", ERROR,
                 "cannot migrate from ZooKeeper", id="kafka-3.3"),
    pytest.param(_set("kafka_version", "4.0.0"), "(cluster)", "zk2kraft_kafka_version", ERROR,
                 "the migration exists on 3.4 to 3.9 only", id="kafka-4.0"),
    pytest.param(_chain(_set("kafka_version", "3.5.2"), _set("metadata_version", "3.5"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.5"})),
                 "(cluster)", "zk2kraft_kafka_version", WARNING, "early access", id="early-access-3.5"),
    pytest.param(_chain(_set("kafka_version", "3.7.0"), _set("metadata_version", "3.7"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.7"})),
                 "(cluster)", "zk2kraft_kafka_version", WARNING, "known controller-failover races", id="races-3.7.0"),
    pytest.param(_chain(_set("kafka_version", "3.6.1"), _set("metadata_version", "3.3"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.3"})),
                 "(cluster)", "zk2kraft_metadata_version", ERROR, "is below 3.4", id="mv-below-3.4"),
    pytest.param(_chain(_set("metadata_version", "3.5"), _all_brokers_current({"inter.broker.protocol.version": "3.5"})),
                 "(cluster)", "zk2kraft_metadata_version", ERROR, "3.6-IV1 or higher is required",
                 id="mv-3.5-on-kafka-3.9"),
    pytest.param(_chain(_set("kafka_version", "3.8.1"), _set("metadata_version", "3.6-IV0"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.6-IV0"})),
                 "(cluster)", "zk2kraft_metadata_version", ERROR, "refuses to migrate", id="mv-3.6-IV0-on-kafka-3.8.1"),
    pytest.param(_chain(_set("kafka_version", "3.8.1"), _set("metadata_version", "3.9"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.9"})),
                 "(cluster)", "zk2kraft_metadata_version", ERROR, "is newer than Kafka 3.8.1", id="mv-newer-than-kafka"),
    pytest.param(_controllers(0), "(cluster)", "kafka_controllers", ERROR, "no KRaft controller is defined",
                 id="no-controllers"),
    pytest.param(_controllers(4), "(cluster)", "kafka_controllers", WARNING,
                 "4 controllers tolerate no more failures than 3", id="even-controllers"),
    pytest.param(_chain(_set("brokers", []), _set("zookeeper_connect", "zk1:2181")),
                 "(cluster)", "kafka_brokers", ERROR, "no broker is defined", id="no-brokers"),
    pytest.param(_broker(1, node_id=1, current=None, listeners="INTERNAL://kb2:9092", log_dirs=["/d"]),
                 "kb2", "zk2kraft_node_id", ERROR, "broker id 1 is also used by kb1", id="duplicate-broker-id"),
    pytest.param(_broker(0, node_id=3000, current=None, listeners="INTERNAL://kb1:9092", log_dirs=["/d"]),
                 "kb1", "zk2kraft_node_id", ERROR, "broker id 3000 equals the id of controller kc1: controller ids must not be used by any broker",
                 id="broker-id-equals-controller-id"),
    pytest.param(lambda s: s["controllers"].append({"name": "kb1", "node_id": 3003}), "kb1", "process.roles", ERROR,
                 "combined mode (process.roles=broker,controller) is not a migration target",
                 id="host-in-both-groups"),
    pytest.param(lambda s: s["controllers"][0].update(declared_roles=["broker", "controller"]), "kc1",
                 "process.roles", ERROR, "combined mode", id="controller-declared-combined"),
    pytest.param(_broker_current(2, {"process.roles": "broker,controller", "node.id": "3"}), "kb3", "process.roles",
                 ERROR, "combined mode", id="broker-file-combined"),
    pytest.param(_set("controller_security_protocol", "TLS"), "(cluster)", "zk2kraft_controller_security_protocol",
                 ERROR, "'TLS' is not a security protocol", id="bad-controller-protocol"),
    pytest.param(_chain(_set("controller_security_protocol", "SASL_SSL"),
                        _set("controller_sasl_mechanism", "SCRAM-SHA-512")),
                 "(cluster)", "zk2kraft_controller_sasl_mechanism", ERROR,
                 "SCRAM cannot be the controller listener's SASL mechanism", id="scram-controller"),
    pytest.param(_set("controller_properties", {"sasl.mechanism.controller.protocol": "SCRAM-SHA-256"}),
                 "(cluster)", "zk2kraft_controller_sasl_mechanism", ERROR, "SCRAM cannot be",
                 id="scram-via-controller-properties"),
    pytest.param(_chain(_all_brokers_current({"listener.security.protocol.map": "INTERNAL:SASL_SSL,EXTERNAL:SSL"}),
                        _set("controller_properties", {"sasl.mechanism.inter.broker.protocol": "PLAIN"})),
                 "kc1,kc2,kc3", "sasl.enabled.mechanisms", ERROR,
                 "no sasl.enabled.mechanisms (Kafka's default: GSSAPI) but must enable PLAIN (sasl.mechanism.inter.broker."
                 "protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication",
                 id="sasl-plain-inter-broker-default-enabled"),
    pytest.param(_chain(_set("controller_security_protocol", "SASL_SSL"), _set("controller_sasl_mechanism", "PLAIN"),
                        _set("controller_properties", {"sasl.enabled.mechanisms": "GSSAPI"})),
                 "kc1,kc2,kc3", "sasl.enabled.mechanisms", ERROR,
                 "must enable PLAIN (the controller listener CONTROLLER is SASL_SSL)",
                 id="sasl-controller-listener-mechanism-not-enabled"),
    pytest.param(_all_brokers_current({"zookeeper.set.acl": "true"}), "kb1,kb2,kb3", "zk2kraft_zookeeper_client", ERROR,
                 "zookeeper.set.acl=true without zookeeper.ssl.client.enable=true", id="zk-acl-without-sasl-credentials"),
    pytest.param(_broker(0, zookeeper_sasl="its JAAS file /etc/kafka/jaas.conf has a Client section"),
                 "kb1", "zk2kraft_zookeeper_client", ERROR,
                 "the brokers log in to ZooKeeper with SASL (kb1: its JAAS file /etc/kafka/jaas.conf has a Client",
                 id="zk-sasl-seen-in-the-jvm-without-credentials"),
    pytest.param(_set("controller_quorum_voters", "3000@kc1:9093,3001-kc2:9093"), "(cluster)",
                 "zk2kraft_controller_quorum_voters", ERROR, "Failed to parse controller.quorum.voters entry",
                 id="voters-override-unparseable"),
    pytest.param(_set("controller_quorum_voters", "3000@kc1:9093,3001@kc2:9093"), "(cluster)",
                 "zk2kraft_controller_quorum_voters", ERROR, "does not list exactly the controllers",
                 id="voters-override-missing-one"),
    pytest.param(_broker(0, current=None, node_id=1, log_dirs=["/d"]), "kb1", "listeners", ERROR,
                 "the broker has no listeners", id="broker-without-listeners"),
    pytest.param(_broker(0, listeners="INTERNAL://kb1:9092,CONTROLLER://kb1:9095"), "kb1", "listeners", ERROR,
                 "the controller listener name CONTROLLER is one of the broker's listeners",
                 id="controller-listener-in-broker-listeners"),
    pytest.param(_set("inter_broker_listener_name", "REPLICATION"), "kb1", "inter.broker.listener.name", ERROR,
                 "inter-broker listener REPLICATION is not among the broker's listeners",
                 id="inter-broker-listener-missing"),
    pytest.param(_broker(0, listeners="INTERNAL://kc1:9093"), "kb1", "listeners", ERROR,
                 "uses the address and port of controller kc1", id="broker-on-controller-endpoint"),
    pytest.param(_broker_current(0, {"log.dirs": None}), "kb1", "log.dirs", ERROR,
                 "At least one log directory must be defined", id="broker-without-log-dirs"),
    pytest.param(_chain(_set("kafka_version", "3.6.2"), _set("metadata_version", "3.6"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.6"}),
                        _broker_current(0, {"log.dirs": "/d1,/d2", "inter.broker.protocol.version": "3.6"})),
                 "kb1", "log.dirs", ERROR, "Migration of JBOD enabled ZK brokers is not supported on Kafka 3.6.2",
                 id="jbod-on-kafka-3.6"),
    pytest.param(_chain(_set("metadata_version", "3.7-IV1"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.7-IV1"}),
                        _broker_current(0, {"log.dirs": "/d1,/d2", "inter.broker.protocol.version": "3.7-IV1"})),
                 "kb1", "log.dirs", ERROR, "multiple log directories (aka JBOD)", id="jbod-mv-3.7-IV1"),
    pytest.param(_broker_current(1, {"inter.broker.protocol.version": None}), "kb2", "inter.broker.protocol.version",
                 ERROR, "the broker sets no inter.broker.protocol.version", id="ibp-unset"),
    pytest.param(_broker_current(1, {"inter.broker.protocol.version": "three"}), "kb2",
                 "inter.broker.protocol.version", ERROR, "'three' is not a metadata version", id="ibp-unparseable"),
    pytest.param(_broker_current(1, {"inter.broker.protocol.version": "3.8"}), "kb2", "inter.broker.protocol.version",
                 ERROR, "IBP 3.8 differs from the controllers' metadata version 3.9", id="ibp-mismatch"),
    pytest.param(_broker_current(0, {"control.plane.listener.name": "INTERNAL"}), "kb1",
                 "control.plane.listener.name", WARNING, "control.plane.listener.name is not supported in KRaft mode",
                 id="control-plane-listener"),
    pytest.param(_chain(_set("kafka_version", "3.7.0"), _set("metadata_version", "3.7"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.7",
                                              "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer"})),
                 "kb1", "authorizer.class.name", WARNING, "need Kafka 3.7.1 or later", id="acl-before-3.7.1"),
    pytest.param(_broker(2, node_id=7), "kb3", "broker.id", ERROR,
                 "server.properties says broker.id=3 but the inventory says 7", id="file-id-differs-from-inventory"),
]


@pytest.mark.parametrize("mutation,host,key,severity,fragment", CLUSTER_RULES)
def test_check_cluster_flags(mutation: Mutation, host: str, key: str, severity: str, fragment: str) -> None:
    found = _cluster_violations(mutation)
    matching = [v for v in found if (v.host, v.key, v.severity) == (host, key, severity) and fragment in v.message]
    assert matching, f"expected {severity} {host}/{key} {fragment!r}; got {[str(v) for v in found]}"
    assert all(v.fix for v in matching)


# Valid neighbours: the rule stays silent, and nothing else fires either.
CLUSTER_VALID: list[Any] = [
    pytest.param(_chain(_all_brokers_current({"zookeeper.set.acl": "true"}), _set("zookeeper_sasl_username", "kafka")),
                 id="zk-acl-with-sasl-credentials"),
    pytest.param(_all_brokers_current({"zookeeper.set.acl": "true", "zookeeper.ssl.client.enable": "true"}),
                 id="zk-acl-with-tls-client-auth"),
    pytest.param(_chain(_all_brokers_current({"listener.security.protocol.map": "INTERNAL:SASL_SSL,EXTERNAL:SSL"}),
                        _set("controller_properties", {"sasl.mechanism.inter.broker.protocol": "PLAIN",
                                                       "sasl.enabled.mechanisms": "PLAIN"})),
                 id="sasl-inter-broker-mechanism-enabled"),
    pytest.param(_chain(_set("controller_security_protocol", "SASL_SSL"), _set("controller_sasl_mechanism", "PLAIN"),
                        _set("controller_properties", {"sasl.enabled.mechanisms": "plain"})),
                 id="sasl-controller-listener-mechanism-enabled"),
    pytest.param(_chain(_set("kafka_version", "3.7.2"), _set("metadata_version", "3.7"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.7"})), id="kafka-3.7.2"),
    pytest.param(_chain(_set("kafka_version", "3.8.1"), _set("metadata_version", "3.8"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.8"})), id="kafka-3.8.1"),
    pytest.param(_chain(_set("metadata_version", "3.6-IV1"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.6-IV1"})), id="mv-3.6-IV1-on-3.9"),
    pytest.param(_chain(_set("metadata_version", "3.9-IV0"),
                        _all_brokers_current({"inter.broker.protocol.version": "3.9"})), id="ibp-3.9-equals-3.9-IV0"),
    pytest.param(_controllers(5), id="five-controllers"),
    pytest.param(_chain(_set("controller_security_protocol", "SASL_SSL"), _set("controller_sasl_mechanism", "PLAIN"),
                        _set("controller_properties", {"sasl.enabled.mechanisms": "PLAIN"})),
                 id="plain-controller"),
    pytest.param(_set("controller_quorum_voters", "3002@kc3:9093,3000@kc1:9093,3001@kc2:9093"),
                 id="voters-override-other-order"),
    pytest.param(_broker(0, listeners="INTERNAL://kb1:9092,EXTERNAL://kb1:9093"), id="controller-port-other-host"),
    pytest.param(_broker_current(0, {"log.dirs": "/d1,/d2"}), id="jbod-mv-3.9"),
    pytest.param(_all_brokers_current({"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer"}),
                 id="acl-on-3.9"),
    pytest.param(_broker(0, node_id="1"), id="id-as-string"),
]


@pytest.mark.parametrize("mutation", CLUSTER_VALID)
def test_check_cluster_accepts(mutation: Mutation) -> None:
    assert [str(v) for v in _cluster_violations(mutation)] == []


def test_violation_text_and_errors_only() -> None:
    error = Violation("kb1", "broker.id", "bad id", "fix it", ERROR, "migration")
    warning = Violation("(cluster)", "", "odd", "do this", WARNING)
    assert str(error) == "ERROR [kb1: broker.id (phase migration)] bad id. Fix: fix it"
    assert str(warning) == "WARNING [(cluster)] odd. Fix: do this"
    assert errors_only([error, warning]) == [error]
    raised = ViolationsFound([error, warning])
    assert "bad id" in str(raised) and "odd" not in str(raised)
    assert raised.violations_as_dicts[0]["host"] == "kb1"


def test_violations_are_collected_not_stopped_at_first() -> None:
    props = _props("kraft_broker", {"node.id": None, "controller.listener.names": None, "log.dirs": None})
    keys: tuple[str, ...] = tuple(sorted({v.key for v in check_config(props, "h")}))
    assert keys == ("controller.listener.names", "log.dirs", "node.id")
