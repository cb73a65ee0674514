# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Readers of what a Kafka host shows about the migration (private helper; stdlib only).

Runs on the managed Kafka hosts, so it imports nothing outside the standard
library. It turns Jolokia responses, ``kafka-metadata-quorum.sh`` /
``kafka-topics.sh`` output, ``server.log`` lines and ``meta.properties`` files
into typed observations, and evaluates the conditions the wait module polls.
Every probe also works without Jolokia (quorum tool, topics tool, server log).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import ssl
import subprocess
import time
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError, ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_logs import (
    KafkaLog,
    KafkaProcess,
    LogReadError,
    find_kafka_process,
    line_time,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import loads as parse_properties
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import Release


class ProbeError(KraftError):
    """An observation could not be made now (service down, tool failed); worth retrying."""


class ProbeUsageError(KraftError):
    """The probe was asked for something it cannot do; retrying will not help."""


class NodeStopped(KraftError):
    """The Kafka node being waited for is not running: waiting longer cannot help."""


class RegistrationRejected(KraftError):
    """The controller rejected the broker's registration for a reason a retry does not cure."""


class StorageError(KraftError):
    """A metadata directory is in a state that formatting must not touch."""


Number = Union[int, float]

# --------------------------------------------------------------------------- versions and states


def parse_version(text: str) -> Release:
    try:
        return Release.parse(text)
    except ModelError as exc:
        raise ProbeUsageError(str(exc)) from exc


MIGRATION_STATES = ("NONE", "MIGRATION", "PRE_MIGRATION", "POST_MIGRATION", "ZK")
# 3.5 renumbered the states; 3.4 had PRE_MIGRATION=1 and MIGRATION=2 (facts sheet section 4).
_STATE_NUMBERS = {0: "NONE", 1: "MIGRATION", 2: "PRE_MIGRATION", 3: "POST_MIGRATION", 4: "ZK"}
_STATE_NUMBERS_3_4 = {0: "NONE", 1: "PRE_MIGRATION", 2: "MIGRATION", 3: "POST_MIGRATION"}


def decode_migration_state(value: Number, kafka_version: str) -> str:
    """Name of a ``ZkMigrationState`` metric value for the given Kafka version."""
    table = _STATE_NUMBERS_3_4 if parse_version(kafka_version).line <= (3, 4) else _STATE_NUMBERS
    number = int(value)
    if number != value or number not in table:
        raise ProbeError(f"ZkMigrationState {value!r} is not a known state on Kafka {kafka_version}")
    return table[number]


# --------------------------------------------------------------------------- Jolokia

MBEAN_ZK_MIGRATION_STATE = "kafka.controller:type=KafkaController,name=ZkMigrationState"
MBEAN_MIGRATING_ZK_BROKER_COUNT = "kafka.controller:type=KafkaController,name=MigratingZkBrokerCount"
MBEAN_ACTIVE_CONTROLLER_COUNT = "kafka.controller:type=KafkaController,name=ActiveControllerCount"
MBEAN_UNDER_REPLICATED = "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions"


def jolokia_read_url(base_url: str, mbean: str) -> str:
    """``GET`` URL of a Jolokia read; ``!`` and ``/`` are escaped the way Jolokia's GET syntax wants."""
    escaped = mbean.replace("!", "!!").replace("/", "!/").replace('"', '!"')
    return "{}/read/{}".format(base_url.rstrip("/"), urllib.parse.quote(escaped, safe=":=,!/"))


def parse_jolokia_response(body: str | bytes, mbean: str = "") -> Number:
    """The numeric value of a Jolokia read: ``value`` is a number, or ``{"Value": n}``
    when the whole MBean (no attribute) was read."""
    try:
        obj = json.loads(body)
    except ValueError as exc:
        raise ProbeError(f"Jolokia answered {mbean} with non-JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ProbeError(f"Jolokia answered {mbean} with {obj!r}")
    status = obj.get("status", 200)
    if status != 200:
        raise ProbeError("Jolokia read of {} failed ({}): {}".format(mbean, status, obj.get("error", "no error text")))
    value = obj.get("value")
    if isinstance(value, dict) and "Value" in value:
        value = value["Value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProbeError(f"Jolokia value of {mbean} is not a number: {value!r}")
    return value


class FetchError(ProbeError):
    """An HTTP GET got no usable answer: no connection (``status`` None), or an error status without a body."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


# GET a URL within a time limit and return the body, also for an error status when it has one (Jolokia
# reports its errors in a JSON body); raise FetchError otherwise. Modules pass one built on Ansible's
# URL helpers; the default below needs only the standard library.
Fetch = Callable[[str, float], bytes]


def http_get(url: str, timeout: float) -> bytes:
    """Plain HTTP(S) GET with certificate checks; no proxy and no redirects, as a Jolokia agent answers directly."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname or parts.scheme not in ("http", "https"):
        raise ProbeUsageError(f"not an http(s) URL: {url}")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    try:
        connection.request("GET", target, headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        if response.status >= 400 and not body:
            raise FetchError(f"HTTP {response.status} {response.reason}", response.status)
        return body
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(str(exc) or type(exc).__name__) from exc
    finally:
        connection.close()


# The Jolokia access options of every module in the kafka_tools action group (module_defaults from
# zk2kraft_kafka_client): an agent started with user=/password= (basic auth) and protocol=https.
JOLOKIA_ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    jolokia_user=dict(type="str"),
    jolokia_password=dict(type="str", no_log=True),
    jolokia_tls=dict(type="bool", default=False),
    jolokia_ca_file=dict(type="path"),
    jolokia_client_cert=dict(type="path"),
    jolokia_client_key=dict(type="path"),
    jolokia_validate_certs=dict(type="bool", default=True),
)


@dataclass(frozen=True)
class JolokiaAccess:
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    ca_file: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    validate_certs: bool = True

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> JolokiaAccess:
        return cls(user=params.get("jolokia_user"), password=params.get("jolokia_password"),
                   tls=bool(params.get("jolokia_tls")), ca_file=params.get("jolokia_ca_file"),
                   client_cert=params.get("jolokia_client_cert"), client_key=params.get("jolokia_client_key"),
                   validate_certs=params.get("jolokia_validate_certs") is not False)

    def problems(self) -> list[str]:
        found = []
        if bool(self.user) != bool(self.password):
            found.append("jolokia_user and jolokia_password go together (the agent's user= and password=)")
        if self.client_key and not self.client_cert:
            found.append("jolokia_client_key needs jolokia_client_cert")
        if not self.tls and (self.ca_file or self.client_cert):
            found.append("jolokia_ca_file and jolokia_client_cert need jolokia_tls: true (the agent's protocol=https)")
        return found

    def url(self, base_url: str) -> str:
        """The playbooks build http:// URLs from zk2kraft_jolokia_port; an agent on protocol=https needs https."""
        if self.tls and base_url.startswith("http://"):
            return "https://" + base_url[len("http://"):]
        return base_url


def jolokia_read(base_url: str, mbean: str, timeout: float, fetch: Fetch = http_get) -> Number:
    url = jolokia_read_url(base_url, mbean)
    try:
        body = fetch(url, timeout)
    except FetchError as exc:
        if exc.status in (401, 403):
            raise ProbeError(f"Jolokia at {base_url} refused the request (HTTP {exc.status}): the agent requires a user and "
                             "password; set jolokia_user and jolokia_password in zk2kraft_kafka_client") from exc
        if exc.status is not None:
            raise ProbeError(f"Jolokia read {url} failed: HTTP {exc.status}") from exc
        raise ProbeError(f"Jolokia at {base_url} unreachable: {exc}") from exc
    return parse_jolokia_response(body, mbean)


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


# --------------------------------------------------------------------------- server.log

_LOG_TIME = re.compile(r"^\[(?P<ts>[^\]]+)\]")
# (pattern, event name, migration state it implies or None)
_LOG_RULES: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (re.compile(r"Still waiting for all controller nodes ready to begin the migration"),
     "waiting_for_controllers", "PRE_MIGRATION"),
    (re.compile(r"No brokers are (?:known to KRaft|registered in ZK), waiting for brokers to register"),
     "waiting_for_brokers", "PRE_MIGRATION"),
    (re.compile(r"Still waiting for ZK brokers \[(?P<ids>[^\]]*)\] to register with KRaft"),
     "waiting_for_brokers", "PRE_MIGRATION"),
    # Brokers that hold replicas (a dead broker still in an assignment blocks the migration).
    (re.compile(r"Still waiting for ZK brokers \[(?P<ids>[^\]]*)\] found in metadata to register with KRaft"),
     "waiting_for_brokers_with_replicas", "PRE_MIGRATION"),
    # 3.4-3.5 spell it "Zookeeper".
    (re.compile(r"Completed migration of metadata from Zoo[Kk]eeper to KRaft"), "migration_completed", "MIGRATION"),
    (re.compile(r"Finished initial migration of ZK metadata to KRaft"), "initial_migration_finished", "MIGRATION"),
    # A controller that takes over a running migration says this instead of the two above.
    (re.compile(r"Migration is in already progress"), "migration_in_progress", "MIGRATION"),
    # controller.log: the activation message of every newly active controller.
    (re.compile(r"Completing the ZK migration since this controller was configured with "
                r"'zookeeper\.metadata\.migration\.enable' set to 'false'"), "finalized", "POST_MIGRATION"),
    (re.compile(r"Putting the controller into pre-migration mode"), "activated", "PRE_MIGRATION"),
    (re.compile(r"Loaded ZK migration state of (?P<state>NONE|PRE_MIGRATION|MIGRATION|POST_MIGRATION)"),
     "activated", None),
    (re.compile(r"Unable to register broker (?P<broker>\d+) because the controller returned error (?P<error>\w+)"),
     "registration_error", None),
    (re.compile(r"Successfully registered broker (?P<broker>\d+)"), "registered", None),
)
# Registration errors that no retry cures: the broker's config or the cluster is wrong.
FATAL_REGISTRATION_ERRORS = ("UNSUPPORTED_VERSION", "INVALID_REGISTRATION", "INCONSISTENT_CLUSTER_ID")
_KEPT_EVENTS = 20


@dataclass
class LogObservation:
    """Migration progress inferred from server.log lines, for nodes without Jolokia.

    Only the active controller logs the driver's progress; ``state`` is None
    when no line seen so far says anything about it.
    """

    state: str | None = None
    waiting_for_brokers: list[int] | None = None
    waiting_for_brokers_with_replicas: list[int] | None = None
    registration_errors: dict[int, str] = field(default_factory=dict)
    registered: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def feed(self, line: str) -> None:
        for pattern, name, state in _LOG_RULES:
            match = pattern.search(line)
            if not match:
                continue
            groups = match.groupdict()
            if groups.get("state"):
                state = groups["state"]
            if state is not None:
                self.state = state
            if name in ("waiting_for_brokers", "waiting_for_brokers_with_replicas"):
                ids = groups.get("ids")
                setattr(self, name, [int(x) for x in re.findall(r"\d+", ids)] if ids is not None else None)
            elif state in ("MIGRATION", "POST_MIGRATION"):
                self.waiting_for_brokers = []
                self.waiting_for_brokers_with_replicas = []
            elif name == "registration_error":
                self.registration_errors[int(groups["broker"])] = groups["error"]
            elif name == "registered":
                broker = int(groups["broker"])
                self.registration_errors.pop(broker, None)
                if broker not in self.registered:
                    self.registered.append(broker)
            time_match = _LOG_TIME.match(line)
            self.events.append({"event": name, "time": time_match.group("ts") if time_match else None,
                                "line": line.strip()})
            del self.events[:-_KEPT_EVENTS]
            return

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "waiting_for_brokers": self.waiting_for_brokers,
            "waiting_for_brokers_with_replicas": self.waiting_for_brokers_with_replicas,
            "registered": list(self.registered),
            "registration_errors": {str(k): v for k, v in sorted(self.registration_errors.items())},
            "events": list(self.events),
        }


def scan_migration_log(lines: Iterable[str]) -> LogObservation:
    observation = LogObservation()
    for line in lines:
        observation.feed(line)
    return observation


class LogFollower:
    """Reads the complete lines appended to a log file since a byte offset.

    Follows log4j rotation (the file is replaced: new inode) and truncation by
    starting over at the beginning of the new file.
    """

    def __init__(self, path: str, offset: int = 0) -> None:
        self.path = path
        self.offset = offset
        self._inode: int | None = None

    def read_lines(self) -> list[str]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ProbeError(f"cannot read {self.path}: {exc}") from exc
        if self._inode is not None and stat.st_ino != self._inode:
            self.offset = 0
        self._inode = stat.st_ino
        if stat.st_size < self.offset:
            self.offset = 0
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        end = data.rfind(b"\n")
        if end < 0:  # no complete line yet: a half-written line is read next time
            return []
        self.offset += end + 1
        return data[:end + 1].decode("utf-8", "replace").splitlines()


# --------------------------------------------------------------------------- meta.properties

@dataclass(frozen=True)
class MetaProperties:
    version: int
    cluster_id: str | None
    node_id: int | None
    directory_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "cluster_id": self.cluster_id, "node_id": self.node_id,
                "directory_id": self.directory_id}


