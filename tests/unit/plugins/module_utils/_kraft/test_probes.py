# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The wait conditions and the observer that checks them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import jolokia as jo
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import kafka_logs as kl
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import kafka_tools as kt
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import probes as p
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ProbeError, ProbeUsageError
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_kafka_logs import log_line
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_kafka_tools import STATUS_39, URP_OUTPUT, status_text

# ------------------------------------------------------------------ observer


class FakeRunner:
    def __init__(self, outputs: list[kt.CommandResult]) -> None:
        self.outputs = outputs
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str], timeout: float) -> kt.CommandResult:
        self.calls.append(list(argv))
        return self.outputs.pop(0)


def ok(stdout: str) -> kt.CommandResult:
    return kt.CommandResult((), 0, stdout, "")


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
    runner = FakeRunner([kt.CommandResult((), 1, "", "Exception\norg.apache.kafka.common.errors.TimeoutException: boom")])
    obs = observer(p.KafkaCondition("quorum_leader"), runner, bootstrap_controller="127.0.1.21:9093")
    with pytest.raises(ProbeError, match="exited 1: .*TimeoutException: boom"):
        obs.observe()


def test_quorum_leader_of_this_hosts_node_fails_within_the_grace_once_its_process_is_gone(tmp_path: Any) -> None:
    (tmp_path / "server.log").write_text(
        stamped(time.time() - 5, "Exiting Kafka due to fatal exception", level="ERROR", logger="(kafka.Kafka$)") + "\n")
    now = [0.0]
    runner = FakeRunner([ok(STATUS_39)])
    obs = p.KafkaObserver(
        p.KafkaTarget(bootstrap_controller="127.0.1.21:9093", log_dir=str(tmp_path),
                      config_file="/etc/kafka/server.properties"),
        p.KafkaCondition("quorum_leader"), runner=runner, find_process=lambda config: None, clock=lambda: now[0])
    with pytest.raises(ProbeError, match="the Kafka node has no kafka.Kafka process"):
        obs.observe()  # just started: the JVM may not have replaced its start script yet
    now[0] = p.NODE_START_GRACE + 0.5
    with pytest.raises(p.NodeStopped, match="the Kafka node is not running .*Exiting Kafka due to fatal exception"):
        obs.observe()
    assert runner.calls == []  # a dead node's tool call would only time out


def test_quorum_leader_of_this_hosts_running_node_asks_the_tool() -> None:
    runner = FakeRunner([ok(STATUS_39)])
    process = kl.KafkaProcess(4242, START, "/etc/kafka/server.properties")
    obs = p.KafkaObserver(p.KafkaTarget(bootstrap_controller="127.0.1.21:9093",
                                        config_file="/etc/kafka/server.properties"),
                          p.KafkaCondition("quorum_leader"), runner=runner, find_process=lambda config: process)
    assert obs.met(obs.observe())


def stamped(when: float, message: str, level: str = "INFO",
            logger: str = "(kafka.server.BrokerLifecycleManager)") -> str:
    """A log line as Kafka writes it, at epoch second ``when`` (local time)."""
    text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
    return f"[{text},{int(when * 1000) % 1000:03d}] {level} {message} {logger}"


START = 1796160000.0  # the broker JVM's start, epoch seconds


def registration_observer(tmp_path: Any, broker: int = 1, process: Any = "running",
                          clock: Any = None) -> p.KafkaObserver:
    found = kl.KafkaProcess(4242, START, "/etc/kafka/server.properties") if process == "running" else process
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
    with pytest.raises(ProbeError, match="no kafka.Kafka process"):
        obs.observe()  # just restarted: the JVM may not have replaced its start script yet
    now[0] = p.NODE_START_GRACE + 0.5
    with pytest.raises(p.NodeStopped, match="broker 1 is not running .*Exiting Kafka due to fatal exception"):
        obs.observe()


