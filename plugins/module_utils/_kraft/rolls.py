# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Roll batches of a broker phase, and whether restarting each batch at once is safe.

A batch is a list of host names that restart together. ``serial`` rolls one broker at a
time; ``rack`` rolls the brokers of one rack together, one rack at a time (racks sorted,
brokers in inventory order); ``roll_batch: N`` rolls fixed-size batches in inventory order.
Any batch of more than one broker is allowed only when the partition layout shows it is
safe (see :func:`check_batches`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError

SERIAL = "serial"
RACK = "rack"
STRATEGIES: tuple[str, ...] = (SERIAL, RACK)

# How many partition names a refusal message spells out; the structured result lists all.
MESSAGE_PARTITIONS = 20


@dataclass(frozen=True)
class Partition:
    """One partition as the cluster shows it: broker ids of its replicas and of its ISR."""

    topic: str
    partition: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]

    @property
    def name(self) -> str:
        return f"{self.topic}-{self.partition}"

    @classmethod
    def from_obj(cls, obj: Any) -> Partition:
        """From a dict {topic, partition, replicas, isr} or a 4-tuple in that order."""
        try:
            if isinstance(obj, Mapping):
                topic, part, replicas, isr = obj["topic"], obj["partition"], obj["replicas"], obj["isr"]
            else:
                topic, part, replicas, isr = obj
            return cls(str(topic), int(part), tuple(int(r) for r in replicas), tuple(int(r) for r in isr))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"partition {obj!r} is not {{topic, partition, replicas, isr}}: {exc}") from exc


def batch_hosts(
    hosts: Sequence[str],
    strategy: str = SERIAL,
    roll_batch: int | None = None,
    racks: Mapping[str, str | None] | None = None,
) -> list[list[str]]:
    """Split ``hosts`` (inventory order) into ordered roll batches.

    ``serial``: one host a batch, or ``roll_batch`` hosts a batch when given. ``rack``: one rack
    a batch, racks sorted by name, hosts in inventory order; ``roll_batch`` then caps a batch's
    size (a rack larger than N is rolled in several batches). Raises ModelError when ``rack``
    is asked for and a host carries no rack.
    """
    if strategy not in STRATEGIES:
        raise ModelError("roll strategy '{}' is not one of {}".format(strategy, ", ".join(STRATEGIES)))
    size = _batch_size(roll_batch)
    if strategy == SERIAL:
        return [list(hosts[i:i + size]) for i in range(0, len(hosts), size)]
    racks = racks or {}
    missing = [h for h in hosts if not racks.get(h)]
    if missing:
        raise ModelError("roll strategy 'rack' needs a rack (broker.rack) on every broker; none on: {}".format(", ".join(missing)))
    by_rack: dict[str, list[str]] = {}
    for host in hosts:
        by_rack.setdefault(str(racks[host]), []).append(host)
    batches: list[list[str]] = []
    for rack in sorted(by_rack):
        members = by_rack[rack]
        cap = size if roll_batch else len(members)
        batches.extend(members[i:i + cap] for i in range(0, len(members), cap))
    return batches


def _batch_size(roll_batch: int | None) -> int:
    if roll_batch is None:
        return 1
    if isinstance(roll_batch, bool) or not isinstance(roll_batch, int) or roll_batch < 1:
        raise ModelError(f"roll_batch must be a whole number of brokers, 1 or more; got {roll_batch!r}")
    return roll_batch


@dataclass(frozen=True)
class PartitionRisk:
    """A partition a batch would take offline or below its min.insync.replicas."""

    partition: str
    batch: int                  # index of the batch in the proposed list
    isr_left: int               # in-sync replicas outside the batch
    min_isr: int
    offline: bool               # no in-sync replica left at all

    def as_dict(self) -> dict[str, Any]:
        return {"partition": self.partition, "batch": self.batch, "isr_left": self.isr_left,
                "min_isr": self.min_isr, "offline": self.offline}


@dataclass(frozen=True)
class BatchVerdict:
    hosts: list[str]
    safe: bool
    risks: list[PartitionRisk] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"hosts": list(self.hosts), "safe": self.safe, "risks": [r.as_dict() for r in self.risks]}


