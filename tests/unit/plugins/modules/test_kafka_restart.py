# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""kafka_restart: restart only what needs it, never before the guard passed, and say when the node stopped."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.modules import kafka_restart

# Stand-in for systemctl: records its arguments; `show -p MainPID` prints the pid in main.pid (0: not running).
SYSTEMCTL = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/../systemctl.calls"
if [ "$1" = show ]; then echo "MainPID=$(cat "$(dirname "$0")/../main.pid")"; fi
"""


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "systemctl"
    script.write_text(SYSTEMCTL)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    # This test's own process stands in for the broker's JVM: it started before the file below was written.
    (tmp_path / "main.pid").write_text(str(os.getpid()))
    (tmp_path / "data").mkdir()
    (tmp_path / "server.properties").write_text(f"broker.id=1\nlog.dirs={tmp_path / 'data'}\n")
    return tmp_path


def settled(host: Path) -> None:
    """The file is older than the process: nothing is pending."""
    old = time.time() - 10 * 24 * 3600
    os.utime(host / "server.properties", (old, old))


def systemctl_calls(host: Path) -> list[str]:
    path = host / "systemctl.calls"
    return [c for c in path.read_text().splitlines() if not c.startswith("show")] if path.exists() else []


def run(host: Path, capsys: Any, **args: Any) -> dict[str, Any]:
    # Target rollback_zookeeper without ZooKeeper, controllers or other brokers: the guard passes at once.
    base = {"path": str(host / "server.properties"), "node": "b1", "target": "rollback_zookeeper", "interval": 0.01}
    with patch_module_args(dict(base, **args)), pytest.raises(SystemExit):
        kafka_restart.main()
    return dict(json.loads(capsys.readouterr().out))


def test_a_node_running_its_current_config_is_left_alone(host: Path, capsys: Any) -> None:
    settled(host)
    mtime = (host / "server.properties").stat().st_mtime
    out = run(host, capsys)
    assert out["changed"] is False and out["restarted"] is False and out["stopped_at"] is None
    assert (host / "server.properties").stat().st_mtime == mtime
    assert systemctl_calls(host) == [] and "guard" not in out


def test_a_changed_config_restarts_after_the_guard(host: Path, capsys: Any) -> None:
    settled(host)
    before = time.time()
    out = run(host, capsys, config_changed=True, service="kafka-broker")
    assert out["changed"] and out["restarted"] and out["was_running"]
    assert systemctl_calls(host) == ["restart kafka-broker"]
    assert out["guard"]["observed"]["problems"] == [] and out["stopped_at"] >= before
    assert before <= out["cleared_at"] <= out["stopped_at"] and out["cleared_at"] == out["guard"]["cleared_at"]
    # The file the roll is restarting becomes its newest: what a re-run after an interruption looks for.
    assert (host / "server.properties").stat().st_mtime >= before


def test_a_process_older_than_its_file_is_restarted(host: Path, capsys: Any) -> None:
    out = run(host, capsys)   # the file was written after this process started: an interrupted run
    assert out["info"]["restart_pending"] and out["restarted"] and systemctl_calls(host) == ["restart kafka"]


def test_a_refusal_leaves_the_node_running(host: Path, capsys: Any) -> None:
    # Another broker that does not answer, and no grace: the guard refuses at once, naming it.
    brokers = [{"name": "b1", "node_id": 1, "bootstrap_server": "127.0.0.1:9"},
               {"name": "b2", "node_id": 2, "bootstrap_server": "127.0.0.1:9"}]
    out = run(host, capsys, config_changed=True, brokers=brokers, grace=0, timeout=5)
    assert out["failed"] and "not stopping b1: b2 is not running (broker 2 does not answer" in out["msg"]
    assert out.get("cleared_at") is None
    assert systemctl_calls(host) == []


def test_a_node_that_is_down_is_started_without_the_guard(host: Path, capsys: Any) -> None:
    (host / "main.pid").write_text("0")
    brokers = [{"name": "b2", "node_id": 2, "bootstrap_server": "127.0.0.1:9"}]   # would refuse
    out = run(host, capsys, brokers=brokers, grace=0)
    assert out["restarted"] and not out["was_running"] and "guard" not in out
    assert systemctl_calls(host) == ["start kafka"]


def test_the_stale_metadata_log_is_removed_between_stop_and_start(host: Path, capsys: Any) -> None:
    stale = host / "data" / "__cluster_metadata-0"
    stale.mkdir()
    (stale / "00000000000000000000.log").write_text("x")
    out = run(host, capsys, remove_metadata_log=True)
    assert systemctl_calls(host) == ["stop kafka", "start kafka"]
    assert out["removed"] == str(stale) and not stale.exists()


def test_check_mode_restarts_nothing(host: Path, capsys: Any) -> None:
    out = run(host, capsys, config_changed=True, _ansible_check_mode=True)
    assert out["changed"] and out["restarted"] and out["stopped_at"] is None and systemctl_calls(host) == []


def test_a_due_restart_needs_zookeepers_list_read_on_the_controller(host: Path, capsys: Any) -> None:
    # ZooKeeper with client settings only the controller has: no restart without its read passed in.
    zookeeper = {"target": "migration", "zookeeper_connect": "127.0.0.1:9", "zookeeper_on_controller": True}
    out = run(host, capsys, config_changed=True, **zookeeper)
    assert out["failed"] and "zookeeper_broker_ids" in out["msg"] and not out["restarted"] and "guard" not in out
    assert systemctl_calls(host) == []
    out = run(host, capsys, config_changed=True, zookeeper_broker_ids=[1], **zookeeper)
    assert out["restarted"] and out["guard"]["observed"]["problems"] == []
    assert systemctl_calls(host) == ["restart kafka"]


def test_a_failed_zookeeper_read_on_the_controller_is_the_guards_refusal(host: Path, capsys: Any) -> None:
    out = run(host, capsys, config_changed=True, target="migration", zookeeper_connect="127.0.0.1:9",
              zookeeper_on_controller=True, zookeeper_error="connection refused", timeout=0.3, interval=0.1, grace=0)
    assert out["failed"] and "ZooKeeper" in out["msg"] and "connection refused" in out["msg"]
    assert systemctl_calls(host) == []


def test_no_restart_due_needs_no_zookeeper_read(host: Path, capsys: Any) -> None:
    settled(host)
    out = run(host, capsys, target="migration", zookeeper_connect="127.0.0.1:9", zookeeper_on_controller=True)
    assert "failed" not in out and not out["restarted"] and systemctl_calls(host) == []


class FakeWaits:
    """Stands in for the waits after the restart: records each condition, fails the one named in ``fail``."""

    def __init__(self, fail: str = "") -> None:
        self.fail = fail
        self.seen: list[tuple[str, int | None, float, str | None]] = []

    def __call__(self, access: Any, target: Any, condition: Any, timeout: float, interval: float) -> Any:
        self.seen.append((condition.name, condition.broker_id, timeout, target.zookeeper_connect))
        result = {"elapsed": 0.5, "attempts": 2, "observed": {"registered": condition.name != self.fail}}
        return result, (f"timed out waiting for {condition.name}" if condition.name == self.fail else None)


BROKERS = [{"name": "b1", "node_id": 7, "bootstrap_server": "127.0.0.1:9"}]


def test_wait_makes_the_phases_checks_after_the_restart_in_the_same_call(host: Path, capsys: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    waits = FakeWaits()
    monkeypatch.setattr(kafka_restart, "wait_condition", waits)
    monkeypatch.setattr(kafka_restart, "run_roll_guard", lambda module: ({"elapsed": 0.0}, None))
    out = run(host, capsys, config_changed=True, target="migration", brokers=BROKERS, zookeeper_connect="zk:2181/kafka",
              wait=True, wait_timeout=30)
    assert systemctl_calls(host) == ["restart kafka"]
    assert [w[0] for w in waits.seen] == ["broker_registered_zookeeper", "broker_registered_kraft", "under_replicated_zero"]
    assert {w[1:] for w in waits.seen} == {(7, 30.0, "zk:2181/kafka")}   # the node's id from brokers
    assert out["healthy_at"] >= out["stopped_at"] and not out["zookeeper_wait_wanted"]
    assert out["waits"]["broker_registered_kraft"]["elapsed"] == 0.5


def test_wait_leaves_zookeeper_to_the_controller_when_it_holds_the_client_settings(
        host: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = FakeWaits()
    monkeypatch.setattr(kafka_restart, "wait_condition", waits)
    settled(host)
    out = run(host, capsys, target="rollback_hybrid", brokers=BROKERS, zookeeper_connect="zk:2181",
              zookeeper_on_controller=True, wait=True)
    # Nothing to restart: the waits still confirm the broker's health, which a re-run relies on.
    assert not out["restarted"] and systemctl_calls(host) == []
    assert [w[0] for w in waits.seen] == ["broker_registered_kraft", "under_replicated_zero"]
    assert out["zookeeper_wait_wanted"] and "healthy_at" in out


def test_a_handover_ends_the_call_at_the_registration(host: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = FakeWaits()
    monkeypatch.setattr(kafka_restart, "wait_condition", waits)
    monkeypatch.setattr(kafka_restart, "run_roll_guard", lambda module: ({"elapsed": 0.1, "cleared_at": 12.5}, None))
    out = run(host, capsys, config_changed=True, target="dual_write", brokers=BROKERS, wait=True, handover=True)
    # The replicas' catch-up is the next stop's guard's to wait for.
    assert [w[0] for w in waits.seen] == ["broker_registered_kraft"]
    assert out["restarted"] and out["handed_over"] and out["healthy_at"] is None
    assert out["registered_at"] >= out["stopped_at"]
    assert out["cleared_at"] == 12.5   # the guard's passing observation: the broker before this one was healthy


def test_a_handover_without_a_restart_still_waits_for_the_replicas(host: Path, capsys: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    waits = FakeWaits()
    monkeypatch.setattr(kafka_restart, "wait_condition", waits)
    settled(host)
    out = run(host, capsys, target="dual_write", brokers=BROKERS, wait=True, handover=True)
    assert not out["restarted"] and not out["handed_over"]
    assert [w[0] for w in waits.seen] == ["broker_registered_kraft", "under_replicated_zero"]
    assert out["healthy_at"] is not None and out["cleared_at"] == out["healthy_at"]


def test_a_failed_wait_fails_the_module_with_what_it_saw(host: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = FakeWaits(fail="broker_registered_kraft")
    monkeypatch.setattr(kafka_restart, "wait_condition", waits)
    monkeypatch.setattr(kafka_restart, "run_roll_guard", lambda module: ({"elapsed": 0.0}, None))
    out = run(host, capsys, config_changed=True, target="dual_write", broker_id=3, wait=True)
    assert out["failed"] and out["msg"] == "timed out waiting for broker_registered_kraft"
    assert out["restarted"] and "healthy_at" not in out
    assert [w[0] for w in waits.seen] == ["broker_registered_kraft"]   # the next wait is not started


@pytest.mark.parametrize("args,message", [
    ({"target": "controllers", "broker_id": 1}, "wait: the waits after a restart are for a broker's roll"),
    ({"target": "dual_write"}, "wait: give broker_id, or list b1 with its node_id in brokers"),
])
def test_wait_usage_errors(host: Path, capsys: Any, args: dict[str, Any], message: str) -> None:
    settled(host)
    out = run(host, capsys, wait=True, **args)
    assert out["failed"] and out["msg"].startswith(message)


def test_check_mode_waits_for_nothing(host: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafka_restart, "wait_condition", lambda *a: pytest.fail("no wait in check mode"))
    out = run(host, capsys, config_changed=True, target="dual_write", broker_id=1, wait=True, _ansible_check_mode=True)
    assert out["restarted"] and "waits" not in out and systemctl_calls(host) == []


def test_a_batch_whose_guard_already_passed_restarts_without_its_own(host: Path, capsys: Any) -> None:
    # Another broker that does not answer: the node's own guard would refuse (see above). With guard=false the
    # play ran the guard on every broker of the batch before any stop, so this call only restarts.
    brokers = [{"name": "b1", "node_id": 1, "bootstrap_server": "127.0.0.1:9"},
               {"name": "b2", "node_id": 2, "bootstrap_server": "127.0.0.1:9"}]
    out = run(host, capsys, config_changed=True, brokers=brokers, grace=0, timeout=5, guard=False)
    assert out["restarted"] and "guard" not in out and systemctl_calls(host) == ["restart kafka"]
