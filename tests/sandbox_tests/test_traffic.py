"""The traffic harness's figures: the longest gap between acknowledged sends in a roll, and where it fell."""

from __future__ import annotations

from typing import Any

from traffic import longest_gap, lost_where, restarting_at, summarize


def test_the_longest_gap_counts_the_roll_edges_and_says_when_it_began() -> None:
    assert longest_gap([1.0, 2.0, 2.5, 9.0], 0.5, 10.0) == (6.5, 2.5)
    # No ack inside the roll: the whole roll is the gap.
    assert longest_gap([0.1, 20.0], 1.0, 4.0) == (3.0, 1.0)
    assert longest_gap([1.0], 5.0, 5.0) is None


REPORT: dict[str, Any] = {
    "phases": {"rollback_zookeeper": {"first_stop": 10.0, "last_healthy": 40.0}},
    "hosts": {
        "broker1": {"timeline": [{"phase": "rollback_hybrid", "stopped_at": 1.0, "healthy_at": 5.0},
                                 {"phase": "rollback_zookeeper", "stopped_at": 10.0, "healthy_at": 18.0}]},
        "broker2": {"timeline": [{"phase": "rollback_zookeeper", "stopped_at": 19.0, "healthy_at": 30.0}]},
        "broker3": {"timeline": [{"phase": "rollback_zookeeper", "stopped_at": 31.0, "healthy_at": 40.0}]},
    },
}


def test_the_hosts_restarting_during_a_gap_are_those_of_its_phase_whose_window_overlaps_it() -> None:
    assert restarting_at(REPORT, "rollback_zookeeper", 17.0, 19.5) == ["broker1", "broker2"]
    assert restarting_at(REPORT, "rollback_zookeeper", 30.2, 30.8) == []
    # broker1's rollback_hybrid restart is another roll.
    assert restarting_at(REPORT, "rollback_zookeeper", 2.0, 4.0) == []


def test_the_summary_places_each_longest_gap_in_its_roll() -> None:
    acks = [float(t) / 2 for t in range(0, 100)] + [21.5 + t / 10 for t in range(0, 400)]
    acks = sorted(t for t in acks if not 20.0 < t < 30.5)   # 10.5 s without an ack, from 20 s
    result = {"acknowledged": len(acks), "ack_times": acks, "started": 0.0, "stopped": 70.0}
    section = summarize(result, REPORT)
    assert "ack_times" not in section
    assert section["gaps_during_rolls"] == {"rollback_zookeeper": 10.5}
    assert section["gap_context"]["rollback_zookeeper"] == {
        "began": 20.0, "seconds_into_roll": 10.0, "restarting": ["broker2"]}


def test_lost_messages_are_placed_by_partition_against_what_the_log_holds_now() -> None:
    placed = {1: (0, 10), 2: (0, 11), 3: (1, 7), 4: (0, 12)}
    recount = {4: (0, 12), 9: (1, 3)}
    assert lost_where([1, 2, 3], placed, recount) == {
        "0": {"lost": 2, "first_offset": 10, "last_offset": 11, "log_end_now": 13},
        "1": {"lost": 1, "first_offset": 7, "last_offset": 7, "log_end_now": 4}}
