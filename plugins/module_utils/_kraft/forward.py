# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The whole forward run, the twin of ``phases.plan_rollback``: the plan decides, the playbook executes.

From the detected state (each node's config state and the controllers' migration state) and the
run options, :func:`plan_forward` returns which steps run, the ordered roll batches of each
(lists of host names), the controller order of finalization (active controller last), the
finalization verdict with its reasons, and the phase expected after the run. A playbook only
tests ``inventory_hostname in batch`` and the ``run`` flags; it compares no phase names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import (
    CONTROLLERS,
    DUAL_WRITE,
    KRAFT,
    MIGRATION,
    NODE_CONTROLLER_KRAFT,
    NODE_CONTROLLER_MIGRATING,
    NODE_KRAFT_BROKER,
    NODE_ZK,
    NODE_ZK_MIGRATING,
    PHASES,
    ZOOKEEPER,
    Detection,
    detect_phase,
    phase_index,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rolls import (
    RACK,
    SERIAL,
    STRATEGIES,
    BatchSafety,
    batch_hosts,
    check_batches,
)

# What a run may stop after (dual_write is where a run without finalization ends anyway).
STOP_AFTER = (CONTROLLERS, MIGRATION, DUAL_WRITE)

# Waits a playbook runs after a step (the condition, and the migration state expected).
WAIT_PRE_MIGRATION = "PRE_MIGRATION"
WAIT_MIGRATION = "MIGRATION"
WAIT_ZK_BROKERS_GONE = "zk_brokers_gone"     # MigratingZkBrokerCount 0 (or /brokers/ids empty)
WAIT_POST_MIGRATION = "POST_MIGRATION"

# Finalization checks, in the order the guard reports them.
CHECK_BROKERS_KRAFT = "brokers_kraft"
CHECK_SOAK = "soak"
CHECK_ZK_BROKERS = "zk_brokers_gone"
CHECK_MIGRATION_STATE = "migration_state"
CHECK_VOTERS = "voters_up"
CHECK_UNDER_REPLICATED = "under_replicated"


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0", "", "none"):
        return False
    raise ModelError(f"{name} must be true or false, got {value!r}")


@dataclass(frozen=True)
class ForwardOptions:
    """What the operator asked of this run (the zk2kraft_* extra vars)."""

    stop_after: str | None = None            # controllers | migration | dual_write | None
    finalize: bool = False
    finalize_min_soak_seconds: float = 0.0
    roll_strategy: str = SERIAL                  # serial | rack
    roll_batch: int | None = None             # fixed batch size (None: 1 for serial, the rack for rack)
    check_mode: bool = False

    def __post_init__(self) -> None:
        if self.stop_after not in (None,) + STOP_AFTER:
            raise ModelError("stop_after '{}' is not one of {}".format(self.stop_after, ", ".join(STOP_AFTER)))
        if self.roll_strategy not in STRATEGIES:
            raise ModelError("roll_strategy '{}' is not one of {}".format(self.roll_strategy, ", ".join(STRATEGIES)))
        if self.finalize_min_soak_seconds < 0:
            raise ModelError(f"finalize_min_soak_seconds must not be negative, got {self.finalize_min_soak_seconds}")
        if self.roll_batch is not None and (isinstance(self.roll_batch, bool) or not isinstance(self.roll_batch, int)
                                            or self.roll_batch < 1):
            raise ModelError(f"roll_batch must be a whole number of brokers, 1 or more; got {self.roll_batch!r}")

    @classmethod
    def from_vars(cls, stop_after: Any = None, finalize: Any = False, finalize_min_soak_seconds: Any = 0,
                  roll_strategy: Any = None, roll_batch: Any = None, check_mode: Any = False) -> ForwardOptions:
        """From loosely typed playbook values ('' and None mean unset; numbers may come as text)."""
        stop = str(stop_after).strip() if stop_after not in (None, "") else None
        try:
            soak = float(finalize_min_soak_seconds if finalize_min_soak_seconds not in (None, "") else 0)
        except (TypeError, ValueError):
            raise ModelError(f"finalize_min_soak_seconds must be a number of seconds, got {finalize_min_soak_seconds!r}") from None
        batch: int | None = None
        if roll_batch not in (None, ""):
            try:
                batch = int(str(roll_batch).strip())
            except ValueError:
                raise ModelError(f"roll_batch must be a whole number of brokers, got {roll_batch!r}") from None
        strategy = str(roll_strategy).strip() if roll_strategy not in (None, "") else SERIAL
        return cls(stop, _flag(finalize, "finalize"), soak, strategy, batch, _flag(check_mode, "check_mode"))

    @property
    def parallel(self) -> bool:
        return self.roll_strategy == RACK or (self.roll_batch or 1) > 1

    def as_dict(self) -> dict[str, Any]:
        return {"stop_after": self.stop_after, "finalize": self.finalize,
                "finalize_min_soak_seconds": self.finalize_min_soak_seconds,
                "roll_strategy": self.roll_strategy, "roll_batch": self.roll_batch, "check_mode": self.check_mode}


@dataclass(frozen=True)
class Topology:
    """The partition layout the safety check of parallel rolls needs (see rolls.check_batches)."""

    partitions: Sequence[Any] = ()
    broker_ids: Mapping[str, int] = field(default_factory=dict)         # host -> broker id
    racks: Mapping[str, str | None] = field(default_factory=dict)    # host -> broker.rack
    topic_min_isr: Mapping[str, Any] = field(default_factory=dict)      # topic -> min.insync.replicas
    default_min_isr: Any = 1                                            # the brokers' default


def topology_from(spec_brokers: Sequence[Mapping[str, Any]], partition_states: Sequence[Any],
                  configs: Mapping[str, Mapping[str, Any]] | None = None) -> Topology:
    """The layout from the resolved spec's brokers (name, node_id, rack, min_insync_replicas), ZooKeeper's
    partition states and its entity configs (``topics/<name>`` overrides). The brokers' default
    min.insync.replicas is the highest any broker's file sets (the safe side when they differ)."""
    defaults = [b.get("min_insync_replicas") for b in spec_brokers if b.get("min_insync_replicas") not in (None, "")]
    try:
        default_min_isr: Any = max(int(str(v).strip()) for v in defaults) if defaults else 1
    except ValueError:
        raise ModelError("min.insync.replicas in a broker's server.properties is not a whole number: {}".format(
            ", ".join(str(v) for v in defaults))) from None
    topic_min_isr = {key.split("/", 1)[1]: cfg["min.insync.replicas"] for key, cfg in (configs or {}).items()
                     if key.startswith("topics/") and "min.insync.replicas" in cfg}
    return Topology(tuple(partition_states), {str(b["name"]): int(b["node_id"]) for b in spec_brokers},
                    {str(b["name"]): b.get("rack") for b in spec_brokers}, topic_min_isr, default_min_isr)


@dataclass(frozen=True)
class FinalizeFacts:
    """What the finalization guard observes; None: not observed (yet)."""

    now: float | None = None                                      # epoch seconds
    broker_config_mtimes: Mapping[str, float] | None = None       # host -> server.properties mtime
    migrating_zk_broker_count: int | None = None                  # or the /brokers/ids count without Jolokia
    voters_up: Mapping[str, bool] | None = None                   # controller host -> up as a voter
    active_controller: str | None = None                          # host of the quorum leader
    under_replicated: int | None = None                           # under-replicated partition count


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None          # None: not decided yet (observed at the guard)
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class FinalizeVerdict:
    """allowed: True (every check passed), False (one failed: refuse), None (some not observed yet)."""

    requested: bool
    runs: bool                      # the guard and the controller roll are part of this run
    allowed: bool | None
    checks: list[Check] = field(default_factory=list)
    controller_order: list[str] = field(default_factory=list)
    resuming: bool = False          # some controllers are finalized already

    @property
    def reasons(self) -> list[str]:
        return [c.detail for c in self.checks if c.ok is False]

    @property
    def refusal(self) -> str | None:
        if self.allowed is False:
            return "Finalization refused: {}.".format("; ".join(self.reasons))
        return None

    def as_dict(self) -> dict[str, Any]:
        return {"requested": self.requested, "runs": self.runs, "allowed": self.allowed,
                "refusal": self.refusal, "reasons": self.reasons, "resuming": self.resuming,
                "checks": [c.as_dict() for c in self.checks], "controller_order": list(self.controller_order)}


@dataclass(frozen=True)
class Step:
    """One step of the run: the hosts it covers, in ordered batches, and the wait after it."""

    name: str                       # controllers | migration | dual_write | kraft
    runs: bool
    reason: str                     # why it runs or is skipped
    batches: list[list[str]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)     # hosts not yet in the step's target state
    wait_after: str | None = None                     # None: no wait
    resumed: bool = False                             # the roll was under way: an interrupted run may have left a catch-up

    @property
    def hosts(self) -> list[str]:
        return [h for b in self.batches for h in b]

    @property
    def handover(self) -> list[str]:
        """Hosts whose restart leaves the wait for the replicas' catch-up to the next batch's guard: every batch's
        but the last's (the roll's end waits for its own, so what follows the roll starts from a healthy cluster)."""
        return [h for b in self.batches[:-1] for h in b]

    @property
    def after_handover(self) -> list[str]:
        """Hosts whose guard may wait out the batch before's catch-up (its restart's wait), not only a flap: the first
        batch's too when the roll resumes (the interrupted run may have handed its last catch-up to nobody)."""
        return [h for b in self.batches[0 if self.resumed else 1:] for h in b]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "runs": self.runs, "reason": self.reason,
                "batches": [list(b) for b in self.batches], "hosts": self.hosts,
                "handover": self.handover, "after_handover": self.after_handover,
                "pending": list(self.pending), "wait_after": self.wait_after}


