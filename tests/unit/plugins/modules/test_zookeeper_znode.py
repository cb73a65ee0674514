# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.modules import zookeeper_znode
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_zookeeper_znodes import (
    FakeZk,
    cluster,
    kraft_controller,
    migration_json,
)
from ansible_collections.zk2kraft.migration.tests.unit.plugins.modules.test_zookeeper_facts import run

BASE = {"zookeeper_connect": "127.0.1.2:2181"}


def kraft_owned() -> FakeZk:
    fake = cluster(**{"/migration": migration_json(42)})
    fake.put("/controller", kraft_controller(3000, 5), version=2)
    return fake


def znode(args: dict[str, Any], fake: FakeZk, monkeypatch: Any, capsys: Any) -> dict[str, Any]:
    return run(zookeeper_znode, dict(BASE, **args), fake, monkeypatch, capsys)


def test_check_mode_reports_without_deleting(monkeypatch: Any, capsys: Any) -> None:
    fake = kraft_owned()
    out = znode({"path": "/controller", "_ansible_check_mode": True, "_ansible_diff": True}, fake, monkeypatch, capsys)
    assert out["changed"] and out["deleted"] and out["existed"]
    assert out["old"]["brokerid"] == 3000 and '"kraftControllerEpoch": 5' in out["old_value"]
    assert out["diff"]["after"] == "" and "3000" in out["diff"]["before"]
    assert "/controller" in fake.nodes and fake.deleted == []


def test_delete_then_idempotent(monkeypatch: Any, capsys: Any) -> None:
    fake = kraft_owned()
    first = znode({"path": "/controller"}, fake, monkeypatch, capsys)
    assert first["changed"] and fake.deleted == [("/controller", 2)]
    second = znode({"path": "/controller"}, fake, monkeypatch, capsys)
    assert not second["changed"] and not second["existed"] and second["old"] is None


def test_migration_znode_is_deleted(monkeypatch: Any, capsys: Any) -> None:
    fake = kraft_owned()
    out = znode({"path": "/migration"}, fake, monkeypatch, capsys)
    assert out["changed"] and out["old"]["kraft_metadata_offset"] == 42 and "/migration" not in fake.nodes


def test_zk_broker_controller_is_left_alone_by_default(monkeypatch: Any, capsys: Any) -> None:
    fake = cluster()
    out = znode({"path": "/controller", "kraft_controller_ids": [3000]}, fake, monkeypatch, capsys)
    assert not out["changed"] and "failed" not in out and "not KRaft-owned" in out["reason"]
    assert "/controller" in fake.nodes


def test_zk_broker_controller_is_refused_without_force(monkeypatch: Any, capsys: Any) -> None:
    fake = cluster()
    out = znode({"path": "/controller", "only_if": "always"}, fake, monkeypatch, capsys)
    assert out["failed"] and "refusing" in out["msg"] and "/controller" in fake.nodes


def test_zk_broker_controller_deleted_when_forced(monkeypatch: Any, capsys: Any) -> None:
    fake = cluster()
    out = znode({"path": "/controller", "only_if": "always", "force": True}, fake, monkeypatch, capsys)
    assert out["changed"] and "/controller" not in fake.nodes


def test_other_paths_are_rejected(monkeypatch: Any, capsys: Any) -> None:
    out = znode({"path": "/brokers/ids/1"}, cluster(), monkeypatch, capsys)
    assert out["failed"] and "value of path must be one of" in out["msg"]


def test_concurrent_rewrite_fails_instead_of_deleting(monkeypatch: Any, capsys: Any) -> None:
    fake = kraft_owned()
    real_delete = fake.delete

    def racing_delete(path: str, version: int = -1) -> None:
        fake.put(path, kraft_controller(3001, 6), version=3)  # a new controller took over meanwhile
        real_delete(path, version)

    monkeypatch.setattr(fake, "delete", racing_delete)
    out = znode({"path": "/controller"}, fake, monkeypatch, capsys)
    assert out["failed"] and "changed after it was read" in out["msg"] and "/controller" in fake.nodes


@pytest.mark.parametrize("secret", ["zookeeper_password", "zookeeper_tls_keyfile_password"])
def test_secrets_are_no_log(secret: str) -> None:
    from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_session import ZK_ARGUMENT_SPEC

    assert ZK_ARGUMENT_SPEC[secret]["no_log"] is True
