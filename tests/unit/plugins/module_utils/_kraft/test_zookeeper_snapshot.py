# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

import json

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_snapshot import diff_snapshots, read_metadata_snapshot
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_zookeeper_znodes import FakeZk, cluster

# ------------------------------------------------------------------ metadata snapshot


def metadata_cluster() -> FakeZk:
    fake = cluster()
    fake.put("/config/topics/orders", {"version": 1, "config": {"retention.ms": "1000", "cleanup.policy": "compact"}})
    fake.put("/config/topics/audit", {"version": 1, "config": {}})
    fake.put("/config/brokers/<default>", {"version": 1, "config": {"log.cleaner.threads": "2"}})
    fake.put("/config/users/alice", {"version": 1, "config": {"SCRAM-SHA-512": "salt=abc,stored_key=def"}})
    fake.put("/config/users/alice/clients/app", {"version": 1, "config": {"producer_byte_rate": "1024"}})
    fake.put("/config/changes/config_change_0000000001", {"version": 2, "entity_path": "topics/orders"})
    fake.put("/kafka-acl/Topic/orders", {"version": 1, "acls": [
        {"principal": "User:bob", "permissionType": "Allow", "operation": "Write", "host": "*"},
        {"principal": "User:alice", "permissionType": "Allow", "operation": "Read", "host": "*"}]})
    fake.put("/kafka-acl-extended/prefixed/Group/app-", {"version": 1, "acls": [
        {"principal": "User:alice", "permissionType": "Allow", "operation": "Read", "host": "*"}]})
    return fake


def test_metadata_snapshot() -> None:
    snap = read_metadata_snapshot(metadata_cluster()).as_dict()
    assert snap["topics"]["orders"] == {"topic_id": "AAAAAAAAAAAAAAAAAAAAAA", "partitions": {"0": [1, 2, 3], "1": [2, 3, 4]}}
    assert snap["configs"]["topics/orders"] == {"cleanup.policy": "compact", "retention.ms": "1000"}
    assert snap["configs"]["topics/audit"] == {}
    assert snap["configs"]["brokers/<default>"] == {"log.cleaner.threads": "2"}
    assert snap["configs"]["users/alice/clients/app"] == {"producer_byte_rate": "1024"}
    # SCRAM credentials are fingerprinted, never returned.
    scram = snap["configs"]["users/alice"]["SCRAM-SHA-512"]
    assert scram.startswith("sha256:") and "stored_key" not in scram
    assert not any(k.startswith("changes") for k in snap["configs"])
    assert [a["principal"] for a in snap["acls"]["LITERAL:Topic:orders"]] == ["User:alice", "User:bob"]
    assert "PREFIXED:Group:app-" in snap["acls"]
    json.dumps(snap)


def test_diff_snapshots_reports_every_kind_of_change() -> None:
    before_zk = metadata_cluster()
    after_zk = metadata_cluster()
    after_zk.put("/config/topics/orders", {"version": 1, "config": {"retention.ms": "2000", "cleanup.policy": "compact"}})
    del after_zk.nodes["/kafka-acl-extended/prefixed/Group/app-"]
    after_zk.put("/brokers/topics/new", {"version": 3, "partitions": {"0": [1]}})
    before = read_metadata_snapshot(before_zk).as_dict()
    after = read_metadata_snapshot(after_zk).as_dict()
    assert diff_snapshots(before, before) == []
    diff = diff_snapshots(before, after)
    assert "topics new: added" in diff
    assert "acls PREFIXED:Group:app-: removed" in diff
    assert any(d.startswith("configs topics/orders:") and '"2000"' in d for d in diff)
    assert len(diff) == 3
