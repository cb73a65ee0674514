# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The forward plan: steps, batches, controller order, finalization verdict and the phase after."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.forward import (
    FinalizeFacts,
    ForwardOptions,
    Topology,
    controller_order,
    finalize_verdict,
    plan_forward,
    topology_from,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import (
    NODE_ABSENT,
    NODE_CONTROLLER_KRAFT,
    NODE_CONTROLLER_MIGRATING,
    NODE_KRAFT_BROKER,
    NODE_ZK,
    NODE_ZK_MIGRATING,
)

ZK, MIG, KB = NODE_ZK, NODE_ZK_MIGRATING, NODE_KRAFT_BROKER
CA, CM, CK = NODE_ABSENT, NODE_CONTROLLER_MIGRATING, NODE_CONTROLLER_KRAFT


def _b(*states: str) -> dict[str, str]:
    return {f"kb{i + 1}": s for i, s in enumerate(states)}


def _c(*states: str) -> dict[str, str]:
    return {f"kc{i + 1}": s for i, s in enumerate(states)}


# Every detected state a run can start from: (brokers, controllers, migration_state).
STATES: dict[str, tuple[dict[str, str], dict[str, str], str | None]] = {
    "p0": (_b(ZK, ZK), _c(CA, CA, CA), None),
    "p1-done": (_b(ZK, ZK), _c(CM, CM, CM), "PRE_MIGRATION"),
    "p2-rolling": (_b(MIG, ZK), _c(CM, CM, CM), "PRE_MIGRATION"),
    "p2-done": (_b(MIG, MIG), _c(CM, CM, CM), "MIGRATION"),
    "p3-rolling": (_b(KB, MIG), _c(CM, CM, CM), "MIGRATION"),
    "p3-done": (_b(KB, KB), _c(CM, CM, CM), "MIGRATION"),
    "p4-rolling": (_b(KB, KB), _c(CK, CM, CM), "MIGRATION"),
    "p4-done": (_b(KB, KB), _c(CK, CK, CK), "POST_MIGRATION"),
    "ambiguous": (_b(KB, MIG, ZK), _c(CM, CM), "MIGRATION"),
}

OPTIONS: dict[str, ForwardOptions] = {
    "default": ForwardOptions(),
    "stop-controllers": ForwardOptions(stop_after="controllers"),
    "stop-migration": ForwardOptions(stop_after="migration"),
    "stop-dual_write": ForwardOptions(stop_after="dual_write"),
    "finalize": ForwardOptions(finalize=True),
    "finalize-soak": ForwardOptions(finalize=True, finalize_min_soak_seconds=60),
    "check": ForwardOptions(check_mode=True),
    "check-finalize": ForwardOptions(check_mode=True, finalize=True),
    "finalize-stop-migration": ForwardOptions(finalize=True, stop_after="migration"),
}

# Expected (steps that run, phase after[/still under way]) per state, one column per option above.
# Steps: C controllers, M migration roll, D roll to KRaft, K finalization; "!" a refused run.
EXPECTED: dict[str, list[str]] = {
    "p0": ["CMD dual_write", "C controllers", "CM migration", "CMD dual_write", "CMDK kraft", "! zookeeper",
           "CMD dual_write", "CMD kraft", "! zookeeper"],
    "p1-done": ["CMD dual_write", "C controllers", "CM migration", "CMD dual_write", "CMDK kraft", "! controllers",
                "CMD dual_write", "CMD kraft", "! controllers"],
    "p2-rolling": ["CMD dual_write", "C controllers/migration", "CM migration", "CMD dual_write", "CMDK kraft",
                   "! controllers/migration", "CMD dual_write", "CMD kraft", "! controllers/migration"],
    "p2-done": ["CMD dual_write", "C migration", "CM migration", "CMD dual_write", "CMDK kraft", "! migration",
                "CMD dual_write", "CMD kraft", "! migration"],
    "p3-rolling": ["CMD dual_write", "C migration/dual_write", "CM migration/dual_write", "CMD dual_write",
                   "CMDK kraft", "! migration/dual_write", "CMD dual_write", "CMD kraft", "! migration/dual_write"],
    "p3-done": ["CMD dual_write", "C dual_write", "CM dual_write", "CMD dual_write", "CMDK kraft", "CMDK kraft",
                "CMD dual_write", "CMDK kraft", "! dual_write"],
    "p4-rolling": ["MD dual_write/kraft", "- dual_write/kraft", "M dual_write/kraft", "MD dual_write/kraft",
                   "MDK kraft", "MDK kraft", "MD dual_write/kraft", "MDK kraft", "! dual_write/kraft"],
    "p4-done": ["MD kraft", "- kraft", "M kraft", "MD kraft", "MD kraft", "MD kraft", "MD kraft", "MD kraft",
                "! kraft"],
    "ambiguous": ["! controllers"] * 9,
}

