# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Phase arithmetic, classification of one file, and detection of the cluster's phase."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import (
    NODE_ABSENT,
    NODE_COMBINED,
    NODE_CONTROLLER_KRAFT,
    NODE_CONTROLLER_MIGRATING,
    NODE_KRAFT_BROKER,
    NODE_UNKNOWN,
    NODE_ZK,
    NODE_ZK_MIGRATING,
    classify_config,
    detect_phase,
    phase_index,
    render_phase,
)

FLAG = "zookeeper.metadata.migration.enable"
ZKC = "zookeeper.connect"


@pytest.mark.parametrize("props,expected", [
    pytest.param(None, NODE_ABSENT, id="no-file"),
    pytest.param({}, NODE_ABSENT, id="empty-file"),
    pytest.param({"broker.id": "1", ZKC: "zk:2181"}, NODE_ZK, id="zk"),
    pytest.param({"broker.id": "1", ZKC: "zk:2181", FLAG: "false"}, NODE_ZK, id="zk-flag-false"),
    pytest.param({"broker.id": "1", ZKC: "zk:2181", FLAG: "true"}, NODE_ZK_MIGRATING, id="zk-migrating"),
    pytest.param({"broker.id": "1", ZKC: "zk:2181", FLAG: " TRUE "}, NODE_ZK_MIGRATING, id="zk-migrating-case"),
    pytest.param({"broker.id": "1", FLAG: "true"}, NODE_UNKNOWN, id="no-roles-no-zk"),
    pytest.param({"num.partitions": "3"}, NODE_UNKNOWN, id="unrelated-keys"),
    pytest.param({"process.roles": "broker", "node.id": "1"}, NODE_KRAFT_BROKER, id="kraft-broker"),
    pytest.param({"process.roles": "broker", FLAG: "true", ZKC: "zk"}, NODE_KRAFT_BROKER, id="kraft-broker-flag"),
    pytest.param({"process.roles": "controller", FLAG: "true", ZKC: "zk"}, NODE_CONTROLLER_MIGRATING,
                 id="controller-migrating"),
    pytest.param({"process.roles": "controller"}, NODE_CONTROLLER_KRAFT, id="controller-kraft"),
    pytest.param({"process.roles": "controller", FLAG: "false"}, NODE_CONTROLLER_KRAFT, id="controller-flag-false"),
    pytest.param({"process.roles": "broker,controller"}, NODE_COMBINED, id="combined"),
    pytest.param({"process.roles": " controller , broker "}, NODE_COMBINED, id="combined-spaces"),
    pytest.param({"process.roles": "observer"}, NODE_UNKNOWN, id="unknown-role"),
    pytest.param({"process.roles": ",", ZKC: "zk"}, NODE_ZK, id="empty-roles-list"),
])
def test_classify_config(props: dict[str, str] | None, expected: str) -> None:
    assert classify_config(props) == expected


@pytest.mark.parametrize("target,expected", [
    ("zookeeper", "zookeeper"), ("controllers", "controllers"), ("migration", "migration"),
    ("dual_write", "dual_write"), ("kraft", "kraft"),
    ("rollback_hybrid", "migration"), ("rollback_zookeeper", "zookeeper"),
])
def test_render_phase(target: str, expected: str) -> None:
    assert render_phase(target) == expected


def test_phase_index_and_unknown_target() -> None:
    assert [phase_index(p) for p in ("zookeeper", "controllers", "migration", "dual_write", "kraft")] == [0, 1, 2, 3, 4]
    with pytest.raises(ModelError, match="'finalize' is not a phase"):
        phase_index("finalize")
    with pytest.raises(ModelError):
        render_phase("rollback")


ZK, MIG, KB = NODE_ZK, NODE_ZK_MIGRATING, NODE_KRAFT_BROKER
CA, CM, CK = NODE_ABSENT, NODE_CONTROLLER_MIGRATING, NODE_CONTROLLER_KRAFT


def _b(*states: str) -> dict[str, str]:
    return {f"kb{i + 1}": s for i, s in enumerate(states)}


def _c(*states: str) -> dict[str, str]:
    return {f"kc{i + 1}": s for i, s in enumerate(states)}


