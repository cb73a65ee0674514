# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Roll batches (serial, fixed size, rack by rack) and the safety of restarting a batch at once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rolls import (
    Partition,
    batch_hosts,
    check_batches,
)

HOSTS = ["b1", "b2", "b3", "b4", "b5"]
RACKS = {"b1": "r2", "b2": "r1", "b3": "r2", "b4": "r3", "b5": "r1"}
IDS = {h: i for i, h in enumerate(HOSTS, 1)}


@pytest.mark.parametrize("strategy,size,expected", [
    ("serial", None, [["b1"], ["b2"], ["b3"], ["b4"], ["b5"]]),
    ("serial", 1, [["b1"], ["b2"], ["b3"], ["b4"], ["b5"]]),
    ("serial", 2, [["b1", "b2"], ["b3", "b4"], ["b5"]]),
    ("serial", 5, [HOSTS]),
    ("serial", 9, [HOSTS]),
    ("rack", None, [["b2", "b5"], ["b1", "b3"], ["b4"]]),
    ("rack", 1, [["b2"], ["b5"], ["b1"], ["b3"], ["b4"]]),
    ("rack", 2, [["b2", "b5"], ["b1", "b3"], ["b4"]]),
])
def test_batch_hosts(strategy: str, size: int | None, expected: list[list[str]]) -> None:
    assert batch_hosts(HOSTS, strategy, size, RACKS) == expected


def test_batch_hosts_empty_and_errors() -> None:
    assert batch_hosts([], "rack", None, {}) == []
    assert batch_hosts([], "serial") == []
    with pytest.raises(ModelError, match="none on: b2, b4"):
        batch_hosts(HOSTS, "rack", None, {"b1": "r", "b3": "r", "b5": "r", "b4": ""})
    with pytest.raises(ModelError, match="roll strategy 'zone'"):
        batch_hosts(HOSTS, "zone")
    for bad in (0, -1, True, "2"):
        with pytest.raises(ModelError, match="roll_batch"):
            batch_hosts(HOSTS, "serial", bad)  # type: ignore[arg-type]


def _p(topic: str, part: int, replicas: list[int], isr: list[int] | None = None) -> dict[str, Any]:
    return {"topic": topic, "partition": part, "replicas": replicas, "isr": replicas if isr is None else isr}


RACK_BATCHES = [["b2", "b5"], ["b1", "b3"], ["b4"]]

# (partitions, topic min ISR, default min ISR, batches, safe, offline, below min ISR, under-replicated)
CASES: list[Any] = [
    pytest.param([_p("t", 0, [1, 2, 4]), _p("t", 1, [3, 5, 4])], {}, 2, RACK_BATCHES, True, [], [], [],
                 id="rack-aware-rf3"),
    pytest.param([_p("t", 0, [1, 3, 4])], {}, 2, RACK_BATCHES, False, [], ["t-0"], [], id="two-replicas-one-rack"),
    pytest.param([_p("t", 0, [1, 3, 4])], {}, 1, RACK_BATCHES, True, [], [], [], id="min-isr-1-allows"),
    pytest.param([_p("t", 0, [1, 3])], {}, 1, RACK_BATCHES, False, ["t-0"], [], [], id="all-replicas-one-rack"),
    pytest.param([_p("t", 0, [1, 2, 4])], {"t": "3"}, 1, RACK_BATCHES, False, [], ["t-0"], [],
                 id="topic-min-isr-overrides-default"),
    pytest.param([_p("t", 0, [1, 2, 4]), _p("u", 0, [1, 2, 4])], {"u": 1}, 3, RACK_BATCHES, False, [], ["t-0"], [],
                 id="default-applies-to-other-topics"),
    pytest.param([_p("t", 0, [1, 2, 4], [1, 2])], {}, 1, RACK_BATCHES, False, [], [], ["t-0"],
                 id="under-replicated-refuses"),
    pytest.param([_p("t", 0, [1, 2], [1])], {}, 1, RACK_BATCHES, False, ["t-0"], [], ["t-0"],
                 id="under-replicated-leader-only-isr"),
    pytest.param([_p("t", 0, [1, 2, 3])], {}, 2, [["b1"], ["b2"], ["b3"]], True, [], [], [], id="serial-rf3"),
    pytest.param([_p("t", 0, [1])], {}, 1, [["b1"], ["b2"]], False, ["t-0"], [], [], id="rf1-offline-even-serial"),
    pytest.param([_p("t", 0, [1, 2, 3])], {}, 2, [["b1", "b2"], ["b3", "b4"]], False, [], ["t-0"], [],
                 id="fixed-batch-two-of-three"),
    pytest.param([_p("t", 0, [7, 8, 9])], {}, 2, RACK_BATCHES, True, [], [], [], id="replicas-off-inventory"),
    pytest.param([], {}, 2, RACK_BATCHES, True, [], [], [], id="no-partitions"),
]


