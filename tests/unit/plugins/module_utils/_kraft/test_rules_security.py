# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The security rules (rules_security.py), through check_cluster."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ERROR
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_invariants import (
    Mutation,
    all_brokers_current,
    assert_cluster_accepts,
    assert_cluster_flags,
    broker_change,
    chain,
    set_key,
)

# (mutation, host, key, severity, fragment)
CLUSTER_RULES: list[Any] = [
    pytest.param(set_key("controller_security_protocol", "TLS"), "(cluster)", "zk2kraft_controller_security_protocol",
                 ERROR, "'TLS' is not a security protocol", id="bad-controller-protocol"),
    pytest.param(chain(set_key("controller_security_protocol", "SASL_SSL"),
                       set_key("controller_sasl_mechanism", "SCRAM-SHA-512")),
                 "(cluster)", "zk2kraft_controller_sasl_mechanism", ERROR,
                 "SCRAM cannot be the controller listener's SASL mechanism", id="scram-controller"),
    pytest.param(set_key("controller_properties", {"sasl.mechanism.controller.protocol": "SCRAM-SHA-256"}),
                 "(cluster)", "zk2kraft_controller_sasl_mechanism", ERROR, "SCRAM cannot be",
                 id="scram-via-controller-properties"),
    pytest.param(chain(all_brokers_current({"listener.security.protocol.map": "INTERNAL:SASL_SSL,EXTERNAL:SSL"}),
                       set_key("controller_properties", {"sasl.mechanism.inter.broker.protocol": "PLAIN"})),
                 "kc1,kc2,kc3", "sasl.enabled.mechanisms", ERROR,
                 "no sasl.enabled.mechanisms (Kafka's default: GSSAPI) but must enable PLAIN (sasl.mechanism.inter.broker."
                 "protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication",
                 id="sasl-plain-inter-broker-default-enabled"),
    pytest.param(chain(set_key("controller_security_protocol", "SASL_SSL"), set_key("controller_sasl_mechanism", "PLAIN"),
                       set_key("controller_properties", {"sasl.enabled.mechanisms": "GSSAPI"})),
                 "kc1,kc2,kc3", "sasl.enabled.mechanisms", ERROR,
                 "must enable PLAIN (the controller listener CONTROLLER is SASL_SSL)",
                 id="sasl-controller-listener-mechanism-not-enabled"),
    pytest.param(all_brokers_current({"zookeeper.set.acl": "true"}), "kb1,kb2,kb3", "zk2kraft_zookeeper_client", ERROR,
                 "zookeeper.set.acl=true without zookeeper.ssl.client.enable=true", id="zk-acl-without-sasl-credentials"),
    pytest.param(broker_change(0, zookeeper_sasl="its JAAS file /etc/kafka/jaas.conf has a Client section"),
                 "kb1", "zk2kraft_zookeeper_client", ERROR,
                 "the brokers log in to ZooKeeper with SASL (kb1: its JAAS file /etc/kafka/jaas.conf has a Client",
                 id="zk-sasl-seen-in-the-jvm-without-credentials"),
]


@pytest.mark.parametrize("mutation,host,key,severity,fragment", CLUSTER_RULES)
def test_check_cluster_flags(mutation: Mutation, host: str, key: str, severity: str, fragment: str) -> None:
    assert_cluster_flags(mutation, host, key, severity, fragment)


# Valid neighbours: the rule stays silent, and nothing else fires either.
CLUSTER_VALID: list[Any] = [
    pytest.param(chain(all_brokers_current({"zookeeper.set.acl": "true"}), set_key("zookeeper_sasl_username", "kafka")),
                 id="zk-acl-with-sasl-credentials"),
    pytest.param(all_brokers_current({"zookeeper.set.acl": "true", "zookeeper.ssl.client.enable": "true"}),
                 id="zk-acl-with-tls-client-auth"),
    pytest.param(chain(all_brokers_current({"listener.security.protocol.map": "INTERNAL:SASL_SSL,EXTERNAL:SSL"}),
                       set_key("controller_properties", {"sasl.mechanism.inter.broker.protocol": "PLAIN",
                                                         "sasl.enabled.mechanisms": "PLAIN"})),
                 id="sasl-inter-broker-mechanism-enabled"),
    pytest.param(chain(set_key("controller_security_protocol", "SASL_SSL"), set_key("controller_sasl_mechanism", "PLAIN"),
                       set_key("controller_properties", {"sasl.enabled.mechanisms": "plain"})),
                 id="sasl-controller-listener-mechanism-enabled"),
    pytest.param(chain(set_key("controller_security_protocol", "SASL_SSL"), set_key("controller_sasl_mechanism", "PLAIN"),
                       set_key("controller_properties", {"sasl.enabled.mechanisms": "PLAIN"})),
                 id="plain-controller"),
]


@pytest.mark.parametrize("mutation", CLUSTER_VALID)
def test_check_cluster_accepts(mutation: Mutation) -> None:
    assert_cluster_accepts(mutation)
