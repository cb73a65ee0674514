# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The Kafka command-line tools: running them, and reading ``kafka-metadata-quorum.sh`` and
``kafka-topics.sh`` output into typed values (stdlib only; runs on the managed Kafka hosts)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ProbeError, ProbeUsageError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import parse_version

# --------------------------------------------------------------------------- metadata quorum tool


@dataclass(frozen=True)
class QuorumNode:
    node_id: int
    directory_id: str | None = None
    endpoints: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.node_id, "directory_id": self.directory_id, "endpoints": list(self.endpoints)}


@dataclass(frozen=True)
class QuorumStatus:
    cluster_id: str | None
    leader_id: int
    leader_epoch: int
    high_watermark: int
    max_follower_lag: int
    max_follower_lag_time_ms: int | None
    voters: tuple[QuorumNode, ...]
    observers: tuple[QuorumNode, ...]

    @property
    def has_leader(self) -> bool:
        return self.leader_id >= 0

    @property
    def voter_ids(self) -> tuple[int, ...]:
        return tuple(n.node_id for n in self.voters)

    @property
    def observer_ids(self) -> tuple[int, ...]:
        return tuple(n.node_id for n in self.observers)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster_id,
            "leader_id": self.leader_id,
            "leader_epoch": self.leader_epoch,
            "high_watermark": self.high_watermark,
            "max_follower_lag": self.max_follower_lag,
            "max_follower_lag_time_ms": self.max_follower_lag_time_ms,
            "voters": [n.as_dict() for n in self.voters],
            "observers": [n.as_dict() for n in self.observers],
        }


def _parse_node_list(label: str, text: str) -> tuple[QuorumNode, ...]:
    # Before 3.9: [3000,3001]; 3.9: [{"id": 3000, "directoryId": "...", "endpoints": ["CONTROLLER://h:9093"]}].
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise ProbeError(f"cannot read {label} {text!r}: {exc}") from exc
    if not isinstance(items, list):
        raise ProbeError(f"{label} is not a list: {text!r}")
    nodes = []
    for item in items:
        if isinstance(item, bool):
            raise ProbeError(f"{label} has an unexpected entry {item!r}")
        if isinstance(item, int):
            nodes.append(QuorumNode(item))
        elif isinstance(item, dict) and isinstance(item.get("id"), int):
            nodes.append(QuorumNode(item["id"], item.get("directoryId"), tuple(item.get("endpoints") or ())))
        else:
            raise ProbeError(f"{label} has an unexpected entry {item!r}")
    return tuple(nodes)


