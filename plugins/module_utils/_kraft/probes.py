# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The conditions the wait module polls on a Kafka host, and the observer that checks them
(private helper; stdlib only).

Runs on the managed Kafka hosts, so it imports nothing outside the standard library. Each
observation comes from the source at hand: Jolokia (jolokia.py) when configured, else the
Kafka tools (kafka_tools.py) or Kafka's own logs (kafka_logs.py).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError, ProbeError, ProbeUsageError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import (
    MBEAN_MIGRATING_ZK_BROKER_COUNT,
    MBEAN_UNDER_REPLICATED,
    MBEAN_ZK_MIGRATION_STATE,
    MIGRATION_STATES,
    Number,
    decode_migration_state,
    jolokia_read,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_logs import (
    FATAL_REGISTRATION_ERRORS,
    KafkaLog,
    KafkaProcess,
    LogFollower,
    LogObservation,
    LogReadError,
    find_kafka_process,
    merge_by_time,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_tools import (
    Runner,
    parse_quorum_status,
    parse_topic_partitions,
    quorum_tool_argv,
    run_command,
    run_tool,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.roll_guard import zk_children
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import parse_version


class NodeStopped(KraftError):
    """The Kafka node being waited for is not running: waiting longer cannot help."""


class RegistrationRejected(KraftError):
    """The controller rejected the broker's registration for a reason a retry does not cure."""


# --------------------------------------------------------------------------- wait conditions

KAFKA_CONDITIONS = (
    "quorum_leader",
    "broker_registered_kraft",
    "broker_registered_zookeeper",
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
    # Every broker's Jolokia agent: under_replicated_zero sums their counts (each counts the partitions it
    # leads) instead of starting the topics tool, a JVM, on every poll.
    broker_jolokia_urls: tuple[str, ...] = ()
    # With its chroot: broker_registered_zookeeper reads /brokers/ids there, as the broker registers.
    zookeeper_connect: str | None = None

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
        if self.name == "broker_registered_zookeeper":
            return f"broker {self.broker_id} to register in ZooKeeper (/brokers/ids)"
        if self.name == "under_replicated_zero":
            return "no under-replicated partitions"
        if self.name == "migration_state":
            return f"ZkMigrationState {self.expected}"
        if self.name == "migrating_zk_broker_count":
            return f"MigratingZkBrokerCount {self.expected}"
        return f"a server.log line matching {self.pattern!r}"


# What a broker shows once its restart for a roll target is done, in order: registered where its mode
# registers (ZooKeeper while it uses it, the KRaft controllers while they run), then no partition
# under-replicated.
RESTART_WAITS: dict[str, tuple[str, ...]] = {
    "migration": ("broker_registered_zookeeper", "broker_registered_kraft", "under_replicated_zero"),
    "dual_write": ("broker_registered_kraft", "under_replicated_zero"),
    "rollback_hybrid": ("broker_registered_zookeeper", "broker_registered_kraft", "under_replicated_zero"),
    "rollback_zookeeper": ("broker_registered_zookeeper", "under_replicated_zero"),
}


# The wait a hand-over leaves to the guard before the next broker's stop, which checks the same first.
HANDED_OVER_WAIT = "under_replicated_zero"


def restart_waits(target: str, zookeeper_on_host: bool, handover: bool = False) -> tuple[tuple[str, ...], bool]:
    """The conditions to wait for on the host after a broker's restart to ``target``, and whether the
    ZooKeeper registration is left to the caller (its client settings live on the Ansible controller).

    With ``handover``, only the registrations: the next stop's guard waits for the replicas' catch-up."""
    if target not in RESTART_WAITS:
        raise ProbeUsageError("the waits after a restart are for a broker's roll, one of {}; not {!r}".format(
            ", ".join(RESTART_WAITS), target))
    waits = tuple(w for w in RESTART_WAITS[target] if not (handover and w == HANDED_OVER_WAIT))
    if zookeeper_on_host or "broker_registered_zookeeper" not in waits:
        return waits, False
    return tuple(w for w in waits if w != "broker_registered_zookeeper"), True


# A restarted node's JVM replaces its start script within milliseconds; a node still without a
# process after this long has stopped (or never started).
NODE_START_GRACE = 10.0
# One read of ZooKeeper's broker list; a server that does not answer in this time is retried.
ZOOKEEPER_CALL_SECONDS = 5.0
RECENT_LOG_SECONDS = 300.0
_ERROR_LINE = re.compile(r"^\[[^\]]+\] (?:ERROR|FATAL) ")


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
        zk_list: Callable[[str, str, float], list[str]] = zk_children,
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
        self.zk_list = zk_list
        self.log = LogObservation()
        self.follower = LogFollower(target.log_file, target.log_offset) if target.log_file else None
        self._regex: re.Pattern[str] | None = None
        self._matched: str | None = None
        self._logs: list[KafkaLog] = []
        self._process: KafkaProcess | None = None
        self._absent_since: float | None = None
        self._errors: list[str] = []
        self._metrics_failed: str | None = None
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
        if name == "broker_registered_zookeeper" and (self.condition.broker_id is None or not target.zookeeper_connect):
            raise ProbeUsageError("broker_registered_zookeeper needs broker_id and zookeeper_connect")
        if name == "under_replicated_zero" and not (target.bootstrap_server or target.jolokia_url or target.broker_jolokia_urls):
            raise ProbeUsageError("under_replicated_zero needs bootstrap_server (or the brokers' jolokia_url)")
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
        for line in merge_by_time(batches):
            self.log.feed(line)
            if _ERROR_LINE.match(line):
                self._errors = (self._errors + [line.strip()])[-3:]

    def _running_process(self, node: str) -> KafkaProcess:
        """The node's process; ProbeError while it may still be starting, NodeStopped once it is gone for good."""
        process = self.find_process(self.target.config_file)
        if process is not None:
            self._absent_since = None
            return process
        now = self.clock()
        if self.target.server_log:
            if not self._logs:  # never seen running: its last minutes of log say why
                self._logs = [KafkaLog(self.target.server_log, since=time.time() - RECENT_LOG_SECONDS)]
            self._read_logs()  # the dead run's last lines say why
        if self._absent_since is None:
            self._absent_since = now
        if now - self._absent_since >= NODE_START_GRACE:
            detail = "; last errors in its server.log: {}".format(" | ".join(self._errors)) if self._errors else ""
            raise NodeStopped("{} is not running (no kafka.Kafka process{} for {:.0f}s){}".format(
                node, " on " + self.target.config_file if self.target.config_file else "",
                now - self._absent_since, detail))
        raise ProbeError(f"{node} has no kafka.Kafka process (yet)")

    def _observe_registration(self) -> dict[str, Any]:
        """The broker's own log since its JVM started: registered, rejected, or still trying."""
        broker = self.condition.broker_id
        process = self._running_process(f"broker {broker}")
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
            if self.target.config_file:
                # The node asked is this host's: a dead one never answers, so say so instead of timing out.
                self._running_process("the Kafka node")
            status = parse_quorum_status(self._run(self._quorum_argv()))
            observation: dict[str, Any] = {"source": "quorum_tool"}
            observation.update(status.as_dict())
            return observation
        if name == "broker_registered_kraft":
            return self._observe_registration()
        if name == "broker_registered_zookeeper":
            broker = self.condition.broker_id
            # A dead broker never registers: say so within seconds instead of at the timeout.
            process = self._running_process(f"broker {broker}")
            ids = self.zk_list(target.zookeeper_connect or "", "/brokers/ids", min(ZOOKEEPER_CALL_SECONDS, self.call_timeout()))
            return {"source": "zookeeper", "pid": process.pid, "registered": str(broker) in ids,
                    "broker_ids": sorted(int(i) for i in ids if i.isdigit())}
        if name == "under_replicated_zero":
            if target.broker_jolokia_urls and not self._metrics_failed:
                try:
                    counts = [int(self.jolokia(url, MBEAN_UNDER_REPLICATED, self.call_timeout()))
                              for url in target.broker_jolokia_urls]
                    return {"source": "jolokia", "count": sum(counts)}
                except ProbeError as exc:
                    if not target.bootstrap_server:
                        raise
                    # An agent that does not answer: the topics tool from here on.
                    self._metrics_failed = str(exc)
            if target.bootstrap_server:
                # The tool is cluster-wide; the local metric counts only partitions this broker leads.
                argv = [self._tool("kafka-topics.sh"), "--bootstrap-server", target.bootstrap_server]
                config = target.broker_command_config or target.command_config
                if config:
                    argv += ["--command-config", config]
                urps = parse_topic_partitions(self._run(argv + ["--describe", "--under-replicated-partitions"]))
                found: dict[str, Any] = {"source": "topics_tool", "count": len(urps),
                                         "under_replicated": [f"{p.topic}-{p.partition}" for p in urps[:50]]}
                if self._metrics_failed:
                    found["fallback"] = self._metrics_failed
                return found
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
        if name in ("broker_registered_kraft", "broker_registered_zookeeper"):
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
