# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

import contextlib
import http.server
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import probes as p

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


# ------------------------------------------------------------------ versions / states


@pytest.mark.parametrize("text,expected", [("3.9.0", (3, 9)), ("3.7", (3, 7)), ("3.4.1", (3, 4))])
def test_parse_version(text: str, expected: Any) -> None:
    assert p.parse_version(text).line == expected


def test_parse_version_rejects_garbage() -> None:
    with pytest.raises(p.ProbeUsageError):
        p.parse_version("latest")


@pytest.mark.parametrize("value,version,state", [
    (0, "3.9.0", "NONE"), (1, "3.9.0", "MIGRATION"), (2, "3.9.0", "PRE_MIGRATION"),
    (3, "3.9.0", "POST_MIGRATION"), (4, "3.6.2", "ZK"), (2.0, "3.5.1", "PRE_MIGRATION"), (2, "3.9", "PRE_MIGRATION"),
    # 3.4 numbered them the other way round.
    (1, "3.4.1", "PRE_MIGRATION"), (2, "3.4.0", "MIGRATION"), (3, "3.4.1", "POST_MIGRATION"),
])
def test_decode_migration_state(value: float, version: str, state: str) -> None:
    assert p.decode_migration_state(value, version) == state


@pytest.mark.parametrize("value,version", [(4, "3.4.1"), (5, "3.9.0"), (1.5, "3.9.0"), (-1, "3.9.0")])
def test_decode_migration_state_rejects_unknown(value: float, version: str) -> None:
    with pytest.raises(p.ProbeError):
        p.decode_migration_state(value, version)


# ------------------------------------------------------------------ Jolokia


def test_jolokia_url() -> None:
    assert p.jolokia_read_url("http://127.0.1.21:8778/jolokia/", p.MBEAN_ZK_MIGRATION_STATE) == (
        "http://127.0.1.21:8778/jolokia/read/kafka.controller:type=KafkaController,name=ZkMigrationState")
    assert p.jolokia_read_url("http://h:1/jolokia", "d:name=a/b c").endswith("/read/d:name=a!/b%20c")


@pytest.mark.parametrize("body,value", [
    ('{"request":{"mbean":"x","type":"read"},"value":2,"timestamp":1,"status":200}', 2),
    ('{"request":{"mbean":"x","type":"read"},"value":{"Value":3},"timestamp":1,"status":200}', 3),
    (b'{"value":0.0,"status":200}', 0.0),
])
def test_parse_jolokia_response(body: Any, value: float) -> None:
    assert p.parse_jolokia_response(body, "x") == value


@pytest.mark.parametrize("body", [
    '{"error_type":"javax.management.InstanceNotFoundException","error":"not found","status":404}',
    '{"value":{"Count":3},"status":200}', '{"value":"2","status":200}', '{"value":true,"status":200}',
    "<html>", "[1]",
])
def test_parse_jolokia_response_errors(body: str) -> None:
    with pytest.raises(p.ProbeError):
        p.parse_jolokia_response(body, "x")


def test_jolokia_read_unreachable_is_retryable() -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused.
    with pytest.raises(p.ProbeError, match="unreachable"):
        p.jolokia_read("http://127.0.0.1:9/jolokia", p.MBEAN_ZK_MIGRATION_STATE, timeout=2)


@contextlib.contextmanager
def http_answers(answers: dict[str, tuple[int, bytes]]) -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server answering each path with a fixed (status, body); yields its base URL and the
    request paths it saw."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            seen.append(self.path)
            status, body = answers.get(self.path, (404, b""))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


READ_STATE = "/jolokia/read/" + p.MBEAN_ZK_MIGRATION_STATE


def test_http_get_returns_bodies_also_of_error_statuses() -> None:
    not_found = b'{"error_type":"javax.management.InstanceNotFoundException","error":"no such MBean","status":404}'
    with http_answers({"/ok?x=1": (200, b'{"value":1}'), "/missing": (404, not_found)}) as (base, seen):
        assert p.http_get(base + "/ok?x=1", 2) == b'{"value":1}'
        assert p.http_get(base + "/missing", 2) == not_found
        with pytest.raises(p.FetchError) as empty:
            p.http_get(base + "/empty", 2)
    assert empty.value.status == 404 and "HTTP 404" in str(empty.value)
    assert seen == ["/ok?x=1", "/missing", "/empty"]


def test_http_get_unreachable_and_bad_urls() -> None:
    with pytest.raises(p.FetchError) as refused:
        p.http_get("http://127.0.0.1:9/jolokia", 2)
    assert refused.value.status is None
    for url in ("ftp://127.0.0.1/x", "http:///nohost", "127.0.0.1:8778/jolokia"):
        with pytest.raises(p.ProbeUsageError):
            p.http_get(url, 2)


