# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The Kafka tools' output and how they are run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import kafka_tools as kt
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ProbeError, ProbeUsageError

CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qk"


def status_text(voters: str, observers: str, leader: int = 3000) -> str:
    # Labels padded to 24 columns, as MetadataQuorumCommand prints them.
    rows = [("ClusterId:", CLUSTER_ID), ("LeaderId:", str(leader)), ("LeaderEpoch:", "12"),
            ("HighWatermark:", "4242"), ("MaxFollowerLag:", "3"), ("MaxFollowerLagTimeMs:", "15"),
            ("CurrentVoters:", voters), ("CurrentObservers:", observers)]
    return "\n".join(label.ljust(24) + value for label, value in rows) + "\n"


STATUS_39 = status_text(
    '[{"id": 3000, "directoryId": "J8aAPcfLQt2bqs1JT_rMgQ", "endpoints": ["CONTROLLER://127.0.1.21:9093"]}, '
    '{"id": 3001, "directoryId": "Zr1ZMd6HS0OYrXbd6zRKaw", "endpoints": ["CONTROLLER://127.0.1.22:9093"]}]',
    '[{"id": 1, "directoryId": "pqR6AY0fQ9Ke2oKlpXw3dA"}, {"id": 2, "directoryId": null, "endpoints": []}]')
STATUS_38 = status_text("[3000,3001,3002]", "[1,2,3]")


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Kafka's ToolsUtils.prettyPrintTable layout: cells padded to the column width, each followed by a tab."""
    widths = [max(len(r[i]) for r in [headers] + rows) for i in range(len(headers))]
    return "".join("".join(c.ljust(w) + "\t" for c, w in zip(r, widths)) + "\n" for r in [headers] + rows)


# ------------------------------------------------------------------ quorum tool


def test_parse_quorum_status_39() -> None:
    status = kt.parse_quorum_status(STATUS_39)
    assert (status.cluster_id, status.leader_id, status.leader_epoch, status.high_watermark) == (CLUSTER_ID, 3000, 12, 4242)
    assert (status.max_follower_lag, status.max_follower_lag_time_ms) == (3, 15)
    assert status.voter_ids == (3000, 3001) and status.observer_ids == (1, 2)
    assert status.voters[1].endpoints == ("CONTROLLER://127.0.1.22:9093",)
    assert status.observers[0].directory_id == "pqR6AY0fQ9Ke2oKlpXw3dA" and status.observers[1].directory_id is None
    assert status.has_leader
    json.dumps(status.as_dict())


def test_parse_quorum_status_before_39() -> None:
    status = kt.parse_quorum_status(STATUS_38)
    assert status.voter_ids == (3000, 3001, 3002) and status.observer_ids == (1, 2, 3)


def test_parse_quorum_status_without_observers_or_leader() -> None:
    status = kt.parse_quorum_status(status_text("[3000]", "[]", leader=-1))
    assert status.observer_ids == () and not status.has_leader


@pytest.mark.parametrize("text", [
    "", "Error while executing: org.apache.kafka.common.errors.TimeoutException",
    STATUS_38.replace("LeaderEpoch:            12", "LeaderEpoch:            x"),
    STATUS_38.replace("[3000,3001,3002]", "[3000,"),
    STATUS_38.replace("[1,2,3]", '[{"directoryId": "x"}]'),
])
def test_parse_quorum_status_errors(text: str) -> None:
    with pytest.raises(ProbeError):
        kt.parse_quorum_status(text)


REPLICATION_HEADERS_39 = ["NodeId", "DirectoryId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"]


def test_parse_quorum_replication_39() -> None:
    text = table(REPLICATION_HEADERS_39, [
        ["3000", "J8aAPcfLQt2bqs1JT_rMgQ", "4242", "0", "1700000000000", "1700000000000", "Leader"],
        ["3001", "Zr1ZMd6HS0OYrXbd6zRKaw", "4240", "2", "1700000000001", "1700000000001", "Follower"],
        ["1", "pqR6AY0fQ9Ke2oKlpXw3dA", "4242", "0", "1700000000002", "1700000000002", "Observer"],
    ])
    rows = kt.parse_quorum_replication(text)
    assert [(r.node_id, r.status, r.lag) for r in rows] == [(3000, "Leader", 0), (3001, "Follower", 2), (1, "Observer", 0)]
    assert rows[0].directory_id == "J8aAPcfLQt2bqs1JT_rMgQ"


def test_parse_quorum_replication_before_39() -> None:
    headers = [h for h in REPLICATION_HEADERS_39 if h != "DirectoryId"]
    rows = kt.parse_quorum_replication(table(headers, [["3000", "10", "0", "-1", "-1", "Leader"]]))
    assert rows[0].directory_id is None and rows[0].last_fetch_timestamp == -1


@pytest.mark.parametrize("text", ["", "NodeId\tLag\t\n", "NodeId\tLogEndOffset\tLag\tLastFetchTimestamp\t"
                                  "LastCaughtUpTimestamp\tStatus\t\n3000\t1\t0\t\n"])
def test_parse_quorum_replication_errors(text: str) -> None:
    with pytest.raises(ProbeError):
        kt.parse_quorum_replication(text)


# ------------------------------------------------------------------ topics tool

URP_OUTPUT = (
    "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2\tElr: \tLastKnownElr: \n"
    "\tTopic: orders\tPartition: 2\tLeader: none\tReplicas: 3\tIsr: \tElr: \tLastKnownElr: \n"
)


def test_parse_topic_partitions() -> None:
    parts = kt.parse_topic_partitions(URP_OUTPUT)
    assert [x.as_dict() for x in parts] == [
        {"topic": "orders", "partition": 0, "leader": 1, "replicas": [1, 2, 3], "isr": [1, 2]},
        {"topic": "orders", "partition": 2, "leader": None, "replicas": [3], "isr": []},
    ]


def test_parse_topic_partitions_skips_topic_summary_and_empty_output() -> None:
    text = ("Topic: orders\tTopicId: AAAAAAAAAAAAAAAAAAAAAA\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: \n"
            "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\n")
    assert len(kt.parse_topic_partitions(text)) == 1
    assert kt.parse_topic_partitions("") == []


# ------------------------------------------------------------------ commands


def test_run_command_argv_and_timeout(tmp_path: Any) -> None:
    result = kt.run_command(["/bin/echo", "a b;c"], timeout=5)
    assert (result.rc, result.stdout) == (0, "a b;c\n")
    with pytest.raises(ProbeError, match="did not finish"):
        kt.run_command(["/usr/bin/tail", "-f", "/dev/null"], timeout=0.2)
    with pytest.raises(ProbeUsageError):
        kt.run_command([str(tmp_path / "absent.sh")], timeout=1)