def parse_meta_properties(text: str, source: str = "meta.properties") -> MetaProperties:
    """v0 (ZooKeeper broker: ``broker.id``) or v1 (KRaft-formatted: ``node.id``)."""
    props = parse_properties(text)
    try:
        version = int(props["version"])
    except (KeyError, ValueError) as exc:
        raise ProbeError(f"{source} has no valid version") from exc
    if version not in (0, 1):
        raise ProbeError(f"{source} has unsupported version {version}")
    id_key = "broker.id" if version == 0 else "node.id"
    raw_id = props.get(id_key)
    try:
        node_id = int(raw_id) if raw_id is not None else None
    except ValueError as exc:
        raise ProbeError(f"{source} has a non-integer {id_key}: {raw_id!r}") from exc
    if version == 1 and node_id is None:
        raise ProbeError(f"{source} (version 1) lacks node.id")
    return MetaProperties(version, props.get("cluster.id"), node_id, props.get("directory.id"))


def read_meta_properties(directory: str) -> MetaProperties | None:
    path = os.path.join(directory, "meta.properties")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProbeError(f"cannot read {path}: {exc}") from exc
    return parse_meta_properties(text, path)


# --------------------------------------------------------------------------- storage format


def storage_directories(config: Mapping[str, str]) -> list[str]:
    """Every directory ``kafka-storage.sh format`` writes: the log dirs and the metadata dir."""
    raw = config.get("log.dirs") or config.get("log.dir") or ""
    log_dirs = [d.strip() for d in raw.split(",") if d.strip()]
    metadata_dir = (config.get("metadata.log.dir") or "").strip() or (log_dirs[0] if log_dirs else "")
    if not metadata_dir:
        raise StorageError("the configuration sets none of log.dirs, log.dir, metadata.log.dir")
    dirs: list[str] = []
    for directory in log_dirs + [metadata_dir]:
        if directory not in dirs:
            dirs.append(directory)
    return dirs