def test_jolokia_read_over_http() -> None:
    answers = {
        READ_STATE: (200, b'{"request":{"type":"read"},"value":{"Value":2},"status":200}'),
        "/jolokia/read/" + p.MBEAN_ACTIVE_CONTROLLER_COUNT: (
            404, b'{"error_type":"javax.management.InstanceNotFoundException","error":"gone","status":404}'),
    }
    with http_answers(answers) as (base, seen):
        assert p.jolokia_read(base + "/jolokia", p.MBEAN_ZK_MIGRATION_STATE, timeout=2) == 2
        with pytest.raises(p.ProbeError, match=r"failed \(404\): gone"):
            p.jolokia_read(base + "/jolokia", p.MBEAN_ACTIVE_CONTROLLER_COUNT, timeout=2)
        with pytest.raises(p.ProbeError, match="HTTP 404"):
            p.jolokia_read(base + "/jolokia", p.MBEAN_UNDER_REPLICATED, timeout=2)
    assert seen[0] == READ_STATE


def test_jolokia_read_uses_the_given_fetch() -> None:
    calls: list[tuple[str, float]] = []

    def fetch(url: str, timeout: float) -> bytes:
        calls.append((url, timeout))
        return b'{"value":3,"status":200}'

    assert p.jolokia_read("http://h:1/jolokia", p.MBEAN_ZK_MIGRATION_STATE, 7.5, fetch=fetch) == 3
    assert calls == [("http://h:1/jolokia" + READ_STATE[len("/jolokia"):], 7.5)]

    def failing(url: str, timeout: float) -> bytes:
        raise p.FetchError("connection refused")

    with pytest.raises(p.ProbeError, match="Jolokia at http://h:1/jolokia unreachable: connection refused"):
        p.jolokia_read("http://h:1/jolokia", p.MBEAN_ZK_MIGRATION_STATE, 1, fetch=failing)


# ------------------------------------------------------------------ quorum tool


def test_parse_quorum_status_39() -> None:
    status = p.parse_quorum_status(STATUS_39)
    assert (status.cluster_id, status.leader_id, status.leader_epoch, status.high_watermark) == (CLUSTER_ID, 3000, 12, 4242)
    assert (status.max_follower_lag, status.max_follower_lag_time_ms) == (3, 15)
    assert status.voter_ids == (3000, 3001) and status.observer_ids == (1, 2)
    assert status.voters[1].endpoints == ("CONTROLLER://127.0.1.22:9093",)
    assert status.observers[0].directory_id == "pqR6AY0fQ9Ke2oKlpXw3dA" and status.observers[1].directory_id is None
    assert status.has_leader
    json.dumps(status.as_dict())


def test_parse_quorum_status_before_39() -> None:
    status = p.parse_quorum_status(STATUS_38)
    assert status.voter_ids == (3000, 3001, 3002) and status.observer_ids == (1, 2, 3)


def test_parse_quorum_status_without_observers_or_leader() -> None:
    status = p.parse_quorum_status(status_text("[3000]", "[]", leader=-1))
    assert status.observer_ids == () and not status.has_leader


@pytest.mark.parametrize("text", [
    "", "Error while executing: org.apache.kafka.common.errors.TimeoutException",
    STATUS_38.replace("LeaderEpoch:            12", "LeaderEpoch:            x"),
    STATUS_38.replace("[3000,3001,3002]", "[3000,"),
    STATUS_38.replace("[1,2,3]", '[{"directoryId": "x"}]'),
])
def test_parse_quorum_status_errors(text: str) -> None:
    with pytest.raises(p.ProbeError):
        p.parse_quorum_status(text)


REPLICATION_HEADERS_39 = ["NodeId", "DirectoryId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"]


def test_parse_quorum_replication_39() -> None:
    text = table(REPLICATION_HEADERS_39, [
        ["3000", "J8aAPcfLQt2bqs1JT_rMgQ", "4242", "0", "1700000000000", "1700000000000", "Leader"],
        ["3001", "Zr1ZMd6HS0OYrXbd6zRKaw", "4240", "2", "1700000000001", "1700000000001", "Follower"],
        ["1", "pqR6AY0fQ9Ke2oKlpXw3dA", "4242", "0", "1700000000002", "1700000000002", "Observer"],
    ])
    rows = p.parse_quorum_replication(text)
    assert [(r.node_id, r.status, r.lag) for r in rows] == [(3000, "Leader", 0), (3001, "Follower", 2), (1, "Observer", 0)]
    assert rows[0].directory_id == "J8aAPcfLQt2bqs1JT_rMgQ"


