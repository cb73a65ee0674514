# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Resuming a roll: brokers whose process does not run their file, and brokers left down."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import (
    detect_phase,
    judge_dead_brokers,
    judge_dead_controllers,
    judge_rollback_dead_brokers,
    pending_brokers,
    plan_rollback,
    removes_metadata_log,
)

C3 = {"c1": "controller_migrating", "c2": "controller_migrating", "c3": "controller_migrating"}


def node(running: bool = True, pending: bool = False, mtime: float = 100.0) -> dict[str, Any]:
    return {"running": running, "restart_pending": pending, "config_mtime": mtime, "config_exists": True}


def test_the_last_broker_written_but_not_restarted_keeps_the_migration_roll_under_way() -> None:
    files = {"b1": "zk_migrating", "b2": "zk_migrating", "b3": "zk_migrating"}
    nodes = {"b1": node(mtime=1), "b2": node(mtime=2), "b3": node(pending=True, mtime=3)}
    # Without the process state this reads as MIGRATION reached: the run would wait for the
    # controllers' MIGRATION state, which only b3's restart brings (the resume deadlock).
    assert detect_phase(files, C3).phase == "migration"
    detection = detect_phase(files, C3, pending=pending_brokers(nodes))
    assert (detection.phase, detection.in_progress) == ("controllers", "migration")
    assert detection.brokers == files   # the files' states are still what is reported


def test_a_kraft_file_on_a_broker_still_running_migration_mode_keeps_the_kraft_roll_under_way() -> None:
    files = {"b1": "kraft_broker", "b2": "kraft_broker", "b3": "kraft_broker"}
    detection = detect_phase(files, C3, pending=["b3"])
    assert (detection.phase, detection.in_progress) == ("migration", "dual_write")


def test_pending_brokers_are_the_stopped_and_the_restart_pending() -> None:
    nodes = {"b1": node(), "b2": node(running=False), "b3": node(pending=True)}
    assert pending_brokers(nodes) == ["b2", "b3"]


def test_the_broker_the_last_run_left_down_is_resumed() -> None:
    files = {"b1": "zk_migrating", "b2": "zk_migrating", "b3": "zk"}
    nodes = {"b1": node(mtime=1), "b2": node(running=False, mtime=2), "b3": node(mtime=0)}
    detection = detect_phase(files, C3, pending=pending_brokers(nodes))
    verdict = judge_dead_brokers(nodes, detection)
    assert verdict.resume == "b2" and verdict.refusal is None


@pytest.mark.parametrize("files,down,named", [
    pytest.param({"b1": "zk", "b2": "zk", "b3": "zk"}, ["b2"], "b2", id="before-any-roll"),
    # b1 was rolled first and is down; b2's file is newer: the last run was not rolling b1.
    pytest.param({"b1": "zk_migrating", "b2": "zk_migrating", "b3": "zk"}, ["b1"], "b1", id="older-rolled-broker"),
    pytest.param({"b1": "zk_migrating", "b2": "zk_migrating", "b3": "zk"}, ["b3"], "b3", id="not-yet-rolled"),
])
def test_any_other_stopped_broker_is_refused_by_name(files: dict[str, str], down: list, named: str) -> None:
    nodes = {h: node(running=h not in down, mtime=i) for i, h in enumerate(sorted(files))}
    nodes["b3"]["config_mtime"] = 0 if files["b3"] == "zk" else nodes["b3"]["config_mtime"]
    detection = detect_phase(files, C3, pending=pending_brokers(nodes))
    verdict = judge_dead_brokers(nodes, detection)
    assert verdict.refusal is not None and verdict.refusal.startswith(f"{named} is not running")
    assert verdict.resume is None


def test_two_stopped_brokers_resume_the_rolled_one_and_name_the_other() -> None:
    files = {"b1": "zk_migrating", "b2": "zk_migrating", "b3": "zk"}
    nodes = {"b1": node(mtime=1), "b2": node(running=False, mtime=2), "b3": node(running=False, mtime=0)}
    verdict = judge_dead_brokers(nodes, detect_phase(files, C3, pending=pending_brokers(nodes)))
    assert verdict.resume == "b2"
    assert verdict.refusal and "b3 is not running" in verdict.refusal and "rolling b2" in verdict.refusal


def test_all_running_needs_nothing() -> None:
    files = {"b1": "zk", "b2": "zk"}
    verdict = judge_dead_brokers({"b1": node(), "b2": node()}, detect_phase(files, C3))
    assert verdict.resume is None and verdict.refusal is None


K3 = {"c1": "controller_kraft", "c2": "controller_kraft", "c3": "controller_kraft"}
KB = {"b1": "kraft_broker", "b2": "kraft_broker", "b3": "kraft_broker"}