@dataclass(frozen=True)
class StoragePlan:
    formatted: Mapping[str, MetaProperties]
    unformatted: tuple[str, ...]

    @property
    def needs_format(self) -> bool:
        return bool(self.unformatted)

    @property
    def ignore_formatted(self) -> bool:
        # Without --ignore-formatted, format refuses as soon as one directory is formatted.
        return bool(self.formatted) and bool(self.unformatted)


def plan_storage(
    config: Mapping[str, str],
    cluster_id: str,
    read: Callable[[str], MetaProperties | None] = read_meta_properties,
) -> StoragePlan:
    """Which directories still need formatting for ``cluster_id``; refuse on conflicts."""
    if not config.get("process.roles", "").strip():
        raise StorageError("the configuration has no process.roles: it is a ZooKeeper-mode configuration, "
                           "which kafka-storage.sh refuses to format")
    node_id_text = config.get("node.id")
    node_id = int(node_id_text) if node_id_text is not None and node_id_text.strip().lstrip("-").isdigit() else None
    formatted: dict[str, MetaProperties] = {}
    unformatted: list[str] = []
    for directory in storage_directories(config):
        meta = read(directory)
        if meta is None:
            unformatted.append(directory)
            continue
        if meta.cluster_id != cluster_id:
            raise StorageError(f"{directory} is formatted for cluster id {meta.cluster_id}, expected {cluster_id}; wipe it only if it belongs to "
                               "no live cluster")
        if node_id is not None and meta.node_id is not None and meta.node_id != node_id:
            raise StorageError(f"{directory} is formatted for node id {meta.node_id}, but the configuration has node.id={node_id}")
        formatted[directory] = meta
    return StoragePlan(formatted, tuple(unformatted))


