# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Run report: phase reached, per-host restarts and waits (with their times), per-phase time, roll gaps, config changes."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import PHASES, ROLLBACK_TARGETS
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import MASK, is_secret_key

# The order a run goes through: the forward phases, then the rollback targets (roll 1, then roll 2).
PHASE_ORDER = PHASES + ROLLBACK_TARGETS

WAIT_KEYS = ("zk_registration_wait", "kraft_registration_wait", "under_replicated_wait", "seconds")

# The registered results of kafka_properties that config_changes() reads, per role.
CONFIG_ROLES = ("controllers", "brokers")


def _num(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def phase_sort_key(phase: str) -> int:
    """Position of ``phase`` in migration order; names the library does not know go last."""
    return PHASE_ORDER.index(phase) if phase in PHASE_ORDER else len(PHASE_ORDER)


def in_migration_order(phases: Mapping[str, Any]) -> dict[str, Any]:
    """``phases`` re-keyed in migration order (unknown names last, in the order they came)."""
    return {name: phases[name] for name in sorted(phases, key=phase_sort_key)}


def with_handed_over_health(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The entries, each restart that handed its catch-up wait over (``handed_over``) given its ``healthy_at``.

    That broker's health was seen by a later call of its roll: the first ``cleared_at`` after its stop outside its
    batch (the next batch's guard passing, or a later call's waits when that broker had nothing to restart); its
    ``under_replicated_wait`` is then the time from its registration (``registered_at``) to that. With none (an
    interrupted run), its ``healthy_at`` stays unknown.
    """
    # Per phase, every call's cleared_at in time order: each handed-over entry looks up the first after its stop
    # (a bisection, then past its own batch's), not a scan of every entry (a rack of hundreds of brokers).
    cleared: dict[str, list[tuple[float, str]]] = {}
    for entry in entries:
        at = _num(entry.get("cleared_at"))
        if at is not None:
            cleared.setdefault(str(entry.get("phase")), []).append((at, str(entry.get("host"))))
    times: dict[str, list[float]] = {}
    for phase, seen in cleared.items():
        seen.sort()
        times[phase] = [at for at, _host in seen]
    filled: list[Mapping[str, Any]] = []
    for entry in entries:
        stopped = _num(entry.get("stopped_at"))
        phase = str(entry.get("phase"))
        if entry.get("handed_over") and _num(entry.get("healthy_at")) is None and stopped is not None:
            batch = {str(h) for h in entry.get("batch") or [entry.get("host")]}
            later = itertools.islice(cleared.get(phase, []), bisect.bisect_right(times.get(phase, []), stopped), None)
            healthy = next((at for at, host in later if host not in batch), None)
            if healthy is not None:
                entry = dict(entry, healthy_at=healthy)
                registered = _num(entry.get("registered_at"))
                if registered is not None:
                    entry["under_replicated_wait"] = round(max(0.0, healthy - registered), 3)
        filled.append(entry)
    return filled


def roll_batches(entries: Sequence[Mapping[str, Any]]) -> dict[str, list[list[Mapping[str, Any]]]]:
    """By phase, the restarted hosts' entries grouped into the batches they were down together in.

    A batch is the play's batch each entry names (``batch``: the hosts restarted together); without one,
    a run of stops whose down times overlap: the next batch's first stop comes after every broker of the
    batch before it was healthy. A serial roll gives one host a batch.
    """
    by_phase: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        if entry.get("restarted") and _num(entry.get("stopped_at")) is not None:
            by_phase.setdefault(str(entry.get("phase")), []).append(entry)
    batches: dict[str, list[list[Mapping[str, Any]]]] = {}
    for phase, rolled in in_migration_order(by_phase).items():
        if all(isinstance(e.get("batch"), list) and e["batch"] for e in rolled):
            named: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
            for entry in sorted(rolled, key=lambda e: _num(e["stopped_at"]) or 0.0):
                named.setdefault(tuple(str(h) for h in entry["batch"]), []).append(entry)
            batches[phase] = list(named.values())
            continue
        groups: list[list[Mapping[str, Any]]] = []
        healthy_by = None
        for entry in sorted(rolled, key=lambda e: _num(e["stopped_at"]) or 0.0):
            stopped = _num(entry["stopped_at"]) or 0.0
            if groups and healthy_by is not None and stopped < healthy_by:
                groups[-1].append(entry)
            else:
                groups.append([entry])
                healthy_by = None
            healthy = _num(entry.get("healthy_at"))
            if healthy is not None:
                healthy_by = healthy if healthy_by is None else max(healthy_by, healthy)
        batches[phase] = groups
    return batches


def roll_gaps(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Seconds between one batch of a roll being healthy (its last broker) and the next batch's first stop."""
    gaps: list[dict[str, Any]] = []
    for phase, groups in roll_batches(entries).items():
        for previous, current in zip(groups, groups[1:]):
            last = max(previous, key=lambda e: _num(e.get("healthy_at")) or 0.0)
            healthy = _num(last.get("healthy_at"))
            stopped = _num(current[0].get("stopped_at"))
            if healthy is not None and stopped is not None:
                gaps.append({"phase": phase, "after": last["host"], "before": current[0]["host"],
                             "seconds": round(stopped - healthy, 3)})
    return gaps


def masked_changes(changes: Any) -> list[dict[str, Any]]:
    """``[{key, old, new}]`` with every secret value masked, whatever the producer already did."""
    masked: list[dict[str, Any]] = []
    for change in changes if isinstance(changes, list) else []:
        if not isinstance(change, Mapping) or "key" not in change:
            continue
        key = str(change["key"])
        masked.append({"key": key, **{side: MASK if change.get(side) and is_secret_key(key) else change.get(side)
                                      for side in ("old", "new")}})
    return masked


def config_changes(
    timings: Sequence[Mapping[str, Any]], configs: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The config changes of the run, secrets masked, per host.

    From timing entries that carry ``changes`` (with their phase), and from ``configs``: per role
    (``controllers``, ``brokers``), per host, the ``changes`` kafka_properties returned last (or its
    whole result, whose path and states are kept too).
    """
    diffs: list[dict[str, Any]] = []
    seen = set()
    for entry in timings:
        if entry.get("changes"):
            diffs.append({"host": str(entry.get("host")), "phase": entry.get("phase"),
                          "changes": masked_changes(entry.get("changes"))})
            seen.add(str(entry.get("host")))
    for role in CONFIG_ROLES:
        for host, result in sorted(((configs or {}).get(role) or {}).items()):
            if isinstance(result, list):
                result = {"changes": result}
            if not isinstance(result, Mapping) or not result.get("changes") or host in seen:
                continue
            kept = {k: result[k] for k in ("path", "state_before", "state_after", "backup_file") if result.get(k)}
            diffs.append(dict(kept, host=host, role=role, changes=masked_changes(result["changes"])))
    return [d for d in diffs if d["changes"]]


def timeline_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One host's step of a phase: restarted or not, stop and healthy times, every wait."""
    kept: dict[str, Any] = {"phase": str(entry.get("phase")), "restarted": bool(entry.get("restarted")),
                            "stopped_at": _num(entry.get("stopped_at")) if entry.get("restarted") else None,
                            "healthy_at": _num(entry.get("healthy_at"))}
    kept.update({k: _num(entry.get(k)) for k in WAIT_KEYS if _num(entry.get(k)) is not None})
    if entry.get("handed_over"):
        kept["handed_over"] = True   # its healthy_at is the next batch's guard's observation
    if entry.get("step"):
        kept["step"] = str(entry["step"])
    return kept


def summarize(
    timings: Sequence[Mapping[str, Any]], phase_before: str, phase_after: str,
    started_at: float | None, finished_at: float, configs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    phases: dict[str, dict[str, Any]] = {}
    hosts: dict[str, dict[str, Any]] = {}
    timings = with_handed_over_health(timings)
    for entry in timings:
        phase = str(entry.get("phase"))
        info = phases.setdefault(phase, {"restarts": 0, "first_stop": None, "last_healthy": None, "wait_seconds": 0.0})
        host = hosts.setdefault(str(entry.get("host")), {"restarts": 0, "waits": [], "timeline": []})
        host["timeline"].append(timeline_entry(entry))
        waited = sum(_num(entry.get(k)) or 0.0 for k in WAIT_KEYS)
        info["wait_seconds"] = round(info["wait_seconds"] + waited, 3)
        host["waits"].append({"phase": phase, "seconds": round(waited, 3),
                              **{k: _num(entry.get(k)) for k in WAIT_KEYS if entry.get(k) is not None}})
        if entry.get("restarted"):
            info["restarts"] += 1
            host["restarts"] += 1
        stopped, healthy = _num(entry.get("stopped_at")), _num(entry.get("healthy_at"))
        if entry.get("restarted") and stopped is not None:
            info["first_stop"] = stopped if info["first_stop"] is None else min(info["first_stop"], stopped)
        if entry.get("restarted") and healthy is not None:
            info["last_healthy"] = healthy if info["last_healthy"] is None else max(info["last_healthy"], healthy)
    phases = in_migration_order(phases)
    for info in phases.values():
        if info["first_stop"] is not None and info["last_healthy"] is not None:
            info["duration_seconds"] = round(info["last_healthy"] - info["first_stop"], 3)
    gaps = roll_gaps(timings)
    for phase, groups in roll_batches(timings).items():
        phases[phase]["batches"] = [[str(e.get("host")) for e in group] for group in groups]
        # The automation's own time: the roll's wall time less each batch's first-stop-to-last-healthy time,
        # that is the gaps between batches, per restarted broker.
        if "duration_seconds" in phases[phase] and phases[phase]["restarts"]:
            own = sum(g["seconds"] for g in gaps if g["phase"] == phase)
            phases[phase]["automation_seconds_per_broker"] = round(own / phases[phase]["restarts"], 3)
    total = round(finished_at - started_at, 3) if started_at is not None else None
    lines = ["Migration report: phase {} -> {}{}".format(
        phase_before, phase_after, f" in {total:.1f} s" if total is not None else "")]
    for phase, info in phases.items():
        lines.append("  phase {:<19} restarts {:<3d} waits {:7.1f} s{}{}".format(
            phase, info["restarts"], info["wait_seconds"],
            "  roll {:.1f} s".format(info["duration_seconds"]) if "duration_seconds" in info else "",
            ", automation {:.2f} s per broker".format(info["automation_seconds_per_broker"])
            if "automation_seconds_per_broker" in info else ""))
    for host_name, host_info in sorted(hosts.items()):
        lines.append("  {:<20} restarts {}; waits: {}".format(host_name, host_info["restarts"], ", ".join(
            "{} {:.2f} s".format(w["phase"], w["seconds"]) for w in host_info["waits"]) or "-"))
    if gaps:
        worst = max(g["seconds"] for g in gaps)
        lines.append("  healthy -> next stop gaps: {} (max {:.2f} s)".format(
            ", ".join("{:.2f}".format(g["seconds"]) for g in gaps), worst))
    diffs = config_changes(timings, configs)
    if diffs:
        lines.append("  config changes: {} key(s) on {}".format(
            sum(len(d["changes"]) for d in diffs), ", ".join(sorted({d["host"] for d in diffs}))))
    if not timings:
        lines.append("  nothing to do: every node already was where it should be")
    return {"phase_before": phase_before, "phase_after": phase_after, "total_seconds": total,
            "started_at": started_at, "finished_at": round(finished_at, 3),
            "phases": phases, "phase_order": list(phases), "hosts": hosts, "roll_gaps": gaps,
            "config_changes": diffs, "lines": lines}