@pytest.mark.parametrize("partitions,topic_min,default,batches,safe,offline,below,under", CASES)
def test_check_batches(partitions: list[dict[str, Any]], topic_min: dict[str, Any], default: int,
                       batches: list[list[str]], safe: bool, offline: list[str], below: list[str],
                       under: list[str]) -> None:
    result = check_batches(batches, partitions, IDS, topic_min, default, RACKS, require_racks=True)
    assert result.safe is safe
    assert (result.offline, result.below_min_isr, result.under_replicated) == (offline, below, under)
    assert (result.refusal is None) is safe
    for name in offline + below + under:
        assert name in (result.refusal or "")
    assert [b.hosts for b in result.batches] == batches
    assert json.loads(json.dumps(result.as_dict())) == result.as_dict()


def test_refusal_text_names_batch_and_partitions() -> None:
    parts = [_p("orders", 3, [1, 3]), _p("pay", 0, [1, 3, 4])]
    result = check_batches(RACK_BATCHES, parts, IDS, {}, 2, RACKS, require_racks=True)
    assert result.refusal == ("parallel roll refused: rolling b1, b3 together: would go offline: orders-3; "
                              "would fall below min.insync.replicas: pay-0 (1 of 2 in-sync left)")
    assert [b.safe for b in result.batches] == [True, False, True]
    risk = result.batches[1].risks[0]
    assert (risk.partition, risk.batch, risk.isr_left, risk.min_isr, risk.offline) == ("orders-3", 1, 0, 2, True)


def test_long_refusal_is_cut_but_the_result_lists_all() -> None:
    parts = [_p("t", i, [1, 3]) for i in range(30)]
    result = check_batches(RACK_BATCHES, parts, IDS, {}, 1, RACKS)
    assert "and 10 more" in (result.refusal or "")
    assert len(result.offline) == 30


def test_racks_required_only_for_rack_strategy() -> None:
    racks = dict(RACKS, b4=None)
    result = check_batches([["b1"], ["b4"]], [], IDS, {}, 1, racks, require_racks=True)
    assert not result.safe and result.hosts_without_rack == ["b4"]
    assert "brokers without a rack (broker.rack): b4" in (result.refusal or "")
    assert check_batches([["b1"], ["b4"]], [], IDS, {}, 1, racks).safe


@pytest.mark.parametrize("batches,partitions,default,message", [
    ([["b9"]], [], 1, "b9, which is not a broker"),
    ([["b1"], ["b1"]], [], 1, "in batches 0 and 1"),
    ([["b1"]], [{"topic": "t"}], 1, "is not {topic, partition, replicas, isr}"),
    ([["b1"]], [], "two", "not a whole number"),
    ([["b1"]], [], 0, "must be 1 or more"),
])
def test_check_batches_bad_input(batches: list[list[str]], partitions: list[Any], default: Any, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        check_batches(batches, partitions, IDS, {}, default)


def test_partition_forms() -> None:
    as_tuple = Partition.from_obj(("t", "2", ["1", 2], [1]))
    assert as_tuple == Partition("t", 2, (1, 2), (1,)) and as_tuple.name == "t-2"
    result = check_batches([["b1"]], [as_tuple, ("u", 0, [1, 2], [1, 2])], IDS, {}, 1)
    assert result.under_replicated == ["t-2"] and result.offline == ["t-2"]


def test_linear_in_replicas_for_many_batches() -> None:
    hosts = [f"h{i}" for i in range(3000)]
    ids = {h: i for i, h in enumerate(hosts)}
    parts = [("t", p, [p % 3000, (p + 1) % 3000, (p + 2) % 3000], [p % 3000, (p + 1) % 3000, (p + 2) % 3000])
             for p in range(30000)]
    result = check_batches([[h] for h in hosts], parts, ids, {}, 2)
    assert result.safe and len(result.batches) == 3000