LETTERS = {"controllers": "C", "migration": "M", "dual_write": "D", "kraft": "K"}

CASES: list[Any] = [
    pytest.param(state, option, EXPECTED[state][i], id=f"{state}-{option}")
    for state in STATES for i, option in enumerate(OPTIONS)
]


@pytest.mark.parametrize("state,option,expected", CASES)
def test_plan_forward_table(state: str, option: str, expected: str) -> None:
    brokers, controllers, migration_state = STATES[state]
    plan = plan_forward(brokers, controllers, migration_state, OPTIONS[option])
    steps, after = expected.split(" ")
    phase_after, dummy, in_progress_after = after.partition("/")
    if steps == "!":
        assert plan.refusal and plan.run_steps == []
    else:
        assert plan.refusal is None, plan.refusal
        assert "".join(LETTERS[s] for s in plan.run_steps) == steps.strip("-")
    assert (plan.phase_after, plan.in_progress_after) == (phase_after, in_progress_after or None)
    result = plan.as_dict()
    assert json.loads(json.dumps(result)) == result
    assert result["run_steps"] == plan.run_steps
    assert result["step_order"] == ["controllers", "migration", "dual_write", "kraft"]


@pytest.mark.parametrize("state", list(STATES))
def test_batches_and_waits_of_a_default_run(state: str) -> None:
    brokers, controllers, migration_state = STATES[state]
    plan = plan_forward(brokers, controllers, migration_state)
    if plan.refusal:
        return
    mig = plan.step("migration")
    # Serial: one broker a batch, inventory order; the migration roll takes ZooKeeper brokers only.
    assert mig.batches == [[h] for h, s in brokers.items() if s in (ZK, MIG)]
    assert mig.pending == [h for h, s in brokers.items() if s == ZK]
    assert plan.step("dual_write").batches == [[h] for h in brokers]
    assert plan.step("dual_write").pending == [h for h, s in brokers.items() if s != KB]
    ctl = plan.step("controllers")
    if ctl.runs:
        assert ctl.batches == [list(controllers)]
        assert ctl.wait_after == ("PRE_MIGRATION" if state in ("p0", "p1-done", "p2-rolling") else "MIGRATION")
        assert mig.wait_after == "MIGRATION" and plan.step("dual_write").wait_after == "zk_brokers_gone"
    else:
        # Finalized or finalizing: no controller provisioning and no migration-state waits.
        assert ctl.batches == [] and mig.wait_after is None and plan.step("dual_write").wait_after is None


def test_check_mode_has_no_waits() -> None:
    plan = plan_forward(*STATES["p0"], options=ForwardOptions(check_mode=True, finalize=True))
    assert [s.wait_after for s in plan.steps] == [None, None, None, None]
    assert plan.finalize.requested and not plan.finalize.runs
    reason = plan.step("kraft").reason
    assert reason is not None and "check mode" in reason


def test_refused_run_names_problems_and_runs_nothing() -> None:
    plan = plan_forward(*STATES["ambiguous"])
    assert plan.refusal is not None and "ZooKeeper: kb3; migrating: kb2; KRaft: kb1" in plan.refusal
    assert all(not s.runs and s.wait_after is None for s in plan.steps)
    plan = plan_forward(*STATES["p0"], options=ForwardOptions(finalize=True, stop_after="controllers"))
    assert plan.refusal is not None and "contradict" in plan.refusal


def test_soak_refused_before_any_change_when_brokers_roll_in_the_same_run() -> None:
    plan = plan_forward(*STATES["p2-done"], options=ForwardOptions(finalize=True, finalize_min_soak_seconds=3600))
    assert plan.refusal == ("Finalization refused: the brokers move to KRaft in this run, so the minimum soak time "
                            "of 3600 s cannot have elapsed; run with the finalization again later.")
    assert plan.finalize.allowed is False and plan.run_steps == []