@dataclass(frozen=True)
class BatchSafety:
    """Whether a proposed list of batches may roll; ``refusal`` says why not, naming partitions."""

    safe: bool
    refusal: str | None
    batches: list[BatchVerdict] = field(default_factory=list)
    under_replicated: list[str] = field(default_factory=list)
    hosts_without_rack: list[str] = field(default_factory=list)

    @property
    def offline(self) -> list[str]:
        return sorted({r.partition for b in self.batches for r in b.risks if r.offline})

    @property
    def below_min_isr(self) -> list[str]:
        return sorted({r.partition for b in self.batches for r in b.risks if not r.offline})

    def as_dict(self) -> dict[str, Any]:
        return {"safe": self.safe, "refusal": self.refusal,
                "batches": [b.as_dict() for b in self.batches],
                "under_replicated": list(self.under_replicated),
                "hosts_without_rack": list(self.hosts_without_rack),
                "offline": self.offline, "below_min_isr": self.below_min_isr}


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MESSAGE_PARTITIONS])
    if len(names) > MESSAGE_PARTITIONS:
        shown += f" and {len(names) - MESSAGE_PARTITIONS} more"
    return shown


def _min_isr(value: Any, what: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ModelError(f"min.insync.replicas of {what} is not a whole number: {value!r}") from None
    if number < 1:
        raise ModelError(f"min.insync.replicas of {what} must be 1 or more, got {number}")
    return number


def check_batches(
    batches: Sequence[Sequence[str]],
    partitions: Iterable[Any],
    broker_ids: Mapping[str, int],
    topic_min_isr: Mapping[str, Any] | None = None,
    default_min_isr: Any = 1,
    racks: Mapping[str, str | None] | None = None,
    require_racks: bool = False,
) -> BatchSafety:
    """Say whether restarting each batch at once keeps every partition available.

    A batch is safe when every partition keeps at least its ``min.insync.replicas``
    (``topic_min_isr`` per topic, else ``default_min_isr``, the brokers' default) in-sync
    replicas on brokers outside the batch. The whole list is refused as well when a partition
    is under-replicated (ISR smaller than its replica set) or, with ``require_racks``, when a
    broker of ``broker_ids`` carries no rack. ``partitions`` are :class:`Partition` objects,
    dicts {topic, partition, replicas, isr} or 4-tuples; ``broker_ids`` maps host -> broker id.
    Linear in the number of replicas, whatever the number of batches.
    """
    topic_min_isr = topic_min_isr or {}
    default = _min_isr(default_min_isr, "the brokers (default)")
    topic_values = {t: _min_isr(v, f"topic {t}") for t, v in topic_min_isr.items()}
    batch_of: dict[int, int] = {}
    for index, batch in enumerate(batches):
        for host in batch:
            if host not in broker_ids:
                raise ModelError(f"batch {index} names {host}, which is not a broker of the inventory")
            broker = int(broker_ids[host])
            if broker in batch_of:
                raise ModelError(f"broker {host} is in batches {batch_of[broker]} and {index}; a broker rolls once")
            batch_of[broker] = index

    risks: list[list[PartitionRisk]] = [[] for dummy in batches]
    under: list[str] = []
    for obj in partitions:
        part = obj if isinstance(obj, Partition) else Partition.from_obj(obj)
        isr = set(part.isr)
        if not set(part.replicas) <= isr:
            under.append(part.name)
        need = topic_values.get(part.topic, default)
        per_batch: dict[int, int] = {}
        for broker in isr:
            broker_batch = batch_of.get(broker)
            if broker_batch is not None:
                per_batch[broker_batch] = per_batch.get(broker_batch, 0) + 1
        for index, count in per_batch.items():
            left = len(isr) - count
            if left < need:
                risks[index].append(PartitionRisk(part.name, index, left, need, left == 0))

    without_rack = sorted(h for h in broker_ids if not (racks or {}).get(h)) if require_racks else []
    verdicts = [BatchVerdict(list(b), not risks[i], sorted(risks[i], key=lambda r: r.partition))
                for i, b in enumerate(batches)]
    under.sort()
    reasons: list[str] = []
    if without_rack:
        reasons.append("brokers without a rack (broker.rack): {}".format(", ".join(without_rack)))
    if under:
        reasons.append(f"under-replicated partitions: {_names(under)}")
    for verdict in verdicts:
        if verdict.safe:
            continue
        offline = [r.partition for r in verdict.risks if r.offline]
        short = [f"{r.partition} ({r.isr_left} of {r.min_isr} in-sync left)"
                 for r in verdict.risks if not r.offline]
        parts = []
        if offline:
            parts.append(f"would go offline: {_names(offline)}")
        if short:
            parts.append(f"would fall below min.insync.replicas: {_names(short)}")
        reasons.append("rolling {} together: {}".format(", ".join(verdict.hosts), "; ".join(parts)))
    refusal = ("parallel roll refused: {}".format("; ".join(reasons))) if reasons else None
    return BatchSafety(not reasons, refusal, verdicts, under, without_rack)