def test_parse_quorum_replication_before_39() -> None:
    headers = [h for h in REPLICATION_HEADERS_39 if h != "DirectoryId"]
    rows = p.parse_quorum_replication(table(headers, [["3000", "10", "0", "-1", "-1", "Leader"]]))
    assert rows[0].directory_id is None and rows[0].last_fetch_timestamp == -1


@pytest.mark.parametrize("text", ["", "NodeId\tLag\t\n", "NodeId\tLogEndOffset\tLag\tLastFetchTimestamp\t"
                                  "LastCaughtUpTimestamp\tStatus\t\n3000\t1\t0\t\n"])
def test_parse_quorum_replication_errors(text: str) -> None:
    with pytest.raises(p.ProbeError):
        p.parse_quorum_replication(text)


# ------------------------------------------------------------------ topics tool

URP_OUTPUT = (
    "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2\tElr: \tLastKnownElr: \n"
    "\tTopic: orders\tPartition: 2\tLeader: none\tReplicas: 3\tIsr: \tElr: \tLastKnownElr: \n"
)


def test_parse_topic_partitions() -> None:
    parts = p.parse_topic_partitions(URP_OUTPUT)
    assert [x.as_dict() for x in parts] == [
        {"topic": "orders", "partition": 0, "leader": 1, "replicas": [1, 2, 3], "isr": [1, 2]},
        {"topic": "orders", "partition": 2, "leader": None, "replicas": [3], "isr": []},
    ]


def test_parse_topic_partitions_skips_topic_summary_and_empty_output() -> None:
    text = ("Topic: orders\tTopicId: AAAAAAAAAAAAAAAAAAAAAA\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: \n"
            "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\n")
    assert len(p.parse_topic_partitions(text)) == 1
    assert p.parse_topic_partitions("") == []


# ------------------------------------------------------------------ server.log


def log_line(message: str, level: str = "INFO", logger: str = "[KRaftMigrationDriver id=3000]") -> str:
    return f"[2026-01-02 03:04:05,678] {level} {logger} {message} (org.apache.kafka.metadata.migration.KRaftMigrationDriver)"


@pytest.mark.parametrize("messages,state,waiting", [
    ([], None, None),
    (["Still waiting for all controller nodes ready to begin the migration."], "PRE_MIGRATION", None),
    (["No brokers are known to KRaft, waiting for brokers to register."], "PRE_MIGRATION", None),
    (["No brokers are registered in ZK, waiting for brokers to register."], "PRE_MIGRATION", None),
    (["Still waiting for ZK brokers [1, 2, 3] to register with KRaft."], "PRE_MIGRATION", [1, 2, 3]),
    (["Still waiting for ZK brokers [1, 2, 3] to register with KRaft.",
      "Still waiting for ZK brokers [3] to register with KRaft."], "PRE_MIGRATION", [3]),
    (["Still waiting for ZK brokers [3] to register with KRaft.",
      "Completed migration of metadata from ZooKeeper to KRaft. 7 records were generated in 54 ms across 1 batches."],
     "MIGRATION", []),
    (["Completed migration of metadata from Zookeeper to KRaft. 7 records"], "MIGRATION", []),
    (["Finished initial migration of ZK metadata to KRaft in 54 ms."], "MIGRATION", []),
    (["Finished initial migration of ZK metadata to KRaft in 54 ms.",
      "Completing the ZK migration since this controller was configured with "
      "'zookeeper.metadata.migration.enable' set to 'false'."], "POST_MIGRATION", []),
])
def test_scan_migration_log(messages: list[str], state: str | None, waiting: list[int] | None) -> None:
    observation = p.scan_migration_log([log_line(m) for m in messages] + ["[2026-01-02 03:04:06,000] INFO unrelated"])
    assert observation.state == state and observation.waiting_for_brokers == waiting
    assert len(observation.events) == len(messages)
    if messages:
        assert observation.events[-1]["time"] == "2026-01-02 03:04:05,678"


def test_scan_registration_errors_and_recovery() -> None:
    lines = [
        log_line("Unable to register broker 1 because the controller returned error UNSUPPORTED_VERSION", "ERROR",
                 "[BrokerLifecycleManager id=1]"),
        log_line("Unable to register broker 2 because the controller returned error INCONSISTENT_CLUSTER_ID", "ERROR",
                 "[BrokerLifecycleManager id=2]"),
        log_line("Successfully registered broker 1 with broker epoch 42", "INFO", "[BrokerLifecycleManager id=1]"),
    ]
    observation = p.scan_migration_log(lines)
    assert observation.registration_errors == {2: "INCONSISTENT_CLUSTER_ID"}
    assert observation.state is None
    assert observation.as_dict()["registration_errors"] == {"2": "INCONSISTENT_CLUSTER_ID"}


