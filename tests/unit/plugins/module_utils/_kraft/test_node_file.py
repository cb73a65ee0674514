# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""One server.properties parsed once into typed values, and the model keeping it in step with the text."""

from __future__ import annotations

import dataclasses

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import BROKER, Node
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import Listener
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_file import NodeFile
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import MetadataVersion

ZK_BROKER = {
    "broker.id": "1",
    "listeners": "INTERNAL://kb1:9092,EXTERNAL://kb1:9094",
    "listener.security.protocol.map": "INTERNAL:SSL,EXTERNAL:SSL",
    "log.dirs": "/d1, /d2",
    "inter.broker.protocol.version": "3.7-IV2",
    "zookeeper.connect": "zk1:2181/kafka",
}


def test_a_zookeeper_broker_file_reads_as_typed_values() -> None:
    file = NodeFile.read(ZK_BROKER)
    assert file.zookeeper_mode and file.roles == () and not file.migration
    assert file.listeners == (Listener("INTERNAL", "kb1", 9092), Listener("EXTERNAL", "kb1", 9094))
    assert file.advertised_listeners == () and file.advertised == file.listeners
    assert file.protocol_map == {"INTERNAL": "SSL", "EXTERNAL": "SSL"}
    assert file.log_dirs == ("/d1", "/d2")
    assert (file.ibp_text, file.ibp) == ("3.7-IV2", MetadataVersion(3, 7, 2))
    assert file.parse_errors == () and file.quorum_ok is False


def test_values_that_do_not_parse_are_empty_and_their_errors_wait() -> None:
    bad = {"listeners": "INTERNAL:9092", "listener.security.protocol.map": "INTERNAL",
           "controller.quorum.voters": "1-kc1:9093", "inter.broker.protocol.version": "junk"}
    file = NodeFile.read(dict(ZK_BROKER, **bad))
    assert file.listeners == () and file.protocol_map is None and file.voter_ids is None and file.ibp is None
    assert [key for key, dummy_message, dummy_fix in file.parse_errors] == [
        "listeners", "listener.security.protocol.map", "controller.quorum.voters"]
    assert "INTERNAL" in (file.parse_error("listener.security.protocol.map") or "")
    assert file.parse_error("advertised.listeners") is None


def test_an_unset_map_is_none_and_a_blank_one_is_empty() -> None:
    unset = NodeFile.read({k: v for k, v in ZK_BROKER.items() if k != "listener.security.protocol.map"})
    blank = NodeFile.read(dict(ZK_BROKER, **{"listener.security.protocol.map": " "}))
    assert (unset.protocol_map, unset.sets("listener.security.protocol.map")) == (None, False)
    assert (blank.protocol_map, blank.sets("listener.security.protocol.map")) == ({}, True)


def test_a_kraft_controller_file() -> None:
    file = NodeFile.read({"process.roles": "controller", "node.id": "3000", "controller.listener.names": "controller",
                          "listeners": "CONTROLLER://kc1:9093",
                          "controller.quorum.voters": "3000@kc1:9093,3001@kc2:9093"})
    assert file.roles == ("controller",) and not file.zookeeper_mode
    assert file.controller_names == ("CONTROLLER",) and file.broker_advertised == []
    assert file.voter_ids == (3000, 3001) and file.quorum_ok and file.own_id == 3000


def test_the_node_keeps_its_file_in_step_with_its_current_text() -> None:
    node = Node("kb1", BROKER, 1, "kb1", current=dict(ZK_BROKER))
    assert node.file is not None and node.file.ibp_text == "3.7-IV2"
    moved = dataclasses.replace(node, current=dict(ZK_BROKER, **{"inter.broker.protocol.version": "3.9"}))
    assert moved.file is not None and moved.file.ibp_text == "3.9"
    assert dataclasses.replace(node, current=None).file is None


def test_check_configs_facts_hold_the_file_as_read() -> None:
    from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_facts import _ConfigFacts
    from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import Release

    def fields(file: NodeFile) -> dict[str, object]:
        return {field.name: getattr(file, field.name) for field in dataclasses.fields(NodeFile)}

    for props in (ZK_BROKER, dict(ZK_BROKER, listeners="bad", **{"controller.quorum.voters": "x"}), {}):
        facts = _ConfigFacts.of(props, Release(3, 9, 0))
        assert fields(facts) == fields(NodeFile.read(props)) == NodeFile.fields_of(props)
        assert facts.release == Release(3, 9, 0)
