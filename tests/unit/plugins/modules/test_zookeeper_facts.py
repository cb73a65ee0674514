# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.modules import zookeeper_facts
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_zookeeper_znodes import (
    CLUSTER_ID,
    FakeZk,
    cluster,
    kraft_controller,
    migration_json,
)


def run(module: Any, args: dict[str, Any], fake: FakeZk, monkeypatch: Any, capsys: Any) -> dict[str, Any]:
    seen = {}

    @contextlib.contextmanager
    def session(settings: Any) -> Iterator[FakeZk]:
        seen["settings"] = settings
        yield fake

    monkeypatch.setattr(module, "session", session)
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    result = json.loads(capsys.readouterr().out)
    result["_settings"] = seen.get("settings")
    return result


def test_facts_of_a_zookeeper_cluster(monkeypatch: Any, capsys: Any) -> None:
    result = run(zookeeper_facts, {"zookeeper_connect": "127.0.1.2:2181/kafka"}, cluster(), monkeypatch, capsys)
    assert result["changed"] is False and "failed" not in result
    assert result["cluster_id"] == CLUSTER_ID
    assert result["broker_ids"] == [1, 2, 3] and result["assignment_broker_ids"] == [1, 2, 3, 4]
    assert result["dead_assignment_broker_ids"] == [4]
    assert result["controller"]["brokerid"] == 1 and result["controller"]["is_zk_broker"] is True
    assert result["controller_epoch"] == 7 and result["migration"] is None
    assert "metadata" not in result
    assert result["_settings"].connect.chroot == "/kafka"


def test_facts_during_migration_with_metadata_and_tls_sasl(monkeypatch: Any, capsys: Any) -> None:
    fake = cluster(**{"/migration": migration_json(42)})
    fake.put("/controller", kraft_controller(3000, 5))
    fake.put("/config/topics/orders", {"version": 1, "config": {"retention.ms": "1000"}})
    args = {"zookeeper_connect": "127.0.1.2:2182", "zookeeper_tls": True, "zookeeper_tls_ca": "/ca.pem",
            "zookeeper_auth": "sasl_digest", "zookeeper_username": "kafka", "zookeeper_password": "s3cret-pw",
            "gather_metadata": True, "_ansible_check_mode": True}
    out = run(zookeeper_facts, args, fake, monkeypatch, capsys)
    assert out["controller"]["ephemeral"] is False and out["controller"]["kraft_controller_epoch"] == 5
    assert out["migration"]["initial_copy_done"] is True
    assert out["metadata"]["configs"]["topics/orders"] == {"retention.ms": "1000"}
    settings = out["_settings"]
    assert settings.tls.enabled and settings.tls.ca == "/ca.pem" and settings.auth.mechanism == "sasl_digest"
    assert "s3cret-pw" not in json.dumps({k: v for k, v in out.items() if k != "_settings"})


def test_facts_connection_failure_names_the_ensemble(monkeypatch: Any, capsys: Any) -> None:
    from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ZkConnectError

    class FailingSession:
        """A session whose opening fails, as `with session(settings)` sees it."""

        def __init__(self, settings: Any) -> None:
            self.settings = settings

        def __enter__(self) -> None:
            raise ZkConnectError("cannot open a ZooKeeper session")

        def __exit__(self, *exc_info: Any) -> None:
            return None

    monkeypatch.setattr(zookeeper_facts, "session", FailingSession)
    with patch_module_args({"zookeeper_connect": "127.0.1.2:2181"}), pytest.raises(SystemExit):
        zookeeper_facts.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and "127.0.1.2:2181" in result["msg"]


def test_facts_bad_connect_string_fails(monkeypatch: Any, capsys: Any) -> None:
    result = run(zookeeper_facts, {"zookeeper_connect": "zk:notaport"}, FakeZk(), monkeypatch, capsys)
    assert result["failed"] and "invalid host" in result["msg"]