def test_log_follower_reads_only_complete_new_lines(tmp_path: Any) -> None:
    path = tmp_path / "server.log"
    path.write_text("old line\n")
    follower = p.LogFollower(str(path), offset=path.stat().st_size)
    assert follower.read_lines() == []
    with open(path, "a") as handle:
        handle.write("first\nsecond half")
    assert follower.read_lines() == ["first"]
    with open(path, "a") as handle:
        handle.write("-written\n")
    assert follower.read_lines() == ["second half-written"]
    assert follower.read_lines() == []


def test_log_follower_follows_rotation_and_truncation(tmp_path: Any) -> None:
    path = tmp_path / "server.log"
    path.write_text("a\nb\n")
    follower = p.LogFollower(str(path))
    assert follower.read_lines() == ["a", "b"]
    os.rename(path, tmp_path / "server.log.2026-01-02-03")
    path.write_text("c\n")  # new inode, smaller than the old offset
    assert follower.read_lines() == ["c"]
    path.write_text("")
    assert follower.read_lines() == []
    path.write_text("d\n")
    assert follower.read_lines() == ["d"]


def test_log_follower_missing_file(tmp_path: Any) -> None:
    assert p.LogFollower(str(tmp_path / "absent.log")).read_lines() == []


# ------------------------------------------------------------------ properties / meta.properties


META_V0 = f"#\n#Tue Jan 02 03:04:05 UTC 2026\nbroker.id=1\nversion=0\ncluster.id={CLUSTER_ID}\n"
META_V1 = f"#\n#Tue Jan 02 03:04:05 UTC 2026\nnode.id=3000\ndirectory.id=J8aAPcfLQt2bqs1JT_rMgQ\nversion=1\ncluster.id={CLUSTER_ID}\n"


@pytest.mark.parametrize("text,expected", [
    (META_V0, {"version": 0, "cluster_id": CLUSTER_ID, "node_id": 1, "directory_id": None}),
    (META_V0 + "directory.id=pqR6AY0fQ9Ke2oKlpXw3dA\n",
     {"version": 0, "cluster_id": CLUSTER_ID, "node_id": 1, "directory_id": "pqR6AY0fQ9Ke2oKlpXw3dA"}),
    (META_V1, {"version": 1, "cluster_id": CLUSTER_ID, "node_id": 3000, "directory_id": "J8aAPcfLQt2bqs1JT_rMgQ"}),
])
def test_parse_meta_properties(text: str, expected: dict[str, Any]) -> None:
    assert p.parse_meta_properties(text).as_dict() == expected


@pytest.mark.parametrize("text", ["cluster.id=x\n", "version=2\n", "version=1\ncluster.id=x\n", "version=0\nbroker.id=x\n"])
def test_parse_meta_properties_errors(text: str) -> None:
    with pytest.raises(p.ProbeError):
        p.parse_meta_properties(text)


def test_read_meta_properties(tmp_path: Any) -> None:
    assert p.read_meta_properties(str(tmp_path)) is None
    (tmp_path / "meta.properties").write_text(META_V1)
    meta = p.read_meta_properties(str(tmp_path))
    assert meta is not None and meta.node_id == 3000


# ------------------------------------------------------------------ storage plan

CONTROLLER_CONFIG = {"process.roles": "controller", "node.id": "3000", "log.dirs": "/var/lib/kafka/meta"}
META_3000 = p.MetaProperties(1, CLUSTER_ID, 3000, None)


@pytest.mark.parametrize("config,dirs", [
    ({"log.dirs": "/a, /b", "metadata.log.dir": "/m"}, ["/a", "/b", "/m"]),
    ({"log.dirs": "/a,/b"}, ["/a", "/b"]),
    ({"log.dir": "/a", "metadata.log.dir": "/a"}, ["/a"]),
])
def test_storage_directories(config: dict[str, str], dirs: list[str]) -> None:
    assert p.storage_directories(config) == dirs


def test_storage_directories_need_a_dir() -> None:
    with pytest.raises(p.StorageError):
        p.storage_directories({})


