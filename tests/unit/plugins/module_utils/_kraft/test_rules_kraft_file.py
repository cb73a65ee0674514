# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The rules of a KRaft file, any role, broker and controller (rules_kraft_file.py), through check_config."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_invariants import (
    assert_config_accepts,
    assert_config_rejects,
)

# (base, changes, release, key, message fragment); fragments are Kafka's own wording.
CONFIG_ERRORS: list[Any] = [
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
    assert_config_rejects(base, changes, release, key, fragment)


# The nearest valid neighbour of each rule: the same rule must stay silent.
CONFIG_VALID: list[Any] = [
    pytest.param("kraft_broker", {"controller.quorum.voters": None,
                                  "controller.quorum.bootstrap.servers": "kc1:9093"}, "3.9.0",
                 id="kraft-bootstrap-servers"),
    pytest.param("kraft_broker", {"advertised.listeners": "PLAINTEXT://kafka.example.com:9092"}, "3.9.0",
                 id="broker-advertised-differs"),
    pytest.param("kraft_broker", {"inter.broker.listener.name": None}, "3.9.0", id="broker-no-inter-broker-name"),
    pytest.param("kraft_broker", {"listener.security.protocol.map": None}, "3.9.0", id="broker-default-map"),
    pytest.param("controller", {"zookeeper.metadata.migration.enable": None, "zookeeper.connect": None}, "3.9.0",
                 id="controller-finalized"),
    pytest.param("controller", {"advertised.listeners": "CONTROLLER://kc1:9093"}, "3.9.0",
                 id="controller-advertised-on-3.9"),
]


@pytest.mark.parametrize("base,changes,release", CONFIG_VALID)
def test_check_config_accepts(base: str, changes: dict[str, str | None], release: str) -> None:
    assert_config_accepts(base, changes, release)
