# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Is it safe to stop this node now? The check a roll makes before every stop (private helper; stdlib only).

Runs on the Kafka host about to be stopped: that host reaches ZooKeeper, the controllers and the
other brokers as a client already, and it has the Kafka tools. One observation gathers every
problem at once, so the refusal says everything that is wrong:

- ZooKeeper serves a session (when the roll's phase still uses it), and answers ``/brokers/ids``;
- the metadata quorum has a leader, lists every expected voter, every voter's port answers and no
  voter lags the leader by more than a bound (the controllers' own catch-up);
- every other broker's listener answers and the broker is registered (in ZooKeeper's
  ``/brokers/ids`` or as an observer of the quorum, whichever its mode uses);
- no partition is under-replicated (the topics tool, bootstrapped through the other brokers).

Where every node runs a Jolokia agent, the guard reads the same from the nodes' metrics instead of
starting two Kafka tool JVMs (seconds of CPU each, before every stop): each voter's ``raft-metrics``
(its state, the leader it follows, its log end offset), each broker's ``raft-metrics`` and
``BrokerState`` (an observer of the quorum that runs: registered with the controllers) and the sum of
the brokers' ``UnderReplicatedPartitions`` (each broker counts the partitions it leads). When an agent
gives no answer although its node does, the guard goes back to the tools for the rest of its checks.

A node that is down (its port refuses connections, or ZooKeeper serves no session) stays down for
the grace period before the guard refuses, so the refusal comes within seconds, not at the timeout.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError, ProbeError, ProbeUsageError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import (
    BROKER_STATE_RUNNING,
    MBEAN_BROKER_STATE,
    MBEAN_RAFT_METRICS,
    MBEAN_UNDER_REPLICATED,
    READ_THREADS,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_tools import (
    Runner,
    parse_quorum_replication,
    parse_topic_partitions,
    quorum_tool_argv,
    run_command,
    run_tool,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import parse_version
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.waiting import WaitResult, wait_for

# Roll targets whose brokers still talk to ZooKeeper (every one before finalization), and those
# during which the KRaft controllers run (every one but the last rollback roll).
ZOOKEEPER_TARGETS = ("controllers", "migration", "dual_write", "rollback_hybrid", "rollback_zookeeper")
QUORUM_TARGETS = ("controllers", "migration", "dual_write", "kraft", "rollback_hybrid")
GUARD_TARGETS = ("controllers", "migration", "dual_write", "kraft", "rollback_hybrid", "rollback_zookeeper")


class GuardRefused(KraftError):
    """Stopping the node now is not safe, and waiting will not make it so (a node is down)."""


class NoMetrics(ProbeError):
    """A node answers but its Jolokia agent does not: the guard falls back to the Kafka tools."""


# Reads every attribute of an MBean from a node's agent: (base URL, MBean, timeout) -> attributes, or
# None when the node has no such MBean. jolokia.jolokia_read_mbean with the module's HTTP access.
ReadMBean = Callable[[str, str, float], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Peer:
    """A node the guard looks at: its name, id, the ``host:port`` it must answer on, and its Jolokia agent's URL."""

    name: str
    node_id: int
    endpoint: str
    jolokia_url: str | None = None


@dataclass(frozen=True)
class GuardSpec:
    node: str                                   # the node about to be stopped
    target: str                                 # the roll's target (phases.ALL_TARGETS)
    brokers: tuple[Peer, ...] = ()              # every broker, this node included (it is skipped)
    voters: tuple[Peer, ...] = ()               # every KRaft controller
    zookeeper_connect: str | None = None
    # The broker ids ZooKeeper lists as read on the Ansible controller (with its TLS and SASL settings),
    # or why that read failed: then the guard does not speak to ZooKeeper itself, which it can only do in
    # plain text without authentication.
    zookeeper_broker_ids: tuple[int, ...] | None = None
    zookeeper_error: str | None = None
    kafka_home: str = "/opt/kafka"
    kafka_version: str = "3.9.0"
    max_voter_lag: int = 1000
    broker_command_config: str | None = None
    controller_command_config: str | None = None
    # The nodes stopping together with this one (a rack), itself included: the refusal names them all.
    batch: tuple[str, ...] = ()

    @property
    def others(self) -> tuple[Peer, ...]:
        return tuple(b for b in self.brokers if b.name != self.node)

    @property
    def uses_zookeeper(self) -> bool:
        return bool(self.zookeeper_connect) and self.target in ZOOKEEPER_TARGETS

    @property
    def uses_quorum(self) -> bool:
        return bool(self.voters) and self.target in QUORUM_TARGETS

    @property
    def has_metrics(self) -> bool:
        """Every node the guard reads runs a Jolokia agent."""
        nodes = self.brokers + (self.voters if self.uses_quorum else ())
        return bool(nodes) and all(n.jolokia_url for n in nodes)


# --------------------------------------------------------------------------- small network probes


def split_endpoint(endpoint: str) -> tuple[str, int]:
    host, sep, port = endpoint.strip().rpartition(":")
    if not sep or not port.isdigit():
        raise ProbeError(f"not a host:port: {endpoint!r}")
    return host.strip("[]"), int(port)


def tcp_probe(endpoint: str, timeout: float) -> str | None:
    """None when ``host:port`` accepts a connection, else why not."""
    host, port = split_endpoint(endpoint)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return exc.strerror or str(exc) or type(exc).__name__


def _zk_frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def _zk_read_frame(sock: socket.socket) -> bytes:
    def exactly(count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = sock.recv(count - len(data))
            if not chunk:
                raise ProbeError("the server closed the connection (it serves no session: no quorum?)")
            data += chunk
        return data
    (length,) = struct.unpack(">i", exactly(4))
    if length < 0 or length > 1 << 20:
        raise ProbeError(f"the server sent a frame of {length} bytes")
    return exactly(length)


def zk_children(connect: str, path: str, timeout: float) -> list[str]:
    """Open a ZooKeeper session (jute protocol, no client library) and list ``path`` under the chroot.

    A server that is down refuses the connection; one that lost its quorum closes it without a
    session: both mean ZooKeeper cannot serve the brokers. The first server that answers counts.
    """
    servers, slash, chroot = connect.partition("/")
    full = ("/" + chroot.rstrip("/") if slash and chroot.strip("/") else "") + path
    errors = []
    for server in [s for s in servers.split(",") if s.strip()]:
        try:
            host, port = split_endpoint(server)
            with socket.create_connection((host, port), timeout=timeout) as sock:
                sock.settimeout(timeout)
                # ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly.
                sock.sendall(_zk_frame(struct.pack(">iqiqi16s?", 0, 0, 10000, 0, 16, b"\0" * 16, False)))
                reply = _zk_read_frame(sock)
                if len(reply) < 16 or struct.unpack(">iiq", reply[:16])[2] == 0:
                    raise ProbeError("the server refused a session")
                encoded = full.encode("utf-8")
                # getChildren (op 8), xid 1: path, watch=false.
                sock.sendall(_zk_frame(struct.pack(">iii", 1, 8, len(encoded)) + encoded + b"\0"))
                reply = _zk_read_frame(sock)
                xid, _zxid, err = struct.unpack(">iqi", reply[:16])
                if err == -101:
                    return []
                if err != 0:
                    raise ProbeError(f"getChildren {full} failed with ZooKeeper error {err}")
                (count,) = struct.unpack(">i", reply[16:20])
                names, offset = [], 20
                for _dummy in range(max(count, 0)):
                    (size,) = struct.unpack(">i", reply[offset:offset + 4])
                    names.append(reply[offset + 4:offset + 4 + size].decode("utf-8"))
                    offset += 4 + size
                # closeSession (op -11), so the server frees it at once.
                sock.sendall(_zk_frame(struct.pack(">ii", 2, -11)))
                return names
        except (OSError, ProbeError, struct.error) as exc:
            errors.append(f"{server.strip()}: {getattr(exc, 'strerror', None) or exc}")
    raise ProbeError("; ".join(errors) or f"no server in {connect!r}")


# --------------------------------------------------------------------------- the guard


def _number(value: Any) -> float:
    """A metric's number (Jolokia gives Kafka's gauges as doubles); -1 when absent or not a number."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else -1.0


@dataclass
class GuardObservation:
    problems: list[str] = field(default_factory=list)
    down: list[str] = field(default_factory=list)       # nodes (or ZooKeeper) not answering at all
    checked: list[str] = field(default_factory=list)
    source: str = "kafka_tools"                         # or "jolokia": where the quorum, brokers and partitions were read
    fallback: str | None = None                         # why the agents' metrics could not be used

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"problems": list(self.problems), "down": list(self.down), "checked": list(self.checked),
                                 "source": self.source}
        if self.fallback:
            found["fallback"] = self.fallback
        return found


def _note_silent(seen: GuardObservation, node: Peer, kind: str, why: str | None) -> None:
    """A node that refused the connection is down, named with why."""
    if why:
        seen.down.append(node.name)
        seen.problems.append(f"{node.name} is not running ({kind} {node.node_id} does not answer on {node.endpoint}: {why})")


class RollGuard:
    """One observation per call of everything a safe stop needs; ``met`` when nothing is wrong."""

    def __init__(
        self,
        spec: GuardSpec,
        runner: Runner = run_command,
        connect: Callable[[str, float], str | None] = tcp_probe,
        zk_list: Callable[[str, str, float], list[str]] = zk_children,
        call_timeout: Callable[[], float] = lambda: 30.0,
        clock: Callable[[], float] = time.monotonic,
        grace: float = 10.0,
        read_mbean: ReadMBean | None = None,
    ) -> None:
        if spec.target not in GUARD_TARGETS:
            raise ProbeError(f"unknown roll target {spec.target!r} (one of {', '.join(GUARD_TARGETS)})")
        parse_version(spec.kafka_version)
        self.spec = spec
        self.runner = runner
        self.connect = connect
        self.zk_list = zk_list
        self.call_timeout = call_timeout
        self.clock = clock
        self.grace = grace
        self.read_mbean = read_mbean
        self.use_metrics = read_mbean is not None and spec.has_metrics
        self.fallback: str | None = None
        self._down_since: dict[str, float] = {}
        # UNIX time the last observation began: what it found held from then on (the report's health time).
        self.observed_at: float | None = None

    def _tool(self, script: str) -> str:
        return os.path.join(self.spec.kafka_home, "bin", script)

    def _run(self, argv: list[str]) -> str:
        return run_tool(self.runner, argv, min(self.call_timeout(), 60.0), tail_lines=3)

    def _quorum(self, what: str) -> str:
        spec = self.spec
        brokers = ",".join(b.endpoint for b in spec.others) or ",".join(b.endpoint for b in spec.brokers)
        try:
            argv = quorum_tool_argv(spec.kafka_home, spec.kafka_version, ",".join(v.endpoint for v in spec.voters),
                                    brokers, spec.controller_command_config, spec.broker_command_config)
        except ProbeUsageError as exc:  # no endpoint to reach: the quorum cannot be read
            raise ProbeError(str(exc)) from exc
        return self._run(argv + [what])

    def _under_replicated(self, live: Sequence[str]) -> str:
        argv = [self._tool("kafka-topics.sh"), "--bootstrap-server", ",".join(live)]
        if self.spec.broker_command_config:
            argv += ["--command-config", self.spec.broker_command_config]
        return self._run(argv + ["--describe", "--under-replicated-partitions"])

    def _answers(self, seen: GuardObservation, node: Peer, kind: str, timeout: float) -> bool:
        """Whether the node accepts a connection; if not, it is noted down, with why."""
        why = self.connect(node.endpoint, timeout)
        _note_silent(seen, node, kind, why)
        return not why

    def observe(self) -> dict[str, Any]:
        self.observed_at = time.time()
        spec, seen = self.spec, GuardObservation()
        probe_timeout = min(5.0, self.call_timeout())
        registered_zk: set[int] | None = None
        if spec.uses_zookeeper:
            seen.checked.append("zookeeper")
            try:
                if spec.zookeeper_error:
                    raise ProbeError(spec.zookeeper_error)
                if spec.zookeeper_broker_ids is not None:
                    registered_zk = set(spec.zookeeper_broker_ids)
                else:
                    registered_zk = {int(i) for i in self.zk_list(spec.zookeeper_connect or "", "/brokers/ids", probe_timeout)
                                     if i.isdigit()}
            except ProbeError as exc:
                seen.down.append("ZooKeeper")
                seen.problems.append(f"ZooKeeper ({spec.zookeeper_connect}) is not reachable: {exc}")

        if spec.uses_quorum:
            seen.checked.append("quorum")
            for voter in spec.voters:
                self._answers(seen, voter, "controller", probe_timeout)
        # Which other brokers answer decides the topics tool's bootstrap list; their problems are
        # told after the quorum's, once the quorum has said which brokers it has registered.
        silent = {b.name: self.connect(b.endpoint, probe_timeout) for b in spec.others}
        if self.use_metrics:
            try:
                self._observe_metrics(seen, silent, registered_zk, probe_timeout)
                seen.source = "jolokia"
                self._note_down(seen)
                return seen.as_dict()
            except NoMetrics as exc:
                # The tools from here on; the observation says why.
                self.use_metrics = False
                self.fallback = str(exc)
        seen.fallback = self.fallback
        live = [b.endpoint for b in spec.others if not silent[b.name]]
        # The two tool calls are a JVM start each on the host, the guard's slowest part: run them together.
        with ThreadPoolExecutor(max_workers=2) as pool:
            quorum = pool.submit(self._quorum, "--replication") if spec.uses_quorum else None
            topics = pool.submit(self._under_replicated, live) if live else None

        observers: set[int] | None = None
        if quorum is not None:
            try:
                # The replication table names the leader, the voters (Leader/Follower) and the
                # observers (the brokers registered in KRaft).
                rows = {r.node_id: r for r in parse_quorum_replication(quorum.result())}
                observers = {i for i, r in rows.items() if r.status.lower() == "observer"}
                voter_rows = {i: r for i, r in rows.items() if r.status.lower() != "observer"}
                if not any(r.status.lower() == "leader" for r in voter_rows.values()):
                    seen.problems.append("the metadata quorum has no leader")
                missing = sorted(v.name for v in spec.voters if v.node_id not in voter_rows)
                if missing:
                    seen.problems.append(f"the metadata quorum does not list {', '.join(missing)} as voter(s)")
                for voter in spec.voters:
                    row = voter_rows.get(voter.node_id)
                    if row is not None and row.lag > spec.max_voter_lag:
                        seen.problems.append(f"{voter.name} (controller {voter.node_id}) lags the quorum leader by {row.lag} records "
                                             f"(at most {spec.max_voter_lag} allowed)")
            except ProbeError as exc:
                seen.problems.append(f"the metadata quorum cannot be read: {exc}")

        self._check_brokers(seen, silent, registered_zk, observers)

        if topics is not None:
            seen.checked.append("under_replicated")
            try:
                urps = parse_topic_partitions(topics.result())
                if urps:
                    names = ", ".join(f"{p.topic}-{p.partition}" for p in urps[:10])
                    seen.problems.append(f"{len(urps)} partition(s) are under-replicated: {names}"
                                         f"{', ...' if len(urps) > 10 else ''}")
            except ProbeError as exc:
                seen.problems.append(f"the under-replicated partitions cannot be listed: {exc}")

        self._note_down(seen)
        return seen.as_dict()

    def _check_brokers(self, seen: GuardObservation, silent: dict[str, str | None], registered_zk: set[int] | None,
                       observers: set[int] | None) -> None:
        """Every other broker answers and is registered in ZooKeeper or with the controllers (the sets known)."""
        seen.checked.append("brokers")
        for broker in self.spec.others:
            if silent.get(broker.name):
                _note_silent(seen, broker, "broker", silent[broker.name])
                continue
            known = [s for s in (registered_zk, observers) if s is not None]
            if known and not any(broker.node_id in s for s in known):
                seen.problems.append(f"{broker.name} (broker {broker.node_id}) is registered neither in ZooKeeper nor with "
                                     "the KRaft controllers")

    def _observe_metrics(self, seen: GuardObservation, silent: dict[str, str | None], registered_zk: set[int] | None,
                         timeout: float) -> None:
        """The quorum, the brokers' registration and under-replicated partitions from the nodes' Jolokia agents."""
        spec = self.spec
        read = self.read_mbean
        if read is None:
            raise NoMetrics("no Jolokia reader")
        down = set(seen.down)
        reads: list[tuple[Peer, str]] = []
        if spec.uses_quorum:
            reads += [(v, MBEAN_RAFT_METRICS) for v in spec.voters if v.name not in down]
        # The node about to stop is read too: its partitions' replicas count until it stops.
        brokers = [b for b in spec.brokers if b.name == spec.node or not silent.get(b.name)]
        for broker in brokers:
            reads += [(broker, MBEAN_UNDER_REPLICATED), (broker, MBEAN_BROKER_STATE)]
            if spec.uses_quorum:
                reads.append((broker, MBEAN_RAFT_METRICS))

        def one(item: tuple[Peer, str]) -> dict[str, Any] | None:
            node, mbean = item
            try:
                return read(node.jolokia_url or "", mbean, timeout)
            except ProbeError as exc:
                raise NoMetrics(f"{node.name}: {exc}") from exc

        with ThreadPoolExecutor(max_workers=max(1, min(READ_THREADS, len(reads)))) as pool:
            answers = dict(zip(((n.name, m) for n, m in reads), pool.map(one, reads)))

        # Every answer is checked before the first problem is noted: a fallback to the tools starts clean.
        counts = {}
        for broker in brokers:
            value = answers.get((broker.name, MBEAN_UNDER_REPLICATED))
            if value is None:
                raise NoMetrics(f"{broker.name} has no UnderReplicatedPartitions")
            counts[broker.name] = int(_number(value.get("Value")))
        observers: set[int] = set()
        if spec.uses_quorum:
            raft = {v.node_id: answers.get((v.name, MBEAN_RAFT_METRICS)) for v in spec.voters if v.name not in down}
            if any(r is None for r in raft.values()):
                raise NoMetrics("a controller has no raft-metrics")
            states = {i: str(r.get("current-state")) for i, r in raft.items() if r is not None}
            leaders = [i for i, state in states.items() if state == "leader"]
            if not leaders:
                seen.problems.append("the metadata quorum has no leader")
            not_voting = sorted(v.name for v in spec.voters if states.get(v.node_id, "leader") not in ("leader", "follower"))
            if not_voting:
                seen.problems.append("the metadata quorum does not list {} as voter(s) ({})".format(
                    ", ".join(not_voting), ", ".join(f"{v.name} is {states[v.node_id]}" for v in spec.voters
                                                     if v.name in not_voting)))
            if leaders:
                leader_end = _number((raft[leaders[0]] or {}).get("log-end-offset"))
                for voter in spec.voters:
                    if states.get(voter.node_id) != "follower":
                        continue
                    lag = int(leader_end - _number((raft[voter.node_id] or {}).get("log-end-offset")))
                    if lag > spec.max_voter_lag:
                        seen.problems.append(f"{voter.name} (controller {voter.node_id}) lags the quorum leader by {lag} records "
                                             f"(at most {spec.max_voter_lag} allowed)")
            for broker in brokers:
                metrics = answers.get((broker.name, MBEAN_RAFT_METRICS))
                state = answers.get((broker.name, MBEAN_BROKER_STATE))
                if (metrics and metrics.get("current-state") == "observer" and _number(metrics.get("current-leader")) >= 0
                        and state and _number(state.get("Value")) == BROKER_STATE_RUNNING):
                    observers.add(broker.node_id)
        self._check_brokers(seen, silent, registered_zk, observers if spec.uses_quorum else None)
        seen.checked.append("under_replicated")
        if sum(counts.values()):
            led = ", ".join(f"{name}: {count}" for name, count in counts.items() if count)
            seen.problems.append(f"{sum(counts.values())} partition(s) are under-replicated (by their leaders' metrics, {led})")

    def _note_down(self, seen: GuardObservation) -> None:
        now = self.clock()
        for name in list(self._down_since):
            if name not in seen.down:
                del self._down_since[name]
        for name in seen.down:
            self._down_since.setdefault(name, now)
        if seen.down and all(now - self._down_since[name] >= self.grace for name in seen.down):
            raise GuardRefused(self.refusal(seen.problems))

    def refusal(self, problems: Sequence[str]) -> str:
        stopping = ", ".join(self.spec.batch) if len(self.spec.batch) > 1 else self.spec.node
        return f"not stopping {stopping}: {'; '.join(problems)}. Repair that and run again; the run resumes here."

    @staticmethod
    def met(observation: dict[str, Any]) -> bool:
        return not observation["problems"]


# --------------------------------------------------------------------------- the modules' side

# The guard's options, shared by the modules that run it (roll_guard, kafka_restart); documented in the
# roll_guard doc fragment.
GUARD_ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    node=dict(type="str", required=True),
    batch=dict(type="list", elements="str", default=[]),
    target=dict(type="str", required=True, choices=list(GUARD_TARGETS)),
    brokers=dict(type="list", elements="dict", default=[]),
    controllers=dict(type="list", elements="dict", default=[]),
    controller_port=dict(type="int", default=9093),
    zookeeper_connect=dict(type="str"),
    zookeeper_broker_ids=dict(type="list", elements="int"),
    zookeeper_error=dict(type="str"),
    kafka_home=dict(type="path", default="/opt/kafka"),
    kafka_version=dict(type="str", default="3.9.0"),
    max_voter_lag=dict(type="int", default=1000),
    broker_properties=dict(type="dict", no_log=True),
    controller_properties=dict(type="dict", no_log=True),
    timeout=dict(type="float", default=60.0),
    catch_up_timeout=dict(type="float", default=0.0),
    grace=dict(type="float", default=10.0),
    interval=dict(type="float", default=1.0),
)


def peers_from_entries(items: Sequence[Any], endpoint: Callable[[Any], str], what: str,
                       url: Callable[[str], str] = lambda u: u) -> tuple[Peer, ...]:
    """The plan's node entries (name, node_id, address or bootstrap_server, jolokia_url) as peers."""
    found = []
    for item in items:
        try:
            agent = item.get("jolokia_url")
            found.append(Peer(str(item["name"]), int(item["node_id"]), endpoint(item), url(agent) if agent else None))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ProbeError(f"{what} entry {item!r} lacks name, node_id or address ({exc})") from exc
    return tuple(found)


def guard_spec_from_params(params: dict[str, Any], url: Callable[[str], str] = lambda u: u,
                           broker_command_config: str | None = None,
                           controller_command_config: str | None = None) -> GuardSpec:
    """GuardSpec from GUARD_ARGUMENT_SPEC's parameters; ``url`` mends an agent URL for the access (TLS)."""
    p = params
    ids = p.get("zookeeper_broker_ids")
    return GuardSpec(
        node=p["node"], target=p["target"], batch=tuple(p.get("batch") or ()),
        brokers=peers_from_entries(p["brokers"], lambda b: b["bootstrap_server"], "brokers", url),
        voters=peers_from_entries(p["controllers"], lambda c: f"{c['address']}:{p['controller_port']}", "controllers", url),
        zookeeper_connect=p.get("zookeeper_connect"), kafka_home=p["kafka_home"],
        zookeeper_broker_ids=tuple(ids) if ids is not None else None,
        zookeeper_error=p.get("zookeeper_error"),
        kafka_version=p["kafka_version"], max_voter_lag=p["max_voter_lag"],
        broker_command_config=broker_command_config, controller_command_config=controller_command_config)


def zookeeper_read_wanted(params: dict[str, Any]) -> bool:
    """The guard needs ZooKeeper's broker list, and only the Ansible controller may read it (its client settings,
    ``zookeeper_on_controller``), which has not: the caller reads it there and comes back."""
    return bool(params.get("zookeeper_on_controller") and params.get("zookeeper_connect")
                and params["target"] in ZOOKEEPER_TARGETS
                and params.get("zookeeper_broker_ids") is None and params.get("zookeeper_error") is None)


def check_before_stop(guard: RollGuard, timeout: float, interval: float) -> tuple[WaitResult[dict[str, Any]], str | None]:
    """Observe until the stop is safe or ``timeout``; the refusal's text when it is not (GuardRefused raises)."""
    waited = wait_for(guard.observe, guard.met, timeout=timeout, interval=interval, retry_on=(ProbeError,))
    if waited.ok:
        return waited, None
    problems = (waited.last or {}).get("problems") or [waited.last_error or "no observation"]
    return waited, f"{guard.refusal(problems)} (still so after {waited.elapsed:.0f}s)"