# (brokers, controllers, migration_state, phase, in_progress, problem fragment or None)
DETECTIONS: list[Any] = [
    pytest.param(_b(ZK, ZK), _c(CA, CA, CA), None, "zookeeper", None, None, id="p0-zookeeper"),
    pytest.param(_b(ZK, ZK), _c(), None, "zookeeper", None, None, id="p0-no-controllers-listed"),
    pytest.param(_b(ZK, ZK), _c(CM, CA, CA), None, "zookeeper", "controllers",
                 "some controllers are provisioned and some are not: provisioned: kc1; not provisioned: kc2, kc3",
                 id="p1-partly-provisioned"),
    pytest.param(_b(MIG, ZK), _c(CM, CA), None, "zookeeper", "controllers", "some controllers are provisioned",
                 id="partly-provisioned-with-migrating-broker"),
    pytest.param(_b(ZK, ZK), _c(CM, CM, CM), "PRE_MIGRATION", "controllers", None, None, id="p1-done"),
    pytest.param(_b(ZK, ZK), _c(CM, CM, CM), None, "controllers", None, None, id="p1-done-state-unknown"),
    pytest.param(_b(MIG, ZK), _c(CM, CM, CM), "PRE_MIGRATION", "controllers", "migration", None,
                 id="p2-rolling"),
    pytest.param(_b(MIG, MIG), _c(CM, CM, CM), "PRE_MIGRATION", "controllers", "migration", None,
                 id="p2-rolled-awaiting-copy"),
    pytest.param(_b(MIG, MIG), _c(CM, CM, CM), "MIGRATION", "migration", None, None, id="p2-done"),
    pytest.param(_b(MIG, MIG), _c(CM, CM, CM), None, "migration", None, None, id="p2-done-state-unknown"),
    pytest.param(_b(KB, MIG), _c(CM, CM, CM), "MIGRATION", "migration", "dual_write", None, id="p3-rolling"),
    pytest.param(_b(KB, KB), _c(CM, CM, CM), "MIGRATION", "dual_write", None, None, id="p3-done"),
    pytest.param(_b(KB, KB), _c(CK, CM, CM), "MIGRATION", "dual_write", "kraft", None, id="p4-rolling"),
    pytest.param(_b(KB, KB), _c(CK, CK, CK), "MIGRATION", "dual_write", "kraft", None,
                 id="p4-rolled-not-finalized"),
    pytest.param(_b(KB, KB), _c(CK, CK, CK), "POST_MIGRATION", "kraft", None, None, id="p4-done"),
    pytest.param(_b(KB, KB), _c(CK, CK, CK), None, "kraft", None, None, id="p4-done-state-unknown"),
    pytest.param(_b(KB, KB), _c(CK, CM, CM), "POST_MIGRATION", "dual_write", "kraft", None,
                 id="p4-finalized-still-rolling"),
    # Ambiguous: states no single forward or rollback roll explains.
    pytest.param(_b(MIG, ZK), _c(CA, CA), None, "zookeeper", None,
                 "brokers are configured for migration but no controller is provisioned: migrating: kb1; KRaft: -",
                 id="migrating-broker-without-controllers"),
    pytest.param(_b(KB, ZK), _c(CA), None, "zookeeper", None, "KRaft: kb1", id="kraft-broker-without-controllers"),
    pytest.param(_b(KB, MIG), _c(CK, CK), "POST_MIGRATION", "dual_write", "kraft",
                 "controllers are finalized (kc1, kc2) but some brokers are not KRaft brokers: kb2",
                 id="finalized-with-zk-broker"),
    pytest.param(_b(KB, MIG, ZK), _c(CM, CM), "MIGRATION", "controllers", None,
                 "ZooKeeper: kb3; migrating: kb2; KRaft: kb1", id="brokers-in-three-states"),
    pytest.param(_b(KB, ZK), _c(CM, CM), "MIGRATION", "controllers", None,
                 "ZooKeeper: kb2; migrating: -; KRaft: kb1", id="brokers-zk-and-kraft"),
    pytest.param(_b(ZK, NODE_UNKNOWN), _c(CM), None, "zookeeper", None, "brokers in unexpected state unknown: kb2",
                 id="broker-unknown"),
    pytest.param(_b(ZK, NODE_COMBINED), _c(CM), None, "zookeeper", None, "brokers in unexpected state combined: kb2",
                 id="broker-combined"),
    pytest.param(_b(ZK, CA), _c(CM), None, "zookeeper", None, "brokers in unexpected state absent: kb2",
                 id="broker-without-file"),
    pytest.param(_b(ZK, CM), _c(CM), None, "zookeeper", None,
                 "brokers in unexpected state controller_migrating: kb2", id="broker-is-controller"),
    pytest.param(_b(ZK), _c(CM, ZK), None, "zookeeper", None, "controllers in unexpected state zk: kc2",
                 id="controller-is-zk-broker"),
    pytest.param(_b(KB), _c(CK, KB), None, "zookeeper", None, "controllers in unexpected state kraft_broker: kc2",
                 id="controller-is-kraft-broker"),
    pytest.param(_b(ZK), _c(NODE_COMBINED), None, "zookeeper", None, "controllers in unexpected state combined: kc1",
                 id="controller-combined"),
]