@pytest.mark.parametrize("found,needs,ignore", [
    ({}, True, False),
    ({"/var/lib/kafka/meta": META_3000}, False, False),
])
def test_plan_storage(found: dict[str, p.MetaProperties], needs: bool, ignore: bool) -> None:
    plan = p.plan_storage(CONTROLLER_CONFIG, CLUSTER_ID, read=found.get)
    assert (plan.needs_format, plan.ignore_formatted) == (needs, ignore)


def test_plan_storage_partially_formatted_uses_ignore_formatted() -> None:
    config = dict(CONTROLLER_CONFIG, **{"metadata.log.dir": "/m"})
    plan = p.plan_storage(config, CLUSTER_ID, read={"/m": META_3000}.get)
    assert plan.unformatted == ("/var/lib/kafka/meta",) and plan.ignore_formatted


@pytest.mark.parametrize("config,meta,message", [
    (CONTROLLER_CONFIG, p.MetaProperties(1, "OtherClusterIdxxxxxxxx", 3000, None),
     "/var/lib/kafka/meta is formatted for cluster id OtherClusterIdxxxxxxxx, expected " + CLUSTER_ID),
    (CONTROLLER_CONFIG, p.MetaProperties(1, CLUSTER_ID, 3001, None), "node id 3001"),
    ({"broker.id": "1", "log.dirs": "/x"}, None, "ZooKeeper-mode"),
])
def test_plan_storage_refuses(config: dict[str, str], meta: p.MetaProperties | None, message: str) -> None:
    with pytest.raises(p.StorageError, match=message):
        p.plan_storage(config, CLUSTER_ID, read=lambda d: meta)


def test_storage_format_argv() -> None:
    assert p.storage_format_argv("/opt/kafka", "/etc/kafka/c.properties", CLUSTER_ID, "3.9", True) == [
        "/opt/kafka/bin/kafka-storage.sh", "format", "-t", CLUSTER_ID, "-c", "/etc/kafka/c.properties", "-r", "3.9", "-g"]
    assert p.storage_format_argv("/k", "/c", "id", None, False) == ["/k/bin/kafka-storage.sh", "format", "-t", "id", "-c", "/c"]


def test_run_command_argv_and_timeout(tmp_path: Any) -> None:
    result = p.run_command(["/bin/echo", "a b;c"], timeout=5)
    assert (result.rc, result.stdout) == (0, "a b;c\n")
    with pytest.raises(p.ProbeError, match="did not finish"):
        p.run_command(["/usr/bin/tail", "-f", "/dev/null"], timeout=0.2)
    with pytest.raises(p.ProbeUsageError):
        p.run_command([str(tmp_path / "absent.sh")], timeout=1)


# ------------------------------------------------------------------ observer


class FakeRunner:
    def __init__(self, outputs: list[p.CommandResult]) -> None:
        self.outputs = outputs
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str], timeout: float) -> p.CommandResult:
        self.calls.append(list(argv))
        return self.outputs.pop(0)


def ok(stdout: str) -> p.CommandResult:
    return p.CommandResult((), 0, stdout, "")


def observer(condition: p.KafkaCondition, runner: Any = None, jolokia: Any = None, **target: Any) -> p.KafkaObserver:
    return p.KafkaObserver(p.KafkaTarget(**target), condition, runner=runner or FakeRunner([]),
                           jolokia=jolokia or (lambda url, mbean, timeout: pytest.fail("no Jolokia expected")))


def test_quorum_leader_uses_bootstrap_controller_on_37_plus() -> None:
    runner = FakeRunner([ok(STATUS_39)])
    obs = observer(p.KafkaCondition("quorum_leader"), runner, bootstrap_controller="127.0.1.21:9093",
                   bootstrap_server="127.0.1.11:9092", command_config="/etc/kafka/admin.properties")
    observation = obs.observe()
    assert runner.calls == [["/opt/kafka/bin/kafka-metadata-quorum.sh", "--bootstrap-controller", "127.0.1.21:9093",
                             "--command-config", "/etc/kafka/admin.properties", "describe", "--status"]]
    assert observation["source"] == "quorum_tool" and obs.met(observation)


def test_quorum_leader_goes_through_a_broker_before_37() -> None:
    runner = FakeRunner([ok(status_text("[3000]", "[]", leader=-1))])
    obs = observer(p.KafkaCondition("quorum_leader"), runner, kafka_version="3.6.2",
                   bootstrap_controller="127.0.1.21:9093", bootstrap_server="127.0.1.11:9092")
    observation = obs.observe()
    assert runner.calls[0][1:3] == ["--bootstrap-server", "127.0.1.11:9092"]
    assert not obs.met(observation)


