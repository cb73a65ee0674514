# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Cluster metadata as the Kafka tools print it, in the same shape as the ZooKeeper snapshot.

Verification compares what ZooKeeper held before the migration with what the
KRaft cluster serves after: topics (ids, partitions, replica assignments), topic
configs and ACLs. Both sides go through ``normalize`` so spelling differences
(``Read`` in ZooKeeper, ``READ`` from the tool) do not count as differences.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TOPIC_HEADER = re.compile(r"^Topic:\s*(?P<name>\S+)\s+TopicId:\s*(?P<id>\S+)")
_PARTITION = re.compile(r"^\s+Topic:\s*(?P<name>\S+)\s+Partition:\s*(?P<p>\d+)\s+Leader:.*?Replicas:\s*(?P<r>[\d,]*)")
_CONFIG_HEADER = re.compile(r"^Dynamic configs for topic (?P<name>\S+) are:")
_CONFIG_LINE = re.compile(r"^\s+(?P<key>[^=\s]+)=(?P<value>.*?) sensitive=(?P<sensitive>true|false)")
_ACL_HEADER = re.compile(
    r"resourceType=(?P<type>\w+), name=(?P<name>.+?), patternType=(?P<pattern>\w+)\)")
_ACL_ENTRY = re.compile(
    r"\(principal=(?P<principal>[^,]+), host=(?P<host>[^,]+), operation=(?P<op>\w+), permissionType=(?P<perm>\w+)\)")


def parse_topics_describe(text: str) -> dict[str, dict[str, Any]]:
    """``kafka-topics.sh --describe`` -> {topic: {topic_id, partitions: {"0": [1, 2, 3]}}}."""
    topics: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        header = _TOPIC_HEADER.match(line)
        if header:
            topics.setdefault(header.group("name"), {"topic_id": header.group("id"), "partitions": {}})
            continue
        part = _PARTITION.match(line)
        if part:
            entry = topics.setdefault(part.group("name"), {"topic_id": None, "partitions": {}})
            entry["partitions"][part.group("p")] = [int(r) for r in part.group("r").split(",") if r]
    return topics


def parse_topic_configs(text: str) -> dict[str, dict[str, str]]:
    """``kafka-configs.sh --entity-type topics --describe`` -> {"topics/<name>": {key: value}}."""
    configs: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        header = _CONFIG_HEADER.match(line)
        if header:
            current = "topics/{}".format(header.group("name"))
            configs[current] = {}
            continue
        entry = _CONFIG_LINE.match(line)
        if entry and current is not None:
            configs[current][entry.group("key")] = entry.group("value")
    return {k: v for k, v in configs.items() if v}


def parse_acls(text: str) -> dict[str, list[dict[str, str]]]:
    """``kafka-acls.sh --list`` -> {"LITERAL:Topic:orders": [{principal, host, operation, permissionType}]}."""
    acls: dict[str, list[dict[str, str]]] = {}
    key = None
    for line in text.splitlines():
        header = _ACL_HEADER.search(line)
        if header and "Current ACLs for resource" in line:
            key = "{}:{}:{}".format(header.group("pattern"), header.group("type"), header.group("name"))
            acls[key] = []
            continue
        for entry in _ACL_ENTRY.finditer(line):
            if key is not None:
                acls[key].append({"principal": entry.group("principal"), "host": entry.group("host"),
                                  "operation": entry.group("op"), "permissionType": entry.group("perm")})
    return acls


def _canon(word: str) -> str:
    return word.replace("_", "").lower()


def normalize(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Topics, topic configs and ACLs in one canonical spelling, for comparison."""
    topics = {
        name: {"topic_id": t.get("topic_id"),
               "partitions": {str(p): list(r) for p, r in (t.get("partitions") or {}).items()}}
        for name, t in (snapshot.get("topics") or {}).items()
    }
    configs = {k: dict(v) for k, v in (snapshot.get("configs") or {}).items() if k.startswith("topics/") and v}
    acls: dict[str, list[dict[str, str]]] = {}
    for key, entries in (snapshot.get("acls") or {}).items():
        pattern, resource_type, name = key.split(":", 2)
        canon_entries = sorted(
            ({"principal": e.get("principal"), "host": e.get("host"),
              "operation": _canon(str(e.get("operation"))), "permissionType": _canon(str(e.get("permissionType")))}
             for e in entries),
            key=lambda e: (e["principal"], e["host"], e["operation"], e["permissionType"]))
        if canon_entries:
            acls[f"{_canon(pattern)}:{_canon(resource_type)}:{name}"] = canon_entries
    return {"topics": topics, "configs": configs, "acls": acls}
