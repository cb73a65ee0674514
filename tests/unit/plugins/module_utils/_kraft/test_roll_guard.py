# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The check before every stop: each problem named, a node that is down refused within the grace."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Sequence

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ProbeError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_tools import CommandResult
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.roll_guard import (
    GuardRefused,
    GuardSpec,
    Peer,
    RollGuard,
    zk_children,
)

BROKERS = (Peer("b1", 1, "10.0.0.1:9092"), Peer("b2", 2, "10.0.0.2:9092"), Peer("b3", 3, "10.0.0.3:9092"))
VOTERS = (Peer("c1", 3000, "10.0.0.11:9093"), Peer("c2", 3001, "10.0.0.12:9093"), Peer("c3", 3002, "10.0.0.13:9093"))


def replication(leader: int = 3000, voters: Sequence[int] = (3000, 3001, 3002),
                observers: Sequence[int] = (1, 2, 3), lags: dict[int, int] | None = None) -> str:
    """``describe --replication``: one row per voter (Leader/Follower) and per observer."""
    lags = lags or {}
    rows = ["NodeId\tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus"]
    for node in voters:
        lag = lags.get(node, 0)
        rows.append(f"{node}\t{100 - lag}\t{lag}\t1\t1\t{'Leader' if node == leader else 'Follower'}")
    for node in observers:
        rows.append(f"{node}\t100\t0\t1\t1\tObserver")
    return "\n".join(rows) + "\n"


class Cluster:
    """Fakes of the three things the guard looks at: ports, ZooKeeper, the Kafka tools."""

    def __init__(self) -> None:
        self.down: set = set()
        self.zk_ids: list[str] | None = ["1", "2", "3"]
        self.leader = 3000
        self.voters: Sequence[int] = (3000, 3001, 3002)
        self.observers: Sequence[int] = (1, 2, 3)
        self.lags = {3000: 0, 3001: 0, 3002: 0}
        self.urp = ""
        self.calls: list[list[str]] = []
        self.now = 0.0

    def connect(self, endpoint: str, timeout: float) -> str | None:
        return "Connection refused" if endpoint in self.down else None

    def zk_list(self, connect: str, path: str, timeout: float) -> list[str]:
        if self.zk_ids is None:
            raise ProbeError("zk:2181: Connection refused")
        return self.zk_ids

    def run(self, argv: Sequence[str], timeout: float) -> CommandResult:
        self.calls.append(list(argv))
        if "--replication" in argv:
            return CommandResult(tuple(argv), 0, replication(self.leader, self.voters, self.observers, self.lags), "")
        return CommandResult(tuple(argv), 0, self.urp, "")

    def guard(self, target: str = "migration", node: str = "b1") -> RollGuard:
        spec = GuardSpec(node, target, BROKERS, VOTERS, "zk:2181/kafka", kafka_version="3.9.0", max_voter_lag=10)
        return RollGuard(spec, runner=self.run, connect=self.connect, zk_list=self.zk_list,
                         clock=lambda: self.now, grace=10.0)


def test_a_healthy_cluster_passes_every_check() -> None:
    cluster = Cluster()
    seen = cluster.guard().observe()
    assert RollGuard.met(seen) and seen["checked"] == ["zookeeper", "quorum", "brokers", "under_replicated"]
    topics = [c for c in cluster.calls if c[0].endswith("kafka-topics.sh")][0]
    # Bootstrapped through the other brokers only: the one about to stop is not asked.
    assert topics[2] == "10.0.0.2:9092,10.0.0.3:9092"
    # Two tool calls (each a JVM start): the quorum's replication table and the topics tool.
    assert [c[0].rsplit("/", 1)[1] for c in cluster.calls] == ["kafka-metadata-quorum.sh", "kafka-topics.sh"]


def test_the_quorum_and_topics_tools_run_at_the_same_time() -> None:
    # Each is a JVM start on the host; one after the other they doubled the pause before every stop.
    cluster = Cluster()
    both_running = threading.Barrier(2, timeout=5)
    plain_run = cluster.run

    def run(argv: Sequence[str], timeout: float) -> CommandResult:
        both_running.wait()   # broken (an error) unless the other call is under way too
        return plain_run(argv, timeout)

    cluster.run = run  # type: ignore[method-assign]
    assert RollGuard.met(cluster.guard().observe())
    assert len(cluster.calls) == 2


def test_zookeeper_down_is_named_and_refused_after_the_grace() -> None:
    cluster = Cluster()
    cluster.zk_ids = None
    guard = cluster.guard()
    seen = guard.observe()
    assert not RollGuard.met(seen)
    assert seen["problems"] == ["ZooKeeper (zk:2181/kafka) is not reachable: zk:2181: Connection refused"]
    cluster.now = 10.0
    with pytest.raises(GuardRefused, match="not stopping b1: ZooKeeper .* is not reachable"):
        guard.observe()