def storage_format_argv(kafka_home: str, config_path: str, cluster_id: str, release_version: str | None,
                        ignore_formatted: bool) -> list[str]:
    argv = [os.path.join(kafka_home, "bin", "kafka-storage.sh"), "format", "-t", cluster_id, "-c", config_path]
    if release_version:
        argv += ["-r", release_version]
    if ignore_formatted:
        argv.append("-g")
    return argv


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


# --------------------------------------------------------------------------- wait conditions

KAFKA_CONDITIONS = (
    "quorum_leader",
    "broker_registered_kraft",
    "under_replicated_zero",
    "migration_state",
    "migrating_zk_broker_count",
    "service_log",
)


@dataclass(frozen=True)
class KafkaTarget:
    kafka_home: str = "/opt/kafka"
    kafka_version: str = "3.9.0"
    bootstrap_controller: str | None = None
    bootstrap_server: str | None = None
    jolokia_url: str | None = None
    log_file: str | None = None
    log_offset: int = 0
    command_config: str | None = None
    # Kafka's LOG_DIR on this host (server.log, controller.log) and the node's config file.
    log_dir: str | None = None
    config_file: str | None = None
    # --command-config per listener kind; command_config applies to both when these are unset.
    broker_command_config: str | None = None
    controller_command_config: str | None = None

    @property
    def server_log(self) -> str | None:
        return os.path.join(self.log_dir, "server.log") if self.log_dir else self.log_file

    @property
    def controller_log(self) -> str | None:
        directory = self.log_dir or (os.path.dirname(self.log_file) if self.log_file else None)
        return os.path.join(directory, "controller.log") if directory else None