def test_tool_failure_is_retryable_with_stderr() -> None:
    runner = FakeRunner([p.CommandResult((), 1, "", "Exception\norg.apache.kafka.common.errors.TimeoutException: boom")])
    obs = observer(p.KafkaCondition("quorum_leader"), runner, bootstrap_controller="127.0.1.21:9093")
    with pytest.raises(p.ProbeError, match="exited 1: .*TimeoutException: boom"):
        obs.observe()


def stamped(when: float, message: str, level: str = "INFO",
            logger: str = "(kafka.server.BrokerLifecycleManager)") -> str:
    """A log line as Kafka writes it, at epoch second ``when`` (local time)."""
    text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
    return f"[{text},{int(when * 1000) % 1000:03d}] {level} {message} {logger}"


START = 1796160000.0  # the broker JVM's start, epoch seconds


def registration_observer(tmp_path: Any, broker: int = 1, process: Any = "running",
                          clock: Any = None) -> p.KafkaObserver:
    found = p.KafkaProcess(4242, START, "/etc/kafka/server.properties") if process == "running" else process
    return p.KafkaObserver(
        p.KafkaTarget(log_dir=str(tmp_path), config_file="/etc/kafka/server.properties"),
        p.KafkaCondition("broker_registered_kraft", broker_id=broker),
        find_process=found if callable(found) else (lambda config: found),
        clock=clock or (lambda: 0.0))


def test_broker_registered_counts_only_lines_of_the_running_jvm(tmp_path: Any) -> None:
    log = tmp_path / "server.log"
    # The previous run registered; the new JVM has not yet: the old line must not count.
    log.write_text(stamped(START - 60, "[BrokerLifecycleManager id=1 isZkBroker=true] Successfully registered "
                                       "broker 1 with broker epoch 51") + "\n")
    obs = registration_observer(tmp_path)
    first = obs.observe()
    assert first["source"] == "broker_log" and not obs.met(first)
    with open(log, "a") as handle:
        handle.write(stamped(START + 4, "[BrokerLifecycleManager id=1] Unable to register broker 1 because the "
                                        "controller returned error DUPLICATE_BROKER_REGISTRATION") + "\n")
    second = obs.observe()  # a restart too fast for the old session: retried, not fatal
    assert second["error"] == "DUPLICATE_BROKER_REGISTRATION" and not obs.met(second)
    with open(log, "a") as handle:
        handle.write(stamped(START + 9, "[BrokerLifecycleManager id=1] Successfully registered broker 1 with "
                                        "broker epoch 278") + "\n")
    assert obs.met(obs.observe())


def test_broker_registration_ignores_other_brokers(tmp_path: Any) -> None:
    (tmp_path / "server.log").write_text(stamped(START + 1, "Successfully registered broker 2 with broker epoch 3") + "\n")
    obs = registration_observer(tmp_path, broker=1)
    assert not obs.met(obs.observe())


@pytest.mark.parametrize("error", ["UNSUPPORTED_VERSION", "INVALID_REGISTRATION", "INCONSISTENT_CLUSTER_ID"])
def test_broker_registration_rejected_fails_at_once_quoting_the_controller(tmp_path: Any, error: str) -> None:
    line = stamped(START + 3, "[BrokerLifecycleManager id=1 isZkBroker=true] Unable to register broker 1 because "
                              f"the controller returned error {error}")
    (tmp_path / "server.log").write_text(line + "\n")
    obs = registration_observer(tmp_path)
    with pytest.raises(p.RegistrationRejected, match=f"rejected broker 1's registration with {error} .*{error}"):
        obs.observe()


def test_broker_without_process_fails_within_the_grace_naming_its_errors(tmp_path: Any) -> None:
    (tmp_path / "server.log").write_text(
        stamped(time.time() - 5, "Exiting Kafka due to fatal exception", level="ERROR", logger="(kafka.Kafka$)") + "\n")
    now = [0.0]
    obs = registration_observer(tmp_path, process=None, clock=lambda: now[0])
    with pytest.raises(p.ProbeError, match="no kafka.Kafka process"):
        obs.observe()  # just restarted: the JVM may not have replaced its start script yet
    now[0] = p.NODE_START_GRACE + 0.5
    with pytest.raises(p.NodeStopped, match="broker 1 is not running .*Exiting Kafka due to fatal exception"):
        obs.observe()


def test_broker_registration_starts_over_when_the_jvm_changes(tmp_path: Any) -> None:
    log = tmp_path / "server.log"
    log.write_text(stamped(START + 1, "Successfully registered broker 1 with broker epoch 5") + "\n")
    later = p.KafkaProcess(4343, START + 100, "/etc/kafka/server.properties")
    processes = [p.KafkaProcess(4242, START, "/etc/kafka/server.properties"), later, later]
    obs = registration_observer(tmp_path, process=lambda config: processes.pop(0))
    assert obs.met(obs.observe())
    assert not obs.met(obs.observe())  # restarted since: its registration is still to come


