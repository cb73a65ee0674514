# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The rules about each broker (rules_brokers.py), through check_cluster."""

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
    set_key,
)

# (mutation, host, key, severity, fragment)
CLUSTER_RULES: list[Any] = [
    pytest.param(broker_change(0, current=None, node_id=1, log_dirs=["/d"]), "kb1", "listeners", ERROR,
                 "the broker has no listeners", id="broker-without-listeners"),
    pytest.param(broker_change(0, listeners="INTERNAL://kb1:9092,CONTROLLER://kb1:9095"), "kb1", "listeners", ERROR,
                 "the controller listener name CONTROLLER is one of the broker's listeners",
                 id="controller-listener-in-broker-listeners"),
    pytest.param(set_key("inter_broker_listener_name", "REPLICATION"), "kb1", "inter.broker.listener.name", ERROR,
                 "inter-broker listener REPLICATION is not among the broker's listeners",
                 id="inter-broker-listener-missing"),
    pytest.param(broker_change(0, listeners="INTERNAL://kc1:9093"), "kb1", "listeners", ERROR,
                 "uses the address and port of controller kc1", id="broker-on-controller-endpoint"),
    pytest.param(broker_current(0, {"log.dirs": None}), "kb1", "log.dirs", ERROR,
                 "At least one log directory must be defined", id="broker-without-log-dirs"),
    pytest.param(chain(set_key("kafka_version", "3.6.2"), set_key("metadata_version", "3.6"),
                       all_brokers_current({"inter.broker.protocol.version": "3.6"}),
                       broker_current(0, {"log.dirs": "/d1,/d2", "inter.broker.protocol.version": "3.6"})),
                 "kb1", "log.dirs", ERROR, "Migration of JBOD enabled ZK brokers is not supported on Kafka 3.6.2",
                 id="jbod-on-kafka-3.6"),
    pytest.param(chain(set_key("metadata_version", "3.7-IV1"),
                       all_brokers_current({"inter.broker.protocol.version": "3.7-IV1"}),
                       broker_current(0, {"log.dirs": "/d1,/d2", "inter.broker.protocol.version": "3.7-IV1"})),
                 "kb1", "log.dirs", ERROR, "multiple log directories (aka JBOD)", id="jbod-mv-3.7-IV1"),
    pytest.param(broker_current(1, {"inter.broker.protocol.version": None}), "kb2", "inter.broker.protocol.version",
                 ERROR, "the broker sets no inter.broker.protocol.version", id="ibp-unset"),
    pytest.param(broker_current(1, {"inter.broker.protocol.version": "three"}), "kb2",
                 "inter.broker.protocol.version", ERROR, "'three' is not a metadata version", id="ibp-unparseable"),
    pytest.param(broker_current(1, {"inter.broker.protocol.version": "3.8"}), "kb2", "inter.broker.protocol.version",
                 ERROR, "IBP 3.8 differs from the controllers' metadata version 3.9", id="ibp-mismatch"),
    pytest.param(broker_current(0, {"control.plane.listener.name": "INTERNAL"}), "kb1",
                 "control.plane.listener.name", WARNING, "control.plane.listener.name is not supported in KRaft mode",
                 id="control-plane-listener"),
    pytest.param(chain(set_key("kafka_version", "3.7.0"), set_key("metadata_version", "3.7"),
                       all_brokers_current({"inter.broker.protocol.version": "3.7",
                                            "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer"})),
                 "kb1", "authorizer.class.name", WARNING, "need Kafka 3.7.1 or later", id="acl-before-3.7.1"),
    pytest.param(broker_change(2, node_id=7), "kb3", "broker.id", ERROR,
                 "server.properties says broker.id=3 but the inventory says 7", id="file-id-differs-from-inventory"),
]


@pytest.mark.parametrize("mutation,host,key,severity,fragment", CLUSTER_RULES)
def test_check_cluster_flags(mutation: Mutation, host: str, key: str, severity: str, fragment: str) -> None:
    assert_cluster_flags(mutation, host, key, severity, fragment)


# Valid neighbours: the rule stays silent, and nothing else fires either.
CLUSTER_VALID: list[Any] = [
    pytest.param(chain(set_key("metadata_version", "3.9-IV0"),
                       all_brokers_current({"inter.broker.protocol.version": "3.9"})), id="ibp-3.9-equals-3.9-IV0"),
    pytest.param(broker_change(0, listeners="INTERNAL://kb1:9092,EXTERNAL://kb1:9093"), id="controller-port-other-host"),
    pytest.param(broker_current(0, {"log.dirs": "/d1,/d2"}), id="jbod-mv-3.9"),
    pytest.param(all_brokers_current({"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer"}),
                 id="acl-on-3.9"),
    pytest.param(broker_change(0, node_id="1"), id="id-as-string"),
]


@pytest.mark.parametrize("mutation", CLUSTER_VALID)
def test_check_cluster_accepts(mutation: Mutation) -> None:
    assert_cluster_accepts(mutation)
