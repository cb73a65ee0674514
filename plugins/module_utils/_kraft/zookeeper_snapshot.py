# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The metadata snapshot read from ZooKeeper (private helper; runs on the Ansible controller): topics,
entity configs (secrets only as fingerprints) and ACLs, what the migration must carry over unchanged,
and the differences between two snapshots.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_znodes import (
    TopicAssignment,
    child_names,
    get_znode,
    json_object,
    read_topics,
)

CONFIG_PATH = "/config"
# Literal ACLs live under /kafka-acl, prefixed ones under /kafka-acl-extended/prefixed.
ACL_ROOTS = (("LITERAL", "/kafka-acl"), ("PREFIXED", "/kafka-acl-extended/prefixed"))

# SCRAM credentials are stored hashed under /config/users; keep only a fingerprint.
_SECRET_CONFIG_KEY = re.compile(r"^SCRAM-|password|secret", re.IGNORECASE)


def _fingerprint(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def _read_configs(client: Any, base: str, prefix: str, depth: int, into: dict[str, dict[str, str]]) -> None:
    for child in child_names(client, base):
        path = f"{base}/{child}"
        key = f"{prefix}/{child}" if prefix else child
        got = get_znode(client, path)
        if got is not None and got[0]:
            obj = json_object(path, got[0])
            config = obj.get("config")
            if isinstance(config, dict):
                into[key] = {
                    str(k): (_fingerprint(str(v)) if _SECRET_CONFIG_KEY.search(str(k)) else str(v))
                    for k, v in sorted(config.items())
                }
        # user/client quota entities nest (/config/users/<u>/clients/<c>).
        if depth > 1:
            _read_configs(client, path, key, depth - 1, into)


def _read_acls(client: Any) -> dict[str, list[dict[str, Any]]]:
    acls: dict[str, list[dict[str, Any]]] = {}
    for pattern, root in ACL_ROOTS:
        for resource_type in child_names(client, root):
            type_path = f"{root}/{resource_type}"
            for name in child_names(client, type_path):
                path = f"{type_path}/{name}"
                got = get_znode(client, path)
                if got is None or not got[0]:
                    continue
                entries = json_object(path, got[0]).get("acls") or []
                acls[f"{pattern}:{resource_type}:{name}"] = sorted(
                    (dict(e) for e in entries), key=lambda e: json.dumps(e, sort_keys=True)
                )
    return acls


@dataclass(frozen=True)
class MetadataSnapshot:
    """Topics, entity configs and ACLs: what the migration must carry over unchanged."""

    topics: Mapping[str, TopicAssignment]
    configs: Mapping[str, Mapping[str, str]]
    acls: Mapping[str, list[dict[str, Any]]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "topics": {k: v.as_dict() for k, v in sorted(self.topics.items())},
            "configs": {k: dict(v) for k, v in sorted(self.configs.items())},
            "acls": {k: list(v) for k, v in sorted(self.acls.items())},
        }


def read_metadata_snapshot(client: Any) -> MetadataSnapshot:
    configs: dict[str, dict[str, str]] = {}
    for entity_type in child_names(client, CONFIG_PATH):
        if entity_type == "changes":  # change notifications, not state
            continue
        _read_configs(client, f"{CONFIG_PATH}/{entity_type}", entity_type, 3, configs)
    return MetadataSnapshot(read_topics(client), configs, _read_acls(client))


def diff_snapshots(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Human-readable differences between two ``MetadataSnapshot.as_dict()`` results."""
    differences: list[str] = []
    for section in ("topics", "configs", "acls"):
        old = before.get(section) or {}
        new = after.get(section) or {}
        for key in sorted(set(old) | set(new)):
            if key not in new:
                differences.append(f"{section} {key}: removed")
            elif key not in old:
                differences.append(f"{section} {key}: added")
            elif old[key] != new[key]:
                differences.append(
                    f"{section} {key}: {json.dumps(old[key], sort_keys=True)} -> {json.dumps(new[key], sort_keys=True)}"
                )
    return differences