@dataclass(frozen=True)
class KafkaCondition:
    name: str
    expected: str | int | None = None
    broker_id: int | None = None
    pattern: str | None = None

    def describe(self) -> str:
        if self.name == "quorum_leader":
            return "the metadata quorum to have a leader"
        if self.name == "broker_registered_kraft":
            return f"broker {self.broker_id} to log its successful registration with the KRaft controller"
        if self.name == "under_replicated_zero":
            return "no under-replicated partitions"
        if self.name == "migration_state":
            return f"ZkMigrationState {self.expected}"
        if self.name == "migrating_zk_broker_count":
            return f"MigratingZkBrokerCount {self.expected}"
        return f"a server.log line matching {self.pattern!r}"


# A restarted node's JVM replaces its start script within milliseconds; a node still without a
# process after this long has stopped (or never started).
NODE_START_GRACE = 10.0
RECENT_LOG_SECONDS = 300.0
_ERROR_LINE = re.compile(r"^\[[^\]]+\] (?:ERROR|FATAL) ")


def _merge_by_time(batches: Sequence[list[str]]) -> list[str]:
    """Interleave the new lines of several logs by their timestamps (continuations stay attached)."""
    stamped: list[tuple[float, int, int, str]] = []
    for which, lines in enumerate(batches):
        last = 0.0
        for index, line in enumerate(lines):
            stamp = line_time(line)
            last = stamp if stamp is not None else last
            stamped.append((last, which, index, line))
    return [line for dummy, dummy2, dummy3, line in sorted(stamped)]