def _facts(**kw: Any) -> FinalizeFacts:
    base: dict[str, Any] = dict(now=10_000.0, broker_config_mtimes={"kb1": 1_000.0, "kb2": 4_000.0},
                                migrating_zk_broker_count=0, voters_up={"kc1": True, "kc2": True, "kc3": True},
                                active_controller="kc2", under_replicated=0)
    base.update(kw)
    return FinalizeFacts(**base)


# (facts overrides, min soak, brokers, controllers, migration state, allowed, failing check names)
VERDICTS: list[Any] = [
    pytest.param({}, 0, _b(KB, KB), _c(CM, CM, CM), "MIGRATION", True, [], id="all-good"),
    pytest.param({}, 6000, _b(KB, KB), _c(CM, CM, CM), "MIGRATION", True, [], id="soak-exactly-elapsed"),
    pytest.param({}, 6001, _b(KB, KB), _c(CM, CM, CM), "MIGRATION", False, ["soak"], id="soak-short"),
    pytest.param({}, 0, _b(KB, MIG), _c(CM, CM, CM), "MIGRATION", False, ["brokers_kraft"], id="broker-not-kraft"),
    pytest.param({"migrating_zk_broker_count": 1}, 0, _b(KB, KB), _c(CM, CM, CM), "MIGRATION", False,
                 ["zk_brokers_gone"], id="zk-broker-left"),
    pytest.param({}, 0, _b(KB, KB), _c(CM, CM, CM), "PRE_MIGRATION", False, ["migration_state"],
                 id="not-in-migration"),
    pytest.param({"voters_up": {"kc1": True, "kc2": False}}, 0, _b(KB, KB), _c(CM, CM, CM), "MIGRATION", False,
                 ["voters_up"], id="voters-down"),
    pytest.param({"under_replicated": 3}, 0, _b(KB, KB), _c(CM, CM, CM), "MIGRATION", False,
                 ["under_replicated"], id="under-replicated"),
    pytest.param({"migrating_zk_broker_count": 2}, 0, _b(KB, KB), _c(CK, CM, CM), "POST_MIGRATION", True, [],
                 id="resuming-skips-zk-and-state"),
    pytest.param({"now": None}, 60, _b(KB, KB), _c(CM, CM, CM), "MIGRATION", None, [], id="soak-unobserved"),
    pytest.param({"migrating_zk_broker_count": None}, 0, _b(KB, KB), _c(CM, CM, CM), "MIGRATION", None, [],
                 id="count-unobserved"),
    pytest.param({"voters_up": None, "under_replicated": None}, 0, _b(KB, KB), _c(CM, CM, CM), None, None, [],
                 id="quorum-unobserved"),
    pytest.param({"migrating_zk_broker_count": 1, "under_replicated": 1}, 7000, _b(KB, ZK), _c(CM, CM, CM),
                 "MIGRATION", False, ["brokers_kraft", "soak", "zk_brokers_gone", "under_replicated"],
                 id="many-reasons"),
]


@pytest.mark.parametrize("overrides,soak,brokers,controllers,state,allowed,failing", VERDICTS)
def test_finalize_verdict(overrides: dict[str, Any], soak: float, brokers: dict[str, str],
                          controllers: dict[str, str], state: str | None, allowed: bool | None,
                          failing: list[str]) -> None:
    verdict = finalize_verdict(brokers, controllers, state, soak, _facts(**overrides))
    assert verdict.allowed is allowed
    assert [c.name for c in verdict.checks if c.ok is False] == failing
    assert len(verdict.reasons) == len(failing)
    if allowed is False:
        assert verdict.refusal is not None and verdict.refusal.startswith("Finalization refused: ")
    else:
        assert verdict.refusal is None
    assert verdict.controller_order == ["kc1", "kc3", "kc2"]
    assert json.loads(json.dumps(verdict.as_dict())) == verdict.as_dict()


def test_soak_reason_text() -> None:
    verdict = finalize_verdict(_b(KB, KB), _c(CM, CM, CM), "MIGRATION", 7000, _facts())
    assert verdict.reasons == ["the last broker moved to KRaft 6000 s ago; the minimum soak time is 7000 s"]
    verdict = finalize_verdict(_b(KB, MIG), _c(CM), "MIGRATION", 0, _facts(voters_up={"kc1": True}, active_controller="kc1"))
    assert verdict.refusal == "Finalization refused: broker(s) kb2 do not run as KRaft brokers yet."


