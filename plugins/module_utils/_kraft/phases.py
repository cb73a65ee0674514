# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Migration phases, and the current phase worked out from what the cluster shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_config import migration_enabled
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import Release

ZOOKEEPER = "zookeeper"
CONTROLLERS = "controllers"
MIGRATION = "migration"
DUAL_WRITE = "dual_write"
KRAFT = "kraft"

# Forward phases in order; the index is the phase number of the facts sheet.
PHASES: tuple[str, ...] = (ZOOKEEPER, CONTROLLERS, MIGRATION, DUAL_WRITE, KRAFT)

# Rollback targets (facts §2): the first broker roll back from dual_write keeps the
# migration flag (a hybrid ZooKeeper broker); the last one is plain ZooKeeper mode.
ROLLBACK_HYBRID = "rollback_hybrid"
ROLLBACK_ZOOKEEPER = "rollback_zookeeper"
ROLLBACK_TARGETS: tuple[str, ...] = (ROLLBACK_HYBRID, ROLLBACK_ZOOKEEPER)
ALL_TARGETS: tuple[str, ...] = PHASES + ROLLBACK_TARGETS

# What a node's own server.properties says about it.
NODE_ABSENT = "absent"                  # controller not provisioned
NODE_ZK = "zk"                          # ZooKeeper-mode broker
NODE_ZK_MIGRATING = "zk_migrating"      # ZooKeeper broker with the migration flag
NODE_KRAFT_BROKER = "kraft_broker"
NODE_CONTROLLER_MIGRATING = "controller_migrating"
NODE_CONTROLLER_KRAFT = "controller_kraft"
NODE_COMBINED = "combined"
NODE_UNKNOWN = "unknown"


def phase_index(phase: str) -> int:
    if phase not in PHASES:
        raise ModelError("'{}' is not a phase (one of {})".format(phase, ", ".join(PHASES)))
    return PHASES.index(phase)


def render_phase(target: str) -> str:
    """The forward phase whose broker configuration a rollback target uses."""
    if target == ROLLBACK_HYBRID:
        return MIGRATION
    if target == ROLLBACK_ZOOKEEPER:
        return ZOOKEEPER
    phase_index(target)
    return target


def classify_config(props: Mapping[str, str] | None) -> str:
    """Which state a server.properties puts its node in."""
    if props is None or not props:
        return NODE_ABSENT
    roles = {r.strip() for r in props.get("process.roles", "").split(",") if r.strip()}
    migrating = migration_enabled(props)
    if not roles:
        if "zookeeper.connect" not in props:
            return NODE_UNKNOWN
        return NODE_ZK_MIGRATING if migrating else NODE_ZK
    if roles == {"broker"}:
        return NODE_KRAFT_BROKER
    if roles == {"controller"}:
        return NODE_CONTROLLER_MIGRATING if migrating else NODE_CONTROLLER_KRAFT
    if roles == {"broker", "controller"}:
        return NODE_COMBINED
    return NODE_UNKNOWN


@dataclass(frozen=True)
class Detection:
    """The phase the cluster is in, and what a run still has to do."""

    phase: str                      # last phase fully reached
    in_progress: str | None      # phase whose roll is under way, if any
    brokers: dict[str, str] = field(default_factory=dict)
    controllers: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return bool(self.problems)


# Kafka's ZkMigrationState values (3.5+; facts §4).
ZK_MIGRATION_STATES = {0: "NONE", 1: "MIGRATION", 2: "PRE_MIGRATION", 3: "POST_MIGRATION", 4: "ZK"}


# A forward roll writes a broker's file, then restarts it: until the restart, the broker still runs
# in the state before (the file says migration, the process runs ZooKeeper mode).
_STATE_BEFORE_ROLL = {NODE_ZK_MIGRATING: NODE_ZK, NODE_KRAFT_BROKER: NODE_ZK_MIGRATING}
# The broker state a forward roll writes.
ROLL_TARGET_STATE = {MIGRATION: NODE_ZK_MIGRATING, DUAL_WRITE: NODE_KRAFT_BROKER}


