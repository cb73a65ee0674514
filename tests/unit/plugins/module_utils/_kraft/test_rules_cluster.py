# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The rules of the release, metadata version, nodes, roles and quorum (rules_cluster.py), through check_cluster."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ERROR, WARNING
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_invariants import (
    Mutation,
    all_brokers_current,
    assert_cluster_accepts,
    assert_cluster_flags,
    broker_change,
    broker_current,
    chain,
    controller_count,
    set_key,
)

# (mutation, host, key, severity, fragment)
CLUSTER_RULES: list[Any] = [
    pytest.param(set_key("kafka_version", "3.3.2"), "(cluster)", "zk2kraft_kafka_version", ERROR,
                 "cannot migrate from ZooKeeper", id="kafka-3.3"),
    pytest.param(set_key("kafka_version", "4.0.0"), "(cluster)", "zk2kraft_kafka_version", ERROR,
                 "the migration exists on 3.4 to 3.9 only", id="kafka-4.0"),
    pytest.param(chain(set_key("kafka_version", "3.5.2"), set_key("metadata_version", "3.5"),
                       all_brokers_current({"inter.broker.protocol.version": "3.5"})),
                 "(cluster)", "zk2kraft_kafka_version", WARNING, "early access", id="early-access-3.5"),
    pytest.param(chain(set_key("kafka_version", "3.7.0"), set_key("metadata_version", "3.7"),
                       all_brokers_current({"inter.broker.protocol.version": "3.7"})),
                 "(cluster)", "zk2kraft_kafka_version", WARNING, "known controller-failover races", id="races-3.7.0"),
    pytest.param(chain(set_key("kafka_version", "3.6.1"), set_key("metadata_version", "3.3"),
                       all_brokers_current({"inter.broker.protocol.version": "3.3"})),
                 "(cluster)", "zk2kraft_metadata_version", ERROR, "is below 3.4", id="mv-below-3.4"),
    pytest.param(chain(set_key("metadata_version", "3.5"), all_brokers_current({"inter.broker.protocol.version": "3.5"})),
                 "(cluster)", "zk2kraft_metadata_version", ERROR, "3.6-IV1 or higher is required",
                 id="mv-3.5-on-kafka-3.9"),
    pytest.param(chain(set_key("kafka_version", "3.8.1"), set_key("metadata_version", "3.6-IV0"),
                       all_brokers_current({"inter.broker.protocol.version": "3.6-IV0"})),
                 "(cluster)", "zk2kraft_metadata_version", ERROR, "refuses to migrate", id="mv-3.6-IV0-on-kafka-3.8.1"),
    pytest.param(chain(set_key("kafka_version", "3.8.1"), set_key("metadata_version", "3.9"),
                       all_brokers_current({"inter.broker.protocol.version": "3.9"})),
                 "(cluster)", "zk2kraft_metadata_version", ERROR, "is newer than Kafka 3.8.1", id="mv-newer-than-kafka"),
    pytest.param(controller_count(0), "(cluster)", "kafka_controllers", ERROR, "no KRaft controller is defined",
                 id="no-controllers"),
    pytest.param(controller_count(4), "(cluster)", "kafka_controllers", WARNING,
                 "4 controllers tolerate no more failures than 3", id="even-controllers"),
    pytest.param(chain(set_key("brokers", []), set_key("zookeeper_connect", "zk1:2181")),
                 "(cluster)", "kafka_brokers", ERROR, "no broker is defined", id="no-brokers"),
    pytest.param(broker_change(1, node_id=1, current=None, listeners="INTERNAL://kb2:9092", log_dirs=["/d"]),
                 "kb2", "zk2kraft_node_id", ERROR, "broker id 1 is also used by kb1", id="duplicate-broker-id"),
    pytest.param(broker_change(0, node_id=3000, current=None, listeners="INTERNAL://kb1:9092", log_dirs=["/d"]),
                 "kb1", "zk2kraft_node_id", ERROR, "broker id 3000 equals the id of controller kc1: controller ids must not be used by any broker",
                 id="broker-id-equals-controller-id"),
    pytest.param(lambda s: s["controllers"].append({"name": "kb1", "node_id": 3003}), "kb1", "process.roles", ERROR,
                 "combined mode (process.roles=broker,controller) is not a migration target",
                 id="host-in-both-groups"),
    pytest.param(lambda s: s["controllers"][0].update(declared_roles=["broker", "controller"]), "kc1",
                 "process.roles", ERROR, "combined mode", id="controller-declared-combined"),
    pytest.param(broker_current(2, {"process.roles": "broker,controller", "node.id": "3"}), "kb3", "process.roles",
                 ERROR, "combined mode", id="broker-file-combined"),
    pytest.param(set_key("controller_quorum_voters", "3000@kc1:9093,3001@kc2:9093"), "(cluster)",
                 "zk2kraft_controller_quorum_voters", ERROR, "does not list exactly the controllers",
                 id="voters-override-missing-one"),
]


@pytest.mark.parametrize("mutation,host,key,severity,fragment", CLUSTER_RULES)
def test_check_cluster_flags(mutation: Mutation, host: str, key: str, severity: str, fragment: str) -> None:
    assert_cluster_flags(mutation, host, key, severity, fragment)


# Valid neighbours: the rule stays silent, and nothing else fires either.
CLUSTER_VALID: list[Any] = [
    pytest.param(chain(set_key("kafka_version", "3.7.2"), set_key("metadata_version", "3.7"),
                       all_brokers_current({"inter.broker.protocol.version": "3.7"})), id="kafka-3.7.2"),
    pytest.param(chain(set_key("kafka_version", "3.8.1"), set_key("metadata_version", "3.8"),
                       all_brokers_current({"inter.broker.protocol.version": "3.8"})), id="kafka-3.8.1"),
    pytest.param(chain(set_key("metadata_version", "3.6-IV1"),
                       all_brokers_current({"inter.broker.protocol.version": "3.6-IV1"})), id="mv-3.6-IV1-on-3.9"),
    pytest.param(controller_count(5), id="five-controllers"),
    pytest.param(set_key("controller_quorum_voters", "3002@kc3:9093,3000@kc1:9093,3001@kc2:9093"),
                 id="voters-override-other-order"),
]


@pytest.mark.parametrize("mutation", CLUSTER_VALID)
def test_check_cluster_accepts(mutation: Mutation) -> None:
    assert_cluster_accepts(mutation)