def test_broker_registration_starts_over_when_the_jvm_changes(tmp_path: Any) -> None:
    log = tmp_path / "server.log"
    log.write_text(stamped(START + 1, "Successfully registered broker 1 with broker epoch 5") + "\n")
    later = kl.KafkaProcess(4343, START + 100, "/etc/kafka/server.properties")
    processes = [kl.KafkaProcess(4242, START, "/etc/kafka/server.properties"), later, later]
    obs = registration_observer(tmp_path, process=lambda config: processes.pop(0))
    assert obs.met(obs.observe())
    assert not obs.met(obs.observe())  # restarted since: its registration is still to come


def zookeeper_observer(process: Any, lists: list[Any], clock: Any = time.monotonic) -> tuple[p.KafkaObserver, list[Any]]:
    """A broker_registered_zookeeper observer whose ZooKeeper reads answer ``lists`` in turn (an exception raises)."""
    reads: list[Any] = []

    def zk_list(connect: str, path: str, timeout: float) -> list[str]:
        reads.append((connect, path, timeout))
        answer = lists.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return list(answer)

    obs = p.KafkaObserver(p.KafkaTarget(config_file="/etc/kafka/server.properties", zookeeper_connect="zk1:2181/kafka"),
                          p.KafkaCondition("broker_registered_zookeeper", broker_id=2),
                          find_process=process if callable(process) else (lambda config: process), zk_list=zk_list, clock=clock)
    return obs, reads


def test_broker_registered_in_zookeeper_once_its_id_is_listed() -> None:
    process = kl.KafkaProcess(4242, START, "/etc/kafka/server.properties")
    obs, reads = zookeeper_observer(process, [["1", "3"], ProbeError("zk1:2181: refused"), ["1", "2", "3"]])
    first = obs.observe()
    assert first == {"source": "zookeeper", "pid": 4242, "registered": False, "broker_ids": [1, 3]}
    assert not obs.met(first)
    with pytest.raises(ProbeError, match="refused"):
        obs.observe()  # retried by the wait
    assert obs.met(obs.observe())
    assert reads[0][:2] == ("zk1:2181/kafka", "/brokers/ids") and reads[0][2] <= p.ZOOKEEPER_CALL_SECONDS


def test_broker_registered_in_zookeeper_fails_within_the_grace_once_its_process_is_gone() -> None:
    now = [0.0]
    obs, reads = zookeeper_observer(None, [], clock=lambda: now[0])
    with pytest.raises(ProbeError, match="no kafka.Kafka process"):
        obs.observe()
    now[0] = p.NODE_START_GRACE + 0.5
    with pytest.raises(p.NodeStopped, match="broker 2 is not running"):
        obs.observe()
    assert reads == []  # ZooKeeper is not asked about a broker that does not run


@pytest.mark.parametrize("target,on_host,waits,left", [
    ("migration", True, ("broker_registered_zookeeper", "broker_registered_kraft", "under_replicated_zero"), False),
    ("migration", False, ("broker_registered_kraft", "under_replicated_zero"), True),
    ("dual_write", True, ("broker_registered_kraft", "under_replicated_zero"), False),
    ("dual_write", False, ("broker_registered_kraft", "under_replicated_zero"), False),
    ("rollback_hybrid", True, ("broker_registered_zookeeper", "broker_registered_kraft", "under_replicated_zero"), False),
    ("rollback_zookeeper", True, ("broker_registered_zookeeper", "under_replicated_zero"), False),
    ("rollback_zookeeper", False, ("under_replicated_zero",), True),
])
def test_restart_waits_by_roll_target(target: str, on_host: bool, waits: tuple[str, ...], left: bool) -> None:
    assert p.restart_waits(target, on_host) == (waits, left)


@pytest.mark.parametrize("target,on_host,waits,left", [
    ("migration", True, ("broker_registered_zookeeper", "broker_registered_kraft"), False),
    ("migration", False, ("broker_registered_kraft",), True),
    ("dual_write", True, ("broker_registered_kraft",), False),
    ("rollback_zookeeper", False, (), True),
])
def test_a_handover_leaves_the_replicas_catch_up_to_the_next_guard(target: str, on_host: bool,
                                                                   waits: tuple[str, ...], left: bool) -> None:
    assert p.restart_waits(target, on_host, handover=True) == (waits, left)