@pytest.mark.parametrize("brokers,controllers,migration_state,down", [
    pytest.param(KB, C3, "MIGRATION", "c2", id="dual-write"),
    pytest.param({"b1": "zk_migrating", "b2": "zk", "b3": "zk"}, C3, "PRE_MIGRATION", "c1", id="migration-roll"),
    # The finalization roll is under way (c1 restarted last, c3 newest file but running).
    pytest.param(KB, {"c1": "controller_kraft", "c2": "controller_migrating", "c3": "controller_migrating"},
                 "MIGRATION", "c2", id="finalization-not-its-roll"),
    pytest.param(KB, K3, "POST_MIGRATION", "c3", id="finalized"),
])
def test_a_stopped_voter_after_phase_1_is_refused_by_name(brokers: dict, controllers: dict,
                                                          migration_state: str, down: str) -> None:
    nodes = {h: node(running=h != down, mtime=i) for i, h in enumerate(sorted(controllers))}
    verdict = judge_dead_controllers(nodes, detect_phase(brokers, controllers, migration_state))
    assert verdict is not None and verdict.startswith(f"{down} is not running"), verdict
    assert "all voters up" in verdict


@pytest.mark.parametrize("brokers,controllers,down", [
    # Phase 1 killed after the files and before the start: the role starts them.
    pytest.param({"b1": "zk", "b2": "zk"}, C3, ["c1", "c2", "c3"], id="phase-1-not-started"),
    pytest.param({"b1": "zk", "b2": "zk"}, {"c1": "controller_migrating", "c2": "absent", "c3": "absent"}, ["c1"],
                 id="phase-1-partly-provisioned"),
    # The finalization roll's newest file: the last run was restarting it.
    pytest.param(KB, {"c1": "controller_kraft", "c2": "controller_migrating", "c3": "controller_migrating"}, ["c1"],
                 id="finalization-its-roll"),
])
def test_a_stopped_controller_the_run_itself_starts_is_not_refused(brokers: dict, controllers: dict,
                                                                   down: list) -> None:
    nodes = {h: node(running=h not in down, mtime=i) for i, h in enumerate(sorted(controllers))}
    assert judge_dead_controllers(nodes, detect_phase(brokers, controllers, "MIGRATION")) is None


# Rollback: the stopped broker with the newest file, in the state the rollback roll under way writes, is
# the one the last rollback left down; it is started first. Any other stopped broker is refused, named.
GONE = {"c1": "absent", "c2": "absent", "c3": "absent"}


def rollback_verdict(files: dict[str, str], controllers: dict[str, str], nodes: dict[str, Any]) -> Any:
    return judge_rollback_dead_brokers(nodes, files, plan_rollback(files, controllers))


@pytest.mark.parametrize("files,controllers,target", [
    # Roll 1 wrote b2's hybrid file after b1's and was killed in b2's wait; b3 is still on KRaft.
    pytest.param({"b1": "zk_migrating", "b2": "zk_migrating", "b3": "kraft_broker"}, C3, "rollback_hybrid", id="roll-1"),
    # Roll 2 (controllers gone) wrote b2's plain file; b3 still carries the flag.
    pytest.param({"b1": "zk", "b2": "zk", "b3": "zk_migrating"}, GONE, "rollback_zookeeper", id="roll-2"),
])
def test_the_broker_the_last_rollback_left_down_is_resumed(files: dict[str, str], controllers: dict[str, str],
                                                           target: str) -> None:
    nodes = {"b1": node(mtime=20), "b2": node(running=False, mtime=30), "b3": node(mtime=10)}
    verdict = rollback_verdict(files, controllers, nodes)
    assert (verdict.resume, verdict.resume_target, verdict.refusal) == ("b2", target, None)


