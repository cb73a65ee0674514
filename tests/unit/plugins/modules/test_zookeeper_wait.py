# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

from typing import Any

from kazoo.exceptions import ConnectionLoss

from ansible_collections.zk2kraft.migration.plugins.modules import zookeeper_wait
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_zookeeper_znodes import (
    FakeZk,
    cluster,
    kraft_controller,
)
from ansible_collections.zk2kraft.migration.tests.unit.plugins.modules.test_zookeeper_facts import run

BASE = {"zookeeper_connect": "127.0.1.2:2181", "interval": 0.01}


def wait(args: dict[str, Any], fake: FakeZk, monkeypatch: Any, capsys: Any) -> dict[str, Any]:
    return run(zookeeper_wait, dict(BASE, **args), fake, monkeypatch, capsys)


def test_condition_already_true(monkeypatch: Any, capsys: Any) -> None:
    out = wait({"condition": "brokers_registered", "broker_ids": [1, 3]}, cluster(), monkeypatch, capsys)
    assert "failed" not in out and not out["changed"] and out["attempts"] == 1
    assert out["observed"] == {"broker_ids": [1, 2, 3]}


def test_condition_becomes_true_while_polling(monkeypatch: Any, capsys: Any) -> None:
    fake = cluster()
    reads = {"n": 0}
    real_get = fake.get

    def get(path: str) -> Any:
        reads["n"] += 1
        if reads["n"] == 3:  # the KRaft controller takes over on the third read
            fake.put("/controller", kraft_controller(3000, 1))
        return real_get(path)

    monkeypatch.setattr(fake, "get", get)
    out = wait({"condition": "controller_is_kraft", "kraft_controller_ids": [3000]}, fake, monkeypatch, capsys)
    assert "failed" not in out and out["attempts"] == 3 and out["observed"]["controller"]["brokerid"] == 3000


def test_connection_loss_is_retried(monkeypatch: Any, capsys: Any) -> None:
    fake = cluster()
    calls = {"n": 0}
    real_children = fake.get_children

    def get_children(path: str) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionLoss()
        return real_children(path)

    monkeypatch.setattr(fake, "get_children", get_children)
    out = wait({"condition": "zk_broker_count", "count": 3}, fake, monkeypatch, capsys)
    assert "failed" not in out and out["attempts"] == 2


def test_timeout_names_expectation_and_last_observation(monkeypatch: Any, capsys: Any) -> None:
    out = wait({"condition": "zk_broker_count", "count": 0, "timeout": 0.1}, cluster(), monkeypatch, capsys)
    assert out["failed"] and out["attempts"] >= 2
    assert "exactly 0 broker(s) registered under /brokers/ids" in out["msg"]
    assert '"broker_ids": [1, 2, 3]' in out["msg"]


def test_missing_condition_argument(monkeypatch: Any, capsys: Any) -> None:
    out = wait({"condition": "zk_broker_count"}, cluster(), monkeypatch, capsys)
    assert out["failed"] and "count" in out["msg"]