def parse_quorum_status(text: str) -> QuorumStatus:
    """Parse ``kafka-metadata-quorum.sh describe --status`` (all 3.x layouts)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and re.match(r"^[A-Za-z]+$", key.strip()):
            fields[key.strip()] = value.strip()

    def number(key: str) -> int:
        raw = fields.get(key)
        if raw is None:
            raise ProbeError(f"quorum status lacks {key}:")
        try:
            return int(raw)
        except ValueError as exc:
            raise ProbeError(f"quorum status {key} is not a number: {raw!r}") from exc

    return QuorumStatus(
        cluster_id=fields.get("ClusterId"),
        leader_id=number("LeaderId"),
        leader_epoch=number("LeaderEpoch"),
        high_watermark=number("HighWatermark"),
        max_follower_lag=number("MaxFollowerLag"),
        max_follower_lag_time_ms=number("MaxFollowerLagTimeMs") if "MaxFollowerLagTimeMs" in fields else None,
        voters=_parse_node_list("CurrentVoters", fields.get("CurrentVoters", "[]")),
        observers=_parse_node_list("CurrentObservers", fields.get("CurrentObservers", "[]")),
    )


@dataclass(frozen=True)
class ReplicationRow:
    node_id: int
    directory_id: str | None
    log_end_offset: int
    lag: int
    last_fetch_timestamp: int
    last_caught_up_timestamp: int
    status: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "directory_id": self.directory_id,
            "log_end_offset": self.log_end_offset,
            "lag": self.lag,
            "last_fetch_timestamp": self.last_fetch_timestamp,
            "last_caught_up_timestamp": self.last_caught_up_timestamp,
            "status": self.status,
        }


_REPLICATION_COLUMNS = ("NodeId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status")


def _cells(line: str) -> list[str]:
    # Cells are padded and tab-terminated; fall back to whitespace for hand-made output.
    cells = [c.strip() for c in line.split("\t")] if "\t" in line else line.split()
    return [c for c in cells if c]


def parse_quorum_replication(text: str) -> list[ReplicationRow]:
    """Parse ``describe --replication`` (3.9 adds a DirectoryId column after NodeId)."""
    lines = [line for line in text.splitlines() if line.strip()]
    header_index = next((i for i, line in enumerate(lines) if _cells(line)[:1] == ["NodeId"]), None)
    if header_index is None:
        raise ProbeError("quorum replication output has no NodeId header")
    header = _cells(lines[header_index])
    missing = [c for c in _REPLICATION_COLUMNS if c not in header]
    if missing:
        raise ProbeError("quorum replication header lacks {}".format(", ".join(missing)))
    rows = []
    for line in lines[header_index + 1:]:
        cells = _cells(line)
        if len(cells) != len(header):
            raise ProbeError(f"quorum replication row {line!r} does not match header {header!r}")
        row = dict(zip(header, cells))
        try:
            rows.append(ReplicationRow(
                node_id=int(row["NodeId"]),
                directory_id=row.get("DirectoryId"),
                log_end_offset=int(row["LogEndOffset"]),
                lag=int(row["Lag"]),
                last_fetch_timestamp=int(row["LastFetchTimestamp"]),
                last_caught_up_timestamp=int(row["LastCaughtUpTimestamp"]),
                status=row["Status"],
            ))
        except ValueError as exc:
            raise ProbeError(f"quorum replication row {line!r}: {exc}") from exc
    return rows


# --------------------------------------------------------------------------- topics tool


@dataclass(frozen=True)
class PartitionInfo:
    topic: str
    partition: int
    leader: int | None
    replicas: tuple[int, ...]
    isr: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "partition": self.partition, "leader": self.leader,
                "replicas": list(self.replicas), "isr": list(self.isr)}


def _id_list(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x.strip())


def parse_topic_partitions(text: str) -> list[PartitionInfo]:
    """Partition lines of ``kafka-topics.sh --describe`` (``\\tTopic: t\\tPartition: 0\\tLeader: 1\\t...``).

    With ``--under-replicated-partitions`` only such lines are printed; topic
    summary lines (no ``Partition:`` field) are skipped either way.
    """
    partitions = []
    for line in text.splitlines():
        fields: dict[str, str] = {}
        for cell in line.split("\t"):
            key, sep, value = cell.partition(":")
            if sep:
                fields[key.strip()] = value.strip()
        if "Partition" not in fields or "Topic" not in fields:
            continue
        try:
            leader_text = fields.get("Leader", "none")
            partitions.append(PartitionInfo(
                topic=fields["Topic"],
                partition=int(fields["Partition"]),
                leader=None if leader_text in ("none", "-1", "") else int(leader_text),
                replicas=_id_list(fields.get("Replicas", "")),
                isr=_id_list(fields.get("Isr", "")),
            ))
        except ValueError as exc:
            raise ProbeError(f"cannot read partition line {line!r}: {exc}") from exc
    return partitions


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str


Runner = Callable[[Sequence[str], float], CommandResult]


def run_command(argv: Sequence[str], timeout: float) -> CommandResult:
    """Run an argument list (never a shell string) with a time limit."""
    try:
        done = subprocess.run(list(argv), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ProbeError(f"{argv[0]} did not finish within {timeout:.1f}s") from exc
    except OSError as exc:
        raise ProbeUsageError(f"cannot run {argv[0]}: {exc}") from exc
    return CommandResult(tuple(argv), done.returncode, done.stdout, done.stderr)


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def run_tool(runner: Runner, argv: list[str], timeout: float, tail_lines: int = 5) -> str:
    """A Kafka tool's stdout; a non-zero exit raises ProbeError quoting its last lines."""
    result = runner(argv, timeout)
    if result.rc != 0:
        raise ProbeError(f"{os.path.basename(argv[0])} exited {result.rc}: {_tail(result.stderr or result.stdout, tail_lines)}")
    return result.stdout


def quorum_tool_argv(kafka_home: str, kafka_version: str, bootstrap_controller: str | None,
                     bootstrap_server: str | None, controller_config: str | None,
                     broker_config: str | None) -> list[str]:
    """kafka-metadata-quorum.sh's argv up to ``describe``, through the controllers where the release allows."""
    tool = os.path.join(kafka_home, "bin", "kafka-metadata-quorum.sh")
    # --bootstrap-controller exists from 3.7; before, the tool goes through a broker.
    if bootstrap_controller and parse_version(kafka_version).line >= (3, 7):
        argv, config = [tool, "--bootstrap-controller", bootstrap_controller], controller_config
    elif bootstrap_server:
        argv, config = [tool, "--bootstrap-server", bootstrap_server], broker_config
    else:
        raise ProbeUsageError("the quorum tool needs bootstrap_controller (Kafka 3.7+) or bootstrap_server")
    if config:
        argv += ["--command-config", config]
    return argv + ["describe"]
