from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.metadata import (
    normalize,
    parse_acls,
    parse_topic_configs,
    parse_topics_describe,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_snapshot import diff_snapshots

TOPICS = (
    "Topic: orders\tTopicId: _dquGlNMTMK9F2m9UI4DVA\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: retention.ms=1\n"
    "\tTopic: orders\tPartition: 0\tLeader: 3\tReplicas: 3,2,1\tIsr: 3,2,1\n"
    "\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1,3,2\tIsr: 1,3\n"
    "Topic: payments\tTopicId: 04NjA-02RE-LhdaMCLkzFA\tPartitionCount: 1\tReplicationFactor: 3\tConfigs: \n"
    "\tTopic: payments\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tElr: \tLastKnownElr: \n"
)
CONFIGS = (
    "Dynamic configs for topic orders are:\n"
    "  retention.ms=1 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1}\n"
    "Dynamic configs for topic payments are:\n"
)
ACLS = (
    "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: \n"
    " \t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)\n"
    "\t(principal=User:bob, host=*, operation=WRITE, permissionType=DENY) \n\n"
)
# The same metadata as ZooKeeper stores it.
ZK: dict[str, Any] = {
    "topics": {
        "orders": {"topic_id": "_dquGlNMTMK9F2m9UI4DVA", "partitions": {"0": [3, 2, 1], "1": [1, 3, 2]}},
        "payments": {"topic_id": "04NjA-02RE-LhdaMCLkzFA", "partitions": {"0": [1, 2, 3]}},
    },
    "configs": {"topics/orders": {"retention.ms": "1"}, "brokers/1": {"log.cleaner.threads": "2"}},
    "acls": {"LITERAL:Topic:orders": [
        {"principal": "User:bob", "permissionType": "Deny", "operation": "Write", "host": "*"},
        {"principal": "User:alice", "permissionType": "Allow", "operation": "Read", "host": "*"},
    ]},
}


def served() -> dict[str, Any]:
    return normalize({"topics": parse_topics_describe(TOPICS), "configs": parse_topic_configs(CONFIGS),
                      "acls": parse_acls(ACLS)})


def test_tool_output_parses_into_the_zookeeper_shape() -> None:
    assert parse_topics_describe(TOPICS)["orders"] == ZK["topics"]["orders"]
    assert parse_topic_configs(CONFIGS) == {"topics/orders": {"retention.ms": "1"}}
    assert parse_acls(ACLS)["LITERAL:TOPIC:orders"][1] == {
        "principal": "User:bob", "host": "*", "operation": "WRITE", "permissionType": "DENY"}


def test_the_same_metadata_compares_equal_whatever_the_spelling() -> None:
    assert diff_snapshots(normalize(ZK), served()) == []


@pytest.mark.parametrize("mutate,expected", [
    (lambda zk: zk["topics"].pop("payments"), "topics payments: added"),
    (lambda zk: zk["topics"].update(audit={"topic_id": "x", "partitions": {"0": [1]}}), "topics audit: removed"),
    (lambda zk: zk["topics"]["orders"]["partitions"].update({"1": [2, 3, 1]}), "topics orders: "),
    (lambda zk: zk["configs"]["topics/orders"].update({"retention.ms": "2"}), "configs topics/orders: "),
    (lambda zk: zk["acls"]["LITERAL:Topic:orders"].pop(), "acls literal:topic:orders: "),
], ids=["topic-added", "topic-lost", "assignment-changed", "config-changed", "acl-changed"])
def test_every_kind_of_difference_is_reported(mutate: Callable[[dict[str, Any]], object], expected: str) -> None:
    import copy
    before = copy.deepcopy(ZK)
    mutate(before)
    differences = diff_snapshots(normalize(before), served())
    assert len(differences) == 1 and differences[0].startswith(expected)