def test_broker_registration_needs_the_log_dir() -> None:
    with pytest.raises(p.ProbeUsageError, match="log_dir"):
        p.KafkaObserver(p.KafkaTarget(), p.KafkaCondition("broker_registered_kraft", broker_id=1))


@pytest.mark.parametrize("output,count", [(URP_OUTPUT, 2), ("", 0)])
def test_under_replicated_zero_with_topics_tool(output: str, count: int) -> None:
    runner = FakeRunner([ok(output)])
    obs = observer(p.KafkaCondition("under_replicated_zero"), runner, bootstrap_server="127.0.1.11:9092",
                   jolokia_url="http://127.0.1.11:8778/jolokia")
    observation = obs.observe()
    assert runner.calls[0] == ["/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", "127.0.1.11:9092",
                               "--describe", "--under-replicated-partitions"]
    assert observation["count"] == count and obs.met(observation) is (count == 0)
    if count:
        assert observation["under_replicated"] == ["orders-0", "orders-2"]


def test_under_replicated_zero_with_jolokia_only() -> None:
    seen = []

    def jolokia(url: str, mbean: str, timeout: float) -> int:
        seen.append((url, mbean))
        return 4

    obs = observer(p.KafkaCondition("under_replicated_zero"), jolokia=jolokia, jolokia_url="http://127.0.1.11:8778/jolokia")
    observation = obs.observe()
    assert seen == [("http://127.0.1.11:8778/jolokia", p.MBEAN_UNDER_REPLICATED)]
    assert observation == {"source": "jolokia", "count": 4} and not obs.met(observation)


@pytest.mark.parametrize("value,version,expected,met", [
    (2, "3.9.0", "PRE_MIGRATION", True), (1, "3.9.0", "PRE_MIGRATION", False),
    (1, "3.4.1", "PRE_MIGRATION", True), (1, "3.9.0", "MIGRATION", True), (3, "3.9.0", "POST_MIGRATION", True),
])
def test_migration_state_from_jolokia(value: int, version: str, expected: str, met: bool) -> None:
    obs = observer(p.KafkaCondition("migration_state", expected=expected), kafka_version=version,
                   jolokia=lambda url, mbean, timeout: value, jolokia_url="http://127.0.1.21:8778/jolokia")
    observation = obs.observe()
    assert observation["source"] == "jolokia" and obs.met(observation) is met


def test_migration_state_from_log_follows_new_lines(tmp_path: Any) -> None:
    log = tmp_path / "server.log"
    log.write_text(log_line("Still waiting for ZK brokers [1, 2] to register with KRaft.") + "\n")
    obs = observer(p.KafkaCondition("migration_state", expected="MIGRATION"), log_dir=str(tmp_path))
    first = obs.observe()
    assert first["source"] == "kafka_logs" and first["state"] == "PRE_MIGRATION" and not obs.met(first)
    assert first["waiting_for_brokers"] == [1, 2]
    with open(log, "a") as handle:
        handle.write(log_line("Finished initial migration of ZK metadata to KRaft in 10 ms.") + "\n")
    second = obs.observe()
    assert second["state"] == "MIGRATION" and obs.met(second)


def test_migration_state_names_brokers_that_hold_replicas(tmp_path: Any) -> None:
    (tmp_path / "server.log").write_text(
        log_line("Still waiting for ZK brokers [2, 5] found in metadata to register with KRaft.") + "\n")
    obs = observer(p.KafkaCondition("migration_state", expected="MIGRATION"), log_dir=str(tmp_path))
    seen = obs.observe()
    assert seen["state"] == "PRE_MIGRATION" and seen["waiting_for_brokers_with_replicas"] == [2, 5]


QUORUM = "(org.apache.kafka.controller.QuorumController)"