@pytest.mark.parametrize("controllers,active,expected", [
    (["kc1", "kc2", "kc3"], "kc1", ["kc2", "kc3", "kc1"]),
    (["kc1", "kc2", "kc3"], "kc3", ["kc1", "kc2", "kc3"]),
    (["kc1", "kc2", "kc3"], None, ["kc1", "kc2", "kc3"]),
    (["kc1"], "kc1", ["kc1"]),
    ([], None, []),
])
def test_controller_order(controllers: list[str], active: str | None, expected: list[str]) -> None:
    assert controller_order(controllers, active) == expected


def test_controller_order_unknown_active() -> None:
    with pytest.raises(ModelError, match="kc9 is not one of the controllers"):
        controller_order(["kc1"], "kc9")


def test_plan_with_facts_orders_controllers_and_decides() -> None:
    plan = plan_forward(*STATES["p3-done"], options=ForwardOptions(finalize=True, finalize_min_soak_seconds=60),
                        finalize_facts=_facts(active_controller="kc1"))
    assert plan.finalize.allowed is True and plan.refusal is None
    assert plan.step("kraft").batches == [["kc2"], ["kc3"], ["kc1"]]
    assert plan.as_dict()["controller_order"] == ["kc2", "kc3", "kc1"]
    refused = plan_forward(*STATES["p3-done"], options=ForwardOptions(finalize=True, finalize_min_soak_seconds=60),
                           finalize_facts=_facts(now=4_030.0))
    assert refused.refusal == ("Finalization refused: the last broker moved to KRaft 30 s ago; the minimum soak "
                               "time is 60 s.")
    assert refused.run_steps == [] and refused.phase_after == "dual_write"


# ---- parallel rolls -------------------------------------------------------------------------

HOSTS = [f"kb{i}" for i in range(1, 7)]
IDS = {h: i for i, h in enumerate(HOSTS, 1)}
RACKS = {"kb1": "b", "kb2": "a", "kb3": "c", "kb4": "b", "kb5": "a", "kb6": "c"}


def _spread(rf: int = 3) -> list[dict[str, Any]]:
    # Replicas on brokers of distinct racks: (1,2,3), (4,5,6), ...
    return [{"topic": "t", "partition": p, "replicas": [1 + 3 * (p % 2), 2 + 3 * (p % 2), 3 + 3 * (p % 2)][:rf],
             "isr": [1 + 3 * (p % 2), 2 + 3 * (p % 2), 3 + 3 * (p % 2)][:rf]} for p in range(4)]


def _topology(partitions: list[dict[str, Any]] | None = None, racks: dict[str, str] | None = None,
              min_isr: Any = 2) -> Topology:
    return Topology(partitions if partitions is not None else _spread(), IDS,
                    RACKS if racks is None else racks, {}, min_isr)


def _states(kind: str) -> dict[str, str]:
    return {h: kind for h in HOSTS}


def test_rack_plan_batches_one_rack_at_a_time() -> None:
    plan = plan_forward(_states(ZK), _c(CM, CM, CM), "PRE_MIGRATION",
                        ForwardOptions(roll_strategy="rack"), _topology())
    assert plan.refusal is None, plan.refusal
    assert plan.step("migration").batches == [["kb2", "kb5"], ["kb1", "kb4"], ["kb3", "kb6"]]
    assert plan.step("dual_write").batches == [["kb2", "kb5"], ["kb1", "kb4"], ["kb3", "kb6"]]
    assert plan.roll_safety is not None and plan.roll_safety.safe
    assert plan.as_dict()["roll_safety"]["safe"] is True
    # Every rack but the last hands its catch-up wait to the next rack's guard; the first rack's guard has none.
    step = plan.as_dict()["steps"]["dual_write"]
    assert step["handover"] == ["kb2", "kb5", "kb1", "kb4"] and step["after_handover"] == ["kb1", "kb4", "kb3", "kb6"]