class KafkaObserver:
    """Makes one observation per call for a condition, choosing the source:
    Jolokia when configured, else the Kafka tools or Kafka's own logs."""

    def __init__(
        self,
        target: KafkaTarget,
        condition: KafkaCondition,
        runner: Runner = run_command,
        jolokia: Callable[[str, str, float], Number] = jolokia_read,
        call_timeout: Callable[[], float] = lambda: 30.0,
        find_process: Callable[[str | None], KafkaProcess | None] = find_kafka_process,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.condition = condition
        self.runner = runner
        self.jolokia = jolokia
        # Per-call limit, so one hung tool cannot overrun the wait's deadline.
        self.call_timeout = call_timeout
        self.find_process = find_process
        self.clock = clock
        self.log = LogObservation()
        self.follower = LogFollower(target.log_file, target.log_offset) if target.log_file else None
        self._regex: re.Pattern[str] | None = None
        self._matched: str | None = None
        self._logs: list[KafkaLog] = []
        self._process: KafkaProcess | None = None
        self._absent_since: float | None = None
        self._errors: list[str] = []
        self.validate()
        if condition.name == "migration_state" and not target.jolokia_url:
            # The migration driver writes server.log, the controller's activation controller.log;
            # both are read whole, rolled files included (the line may be days old after a soak).
            self._logs = [KafkaLog(path) for path in (target.server_log, target.controller_log) if path]

    def validate(self) -> None:
        name, target = self.condition.name, self.target
        if name not in KAFKA_CONDITIONS:
            raise ProbeUsageError(f"unknown condition {name!r}")
        parse_version(target.kafka_version)
        if name == "quorum_leader":
            self._quorum_argv()
        if name == "broker_registered_kraft":
            if self.condition.broker_id is None:
                raise ProbeUsageError("broker_registered_kraft needs broker_id")
            if not target.server_log:
                raise ProbeUsageError("broker_registered_kraft reads the broker's server.log and needs log_dir")
        if name == "under_replicated_zero" and not (target.bootstrap_server or target.jolokia_url):
            raise ProbeUsageError("under_replicated_zero needs bootstrap_server (or jolokia_url)")
        if name == "migration_state":
            if self.condition.expected not in MIGRATION_STATES:
                raise ProbeUsageError("migration_state needs expected, one of {}".format(", ".join(MIGRATION_STATES)))
            if not (target.jolokia_url or target.server_log):
                raise ProbeUsageError("migration_state needs jolokia_url or log_dir")
        if name == "migrating_zk_broker_count":
            if not isinstance(self.condition.expected, int) or self.condition.expected < 0:
                raise ProbeUsageError("migrating_zk_broker_count needs expected, a count >= 0")
            if not target.jolokia_url:
                # Observers in the quorum mix ZK and KRaft brokers, so no tool gives this number.
                raise ProbeUsageError("migrating_zk_broker_count reads the MigratingZkBrokerCount metric and needs "
                                      "jolokia_url; without Jolokia count ZooKeeper's /brokers/ids instead")
        if name == "service_log":
            if not (target.log_file and self.condition.pattern):
                raise ProbeUsageError("service_log needs log_file and pattern")
            try:
                self._regex = re.compile(self.condition.pattern)
            except re.error as exc:
                raise ProbeUsageError(f"invalid pattern {self.condition.pattern!r}: {exc}") from exc

    def _tool(self, script: str) -> str:
        return os.path.join(self.target.kafka_home, "bin", script)

    def _quorum_argv(self) -> list[str]:
        target = self.target
        return quorum_tool_argv(target.kafka_home, target.kafka_version, target.bootstrap_controller,
                                target.bootstrap_server, target.controller_command_config or target.command_config,
                                target.broker_command_config or target.command_config) + ["--status"]

    def _run(self, argv: list[str]) -> str:
        return run_tool(self.runner, argv, self.call_timeout())

    def _read_log(self) -> None:
        if self.follower is not None:
            for line in self.follower.read_lines():
                self.log.feed(line)

    def _read_logs(self) -> None:
        try:
            batches = [log.read() for log in self._logs]
        except LogReadError as exc:
            raise ProbeError(str(exc)) from exc
        for line in _merge_by_time(batches):
            self.log.feed(line)
            if _ERROR_LINE.match(line):
                self._errors = (self._errors + [line.strip()])[-3:]

    def _observe_registration(self) -> dict[str, Any]:
        """The broker's own log since its JVM started: registered, rejected, or still trying."""
        broker = self.condition.broker_id
        process = self.find_process(self.target.config_file)
        if process is None:
            now = self.clock()
            if not self._logs:  # never seen running: its last minutes of log say why
                self._logs = [KafkaLog(self.target.server_log or "", since=time.time() - RECENT_LOG_SECONDS)]
            self._read_logs()  # the dead run's last lines say why
            if self._absent_since is None:
                self._absent_since = now
            if now - self._absent_since >= NODE_START_GRACE:
                detail = "; last errors in its server.log: {}".format(" | ".join(self._errors)) if self._errors else ""
                raise NodeStopped("broker {} is not running (no kafka.Kafka process{} for {:.0f}s){}".format(
                    broker, " on " + self.target.config_file if self.target.config_file else "",
                    now - self._absent_since, detail))
            raise ProbeError(f"broker {broker} has no kafka.Kafka process (yet)")
        self._absent_since = None
        if self._process is None or process.pid != self._process.pid:
            # A new run of the node: only what it logged counts.
            self._process = process
            self._logs = [KafkaLog(self.target.server_log or "", since=process.started)]
            self.log = LogObservation()
            self._errors = []
        self._read_logs()
        registered = broker in self.log.registered
        error = self.log.registration_errors.get(broker or -1)
        if not registered and error in FATAL_REGISTRATION_ERRORS:
            raise RegistrationRejected(
                f"the KRaft controller rejected broker {broker}'s registration with {error} (from its server.log: {self._rejection_line(error)})")
        return {"source": "broker_log", "pid": process.pid, "registered": registered, "error": error,
                "events": self.log.events[-3:]}

    def _rejection_line(self, error: str | None) -> str:
        for event in reversed(self.log.events):
            if event["event"] == "registration_error" and error and error in event["line"]:
                return str(event["line"])
        return ""

    def observe(self) -> dict[str, Any]:
        name, target = self.condition.name, self.target
        if name == "quorum_leader":
            status = parse_quorum_status(self._run(self._quorum_argv()))
            observation: dict[str, Any] = {"source": "quorum_tool"}
            observation.update(status.as_dict())
            return observation
        if name == "broker_registered_kraft":
            return self._observe_registration()
        if name == "under_replicated_zero":
            if target.bootstrap_server:
                # The tool is cluster-wide; the local metric counts only partitions this broker leads.
                argv = [self._tool("kafka-topics.sh"), "--bootstrap-server", target.bootstrap_server]
                config = target.broker_command_config or target.command_config
                if config:
                    argv += ["--command-config", config]
                urps = parse_topic_partitions(self._run(argv + ["--describe", "--under-replicated-partitions"]))
                return {"source": "topics_tool", "count": len(urps),
                        "under_replicated": [f"{p.topic}-{p.partition}" for p in urps[:50]]}
            value = self.jolokia(target.jolokia_url or "", MBEAN_UNDER_REPLICATED, self.call_timeout())
            return {"source": "jolokia", "count": int(value)}
        if name == "migration_state":
            if target.jolokia_url:
                self._read_log()
                value = self.jolokia(target.jolokia_url, MBEAN_ZK_MIGRATION_STATE, self.call_timeout())
                observation = {"source": "jolokia", "value": value,
                               "state": decode_migration_state(value, target.kafka_version)}
                if self.follower is not None:
                    observation["log"] = self.log.as_dict()
                return observation
            self._read_logs()
            observation = {"source": "kafka_logs"}
            observation.update(self.log.as_dict())
            return observation
        if name == "migrating_zk_broker_count":
            value = self.jolokia(target.jolokia_url or "", MBEAN_MIGRATING_ZK_BROKER_COUNT, self.call_timeout())
            return {"source": "jolokia", "value": int(value)}
        return self._observe_service_log()

    def _observe_service_log(self) -> dict[str, Any]:
        if self.follower is None or self._regex is None:
            raise ProbeUsageError("service_log needs log_file and pattern")
        for line in self.follower.read_lines():
            self.log.feed(line)
            # The first match stays the answer on later polls.
            if self._matched is None and self._regex.search(line):
                self._matched = line
        return {"source": "server_log", "matched": self._matched, "offset": self.follower.offset,
                "registration_errors": {str(k): v for k, v in sorted(self.log.registration_errors.items())}}

    def met(self, observation: Mapping[str, Any]) -> bool:
        name = self.condition.name
        if name == "quorum_leader":
            return bool(observation["leader_id"] >= 0)
        if name == "broker_registered_kraft":
            return bool(observation["registered"])
        if name == "under_replicated_zero":
            return bool(observation["count"] == 0)
        if name == "migration_state":
            return bool(observation["state"] == self.condition.expected)
        if name == "migrating_zk_broker_count":
            return bool(observation["value"] == self.condition.expected)
        return observation["matched"] is not None

    @property
    def log_offset(self) -> int | None:
        return self.follower.offset if self.follower is not None else None