@pytest.mark.parametrize("server,controller,state", [
    # Finalization is logged by the controller's activation, into controller.log only.
    ([], ["Performing controller activation. Loaded ZK migration state of MIGRATION. Completing the ZK migration "
          "since this controller was configured with 'zookeeper.metadata.migration.enable' set to 'false'."],
     "POST_MIGRATION"),
    ([], ["Performing controller activation. Loaded ZK migration state of POST_MIGRATION. "], "POST_MIGRATION"),
    # A newly elected controller never repeats "Completed migration ..."; it says this.
    (["Migration is in already progress, not waiting on ZK brokers."],
     ["Performing controller activation. Loaded ZK migration state of MIGRATION. Staying in ZK migration mode "
      "since 'zookeeper.metadata.migration.enable' is still 'true'."], "MIGRATION"),
    ([], ["Performing controller activation. The metadata log appears to be empty. Putting the controller into "
          "pre-migration mode. No metadata updates will be allowed until the ZK metadata has been migrated."],
     "PRE_MIGRATION"),
])
def test_migration_state_reads_controller_log_too(tmp_path: Any, server: list[str], controller: list[str],
                                                  state: str) -> None:
    (tmp_path / "server.log").write_text("".join(stamped(START + i, m) + "\n" for i, m in enumerate(server)))
    (tmp_path / "controller.log").write_text(
        "".join(stamped(START + 10 + i, m, level="WARN", logger=QUORUM) + "\n" for i, m in enumerate(controller)))
    obs = observer(p.KafkaCondition("migration_state", expected=state), log_dir=str(tmp_path))
    assert obs.observe()["state"] == state


def test_migration_state_found_in_a_rolled_file(tmp_path: Any) -> None:
    # An hour (or a soak of days) later the line is only in server.log.<yyyy-MM-dd-HH>.
    hour = time.strftime("%Y-%m-%d-%H", time.localtime(START))
    (tmp_path / ("server.log." + hour)).write_text(
        stamped(START, "Completed migration of metadata from ZooKeeper to KRaft. 7 records were generated.") + "\n")
    (tmp_path / "server.log").write_text(stamped(START + 3600, "a later line") + "\n")
    obs = observer(p.KafkaCondition("migration_state", expected="MIGRATION"), log_dir=str(tmp_path))
    assert obs.met(obs.observe())


@pytest.mark.parametrize("value,expected,met", [(3, 3, True), (2, 3, False), (0, 0, True)])
def test_migrating_zk_broker_count(value: int, expected: int, met: bool) -> None:
    obs = observer(p.KafkaCondition("migrating_zk_broker_count", expected=expected),
                   jolokia=lambda url, mbean, timeout: value if mbean == p.MBEAN_MIGRATING_ZK_BROKER_COUNT else -1,
                   jolokia_url="http://127.0.1.21:8778/jolokia")
    assert obs.met(obs.observe()) is met


def test_service_log_matches_after_offset(tmp_path: Any) -> None:
    log = tmp_path / "server.log"
    log.write_text("[t] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n")
    offset = log.stat().st_size
    obs = observer(p.KafkaCondition("service_log", pattern=r"\] started \("), log_file=str(log), log_offset=offset)
    first = obs.observe()
    assert first["matched"] is None and not obs.met(first)
    with open(log, "a") as handle:
        handle.write(log_line("Unable to register broker 1 because the controller returned error UNSUPPORTED_VERSION") + "\n")
        handle.write("[t] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n")
    second = obs.observe()
    assert obs.met(second) and "started" in second["matched"]
    assert second["registration_errors"] == {"1": "UNSUPPORTED_VERSION"}
    # A later poll keeps the match.
    assert obs.met(obs.observe())


@pytest.mark.parametrize("condition,target", [
    (p.KafkaCondition("bogus"), {}),
    (p.KafkaCondition("quorum_leader"), {}),
    (p.KafkaCondition("quorum_leader"), {"kafka_version": "3.6.0", "bootstrap_controller": "h:9093"}),
    (p.KafkaCondition("broker_registered_kraft"), {"bootstrap_controller": "h:9093"}),
    (p.KafkaCondition("under_replicated_zero"), {}),
    (p.KafkaCondition("migration_state", expected="DONE"), {"log_file": "/x"}),
    (p.KafkaCondition("migration_state", expected="MIGRATION"), {}),
    (p.KafkaCondition("migrating_zk_broker_count", expected=0), {"log_file": "/x"}),
    (p.KafkaCondition("migrating_zk_broker_count"), {"jolokia_url": "http://h:1/jolokia"}),
    (p.KafkaCondition("service_log", pattern="("), {"log_file": "/x"}),
    (p.KafkaCondition("service_log"), {"log_file": "/x"}),
    (p.KafkaCondition("quorum_leader"), {"kafka_version": "x", "bootstrap_controller": "h:9093"}),
])
def test_observer_usage_errors(condition: p.KafkaCondition, target: dict[str, Any]) -> None:
    with pytest.raises(p.ProbeUsageError):
        observer(condition, **target)


def test_conditions_describe_themselves() -> None:
    for name in p.KAFKA_CONDITIONS:
        assert p.KafkaCondition(name, expected=1, broker_id=1, pattern="x").describe()
