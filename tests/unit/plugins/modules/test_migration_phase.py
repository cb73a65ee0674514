# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The migration_phase module through main(): forward detection, ambiguity, rollback plans and refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.modules import migration_phase

CONTROLLERS = {"c1": "controller_migrating", "c2": "controller_migrating", "c3": "controller_migrating"}


def _run(args: dict[str, Any], capsys: Any) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        migration_phase.main()
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_a_half_rolled_migration_is_detected_as_under_way(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run({"brokers": {"b1": "zk_migrating", "b2": "zk"}, "controllers": CONTROLLERS}, capsys)
    assert not out.get("failed")
    assert (out["phase"], out["in_progress"], out["changed"]) == ("controllers", "migration", False)


def test_disagreeing_hosts_fail_with_their_states(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run({"brokers": {"b1": "kraft_broker"}, "controllers": {"c1": "absent"}}, capsys)
    assert out["failed"] and "b1" in out["msg"] and "no controller is provisioned" in out["msg"]


def test_the_rollback_plan_is_returned(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run({"brokers": {"b1": "kraft_broker", "b2": "zk_migrating"}, "controllers": CONTROLLERS,
                "purpose": "rollback"}, capsys)
    assert not out.get("failed")
    assert out["rollback"] == {"from_phase": "dual_write", "hybrid_roll": ["b1"], "deprovision": ["c1", "c2", "c3"],
                               "final_roll": ["b1", "b2"], "nothing_to_do": False, "resume_host": None,
                               "resume_target": None, "resume_removes_metadata_log": False}


def test_a_rollback_killed_in_roll_2_resumes_its_broker_and_refuses_another_stopped_one(capsys):
    brokers = {"b1": "zk", "b2": "zk", "b3": "zk_migrating"}
    nodes = {"b1": {"running": False, "config_mtime": 9.0}, "b2": {"running": False, "config_mtime": 8.0},
             "b3": {"running": True, "config_mtime": 5.0}}
    absent = {"c1": "absent", "c2": "absent", "c3": "absent"}
    args = {"brokers": brokers, "controllers": absent, "purpose": "rollback", "broker_nodes": nodes,
            "cluster_spec": {"kafka_version": "3.6.2"}}
    out = _run(args, capsys)
    assert out["failed"] and out["msg"].startswith("Rollback refused: b2 is not running")
    assert out["resume_host"] == "b1" and "rolling b1" in out["msg"]
    nodes["b2"]["running"] = True
    out = _run(args, capsys)
    assert not out.get("failed")
    assert (out["rollback"]["resume_host"], out["rollback"]["resume_target"]) == ("b1", "rollback_zookeeper")
    assert out["rollback"]["resume_removes_metadata_log"] is True   # 3.6.2 keeps the stale KRaft log


def test_a_rollback_after_finalization_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run({"brokers": {"b1": "kraft_broker"}, "controllers": {"c1": "controller_kraft"},
                "purpose": "rollback"}, capsys)
    assert out["failed"] and out["msg"].startswith("Rollback refused: the migration was finalized")


def test_a_forward_run_is_planned_from_the_detection_and_the_run_options(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run({"brokers": {"b1": "zk_migrating", "b2": "zk"}, "controllers": CONTROLLERS,
                "run_options": {"stop_after": "migration", "finalize": "false"}}, capsys)
    plan = out["forward"]
    assert plan["run_steps"] == ["controllers", "migration"]
    assert plan["steps"]["migration"]["batches"] == [["b1"], ["b2"]]
    assert plan["steps"]["migration"]["wait_after"] == "MIGRATION"
    assert plan["steps"]["dual_write"]["hosts"] == [] and plan["phase_after"] == "migration"
    assert plan["detected"]["brokers_untouched"] is False and plan["detected"]["fresh_start"] is False


def test_a_pending_broker_keeps_its_roll_under_way_in_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    nodes = {"b1": {"running": True, "config_mtime": 1.0}, "b2": {"running": False, "config_mtime": 2.0}}
    out = _run({"brokers": {"b1": "zk_migrating", "b2": "zk_migrating"}, "controllers": CONTROLLERS,
                "broker_nodes": nodes}, capsys)
    assert (out["forward"]["detected"]["phase"], out["forward"]["detected"]["in_progress"]) == ("controllers", "migration")
    assert out["resume_host"] == "b2" and out["forward"]["steps"]["migration"]["hosts"] == ["b2", "b1"]  # the down one first


def test_a_finalization_whose_soak_cannot_pass_is_refused_before_any_change(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run({"brokers": {"b1": "zk"}, "controllers": CONTROLLERS,
                "run_options": {"finalize": True, "finalize_min_soak_seconds": 600}}, capsys)
    assert out["failed"] and out["msg"].startswith("Refusing to start: Finalization refused: ")
    assert "600 s cannot have elapsed" in out["msg"]


def test_contradicting_run_options_are_refused_with_the_allowed_values(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run({"brokers": {"b1": "zk"}, "controllers": CONTROLLERS, "run_options": {"stop_after": "bogus"}}, capsys)
    assert out["failed"] and "stop_after 'bogus' is not one of controllers, migration, dual_write" in out["msg"]


def test_the_finalize_guard_refuses_a_short_soak_and_orders_the_active_controller_last(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migration_phase.time, "time", lambda: 1000.0)
    brokers = {"b1": "kraft_broker", "b2": "kraft_broker"}
    nodes = {"b1": {"config_mtime": 900.0}, "b2": {"config_mtime": 950.0}}
    out = _run({"purpose": "finalize", "brokers": brokers, "controllers": CONTROLLERS, "broker_nodes": nodes,
                "run_options": {"finalize_min_soak_seconds": 60}, "active_controller": "c1"}, capsys)
    assert out["failed"] and out["msg"] == ("Finalization refused: the last broker moved to KRaft 50 s ago; "
                                            "the minimum soak time is 60 s.")
    out = _run({"purpose": "finalize", "brokers": brokers, "controllers": CONTROLLERS, "broker_nodes": nodes,
                "run_options": {"finalize_min_soak_seconds": 50}, "active_controller": "c1"}, capsys)
    assert not out.get("failed") and out["finalize"]["allowed"] is None
    assert out["finalize"]["controller_order"] == ["c2", "c3", "c1"]


def test_the_finalize_guard_names_brokers_not_on_kraft(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run({"purpose": "finalize", "brokers": {"b1": "kraft_broker", "b2": "zk_migrating"},
                "controllers": CONTROLLERS}, capsys)
    assert out["failed"] and "broker(s) b2 do not run as KRaft brokers yet" in out["msg"]


RACK_SPEC = {"brokers": [{"name": f"b{i}", "node_id": i, "rack": f"r{(i - 1) % 3 + 1}", "min_insync_replicas": "2"}
                         for i in range(1, 7)]}
RACK_STATES = {f"b{i}": "zk" for i in range(1, 7)}


def _zk(partitions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"partition_states": partitions, "metadata": {"configs": {}}}


def test_a_rack_roll_is_planned_one_rack_at_a_time_when_the_layout_is_safe(capsys: pytest.CaptureFixture[str]) -> None:
    parts = [{"topic": "t", "partition": 0, "replicas": [1, 2, 3], "isr": [1, 2, 3]},
             {"topic": "t", "partition": 1, "replicas": [4, 5, 6], "isr": [4, 5, 6]}]
    out = _run({"brokers": RACK_STATES, "controllers": CONTROLLERS, "run_options": {"roll_strategy": "rack"},
                "cluster_spec": RACK_SPEC, "zookeeper": _zk(parts)}, capsys)
    assert not out.get("failed"), out.get("msg")
    assert out["forward"]["steps"]["migration"]["batches"] == [["b1", "b4"], ["b2", "b5"], ["b3", "b6"]]


def test_a_rack_roll_that_would_take_partitions_offline_is_refused_naming_them(capsys: pytest.CaptureFixture[str]) -> None:
    parts = [{"topic": "t", "partition": 0, "replicas": [1, 2, 3], "isr": [1, 2, 3]},
             {"topic": "pairs", "partition": 3, "replicas": [1, 4], "isr": [1, 4]}]
    out = _run({"brokers": RACK_STATES, "controllers": CONTROLLERS, "run_options": {"roll_strategy": "rack"},
                "cluster_spec": RACK_SPEC, "zookeeper": _zk(parts)}, capsys)
    assert out["failed"] and out["msg"].startswith("Refusing to start: parallel roll refused: ")
    assert "rolling b1, b4 together: would go offline: pairs-3" in out["msg"]
