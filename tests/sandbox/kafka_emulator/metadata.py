"""Cluster metadata model shared by ZooKeeper-mode and KRaft-mode nodes."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# ZooKeeper spellings (SecurityUtils / ResourceType names) <-> Kafka enum names used by the tools.
ACL_OPERATIONS = {
    "READ": "Read", "WRITE": "Write", "CREATE": "Create", "DELETE": "Delete", "ALTER": "Alter",
    "DESCRIBE": "Describe", "CLUSTER_ACTION": "ClusterAction", "DESCRIBE_CONFIGS": "DescribeConfigs",
    "ALTER_CONFIGS": "AlterConfigs", "IDEMPOTENT_WRITE": "IdempotentWrite", "ALL": "All",
}
RESOURCE_TYPES = {
    "TOPIC": "Topic", "GROUP": "Group", "CLUSTER": "Cluster", "TRANSACTIONAL_ID": "TransactionalId",
    "DELEGATION_TOKEN": "DelegationToken", "USER": "User",
}
PERMISSIONS = {"ALLOW": "Allow", "DENY": "Deny"}


def enum_name(zk_name: str, table: dict[str, str]) -> str:
    for enum, zk in table.items():
        if zk == zk_name:
            return enum
    return zk_name.upper()


@dataclass(frozen=True, order=True)
class Acl:
    resource_type: str  # ZooKeeper spelling, e.g. "Topic"
    name: str
    pattern_type: str  # LITERAL
    principal: str
    host: str
    operation: str  # ZooKeeper spelling, e.g. "Read"
    permission: str  # "Allow" / "Deny"

    def to_json(self) -> list[str]:
        return [self.resource_type, self.name, self.pattern_type, self.principal, self.host,
                self.operation, self.permission]

    @staticmethod
    def from_json(data: list[str]) -> Acl:
        return Acl(*data)

    def entry_text(self) -> str:
        return (f"(principal={self.principal}, host={self.host}, "
                f"operation={enum_name(self.operation, ACL_OPERATIONS)}, "
                f"permissionType={enum_name(self.permission, PERMISSIONS)})")

    def pattern_text(self) -> str:
        return (f"ResourcePattern(resourceType={enum_name(self.resource_type, RESOURCE_TYPES)}, "
                f"name={self.name}, patternType={self.pattern_type})")


@dataclass
class Topic:
    name: str
    topic_id: str
    partitions: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class Image:
    """Topics, topic configs and ACLs: the metadata a migration copies from ZooKeeper to KRaft."""

    topics: dict[str, Topic] = field(default_factory=dict)
    configs: dict[str, dict[str, str]] = field(default_factory=dict)
    acls: set[Acl] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {
            "topics": {
                t.name: {"topic_id": t.topic_id, "partitions": {str(p): r for p, r in t.partitions.items()}}
                for t in self.topics.values()
            },
            "configs": self.configs,
            "acls": [a.to_json() for a in sorted(self.acls)],
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Image:
        image = Image()
        for name, tdata in data.get("topics", {}).items():
            image.topics[name] = Topic(
                name, tdata["topic_id"], {int(p): list(r) for p, r in tdata["partitions"].items()}
            )
        image.configs = {k: dict(v) for k, v in data.get("configs", {}).items()}
        image.acls = {Acl.from_json(a) for a in data.get("acls", [])}
        return image


def assign_replicas(topic: str, partitions: int, replication_factor: int, brokers: list[int],
                    racks: Mapping[int, str | None] | None = None) -> dict[int, list[int]]:
    """Round robin like AdminUtils, with a start index derived from the topic name.

    When every broker carries a rack, the assignment is rack-aware as Kafka's is: brokers are taken
    in rack-alternating order and a partition's replicas go to distinct racks while racks are left.
    """
    ordered = sorted(brokers)
    if replication_factor > len(ordered):
        raise ValueError(
            f"Replication factor: {replication_factor} larger than available brokers: {len(ordered)}."
        )
    rack_of = {b: (racks or {}).get(b) for b in ordered}
    rack_aware = bool(ordered) and all(rack_of.values()) and len(set(rack_of.values())) > 1
    if rack_aware:
        by_rack: dict[str, list[int]] = {}
        for broker in ordered:
            by_rack.setdefault(str(rack_of[broker]), []).append(broker)
        names = sorted(by_rack)
        depth = max(len(members) for members in by_rack.values())
        ordered = [by_rack[r][i] for i in range(depth) for r in names if i < len(by_rack[r])]
    start = zlib.crc32(topic.encode("utf-8")) % len(ordered)
    shift = zlib.crc32(topic[::-1].encode("utf-8")) % max(len(ordered) - 1, 1)
    result: dict[int, list[int]] = {}
    for p in range(partitions):
        first = (start + p) % len(ordered)
        replicas = [ordered[first]]
        for j in range(replication_factor - 1):
            step = 1 + (shift + j) % max(len(ordered) - 1, 1)
            idx = (first + step) % len(ordered)
            if rack_aware:
                used = {rack_of[r] for r in replicas}
                spread = len(used) < len(set(rack_of.values()))
                while ordered[idx] in replicas or (spread and rack_of[ordered[idx]] in used):
                    idx = (idx + 1) % len(ordered)
            else:
                while ordered[idx] in replicas:
                    idx = (idx + 1) % len(ordered)
            replicas.append(ordered[idx])
        result[p] = replicas
    return result


@dataclass
class PartitionView:
    topic: str
    partition: int
    leader: int
    replicas: list[int]
    isr: list[int]

    @property
    def under_replicated(self) -> bool:
        return len(self.isr) < len(self.replicas)


def partition_views(image: Image, liveness: dict[int, bool]) -> list[PartitionView]:
    """Leader = first caught-up live replica (preferred leader first), ISR = caught-up live replicas.

    `liveness` maps each live broker id to whether it has caught up; brokers absent from it are down.
    """
    views: list[PartitionView] = []
    for name in sorted(image.topics):
        topic = image.topics[name]
        for p in sorted(topic.partitions):
            replicas = topic.partitions[p]
            isr = [r for r in replicas if liveness.get(r, False)]
            alive = [r for r in replicas if r in liveness]
            if isr:
                leader = isr[0]
            elif alive:
                leader = alive[0]
                isr = [leader]
            else:
                leader = -1
                isr = []
            views.append(PartitionView(name, p, leader, list(replicas), isr))
    return views


RECORD_TYPE_NAMES = {
    "Topic": "TOPIC_RECORD",
    "Partition": "PARTITION_RECORD",
    "Config": "CONFIG_RECORD",
    "Acl": "ACCESS_CONTROL_ENTRY_RECORD",
}


def image_to_records(image: Image) -> list[dict[str, Any]]:
    """The records a migration generates from a ZooKeeper image."""
    records: list[dict[str, Any]] = []
    for name in sorted(image.topics):
        topic = image.topics[name]
        records.append({"type": "Topic", "name": name, "topic_id": topic.topic_id})
        for p in sorted(topic.partitions):
            records.append({"type": "Partition", "topic": name, "partition": p, "replicas": topic.partitions[p]})
        for key, value in sorted(image.configs.get(name, {}).items()):
            records.append({"type": "Config", "resource_type": "topics", "name": name, "key": key, "value": value})
    for acl in sorted(image.acls):
        records.append({"type": "Acl", "acl": acl.to_json()})
    return records


def apply_record(image: Image, record: dict[str, Any]) -> None:
    kind = record.get("type")
    if kind == "Topic":
        image.topics[record["name"]] = Topic(record["name"], record["topic_id"])
    elif kind == "Partition":
        topic = image.topics.get(record["topic"])
        if topic is not None:
            topic.partitions[int(record["partition"])] = list(record["replicas"])
    elif kind == "RemoveTopic":
        image.topics.pop(record["name"], None)
        image.configs.pop(record["name"], None)
    elif kind == "Config":
        configs = image.configs.setdefault(record["name"], {})
        if record.get("value") is None:
            configs.pop(record["key"], None)
        else:
            configs[record["key"]] = record["value"]
    elif kind == "Acl":
        image.acls.add(Acl.from_json(record["acl"]))
    elif kind == "RemoveAcl":
        image.acls.discard(Acl.from_json(record["acl"]))