def test_a_batchs_one_check_names_every_broker_it_would_stop() -> None:
    cluster = Cluster()
    cluster.down.add("10.0.0.3:9092")   # a batch mate: it must answer too before any of the batch stops
    spec = GuardSpec("b1", "migration", BROKERS, VOTERS, "zk:2181/kafka", batch=("b1", "b3"))
    guard = RollGuard(spec, runner=cluster.run, connect=cluster.connect, zk_list=cluster.zk_list,
                      clock=lambda: cluster.now, grace=0.0)
    with pytest.raises(GuardRefused, match=r"^not stopping b1, b3: b3 is not running"):
        guard.observe()
    assert guard.observed_at is not None   # when the observation began, the report's health time


def test_zookeeper_is_not_checked_after_finalization() -> None:
    cluster = Cluster()
    cluster.zk_ids = None
    assert RollGuard.met(cluster.guard(target="kraft", node="c1").observe())


def test_a_dead_broker_is_named_and_not_used_to_bootstrap() -> None:
    cluster = Cluster()
    cluster.down.add("10.0.0.3:9092")
    guard = cluster.guard()
    seen = guard.observe()
    assert seen["down"] == ["b3"]
    assert seen["problems"][0].startswith("b3 is not running (broker 3 does not answer on 10.0.0.3:9092")
    topics = [c for c in cluster.calls if c[0].endswith("kafka-topics.sh")][0]
    assert topics[2] == "10.0.0.2:9092"
    cluster.now = 9.0
    guard.observe()  # still within the grace
    cluster.now = 10.5
    with pytest.raises(GuardRefused, match="b3 is not running"):
        guard.observe()


def test_a_broker_that_came_back_resets_the_grace() -> None:
    cluster = Cluster()
    cluster.down.add("10.0.0.2:9092")
    guard = cluster.guard()
    guard.observe()
    cluster.down.clear()
    cluster.now = 20.0
    assert RollGuard.met(guard.observe())


def test_an_unregistered_broker_is_named() -> None:
    cluster = Cluster()
    cluster.zk_ids = ["1", "3"]
    cluster.observers = (1, 3)
    seen = cluster.guard().observe()
    assert seen["problems"] == ["b2 (broker 2) is registered neither in ZooKeeper nor with the KRaft controllers"]


def test_a_kraft_broker_counts_as_registered_through_the_quorum() -> None:
    cluster = Cluster()
    cluster.zk_ids = ["1", "3"]
    assert RollGuard.met(cluster.guard(target="dual_write").observe())


@pytest.mark.parametrize("change,problem", [
    pytest.param(lambda c: setattr(c, "leader", -1), "the metadata quorum has no leader", id="no-leader"),
    pytest.param(lambda c: setattr(c, "voters", (3000, 3001)),
                 "the metadata quorum does not list c3 as voter(s)", id="voter-missing"),
    pytest.param(lambda c: c.lags.update({3002: 50}),
                 "c3 (controller 3002) lags the quorum leader by 50 records (at most 10 allowed)", id="voter-lags"),
    pytest.param(lambda c: c.down.add("10.0.0.12:9093"),
                 "c2 is not running (controller 3001 does not answer on 10.0.0.12:9093: Connection refused)",
                 id="voter-down"),
    pytest.param(lambda c: setattr(c, "urp", "\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1\n"),
                 "1 partition(s) are under-replicated: t-0", id="urp"),
])
def test_each_problem_is_named(change: Callable[[Cluster], object], problem: str) -> None:
    cluster = Cluster()
    change(cluster)
    seen = cluster.guard().observe()
    assert problem in seen["problems"], seen


def test_no_quorum_check_once_the_controllers_are_gone() -> None:
    cluster = Cluster()
    cluster.down.update(v.endpoint for v in VOTERS)
    seen = cluster.guard(target="rollback_zookeeper").observe()
    assert RollGuard.met(seen) and "quorum" not in seen["checked"]


def test_an_unknown_target_is_refused() -> None:
    with pytest.raises(ProbeError, match="unknown roll target"):
        Cluster().guard(target="bogus")


# --------------------------------------------------------------------------- ZooKeeper's wire protocol