def test_a_serial_roll_hands_over_from_every_broker_but_the_last() -> None:
    plan = plan_forward(_states(ZK), _c(CM, CM, CM), "PRE_MIGRATION")
    step = plan.step("migration")
    assert step.handover == HOSTS[:-1] and step.after_handover == HOSTS[1:]
    single = plan_forward({"kb1": ZK}, _c(CM, CM, CM), "PRE_MIGRATION").step("migration")
    assert single.handover == [] and single.after_handover == []   # a lone broker waits for itself


@pytest.mark.parametrize("state,roll", [("p2-rolling", "migration"), ("p3-rolling", "dual_write")])
def test_a_resumed_roll_lets_its_first_guard_wait_out_a_catch_up_the_last_run_left(state: str, roll: str) -> None:
    # The interrupted run may have been killed just after a broker's call handed its catch-up over.
    brokers, controllers, migration_state = STATES[state]
    step = plan_forward(brokers, controllers, migration_state).step(roll)
    assert step.resumed and step.after_handover == step.hosts and step.handover == step.hosts[:-1]
    fresh = plan_forward(*STATES["p1-done"]).step(roll)
    assert not fresh.resumed and fresh.after_handover == fresh.hosts[1:]


def test_rack_plan_refused_names_partitions() -> None:
    parts = _spread() + [{"topic": "orders", "partition": 0, "replicas": [1, 4], "isr": [1, 4]}]
    plan = plan_forward(_states(ZK), _c(CM), "PRE_MIGRATION", ForwardOptions(roll_strategy="rack"),
                        _topology(parts))
    assert plan.refusal is not None and "orders-0" in plan.refusal and "would go offline" in plan.refusal
    assert plan.run_steps == [] and plan.phase_after == "controllers"
    assert plan.as_dict()["roll_safety"]["offline"] == ["orders-0"]


def test_rack_plan_needs_racks_and_layout() -> None:
    plan = plan_forward(_states(ZK), _c(CM), None, ForwardOptions(roll_strategy="rack"),
                        _topology(racks={h: r for h, r in RACKS.items() if h != "kb3"}))
    assert plan.refusal is not None and "needs a rack" in plan.refusal and "kb3" in plan.refusal
    plan = plan_forward(_states(ZK), _c(CM), None, ForwardOptions(roll_strategy="rack"))
    assert plan.refusal is not None and "needs the partition layout" in plan.refusal
    # No broker roll in this run: nothing to prove.
    plan = plan_forward(_states(ZK), _c(CA), None, ForwardOptions(roll_strategy="rack", stop_after="controllers"))
    assert plan.refusal is None and plan.run_steps == ["controllers"]


def test_fixed_batches_in_inventory_order_under_the_check() -> None:
    parts = [{"topic": "t", "partition": 0, "replicas": [1, 3, 5], "isr": [1, 3, 5]},
             {"topic": "t", "partition": 1, "replicas": [2, 4, 6], "isr": [2, 4, 6]}]
    plan = plan_forward(_states(ZK), _c(CM), None, ForwardOptions(roll_batch=2), _topology(parts))
    assert plan.refusal is None
    assert plan.step("dual_write").batches == [["kb1", "kb2"], ["kb3", "kb4"], ["kb5", "kb6"]]
    plan = plan_forward(_states(ZK), _c(CM), None, ForwardOptions(roll_batch=3), _topology(parts))
    assert plan.refusal is not None and "t-0 (1 of 2 in-sync left)" in plan.refusal


def test_migration_roll_batches_checked_on_their_own() -> None:
    # The migration roll takes only ZooKeeper brokers, so fixed batches shift: kb1 is on KRaft already.
    # The KRaft roll's batches (kb1 kb2 | kb3 kb4 | kb5 kb6) are safe; the migration roll's are not.
    states = dict(_states(MIG), kb1=KB)
    parts = [{"topic": "t", "partition": 0, "replicas": [2, 4, 5], "isr": [2, 4, 5]},
             {"topic": "u", "partition": 0, "replicas": [1, 3, 6], "isr": [1, 3, 6]}]
    plan = plan_forward(states, _c(CM), "MIGRATION", ForwardOptions(roll_batch=2), _topology(parts))
    assert plan.step("migration").batches == [["kb2", "kb3"], ["kb4", "kb5"], ["kb6"]]
    assert plan.refusal is not None and "kb4, kb5" in plan.refusal and "t-0" in plan.refusal