@pytest.mark.parametrize("target", ["controllers", "kraft", "bogus"])
def test_restart_waits_are_for_broker_rolls_only(target: str) -> None:
    with pytest.raises(ProbeUsageError, match="for a broker's roll"):
        p.restart_waits(target, True)


def test_broker_registration_needs_the_log_dir() -> None:
    with pytest.raises(ProbeUsageError, match="log_dir"):
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
    assert seen == [("http://127.0.1.11:8778/jolokia", jo.MBEAN_UNDER_REPLICATED)]
    assert observation == {"source": "jolokia", "count": 4} and not obs.met(observation)


def test_under_replicated_zero_sums_every_brokers_metric_without_a_tool() -> None:
    counts = {"http://b1:8778/jolokia": 0, "http://b2:8778/jolokia": 2, "http://b3:8778/jolokia": 1}
    runner = FakeRunner([])
    obs = observer(p.KafkaCondition("under_replicated_zero"), runner, bootstrap_server="b1:9092",
                   broker_jolokia_urls=tuple(counts), jolokia=lambda url, mbean, timeout: counts[url])
    observation = obs.observe()
    # Each broker counts the partitions it leads: the sum is the cluster's, and no JVM was started.
    assert observation == {"source": "jolokia", "count": 3} and not obs.met(observation) and runner.calls == []
    counts.update({"http://b2:8778/jolokia": 0, "http://b3:8778/jolokia": 0})
    assert obs.met(obs.observe())


def test_under_replicated_zero_goes_back_to_the_topics_tool_when_an_agent_does_not_answer() -> None:
    def jolokia(url: str, mbean: str, timeout: float) -> int:
        if "b2" in url:
            raise ProbeError("Jolokia at http://b2:8778/jolokia unreachable: Connection refused")
        return 0

    runner = FakeRunner([ok(URP_OUTPUT), ok("")])
    obs = observer(p.KafkaCondition("under_replicated_zero"), runner, bootstrap_server="b1:9092",
                   broker_jolokia_urls=("http://b1:8778/jolokia", "http://b2:8778/jolokia"), jolokia=jolokia)
    first = obs.observe()
    assert first["source"] == "topics_tool" and first["count"] == 2 and "b2" in first["fallback"]
    assert obs.met(obs.observe()) and len(runner.calls) == 2   # the tool from then on


def test_under_replicated_zero_without_a_tool_retries_an_agent_that_does_not_answer() -> None:
    def jolokia(url: str, mbean: str, timeout: float) -> int:
        raise ProbeError("unreachable")

    obs = observer(p.KafkaCondition("under_replicated_zero"), broker_jolokia_urls=("http://b1:8778/jolokia",), jolokia=jolokia)
    with pytest.raises(ProbeError, match="unreachable"):
        obs.observe()


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
                   jolokia=lambda url, mbean, timeout: value if mbean == jo.MBEAN_MIGRATING_ZK_BROKER_COUNT else -1,
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
    (p.KafkaCondition("broker_registered_zookeeper", broker_id=1), {}),
    (p.KafkaCondition("broker_registered_zookeeper"), {"zookeeper_connect": "zk:2181/kafka"}),
    (p.KafkaCondition("migration_state", expected="DONE"), {"log_file": "/x"}),
    (p.KafkaCondition("migration_state", expected="MIGRATION"), {}),
    (p.KafkaCondition("migrating_zk_broker_count", expected=0), {"log_file": "/x"}),
    (p.KafkaCondition("migrating_zk_broker_count"), {"jolokia_url": "http://h:1/jolokia"}),
    (p.KafkaCondition("service_log", pattern="("), {"log_file": "/x"}),
    (p.KafkaCondition("service_log"), {"log_file": "/x"}),
    (p.KafkaCondition("quorum_leader"), {"kafka_version": "x", "bootstrap_controller": "h:9093"}),
])
def test_observer_usage_errors(condition: p.KafkaCondition, target: dict[str, Any]) -> None:
    with pytest.raises(ProbeUsageError):
        observer(condition, **target)


def test_conditions_describe_themselves() -> None:
    for name in p.KAFKA_CONDITIONS:
        assert p.KafkaCondition(name, expected=1, broker_id=1, pattern="x").describe()