def fake_zookeeper(children: list[str] | None, serve_session: bool = True) -> tuple[socket.socket, list[str]]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def frame(payload: bytes) -> bytes:
        return struct.pack(">i", len(payload)) + payload

    def serve() -> None:
        conn, _addr = server.accept()
        with conn:
            conn.recv(4096)
            if not serve_session:
                return
            conn.sendall(frame(struct.pack(">iiqi16s", 0, 10000, 42, 16, b"\0" * 16)))
            request = conn.recv(4096)
            path = request[16:16 + struct.unpack(">i", request[12:16])[0]].decode()
            served.append(path)
            if children is None:
                conn.sendall(frame(struct.pack(">iqi", 1, 5, -101)))
            else:
                body = struct.pack(">i", len(children)) + b"".join(
                    struct.pack(">i", len(c)) + c.encode() for c in children)
                conn.sendall(frame(struct.pack(">iqi", 1, 5, 0) + body))
            conn.recv(4096)

    served: list[str] = []
    threading.Thread(target=serve, daemon=True).start()
    return server, served


def test_zk_children_speaks_zookeepers_protocol_under_the_chroot() -> None:
    server, served = fake_zookeeper(["1", "2"])
    port = server.getsockname()[1]
    assert zk_children(f"127.0.0.1:{port}/kafka", "/brokers/ids", 5.0) == ["1", "2"]
    assert served == ["/kafka/brokers/ids"]
    server.close()


def test_zk_children_of_a_missing_path_is_empty() -> None:
    server, dummy = fake_zookeeper(None)
    assert zk_children(f"127.0.0.1:{server.getsockname()[1]}", "/brokers/ids", 5.0) == []
    server.close()


def test_a_server_without_quorum_is_not_reachable() -> None:
    server, dummy = fake_zookeeper([], serve_session=False)
    with pytest.raises(ProbeError, match="closed the connection"):
        zk_children(f"127.0.0.1:{server.getsockname()[1]}", "/brokers/ids", 5.0)
    server.close()


def test_a_refused_connection_names_the_server() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(ProbeError, match=f"127.0.0.1:{port}: "):
        zk_children(f"127.0.0.1:{port}", "/brokers/ids", 2.0)


def _read_on_the_controller(cluster: Cluster, ids: tuple[int, ...] | None, error: str | None = None) -> RollGuard:
    spec = GuardSpec("b1", "migration", BROKERS, VOTERS, "zk:2181/kafka", zookeeper_broker_ids=ids,
                     zookeeper_error=error, kafka_version="3.9.0", max_voter_lag=10)

    def no_zookeeper(connect: str, path: str, timeout: float) -> list[str]:
        raise AssertionError("the guard must not speak to ZooKeeper itself (it cannot do TLS or SASL)")
    return RollGuard(spec, runner=cluster.run, connect=cluster.connect, zk_list=no_zookeeper,
                     clock=lambda: cluster.now, grace=10.0)


def test_the_ids_read_on_the_ansible_controller_stand_in_for_the_guards_own_read() -> None:
    cluster = Cluster()
    cluster.observers = (1,)
    seen = _read_on_the_controller(cluster, (1, 3)).observe()
    assert seen["checked"][0] == "zookeeper"
    assert seen["problems"] == ["b2 (broker 2) is registered neither in ZooKeeper nor with the KRaft controllers"]
    assert RollGuard.met(_read_on_the_controller(cluster, (1, 2, 3)).observe())


def test_a_failed_read_on_the_ansible_controller_names_zookeeper_and_is_refused_after_the_grace() -> None:
    cluster = Cluster()
    guard = _read_on_the_controller(cluster, None, "ZooKeeper zk:2181/kafka: connection timed out")
    seen = guard.observe()
    assert seen["problems"] == ["ZooKeeper (zk:2181/kafka) is not reachable: ZooKeeper zk:2181/kafka: connection timed out"]
    cluster.now = 10.0
    with pytest.raises(GuardRefused, match="not stopping b1: ZooKeeper .* is not reachable"):
        guard.observe()


# --------------------------------------------------------------------------- from the nodes' Jolokia agents


def with_agents(peers: Sequence[Peer]) -> tuple[Peer, ...]:
    return tuple(Peer(n.name, n.node_id, n.endpoint, f"http://{n.endpoint.split(':')[0]}:8778/jolokia") for n in peers)