def test_serial_is_not_refused_by_the_layout() -> None:
    parts = [{"topic": "t", "partition": 0, "replicas": [1], "isr": [1]}]
    plan = plan_forward(_states(ZK), _c(CM), None, ForwardOptions(), _topology(parts))
    assert plan.refusal is None and plan.roll_safety is None


@pytest.mark.parametrize("kwargs,message", [
    (dict(stop_after="kraft"), "stop_after 'kraft'"),
    (dict(roll_strategy="zone"), "roll_strategy 'zone'"),
    (dict(roll_batch=0), "roll_batch must be"),
    (dict(finalize_min_soak_seconds=-1), "must not be negative"),
])
def test_options_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        ForwardOptions(**kwargs)


@pytest.mark.parametrize("raw,expected", [
    (dict(), ForwardOptions()),
    (dict(stop_after="", finalize="false", finalize_min_soak_seconds="", roll_strategy="", roll_batch=""),
     ForwardOptions()),
    (dict(stop_after="migration", finalize="True", finalize_min_soak_seconds="90", roll_strategy="rack",
          roll_batch="2", check_mode=True),
     ForwardOptions("migration", True, 90.0, "rack", 2, True)),
])
def test_options_from_vars(raw: dict[str, Any], expected: ForwardOptions) -> None:
    assert ForwardOptions.from_vars(**raw) == expected


@pytest.mark.parametrize("raw,message", [
    (dict(finalize="perhaps"), "finalize must be true or false"),
    (dict(roll_batch="two"), "roll_batch must be a whole number"),
    (dict(finalize_min_soak_seconds="soon"), "number of seconds"),
])
def test_options_from_vars_rejected(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        ForwardOptions.from_vars(**raw)


SPEC_BROKERS = [{"name": h, "node_id": IDS[h], "rack": RACKS[h], "min_insync_replicas": m}
                for h, m in zip(HOSTS, ["2", None, "2", "1", None, ""])]


def test_topology_from_the_spec_zookeeper_and_topic_configs() -> None:
    configs = {"topics/orders": {"min.insync.replicas": "3", "retention.ms": "1"}, "topics/logs": {"retention.ms": "2"},
               "brokers/1": {"min.insync.replicas": "9"}}
    topo = topology_from(SPEC_BROKERS, _spread(), configs)
    assert topo.broker_ids == IDS and topo.racks == RACKS
    assert topo.topic_min_isr == {"orders": "3"}
    assert topo.default_min_isr == 2        # the highest of the brokers' files: the safe side
    plan = plan_forward(_states(ZK), _c(CM), "PRE_MIGRATION", ForwardOptions(roll_strategy="rack"), topo)
    assert plan.refusal is None and len(plan.step("dual_write").batches) == 3


def test_topology_from_brokers_without_a_setting_defaults_to_one() -> None:
    topo = topology_from([dict(b, min_insync_replicas=None) for b in SPEC_BROKERS], [])
    assert topo.default_min_isr == 1 and topo.topic_min_isr == {}


def test_topology_from_a_malformed_default_names_the_key() -> None:
    with pytest.raises(ModelError, match="min.insync.replicas in a broker's server.properties is not a whole number: two"):
        topology_from([dict(SPEC_BROKERS[0], min_insync_replicas="two")], [])


def test_the_broker_the_last_run_left_down_rolls_first_on_its_own() -> None:
    states = {"kb1": MIG, "kb2": MIG, "kb3": ZK}
    plan = plan_forward(states, _c(CM, CM, CM), None, ForwardOptions(), pending=["kb2"], resume_host="kb2")
    assert plan.step("migration").batches == [["kb2"], ["kb1"], ["kb3"]]
    assert plan.step("dual_write").batches == [["kb2"], ["kb1"], ["kb3"]]
    rack = plan_forward(_states(ZK), _c(CM, CM, CM), "PRE_MIGRATION", ForwardOptions(roll_strategy="rack"), _topology(),
                        resume_host="kb5")
    assert rack.step("migration").batches == [["kb5"], ["kb2"], ["kb1", "kb4"], ["kb3", "kb6"]]
    # A host no step rolls changes nothing.
    assert plan_forward(states, _c(CM, CM, CM), resume_host="kx").step("migration").batches == [["kb1"], ["kb2"], ["kb3"]]