@pytest.mark.parametrize("brokers,controllers,state,phase,in_progress,problem", DETECTIONS)
def test_detect_phase(brokers: dict[str, str], controllers: dict[str, str], state: str | None, phase: str,
                      in_progress: str | None, problem: str | None) -> None:
    detection = detect_phase(brokers, controllers, state)
    assert (detection.phase, detection.in_progress) == (phase, in_progress)
    if problem is None:
        assert detection.problems == [] and not detection.ambiguous
    else:
        assert detection.ambiguous
        assert any(problem in text for text in detection.problems), detection.problems
    assert detection.brokers == brokers and detection.controllers == controllers


def test_in_progress_is_always_the_next_phase() -> None:
    order = ("zookeeper", "controllers", "migration", "dual_write", "kraft")
    for case in DETECTIONS:
        brokers, controllers, state = case.values[:3]
        detection = detect_phase(brokers, controllers, state)
        if detection.in_progress is not None:
            assert order.index(detection.in_progress) == order.index(detection.phase) + 1, case.id


# --------------------------------------------------------------------------- rollback plans

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import plan_rollback  # noqa: E402

C3 = {"c1": "controller_migrating", "c2": "controller_migrating", "c3": "controller_migrating"}
GONE = {"c1": "absent", "c2": "absent", "c3": "absent"}


@pytest.mark.parametrize("brokers,controllers,expected", [
    ({"b1": "zk", "b2": "zk"}, GONE, ("zookeeper", [], [], [])),
    ({"b1": "zk", "b2": "zk"}, C3, ("controllers", [], ["c1", "c2", "c3"], [])),
    ({"b1": "zk_migrating", "b2": "zk"}, C3, ("migration", [], ["c1", "c2", "c3"], ["b1"])),
    ({"b1": "zk_migrating", "b2": "zk_migrating"}, C3, ("migration", [], ["c1", "c2", "c3"], ["b1", "b2"])),
    ({"b1": "kraft_broker", "b2": "kraft_broker"}, C3,
     ("dual_write", ["b1", "b2"], ["c1", "c2", "c3"], ["b1", "b2"])),
    ({"b1": "zk_migrating", "b2": "kraft_broker"}, C3,
     ("dual_write", ["b2"], ["c1", "c2", "c3"], ["b1", "b2"])),
    # Resumed after the controllers were deprovisioned: only the last roll is left.
    ({"b1": "zk_migrating", "b2": "zk"}, GONE, ("migration", [], [], ["b1"])),
    # KRaft brokers without controllers go straight to plain ZooKeeper mode.
    ({"b1": "kraft_broker", "b2": "zk_migrating"}, GONE, ("dual_write", [], [], ["b1", "b2"])),
    ({"b1": "zk_migrating"}, {"c1": "controller_migrating", "c2": "absent"}, ("migration", [], ["c1"], ["b1"])),
], ids=["nothing", "after-controllers", "mid-migration-roll", "after-migration", "after-dual-write",
        "mid-dual-write-roll", "resume-last-roll", "kraft-without-controllers", "partial-deprovision"])
def test_rollback_plans(brokers: dict[str, str], controllers: dict[str, str], expected: tuple[str, list[str], list[str], list[str]]) -> None:
    plan = plan_rollback(brokers, controllers)
    assert plan.refusal is None
    assert (plan.from_phase, plan.hybrid_roll, plan.deprovision, plan.final_roll) == expected
    assert plan.nothing_to_do is (expected[1:] == ([], [], []))


@pytest.mark.parametrize("zk_controller,final_roll", [
    ("b1", ["b2", "b3", "b1"]),
    ("b2", ["b1", "b3", "b2"]),
    ("b3", ["b1", "b2", "b3"]),
    # Already rolled (no flag left), or not known (check mode): host order.
    ("b4", ["b1", "b2", "b3"]),
    (None, ["b1", "b2", "b3"]),
])
def test_rollback_rolls_the_zookeeper_controller_last(zk_controller, final_roll):
    brokers = {"b1": "zk_migrating", "b2": "zk_migrating", "b3": "zk_migrating", "b4": "zk"}
    plan = plan_rollback(brokers, GONE, zk_controller)
    assert (plan.from_phase, plan.final_roll) == ("migration", final_roll)


@pytest.mark.parametrize("brokers,controllers,words", [
    ({"b1": "kraft_broker"}, {"c1": "controller_kraft", "c2": "controller_migrating"}, ["finalized", "c1", "one-way"]),
    ({"b1": "kraft_broker", "b2": "zk"}, C3, ["disagree", "KRaft: b1", "without the migration flag: b2"]),
    ({"b1": "combined"}, C3, ["b1 (combined)"]),
    ({"b1": "zk"}, {"c1": "zk"}, ["c1 (zk)"]),
], ids=["finalized", "brokers-disagree", "combined", "controller-host-is-a-broker"])
def test_rollback_refusals_name_the_hosts(brokers: dict[str, str], controllers: dict[str, str], words: list[str]) -> None:
    plan = plan_rollback(brokers, controllers)
    assert plan.refusal is not None and plan.nothing_to_do
    for word in words:
        assert word in plan.refusal