class Metrics(Cluster):
    """The same cluster, read from each node's agent: raft-metrics, BrokerState, UnderReplicatedPartitions."""

    def __init__(self) -> None:
        super().__init__()
        self.ends = {3000: 500.0, 3001: 500.0, 3002: 500.0}
        self.states: dict[int, str] = {}
        self.broker_state = {1: 3, 2: 3, 3: 3}
        self.led_urp = {1: 0, 2: 0, 3: 0}
        self.no_agent: set[str] = set()
        self.reads: list[tuple[str, str]] = []
        self.broker_peers = with_agents(BROKERS)
        self.voter_peers = with_agents(VOTERS)

    def read(self, url: str, mbean: str, timeout: float) -> dict[str, object] | None:
        node = next(n for n in self.broker_peers + self.voter_peers if n.jolokia_url == url)
        self.reads.append((node.name, mbean))
        if node.name in self.no_agent:
            raise ProbeError(f"Jolokia at {url} gave no answer for {mbean}: Connection refused")
        if "raft-metrics" in mbean:
            if node.node_id in self.ends:   # a controller
                state = self.states.get(node.node_id, "leader" if node.node_id == self.leader else "follower")
                return {"current-state": state, "current-leader": float(self.leader), "log-end-offset": self.ends[node.node_id]}
            if node.node_id not in self.observers:
                return None   # a ZooKeeper broker has no raft client
            return {"current-state": "observer", "current-leader": float(self.leader), "log-end-offset": 0.0}
        if "BrokerState" in mbean:
            return {"Value": self.broker_state[node.node_id]}
        return {"Value": self.led_urp[node.node_id]}

    def guard(self, target: str = "migration", node: str = "b1") -> RollGuard:
        spec = GuardSpec(node, target, self.broker_peers, self.voter_peers, "zk:2181/kafka", kafka_version="3.9.0", max_voter_lag=10)
        return RollGuard(spec, runner=self.run, connect=self.connect, zk_list=self.zk_list,
                         clock=lambda: self.now, grace=10.0, read_mbean=self.read)


def test_with_an_agent_on_every_node_no_tool_is_started() -> None:
    cluster = Metrics()
    seen = cluster.guard().observe()
    assert RollGuard.met(seen) and seen["source"] == "jolokia" and cluster.calls == []
    assert seen["checked"] == ["zookeeper", "quorum", "brokers", "under_replicated"]
    # The broker about to stop is read too: the partitions it leads count until it stops.
    assert ("b1", "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions") in cluster.reads


@pytest.mark.parametrize("change,problem", [
    pytest.param(lambda c: c.states.update({3000: "candidate"}), "the metadata quorum has no leader", id="no-leader"),
    pytest.param(lambda c: c.states.update({3002: "unattached"}),
                 "the metadata quorum does not list c3 as voter(s) (c3 is unattached)", id="voter-not-following"),
    pytest.param(lambda c: c.ends.update({3002: 450.0}),
                 "c3 (controller 3002) lags the quorum leader by 50 records (at most 10 allowed)", id="voter-lags"),
    pytest.param(lambda c: c.down.add("10.0.0.12:9093"),
                 "c2 is not running (controller 3001 does not answer on 10.0.0.12:9093: Connection refused)",
                 id="voter-down"),
    pytest.param(lambda c: c.led_urp.update({1: 2, 3: 1}),
                 "3 partition(s) are under-replicated (by their leaders' metrics, b1: 2, b3: 1)", id="urp"),
    pytest.param(lambda c: c.zk_ids.remove("2") or c.broker_state.update({2: 2}),
                 "b2 (broker 2) is registered neither in ZooKeeper nor with the KRaft controllers", id="kraft-broker-not-running"),
])
def test_each_problem_is_named_from_the_metrics(change: Callable[[Metrics], object], problem: str) -> None:
    cluster = Metrics()
    change(cluster)
    seen = cluster.guard().observe()
    assert seen["source"] == "jolokia" and problem in seen["problems"], seen


def test_a_kraft_broker_counts_as_registered_as_a_running_observer() -> None:
    cluster = Metrics()
    cluster.zk_ids = ["1", "3"]
    assert RollGuard.met(cluster.guard(target="dual_write").observe())
    cluster.observers = (1, 3)   # no raft client: a ZooKeeper broker, yet not in ZooKeeper
    assert "b2 (broker 2) is registered neither in ZooKeeper nor with the KRaft controllers" in \
        cluster.guard(target="dual_write").observe()["problems"]


def test_an_agent_that_does_not_answer_sends_the_guard_back_to_the_tools() -> None:
    cluster = Metrics()
    cluster.no_agent.add("b3")
    guard = cluster.guard()
    seen = guard.observe()
    assert RollGuard.met(seen) and seen["source"] == "kafka_tools" and "b3" in seen["fallback"]
    assert len(cluster.calls) == 2 and seen["problems"] == []
    reads = len(cluster.reads)
    guard.observe()
    assert len(cluster.reads) == reads   # the tools from then on


def test_without_an_agent_on_every_node_the_tools_are_used() -> None:
    cluster = Metrics()
    cluster.voter_peers = VOTERS   # the controllers run no agent
    seen = cluster.guard().observe()
    assert seen["source"] == "kafka_tools" and cluster.reads == [] and len(cluster.calls) == 2


def test_no_raft_metrics_are_read_once_the_controllers_are_gone() -> None:
    cluster = Metrics()
    cluster.down.update(v.endpoint for v in VOTERS)
    seen = cluster.guard(target="rollback_zookeeper").observe()
    assert RollGuard.met(seen) and seen["source"] == "jolokia"
    assert not [r for r in cluster.reads if "raft" in r[1]]