@dataclass(frozen=True)
class ForwardPlan:
    detection: Detection
    options: ForwardOptions
    refusal: str | None
    steps: list[Step]
    finalize: FinalizeVerdict
    phase_after: str
    in_progress_after: str | None
    roll_safety: BatchSafety | None = None

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    @property
    def run_steps(self) -> list[str]:
        return [s.name for s in self.steps if s.runs]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON types only; a playbook reads ``steps.<name>.runs`` and ``.batches``."""
        return {
            "detected": {"phase": self.detection.phase, "in_progress": self.detection.in_progress,
                         "problems": list(self.detection.problems),
                         # Preflight's start-only checks (dead assignments, every broker alive, the snapshot).
                         "fresh_start": self.detection.phase == ZOOKEEPER and self.detection.in_progress is None,
                         "brokers_untouched": (self.detection.phase in (ZOOKEEPER, CONTROLLERS)
                                               and self.detection.in_progress is None)},
            "options": self.options.as_dict(),
            "refusal": self.refusal,
            "run_steps": self.run_steps,
            "steps": {s.name: s.as_dict() for s in self.steps},
            "step_order": [s.name for s in self.steps],
            "controller_order": list(self.finalize.controller_order),
            "finalize": self.finalize.as_dict(),
            "roll_safety": self.roll_safety.as_dict() if self.roll_safety is not None else None,
            "phase_after": self.phase_after,
            "in_progress_after": self.in_progress_after,
        }


def controller_order(controllers: Sequence[str], active: str | None) -> list[str]:
    """Controllers in inventory order with the active one last (unknown: the last one stays last)."""
    hosts = list(controllers)
    if active is None or not hosts:
        return hosts
    if active not in hosts:
        raise ModelError("the active controller {} is not one of the controllers ({})".format(active, ", ".join(hosts)))
    return [h for h in hosts if h != active] + [active]


def finalize_checks(
    broker_states: Mapping[str, str],
    controller_states: Mapping[str, str],
    migration_state: str | None,
    min_soak_seconds: float,
    facts: FinalizeFacts | None = None,
    brokers_roll_first: bool = False,
) -> list[Check]:
    """The guard's conditions, each passed, failed or not yet observed.

    ``brokers_roll_first``: this run still rolls brokers to KRaft before the guard, so their
    states and config times are those of after the roll (a soak minimum above zero then fails).
    Resuming a finalization (a controller already runs without the flag) skips the
    ZooKeeper-broker and migration-state checks, as those no longer hold once it started.
    """
    facts = facts or FinalizeFacts()
    resuming = any(s == NODE_CONTROLLER_KRAFT for s in controller_states.values())
    checks: list[Check] = []

    not_kraft = [h for h, s in broker_states.items() if s != NODE_KRAFT_BROKER]
    if not not_kraft:
        checks.append(Check(CHECK_BROKERS_KRAFT, True, "every broker runs as a KRaft broker"))
    elif brokers_roll_first:
        checks.append(Check(CHECK_BROKERS_KRAFT, None, "this run rolls {} to KRaft first".format(", ".join(not_kraft))))
    else:
        checks.append(Check(CHECK_BROKERS_KRAFT, False, "broker(s) {} do not run as KRaft brokers yet".format(", ".join(not_kraft))))

    if min_soak_seconds <= 0:
        checks.append(Check(CHECK_SOAK, True, "no minimum soak time"))
    elif brokers_roll_first and not_kraft:
        checks.append(Check(CHECK_SOAK, False, "the brokers move to KRaft in this run, so the minimum soak time of "
                            f"{_secs(min_soak_seconds)} s cannot have elapsed; run with the finalization again later"))
    elif facts.now is None or not facts.broker_config_mtimes:
        checks.append(Check(CHECK_SOAK, None, f"soak time not observed yet (minimum {_secs(min_soak_seconds)} s)"))
    else:
        soaked = float(facts.now) - max(float(t) for t in facts.broker_config_mtimes.values())
        ok = soaked >= min_soak_seconds
        checks.append(Check(CHECK_SOAK, ok, f"the last broker moved to KRaft {int(soaked)} s ago; the minimum soak time is "
                            f"{_secs(min_soak_seconds)} s"))

    if resuming:
        checks.append(Check(CHECK_ZK_BROKERS, True, "finalization under way: ZooKeeper brokers no longer counted"))
        checks.append(Check(CHECK_MIGRATION_STATE, True, "finalization under way: migration state not checked"))
    elif brokers_roll_first and not_kraft:
        checks.append(Check(CHECK_ZK_BROKERS, None, "MigratingZkBrokerCount is checked after the broker roll"))
        checks.append(Check(CHECK_MIGRATION_STATE, None, "the migration state is checked after the broker roll"))
    else:
        count = facts.migrating_zk_broker_count
        if count is None:
            checks.append(Check(CHECK_ZK_BROKERS, None, "MigratingZkBrokerCount not observed yet"))
        else:
            checks.append(Check(CHECK_ZK_BROKERS, int(count) == 0, f"MigratingZkBrokerCount is {int(count)} (0 needed)"))
        if migration_state is None:
            checks.append(Check(CHECK_MIGRATION_STATE, None, "migration state not observed yet (MIGRATION needed)"))
        else:
            checks.append(Check(CHECK_MIGRATION_STATE, migration_state == "MIGRATION",
                                f"the controllers are in {migration_state} (MIGRATION needed)"))

    if facts.voters_up is None:
        checks.append(Check(CHECK_VOTERS, None, "controller quorum not observed yet"))
    else:
        down = [h for h in controller_states if not facts.voters_up.get(h, False)]
        checks.append(Check(CHECK_VOTERS, not down, ("voter(s) {} are not up".format(", ".join(down))) if down
                            else "every controller is up as a voter"))

    if facts.under_replicated is None:
        checks.append(Check(CHECK_UNDER_REPLICATED, None, "under-replicated partitions not observed yet"))
    else:
        checks.append(Check(CHECK_UNDER_REPLICATED, int(facts.under_replicated) == 0,
                            f"{int(facts.under_replicated)} partition(s) under-replicated (0 needed)"))
    return checks


def _secs(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value}"


def _verdict(checks: Sequence[Check]) -> bool | None:
    if any(c.ok is False for c in checks):
        return False
    if any(c.ok is None for c in checks):
        return None
    return True


def finalize_verdict(
    broker_states: Mapping[str, str],
    controller_states: Mapping[str, str],
    migration_state: str | None,
    min_soak_seconds: float = 0.0,
    facts: FinalizeFacts | None = None,
) -> FinalizeVerdict:
    """The guard itself, on fresh observations after the broker rolls: allowed, refused (with
    reasons) or undecided, and the controller order (active controller last)."""
    facts = facts or FinalizeFacts()
    checks = finalize_checks(broker_states, controller_states, migration_state, min_soak_seconds, facts)
    resuming = any(s == NODE_CONTROLLER_KRAFT for s in controller_states.values())
    return FinalizeVerdict(True, True, _verdict(checks), checks,
                           controller_order(list(controller_states), facts.active_controller), resuming)


def plan_forward(
    broker_states: Mapping[str, str],
    controller_states: Mapping[str, str],
    migration_state: str | None = None,
    options: ForwardOptions | None = None,
    topology: Topology | None = None,
    finalize_facts: FinalizeFacts | None = None,
    pending: Iterable[str] = (),
    resume_host: str | None = None,
) -> ForwardPlan:
    """The whole forward run from the detected state and the run options.

    ``broker_states``/``controller_states`` map host -> node state (phases.NODE_*) in inventory
    order, exactly what ``detect_phase`` takes. ``topology`` is needed only for parallel rolls
    (strategy rack or roll_batch > 1); ``finalize_facts`` only to decide the finalization now
    (without them its checks that need observations stay undecided: ``allowed`` None).
    ``pending`` names brokers whose process does not run their file yet (see ``detect_phase``).
    ``resume_host`` is the broker the last run left down mid-roll: its roll comes first, on its own,
    as every other broker's health wait needs it back.
    Raises ModelError on invalid options or inputs; a run that must not start has ``refusal``.
    """
    options = options or ForwardOptions()
    detection = detect_phase(broker_states, controller_states, migration_state, pending)
    brokers = list(broker_states)
    controllers = list(controller_states)
    facts = finalize_facts or FinalizeFacts()

    # Not yet finalized nor finalizing: the guard the playbook wrote five times.
    open_migration = detection.phase != KRAFT and detection.in_progress != KRAFT
    stop = options.stop_after or DUAL_WRITE
    stop_idx = phase_index(stop)

    refusals: list[str] = []
    if detection.problems:
        refusals.append("the hosts disagree about the migration phase; fix or roll back by hand: {}".format("; ".join(detection.problems)))
    if options.finalize and options.stop_after in (CONTROLLERS, MIGRATION):
        refusals.append(f"finalize and stop_after={options.stop_after} contradict each other: finalization needs every broker on KRaft")

    # Step 1: provision the controllers (migration flag on), all at once.
    wait_1 = WAIT_PRE_MIGRATION if detection.phase in (ZOOKEEPER, CONTROLLERS) else WAIT_MIGRATION
    ctl_pending = [h for h, s in controller_states.items() if s != NODE_CONTROLLER_MIGRATING]
    if open_migration:
        step_ctl = Step(CONTROLLERS, True, "controllers are provisioned (or checked) with the migration flag",
                        [controllers] if controllers else [], ctl_pending,
                        None if options.check_mode else wait_1)
    else:
        step_ctl = Step(CONTROLLERS, False, "the migration is finalized or finalizing")

    # Step 2: brokers into migration mode (ZooKeeper brokers, flag on).
    mig_hosts = [h for h, s in broker_states.items() if s in (NODE_ZK, NODE_ZK_MIGRATING)]
    mig_pending = [h for h, s in broker_states.items() if s == NODE_ZK]
    runs_2 = stop_idx >= phase_index(MIGRATION)
    # Step 3: brokers to KRaft (every broker: a no-op where done, a pending restart where interrupted).
    runs_3 = stop_idx >= phase_index(DUAL_WRITE)
    kraft_pending = [h for h, s in broker_states.items() if s != NODE_KRAFT_BROKER]

    roll_safety: BatchSafety | None = None
    parallel_roll = options.parallel and (runs_2 or runs_3)
    mig_batches: list[list[str]] = []
    dw_batches: list[list[str]] = []
    if parallel_roll and topology is None:
        refusals.append(f"a parallel roll (strategy {options.roll_strategy}, batch {options.roll_batch or 'rack'}) "
                        "needs the partition layout to prove it safe")
    else:
        try:
            mig_batches = _first(_batches(mig_hosts, options, topology), resume_host) if runs_2 else []
            dw_batches = _first(_batches(brokers, options, topology), resume_host) if runs_3 else []
        except ModelError as exc:
            refusals.append(str(exc))
    if parallel_roll and topology is not None and not refusals:
        # The KRaft roll covers every broker; the migration roll only the ZooKeeper brokers, so
        # its fixed-size batches can group brokers differently and are checked on their own.
        roll_safety = check_batches(dw_batches or mig_batches, topology.partitions, topology.broker_ids,
                                    topology.topic_min_isr, topology.default_min_isr, topology.racks,
                                    require_racks=options.roll_strategy == RACK)
        if roll_safety.safe and dw_batches and mig_batches:
            mig_safety = check_batches(mig_batches, topology.partitions, topology.broker_ids,
                                       topology.topic_min_isr, topology.default_min_isr, topology.racks,
                                       require_racks=options.roll_strategy == RACK)
            if not mig_safety.safe:
                roll_safety = mig_safety
        if not roll_safety.safe:
            refusals.append(roll_safety.refusal or "parallel roll refused")

    step_mig = Step(MIGRATION, runs_2,
                    "ZooKeeper brokers restart with the migration flag" if runs_2 else "stop_after=controllers",
                    mig_batches, mig_pending if runs_2 else [],
                    WAIT_MIGRATION if runs_2 and open_migration and not options.check_mode else None,
                    resumed=detection.in_progress == MIGRATION)
    step_dw = Step(DUAL_WRITE, runs_3,
                   "brokers restart as KRaft brokers" if runs_3 else f"stop_after={stop}",
                   dw_batches, kraft_pending if runs_3 else [],
                   WAIT_ZK_BROKERS_GONE if runs_3 and open_migration and not options.check_mode else None,
                   resumed=detection.in_progress == DUAL_WRITE)

    # Step 4: finalization, guarded.
    fin_runs = (options.finalize and detection.phase != KRAFT
                # A check-mode run from an earlier phase changed nothing, so the guard could only refuse.
                and not (options.check_mode and detection.phase != DUAL_WRITE))
    resuming = any(s == NODE_CONTROLLER_KRAFT for s in controller_states.values())
    if fin_runs:
        checks = finalize_checks(broker_states, controller_states, migration_state,
                                 options.finalize_min_soak_seconds, facts,
                                 brokers_roll_first=runs_3 and bool(kraft_pending))
        verdict = FinalizeVerdict(True, True, _verdict(checks), checks,
                                  controller_order(controllers, facts.active_controller), resuming)
        fin_reason = "finalization, guarded; controllers one at a time, the active one last"
    else:
        verdict = FinalizeVerdict(options.finalize, False, None, [], [], resuming)
        fin_reason = ("not asked for (finalize=false)" if not options.finalize
                      else "already finalized" if detection.phase == KRAFT
                      else "check mode from an earlier phase: nothing changed, so the guard could only refuse")
    step_fin = Step(KRAFT, fin_runs, fin_reason, [[h] for h in verdict.controller_order],
                    [h for h, s in controller_states.items() if s != NODE_CONTROLLER_KRAFT] if fin_runs else [],
                    WAIT_POST_MIGRATION if options.finalize and not options.check_mode else None)

    refusal = "; ".join(refusals) if refusals else None
    if refusal is None and verdict.allowed is False:
        # Sure to fail at the guard (e.g. the soak cannot have elapsed): refuse before any change.
        refusal = verdict.refusal
    phase_after, in_progress_after = _after(detection, options, refusal)
    steps = [step_ctl, step_mig, step_dw, step_fin]
    if refusal is not None:
        steps = [Step(s.name, False, "run refused", s.batches, s.pending, None) for s in steps]
    return ForwardPlan(detection, options, refusal, steps, verdict, phase_after, in_progress_after, roll_safety)


def _batches(hosts: list[str], options: ForwardOptions, topology: Topology | None) -> list[list[str]]:
    racks = topology.racks if topology is not None else None
    return batch_hosts(hosts, options.roll_strategy, options.roll_batch, racks)


def _first(batches: list[list[str]], host: str | None) -> list[list[str]]:
    """``host`` alone in a first batch, when it is one of the batches' hosts."""
    if host is None or not any(host in b for b in batches):
        return batches
    rest = [[h for h in b if h != host] for b in batches]
    return [[host]] + [b for b in rest if b]


def _after(detection: Detection, options: ForwardOptions, refusal: str | None) -> tuple[str, str | None]:
    """The phase the cluster should be in after the run (a refused run changes nothing)."""
    if refusal is not None:
        return detection.phase, detection.in_progress
    target = KRAFT if options.finalize else (options.stop_after or DUAL_WRITE)
    after = PHASES[max(phase_index(detection.phase), phase_index(target))]
    in_progress = detection.in_progress
    if in_progress is not None and phase_index(in_progress) <= phase_index(after):
        in_progress = None
    return after, in_progress
