# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The runner: base files and cluster pass, violations read well and are all collected. The fixtures and
the assertions here serve the tests of each rules module (test_rules_*.py: one passing and one failing
case at least per rule)."""

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


def config_file(base: str, changes: dict[str, str | None]) -> dict[str, str]:
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


def assert_config_rejects(base: str, changes: dict[str, str | None], release: str, key: str, fragment: str) -> None:
    found = check_config(config_file(base, changes), "kb1.example.com", Release.parse(release), "migration")
    matching = [v for v in found if v.key == key and fragment in v.message]
    assert matching, f"no {key} violation with {fragment!r} in {[str(v) for v in found]}"
    violation = matching[0]
    assert (violation.host, violation.severity, violation.phase) == ("kb1.example.com", ERROR, "migration")
    assert violation.fix


def assert_config_accepts(base: str, changes: dict[str, str | None], release: str) -> None:
    assert [str(v) for v in check_config(config_file(base, changes), "h1", Release.parse(release))] == []


# --- check_cluster ----------------------------------------------------------------------------

def broker_file(node_id: int, extra: dict[str, str | None] | None = None) -> dict[str, str]:
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


def base_spec() -> dict[str, Any]:
    return {
        "kafka_version": "3.9.0",
        "controllers": [{"name": f"kc{i}", "node_id": 2999 + i} for i in (1, 2, 3)],
        "brokers": [{"name": f"kb{i}", "current": broker_file(i)} for i in (1, 2, 3)],
    }


Mutation = Callable[[dict[str, Any]], None]


def set_key(key: str, value: Any) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        spec[key] = value
    return mutate


def broker_change(index: int, **changes: Any) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        spec["brokers"][index].update(changes)
    return mutate


def broker_current(index: int, extra: dict[str, str | None]) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        spec["brokers"][index]["current"] = broker_file(index + 1, extra)
    return mutate


def all_brokers_current(extra: dict[str, str | None]) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        for index, entry in enumerate(spec["brokers"]):
            entry["current"] = broker_file(index + 1, extra)
    return mutate


def controller_count(count: int) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        spec["controllers"] = [{"name": f"kc{i}", "node_id": 2999 + i} for i in range(1, count + 1)]
    return mutate


def chain(*mutations: Mutation) -> Mutation:
    def mutate(spec: dict[str, Any]) -> None:
        for item in mutations:
            item(spec)
    return mutate


def cluster_violations(mutation: Mutation | None) -> list[Violation]:
    spec = copy.deepcopy(base_spec())
    if mutation is not None:
        mutation(spec)
    cluster, problems = build_cluster(spec)
    assert cluster is not None, problems
    assert errors_only(problems) == []
    return check_cluster(cluster)


def test_base_cluster_is_valid() -> None:
    assert cluster_violations(None) == []


def assert_cluster_flags(mutation: Mutation, host: str, key: str, severity: str, fragment: str) -> None:
    found = cluster_violations(mutation)
    matching = [v for v in found if (v.host, v.key, v.severity) == (host, key, severity) and fragment in v.message]
    assert matching, f"expected {severity} {host}/{key} {fragment!r}; got {[str(v) for v in found]}"
    assert all(v.fix for v in matching)


def assert_cluster_accepts(mutation: Mutation) -> None:
    assert [str(v) for v in cluster_violations(mutation)] == []


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
    props = config_file("kraft_broker", {"node.id": None, "controller.listener.names": None, "log.dirs": None})
    keys: tuple[str, ...] = tuple(sorted({v.key for v in check_config(props, "h")}))
    assert keys == ("controller.listener.names", "log.dirs", "node.id")