@pytest.mark.parametrize("files,controllers,down,mtimes", [
    # b1 was rolled back before b2 (older file): the last rollback was not rolling it.
    pytest.param({"b1": "zk_migrating", "b2": "zk_migrating", "b3": "kraft_broker"}, C3, "b1", (20, 30, 10),
                 id="older-rolled-broker"),
    # b3 was not rolled back yet: its KRaft file is not one a rollback writes.
    pytest.param({"b1": "zk_migrating", "b2": "zk_migrating", "b3": "kraft_broker"}, C3, "b3", (20, 30, 40),
                 id="not-yet-rolled"),
    # A file with the flag while the controllers are gone is no roll's: started, it would wait for a quorum.
    pytest.param({"b1": "zk", "b2": "zk", "b3": "zk_migrating"}, GONE, "b3", (20, 30, 40), id="flag-without-quorum"),
    # A plain file while the controllers are still there is no rollback roll's (roll 2 comes after them).
    pytest.param({"b1": "zk", "b2": "zk", "b3": "zk"}, C3, "b3", (20, 30, 40), id="plain-before-deprovision"),
    # Nothing left to roll back: a stopped broker is not the rollback's to start.
    pytest.param({"b1": "zk", "b2": "zk", "b3": "zk"}, GONE, "b3", (20, 30, 40), id="nothing-to-do"),
])
def test_any_other_stopped_broker_is_refused_by_name_in_a_rollback(files: dict[str, str], controllers: dict[str, str],
                                                                   down: str, mtimes: tuple) -> None:
    nodes = {h: node(running=h != down, mtime=t) for h, t in zip(sorted(files), mtimes)}
    verdict = rollback_verdict(files, controllers, nodes)
    assert verdict.resume is None and verdict.resume_target is None
    assert verdict.refusal is not None and verdict.refusal.startswith(f"{down} is not running")
    assert f"start {down} " in verdict.refusal


def test_the_last_broker_of_roll_2_is_resumed_by_its_files_record() -> None:
    # Roll 2 wrote b3's plain file last and was killed in its restart: no broker carries the flag any
    # more, so only the record beside the file (written for rollback_zookeeper) shows whose roll it was.
    files = {"b1": "zk", "b2": "zk", "b3": "zk"}
    nodes = {"b1": node(mtime=20), "b2": node(mtime=30),
             "b3": {**node(running=False, mtime=40), "written_target": "rollback_zookeeper"}}
    verdict = rollback_verdict(files, GONE, nodes)
    assert (verdict.resume, verdict.resume_target, verdict.refusal) == ("b3", "rollback_zookeeper", None)


@pytest.mark.parametrize("written,mtimes", [
    pytest.param("migration", (20, 30, 40), id="recorded-for-another-phase"),
    pytest.param("rollback_zookeeper", (20, 50, 40), id="not-the-newest-file"),
])
def test_a_stopped_plain_broker_is_not_resumed_without_roll_2s_record_on_its_newest_file(
        written: str, mtimes: tuple) -> None:
    files = {"b1": "zk", "b2": "zk", "b3": "zk"}
    nodes = {h: node(running=h != "b3", mtime=t) for h, t in zip(sorted(files), mtimes)}
    nodes["b3"]["written_target"] = written
    verdict = rollback_verdict(files, GONE, nodes)
    assert verdict.resume is None and verdict.refusal is not None and verdict.refusal.startswith("b3 is not running")


def test_two_stopped_brokers_in_a_rollback_resume_the_rolled_one_and_name_the_other() -> None:
    files = {"b1": "zk_migrating", "b2": "zk_migrating", "b3": "kraft_broker"}
    nodes = {"b1": node(running=False, mtime=20), "b2": node(running=False, mtime=30), "b3": node(mtime=10)}
    verdict = rollback_verdict(files, C3, nodes)
    assert (verdict.resume, verdict.resume_target) == ("b2", "rollback_hybrid")
    assert verdict.refusal is not None and verdict.refusal.startswith("b1 is not running")
    assert "b2 is not running" not in verdict.refusal and "The last rollback was rolling b2" in verdict.refusal


def test_a_rollback_with_every_broker_running_resumes_nothing() -> None:
    files = {"b1": "zk_migrating", "b2": "kraft_broker"}
    verdict = rollback_verdict(files, C3, {"b1": node(mtime=2), "b2": node(mtime=1)})
    assert (verdict.resume, verdict.resume_target, verdict.refusal) == (None, None, None)


def test_a_stopped_broker_without_a_known_file_time_is_never_resumed() -> None:
    files = {"b1": "zk", "b2": "zk_migrating"}
    nodes = {"b1": {"running": False, "config_mtime": None, "config_exists": False}, "b2": node(mtime=1)}
    verdict = rollback_verdict(files, GONE, nodes)
    assert verdict.resume is None
    assert verdict.refusal is not None and "b1 is not running (no Kafka process for its service, and its " \
        "server.properties is missing)" in verdict.refusal


@pytest.mark.parametrize("target,version,removes", [
    ("rollback_zookeeper", "3.6.2", True), ("rollback_zookeeper", "3.7.1", False),
    ("rollback_hybrid", "3.6.2", False), (None, "3.6.2", False),
])
def test_only_a_roll_to_plain_zookeeper_mode_before_3_7_1_removes_the_metadata_log(target: Any, version: str,
                                                                                   removes: bool) -> None:
    assert removes_metadata_log(target, version) is removes
