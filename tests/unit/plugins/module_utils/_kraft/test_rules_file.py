# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The rules of every file and of a ZooKeeper-mode file (rules_file.py), through check_config."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_invariants import (
    assert_config_accepts,
    assert_config_rejects,
)

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
]


@pytest.mark.parametrize("base,changes,release,key,fragment", CONFIG_ERRORS)
def test_check_config_rejects(base: str, changes: dict[str, str | None], release: str, key: str,
                              fragment: str) -> None:
    assert_config_rejects(base, changes, release, key, fragment)


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
    pytest.param("zk", {"security.inter.broker.protocol": "PLAINTEXT"}, "3.9.0", id="security-inter-broker-protocol-alone"),
]


@pytest.mark.parametrize("base,changes,release", CONFIG_VALID)
def test_check_config_accepts(base: str, changes: dict[str, str | None], release: str) -> None:
    assert_config_accepts(base, changes, release)
