"""The emulator assigns replicas as Kafka does: round robin, rack-aware when every broker has a rack."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))
from kafka_emulator.metadata import assign_replicas  # noqa: E402

RACKS = {b: f"r{(b - 1) % 3 + 1}" for b in range(1, 13)}


def test_with_racks_every_partition_spreads_over_the_racks() -> None:
    for topic, partitions in (("orders", 6), ("payments", 3), ("audit-log", 3), ("__consumer_offsets", 50)):
        assignment = assign_replicas(topic, partitions, 3, list(RACKS), RACKS)
        assert len(assignment) == partitions
        for replicas in assignment.values():
            assert len(set(replicas)) == 3 and {RACKS[b] for b in replicas} == {"r1", "r2", "r3"}, (topic, replicas)


def test_more_replicas_than_racks_still_uses_every_rack_and_distinct_brokers() -> None:
    racks = {b: "r1" if b <= 3 else "r2" for b in range(1, 7)}
    for replicas in assign_replicas("t", 6, 3, list(racks), racks).values():
        assert len(set(replicas)) == 3 and {racks[b] for b in replicas} == {"r1", "r2"}


def test_without_racks_on_every_broker_the_assignment_is_rack_unaware() -> None:
    partial = {**RACKS, 12: None}
    assert assign_replicas("orders", 6, 3, list(RACKS), partial) == assign_replicas("orders", 6, 3, list(RACKS))