def pending_brokers(nodes: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Brokers whose process does not run their file: not running, or started before the file was written.

    ``nodes`` maps host -> what M(kafka_node_info) returned (``running``, ``restart_pending``).
    """
    return sorted(h for h, n in nodes.items()
                  if n and (not n.get("running") or n.get("restart_pending")))


def running_states(broker_states: Mapping[str, str], pending: Iterable[str]) -> dict[str, str]:
    """Each broker's state as its process runs it: a pending broker still runs the state before its roll."""
    pending = set(pending)
    return {h: (_STATE_BEFORE_ROLL.get(s, s) if h in pending else s) for h, s in broker_states.items()}


def detect_phase(
    broker_states: Mapping[str, str],
    controller_states: Mapping[str, str],
    migration_state: str | None = None,
    pending: Iterable[str] = (),
) -> Detection:
    """Work out the phase from each node's config state and the controllers' migration state.

    ``migration_state`` is PRE_MIGRATION/MIGRATION/POST_MIGRATION when known. Hosts that
    disagree in a way no single forward or rollback roll explains are reported as problems,
    never guessed away. ``pending`` names brokers whose process does not run their file yet (a
    run killed between writing a file and the restart, or a broker left down): their roll is not
    done, so the phase their file names is not reached yet (else the run would wait for a state
    that only their restart brings, before restarting them).
    """
    brokers = dict(broker_states)
    if pending:
        running = running_states(broker_states, pending)
        detection = detect_phase(running, controller_states, migration_state)
        # Report the files' states; the phase is the processes'.
        return Detection(detection.phase, detection.in_progress, brokers, detection.controllers,
                         detection.problems)
    controllers = dict(controller_states)
    problems: list[str] = []
    b_kinds = set(brokers.values())
    c_kinds = set(controllers.values())

    def hosts(states: Mapping[str, str], kind: str) -> str:
        return ", ".join(sorted(h for h, s in states.items() if s == kind))

    for kind in (NODE_UNKNOWN, NODE_COMBINED, NODE_ABSENT, NODE_CONTROLLER_MIGRATING, NODE_CONTROLLER_KRAFT):
        if kind in b_kinds:
            problems.append(f"brokers in unexpected state {kind}: {hosts(brokers, kind)}")
    for kind in (NODE_UNKNOWN, NODE_COMBINED, NODE_ZK, NODE_ZK_MIGRATING, NODE_KRAFT_BROKER):
        if kind in c_kinds:
            problems.append(f"controllers in unexpected state {kind}: {hosts(controllers, kind)}")
    if problems:
        return Detection(ZOOKEEPER, None, brokers, controllers, problems)

    controllers_absent = c_kinds <= {NODE_ABSENT}
    controllers_kraft = NODE_CONTROLLER_KRAFT in c_kinds
    if NODE_ABSENT in c_kinds and len(c_kinds) > 1:
        problems.append(
            "some controllers are provisioned and some are not: provisioned: {}; not provisioned: {}".format(
                ", ".join(sorted(h for h, s in controllers.items() if s != NODE_ABSENT)), hosts(controllers, NODE_ABSENT))
        )
        # Phase 1 is not reached until every controller is provisioned.
        return Detection(ZOOKEEPER, CONTROLLERS, brokers, controllers, problems)

    if controllers_absent:
        if b_kinds - {NODE_ZK}:
            problems.append(
                "brokers are configured for migration but no controller is provisioned: migrating: {}; KRaft: {}".format(
                    hosts(brokers, NODE_ZK_MIGRATING) or "-", hosts(brokers, NODE_KRAFT_BROKER) or "-")
            )
        return Detection(ZOOKEEPER, None, brokers, controllers, problems)

    if controllers_kraft:
        if b_kinds - {NODE_KRAFT_BROKER}:
            problems.append(
                "controllers are finalized ({}) but some brokers are not KRaft brokers: {}".format(
                    hosts(controllers, NODE_CONTROLLER_KRAFT), ", ".join(sorted(h for h, s in brokers.items() if s != NODE_KRAFT_BROKER)))
            )
            return Detection(DUAL_WRITE, KRAFT, brokers, controllers, problems)
        if NODE_CONTROLLER_MIGRATING in c_kinds or migration_state not in (None, "POST_MIGRATION"):
            return Detection(DUAL_WRITE, KRAFT, brokers, controllers, problems)
        return Detection(KRAFT, None, brokers, controllers, problems)

    # Controllers provisioned with the migration flag.
    if b_kinds == {NODE_ZK}:
        return Detection(CONTROLLERS, None, brokers, controllers, problems)
    if b_kinds == {NODE_ZK_MIGRATING}:
        if migration_state in (None, "MIGRATION", "POST_MIGRATION"):
            return Detection(MIGRATION, None, brokers, controllers, problems)
        return Detection(CONTROLLERS, MIGRATION, brokers, controllers, problems)
    if b_kinds == {NODE_ZK, NODE_ZK_MIGRATING}:
        # A roll into migration mode, or the second rollback roll, is under way.
        return Detection(CONTROLLERS, MIGRATION, brokers, controllers, problems)
    if b_kinds == {NODE_KRAFT_BROKER}:
        return Detection(DUAL_WRITE, None, brokers, controllers, problems)
    if b_kinds == {NODE_ZK_MIGRATING, NODE_KRAFT_BROKER}:
        return Detection(MIGRATION, DUAL_WRITE, brokers, controllers, problems)
    problems.append(
        "brokers are spread over more than two states: ZooKeeper: {}; migrating: {}; KRaft: {}".format(
            hosts(brokers, NODE_ZK) or "-", hosts(brokers, NODE_ZK_MIGRATING) or "-", hosts(brokers, NODE_KRAFT_BROKER) or "-")
    )
    return Detection(CONTROLLERS, None, brokers, controllers, problems)


@dataclass(frozen=True)
class RollbackPlan:
    """What a rollback (facts §2) still has to do, worked out from each node's config state."""

    from_phase: str                     # the phase being rolled back (zookeeper: nothing to do)
    refusal: str | None              # why no rollback is possible, if so
    hybrid_roll: list[str] = field(default_factory=list)     # KRaft brokers -> ZooKeeper mode with the flag
    deprovision: list[str] = field(default_factory=list)     # controllers to stop and wipe
    final_roll: list[str] = field(default_factory=list)      # brokers -> plain ZooKeeper mode

    @property
    def nothing_to_do(self) -> bool:
        return not (self.hybrid_roll or self.deprovision or self.final_roll)


def plan_rollback(broker_states: Mapping[str, str], controller_states: Mapping[str, str],
                  zk_controller: str | None = None) -> RollbackPlan:
    """Steps back to ZooKeeper mode from any phase before finalization; refuses after it.

    Mid-rollback states (controllers already gone, brokers still carrying the migration flag)
    are expected here: an interrupted rollback resumes from them.

    ``zk_controller`` is the broker elected ZooKeeper controller once the KRaft controllers are
    gone: roll 2 restarts it last, so the controller moves once instead of at every restart, and
    never to a broker that is about to restart.
    """
    finalized = sorted(h for h, s in controller_states.items() if s == NODE_CONTROLLER_KRAFT)
    if finalized:
        return RollbackPlan(KRAFT, "the migration was finalized (controllers {} run without the migration flag): "
                            "ZooKeeper no longer receives metadata, so there is no way back; finalization is "
                            "one-way".format(", ".join(finalized)))
    odd = sorted(f"{h} ({s})" for h, s in list(broker_states.items()) + list(controller_states.items())
                 if s in (NODE_UNKNOWN, NODE_COMBINED)
                 or (h in broker_states and s not in (NODE_ZK, NODE_ZK_MIGRATING, NODE_KRAFT_BROKER))
                 or (h in controller_states and s not in (NODE_ABSENT, NODE_CONTROLLER_MIGRATING)))
    if odd:
        return RollbackPlan(ZOOKEEPER, "hosts in states a rollback cannot start from: {}".format(", ".join(odd)))
    kraft_brokers = sorted(h for h, s in broker_states.items() if s == NODE_KRAFT_BROKER)
    plain = sorted(h for h, s in broker_states.items() if s == NODE_ZK)
    if kraft_brokers and plain:
        # No forward roll and no rollback roll leaves plain ZooKeeper brokers beside KRaft brokers.
        migrating = sorted(h for h, s in broker_states.items() if s == NODE_ZK_MIGRATING)
        return RollbackPlan(DUAL_WRITE, "the brokers disagree about the phase: KRaft: {}; ZooKeeper mode without "
                            "the migration flag: {}; ZooKeeper mode with the flag: {}. Bring them to one of the "
                            "states of a roll by hand, then run again".format(
                                ", ".join(kraft_brokers), ", ".join(plain), ", ".join(migrating) or "-"))
    flagged = sorted(h for h, s in broker_states.items() if s in (NODE_ZK_MIGRATING, NODE_KRAFT_BROKER))
    controllers = sorted(h for h, s in controller_states.items() if s == NODE_CONTROLLER_MIGRATING)
    if kraft_brokers:
        from_phase = DUAL_WRITE
    elif flagged:
        from_phase = MIGRATION
    elif controllers:
        from_phase = CONTROLLERS
    else:
        from_phase = ZOOKEEPER
    # Roll 1 keeps the flag so KRaft brokers come back as ZooKeeper brokers the controllers still
    # know; without controllers left, the flag would only make them wait for a quorum that is gone.
    hybrid = kraft_brokers if controllers else []
    return RollbackPlan(from_phase, None, hybrid, controllers, moved_last(flagged, zk_controller))


def moved_last(hosts: Sequence[str], host: str | None) -> list[str]:
    """``hosts`` in their order with ``host`` moved to the end (when it is one of them)."""
    return [h for h in hosts if h != host] + [h for h in hosts if h == host]


@dataclass(frozen=True)
class DeadBrokers:
    """Which stopped broker a run finishes rolling, and which stopped brokers it refuses to start with."""

    resume: str | None           # the broker the last run was rolling: the roll starts it and waits
    refusal: str | None          # why the run must not start (names every other stopped broker)
    resume_target: str | None = None    # a rollback's: the target whose roll the resumed broker finishes


def _newest_file(nodes: Mapping[str, Mapping[str, Any]], states: Mapping[str, str], state: str) -> str | None:
    """The host in ``state`` whose file a run wrote last: the one a roll into that state was restarting."""
    return max((h for h in nodes if states.get(h) == state),
               key=lambda h: nodes[h].get("config_mtime") or 0.0, default=None)


def _not_running(nodes: Mapping[str, Mapping[str, Any]], hosts: Iterable[str]) -> str:
    return "; ".join("{} is not running (no Kafka process for its service{})".format(
        h, ", and its server.properties is missing" if not nodes[h].get("config_exists", True) else "")
        for h in hosts)


def _refuse_dead(nodes: Mapping[str, Mapping[str, Any]], others: list[str], resume: str | None, run: str) -> str:
    why = _not_running(nodes, others)
    extra = (f" The last {run} was rolling {resume}; this run will start it and wait for it once the others are back."
             if resume else "")
    return (f"{why}. A roll must not stop another broker while one is down: start {' and '.join(others)} (see its "
            f"server.log and service status), then run again.{extra}")


def judge_dead_brokers(nodes: Mapping[str, Mapping[str, Any]], detection: Detection) -> DeadBrokers:
    """A stopped broker is the last run's if its roll is under way and its file is the newest it wrote.

    A run writes a broker's file and then restarts it, one broker at a time: the broker it left
    down (killed in its wait, or its service failed to start) holds the roll's target state and
    the newest file of those. Any other stopped broker is a fault the operator must see first,
    named, rather than an anonymous under-replicated-partitions refusal.
    """
    dead = sorted(h for h, n in nodes.items() if n and not n.get("running"))
    if not dead:
        return DeadBrokers(None, None)
    target = ROLL_TARGET_STATE.get(detection.in_progress or "")
    resume = None
    if target is not None:
        newest = _newest_file(nodes, detection.brokers, target)
        if newest in dead:
            resume = newest
    others = [h for h in dead if h != resume]
    if not others:
        return DeadBrokers(resume, None)
    return DeadBrokers(resume, _refuse_dead(nodes, others, resume, "run"))


def judge_rollback_dead_brokers(nodes: Mapping[str, Mapping[str, Any]], broker_states: Mapping[str, str],
                                plan: RollbackPlan) -> DeadBrokers:
    """Which stopped broker a rollback finishes rolling first, and which stopped brokers it refuses to start with.

    A rollback roll writes a broker's file and then restarts it, one broker at a time, so the broker
    it left down holds the newest file of all brokers, in the state that roll writes: ZooKeeper mode
    with the migration flag while controllers are left (roll 1, ``rollback_hybrid``; also the forward
    roll into migration mode, whose file is the same), or plain ZooKeeper mode once they are gone and
    other brokers still carry the flag (roll 2, ``rollback_zookeeper``). Roll 2's last broker leaves
    no broker with the flag: its file's record (``written_target``) says roll 2 wrote it. This run
    starts that broker on its file and waits for it before any other stop. Every other stopped broker is refused, named:
    the rolls would stop a second broker while it is down (and the run ends waiting for every broker).
    """
    dead = sorted(h for h, n in nodes.items() if n and not n.get("running"))
    if not dead:
        return DeadBrokers(None, None)
    timed = [h for h, n in nodes.items() if n and n.get("config_mtime") is not None]
    newest = max(timed, key=lambda h: nodes[h]["config_mtime"], default=None)
    state = broker_states.get(newest or "")
    target = None
    if newest in dead:
        if state == NODE_ZK_MIGRATING and plan.deprovision:
            target = ROLLBACK_HYBRID
        elif state == NODE_ZK and not plan.deprovision and (
                plan.final_roll or nodes[newest].get("written_target") == ROLLBACK_ZOOKEEPER):
            target = ROLLBACK_ZOOKEEPER
    resume = newest if target else None
    others = [h for h in dead if h != resume]
    if not others:
        return DeadBrokers(resume, None, target)
    return DeadBrokers(resume, _refuse_dead(nodes, others, resume, "rollback"), target)


# Before this release a broker back in ZooKeeper mode keeps its stale KRaft metadata log, which a later
# migration would read; as rollback roll 2 does, its restart removes the log.
KEEPS_STALE_METADATA_LOG_BEFORE = Release(3, 7, 1)


def removes_metadata_log(target: str | None, kafka_version: str) -> bool:
    """Whether a broker roll to ``target`` removes the broker's KRaft metadata log while it is stopped."""
    return target == ROLLBACK_ZOOKEEPER and Release.parse(kafka_version) < KEEPS_STALE_METADATA_LOG_BEFORE


def judge_dead_controllers(nodes: Mapping[str, Mapping[str, Any]], detection: Detection) -> str | None:
    """Why a forward run must not start while a provisioned controller is stopped, if it must not.

    Until a broker is rolled, starting the controllers is phase 1's job (a run killed before their
    start leaves them provisioned and stopped; each later stop is guarded). In the finalization
    roll, the controller with the newest KRaft file is the one the last run was restarting: the
    roll starts it again. Any other stopped voter is a fault: a controller roll or finalization
    with a voter down leaves the quorum one failure from losing its majority (issue: the run
    finished and then restarted another controller, leaving 1 of 3 voters up).
    """
    if detection.phase == ZOOKEEPER or (detection.phase == CONTROLLERS and detection.in_progress is None):
        return None
    dead = sorted(h for h, n in nodes.items()
                  if n and not n.get("running") and detection.controllers.get(h, NODE_ABSENT) != NODE_ABSENT)
    if detection.in_progress == KRAFT:
        newest = _newest_file(nodes, detection.controllers, NODE_CONTROLLER_KRAFT)
        dead = [h for h in dead if h != newest]
    if not dead:
        return None
    why = _not_running(nodes, dead)
    return (f"{why}. Every controller roll and finalization need all voters up and caught up: start {' and '.join(dead)} (see its "
            "server.log and service status), then run again.")
