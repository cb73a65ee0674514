"""Kafka 3.9's observable log and process surface: log4j routing, line layout, hourly rolling, the activation
and migration-driver lines, registration lines, the `kafka.Kafka` command line and kafka-server-stop.sh."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from harness import MARKER, SANDBOX, STOPPED, controller_props, migrating_props, voters_string, wait_until
from test_migration import restart, start_controllers, start_zk_brokers, zk_cluster_id

sys.path.insert(0, str(SANDBOX))
from kafka_emulator.common import EmuLog, HourlyRollingFile, java_set  # noqa: E402

QC = "org.apache.kafka.controller.QuorumController"
DRIVER = "org.apache.kafka.metadata.migration.KRaftMigrationDriver"
LIFECYCLE = "kafka.server.BrokerLifecycleManager"
# [yyyy-MM-dd HH:mm:ss,SSS] LEVEL [KafkaEmulator] <Kafka's message> (<logger>); real Kafka has no marker
LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\] (TRACE|DEBUG|INFO|WARN|ERROR) " + re.escape(MARKER)
                  + r"(?P<msg>.*) \((?P<logger>[\w.$]+)\)$")
# what log4j prints after an event's line: an exception's `Class: message`, `\tat ...` frames, `Caused by:`,
# `\t... N more`, and continuation lines of a multi-line message (e.g. KafkaConfig's `\tkey = value` dump)
CONTINUATION = re.compile(r"^(?!\[\d{4}-\d\d-\d\d )")


def lines(text: str, logger: str | None = None) -> list[tuple[str, str]]:
    """(level, message) of every event, optionally of one logger; every event must have Kafka's layout.
    A line that does not start with a timestamp belongs to the event before it (never to the file's start)."""
    out = []
    for n, line in enumerate(text.splitlines()):
        match = LINE.match(line)
        if match is None:
            assert n > 0 and CONTINUATION.match(line), f"not in Kafka's layout: {line!r}"
            continue
        if logger is None or match.group("logger") == logger:
            out.append((match.group(2), match.group("msg")))
    return out


def log_re(level: str, message: str) -> str:
    """A regex for `LEVEL [marker]message` (the message is escaped)."""
    return re.escape(f"{level} {MARKER}{message}")


def hour(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(epoch_s).strftime(".%Y-%m-%d-%H")


def boundary_after(epoch_s: float) -> float:
    start = dt.datetime.fromtimestamp(epoch_s).replace(minute=0, second=0, microsecond=0)
    return (start + dt.timedelta(hours=1)).timestamp()


def single_controller(cluster: Any, node_id: int, name: str, zk: bool = False) -> Any:
    node = cluster.node(name)
    node.write_config(controller_props(node, node_id, voters_string([(node_id, node)]),
                                       cluster.zk_connect if zk else None, migration=zk))
    assert node.tool("kafka-storage.sh", "format", "-t", "MkU3OEVBNTcwNTJENDM2Qg", "-c",
                     str(node.config)).returncode == 0
    return node


def cmdline(pid: int) -> list[str]:
    return [p.decode() for p in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if p]


# --- process identity and kafka-server-stop.sh -----------------------------------------------------


@pytest.mark.emulator_only("the real kafka-server-stop.sh signals every kafka.Kafka JVM on the machine (the sandbox's "
                           "too); the harness has no PID namespace per host")
def test_command_line_names_kafka_main_class_and_stop_script_signals_every_node(offline: Any) -> None:
    first = single_controller(offline, 3000, "first")
    second = single_controller(offline, 3001, "second")
    for node in (first, second):
        node.start()
    for node in (first, second):
        node.wait_log(r"Kafka Server started")
        assert node.proc is not None
        argv = cmdline(node.proc.pid)  # same pid: the node re-execs itself in place
        assert argv[-2:] == ["kafka.Kafka", str(node.config)]
        assert " kafka.Kafka " in " ".join(argv)
    # 3.7+: --node-id picks the node whose config file (last argument) has that node.id
    result = first.tool("kafka-server-stop.sh", "--node-id=3001")
    assert result.returncode == 0 and result.stdout == ""
    assert second.proc is not None and second.proc.wait(timeout=20) == STOPPED
    assert first.running()
    # without a flag: every Kafka node of the host; it returns without waiting
    result = first.tool("kafka-server-stop.sh")
    assert result.returncode == 0 and result.stdout == ""
    assert first.proc is not None and first.proc.wait(timeout=20) == STOPPED
    result = first.tool("kafka-server-stop.sh")
    assert result.returncode == 1 and result.stdout == "No kafka server to stop\n"


@pytest.mark.emulator_only("checks the emulator's install.py")
def test_installed_start_script_execs_the_main_class(tmp_path: Path) -> None:
    import subprocess
    dest = tmp_path / "opt-kafka"
    subprocess.run([sys.executable, str(SANDBOX / "kafka_emulator" / "install.py"), str(dest), "--python",
                    sys.executable], check=True, capture_output=True)
    script = (dest / "bin" / "kafka-server-start.sh").read_text()
    assert re.search(r"-m kafka_emulator kafka\.Kafka \"\$@\"$", script, re.M)


# --- routing, layout, activation and driver lines --------------------------------------------------


def test_controller_log_routing_activation_and_driver_lines(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 1)
    cid = zk_cluster_id(zk_client, cluster)
    (dummy, ctrl), = start_controllers(cluster, [3000], cid)
    voters = voters_string([(3000, ctrl)])
    bootstrap = ctrl.dir / "metadata" / "bootstrap.checkpoint"
    empty = ("Performing controller activation. The metadata log appears to be empty. Appending 1 bootstrap "
             "record(s) in metadata transaction at metadata.version 3.9-IV0 from bootstrap source 'the binary "
             f"bootstrap metadata file: {bootstrap}'. Putting the controller into pre-migration mode. No metadata "
             "updates will be allowed until the ZK metadata has been migrated.")
    ctrl.wait_log(log_re("WARN", f"[QuorumController id=3000] {empty} ({QC})"), name="controller.log")
    ctrl.wait_log(log_re("INFO", "[KRaftMigrationDriver id=3000] No brokers are known to KRaft, "
                                 f"waiting for brokers to register. ({DRIVER})"))
    controller_log = ctrl.log_text("controller.log")
    assert "Becoming the active controller at epoch" in controller_log
    # only the controller loggers write there (additivity off keeps them out of server.log)
    loggers = set(re.findall(r"^\[[^\]]+\] \w+ .* \(([\w.$]+)\)$", controller_log, re.M))
    assert loggers and all(lg.startswith(("org.apache.kafka.controller.", "kafka.controller.")) for lg in loggers)
    assert QC in loggers
    server_log = ctrl.log_text()
    assert "Performing controller activation" not in server_log
    assert not [logger for logger in re.findall(r"^\[[^\]]+\] \w+ .* \(([\w.$]+)\)$", server_log, re.M)
                if logger.startswith(("org.apache.kafka.controller.", "kafka.controller."))]
    assert lines(server_log) and lines(controller_log)
    for name in ("state-change.log", "kafka-request.log", "log-cleaner.log", "kafka-authorizer.log"):
        assert (ctrl.log_dir / name).exists()  # log4j opens every appender's file at start-up

    # the broker migrates: its registration line, then the copy
    restart(brokers[0], migrating_props(props[1], voters))
    brokers[0].wait_log(log_re("INFO", "[BrokerLifecycleManager id=1 isZkBroker=true] Successfully registered "
                                       "broker 1 with broker epoch ") + r"\d+ " + re.escape(f"({LIFECYCLE})"))
    # Kafka's driver backs off up to 60 s between polls, so the copy can start a minute after registration
    wait_until(lambda: ctrl.gauge("ZkMigrationState") == 1, 20, what="MIGRATION")
    # no topics yet: nothing to copy, and no broker named in any assignment
    ctrl.wait_log(r"Completed migration of metadata from ZooKeeper to KRaft\. 0 records were generated in \d+ ms "
                  r"across 0 batches\. The average time spent waiting on a batch was -1\.00 ms\. The record "
                  r"types were \{\}\. The current metadata offset is now \d+ with an epoch of \d+\. Saw 0 brokers "
                  r"in the migrated metadata \[\]\. \(" + re.escape(DRIVER) + r"\)")
    ctrl.wait_log(r"Finished initial migration of ZK metadata to KRaft in \d+ ns\. Transitioned migration state "
                  r"from ZkMigrationLeadershipState\{.*\} to ZkMigrationLeadershipState\{kraftControllerId=3000, ")

    # restart with the flag: MIGRATION is kept, the driver does not copy again
    restart(ctrl, controller_props(ctrl, 3000, voters, cluster.zk_connect))
    ctrl.wait_log(re.escape("[QuorumController id=3000] Performing controller activation. Loaded ZK migration "
                            "state of MIGRATION. Staying in ZK migration mode since "
                            f"'zookeeper.metadata.migration.enable' is still 'true'. ({QC})"), name="controller.log")
    ctrl.wait_log(log_re("INFO", "[KRaftMigrationDriver id=3000] Migration is in already progress, "
                                 f"not waiting on ZK brokers. ({DRIVER})"))
    wait_until(lambda: ctrl.gauge("ZkMigrationState") == 1, 15)
    assert ctrl.log_text().count("Completed migration of metadata from ZooKeeper to KRaft") == 1

    # restart without the flag: finalized, logged by QuorumController at WARN into controller.log only
    restart(ctrl, controller_props(ctrl, 3000, voters, None, migration=False))
    ctrl.wait_log(log_re("WARN", "[QuorumController id=3000] Performing controller activation. "
                                 "Loaded ZK migration state of MIGRATION. Completing the ZK migration since this "
                                 "controller was configured with 'zookeeper.metadata.migration.enable' set to 'false'. "
                                 f"({QC})"), name="controller.log")
    wait_until(lambda: ctrl.gauge("ZkMigrationState") == 3, 15, what="POST_MIGRATION")
    assert "Completing the ZK migration" not in ctrl.log_text()
    restart(ctrl, controller_props(ctrl, 3000, voters, None, migration=False))
    ctrl.wait_log(re.escape("Performing controller activation. Loaded ZK migration state of POST_MIGRATION. "
                            f"({QC})"), name="controller.log")


def test_rejection_lines_keep_kafkas_error_order(cluster: Any, zk_client: Any) -> None:
    brokers, props = start_zk_brokers(cluster, 1)
    ctrls = start_controllers(cluster, [3000], zk_cluster_id(zk_client, cluster), prefix="ibl", extra={
        "inter.broker.listener.name": "REPLICATION",
        "listener.security.protocol.map": "CONTROLLER:SASL_SSL,REPLICATION:SSL"})
    mig = migrating_props(props[1], voters_string(ctrls))
    mig["inter.broker.protocol.version"] = "3.8"  # also unsupported, but the listener check comes first
    restart(brokers[0], mig)
    brokers[0].wait_log(log_re("INFO", "[BrokerLifecycleManager id=1 isZkBroker=true] Unable to register broker 1 "
                                       "because the controller returned error INVALID_REGISTRATION "
                                       f"({LIFECYCLE})"))
    assert "UNSUPPORTED_VERSION" not in brokers[0].log_text()


@pytest.mark.emulator_only("unit test of the emulator's Java HashSet printing")
def test_java_set_formatting() -> None:
    assert java_set([3, 1, 2]) == "[1, 2, 3]"
    assert java_set([15, 16]) == "[16, 15]"  # bucket order of a 16-slot HashMap
    assert java_set([]) == "[]"


# --- hourly rolling ---------------------------------------------------------------------------------


@pytest.mark.emulator_only("unit test of the emulator's log appender")
def test_rolling_file_follows_daily_rolling_file_appender(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "server.log"
    b1 = boundary_after(time.time())
    b2 = b1 + 3600
    appender = HourlyRollingFile(path, b1 - 10)
    appender.write("a\n", b1 - 10)
    appender.write("b\n", b1 - 1)
    appender.write("c\n", b1 + 1)  # first event of the new hour rolls the file to the hour that ended
    assert (tmp_path / ("server.log" + hour(b1 - 1))).read_text() == "a\nb\n"
    assert path.read_text() == "c\n"
    # renamed away by someone else: events follow the open descriptor, no new server.log appears
    moved = tmp_path / "moved.log"
    os.rename(path, moved)
    appender.write("d\n", b1 + 60)
    assert not path.exists() and moved.read_text() == "c\nd\n"
    # next roll: the rename fails (log4j says so on stderr) and a fresh server.log starts
    appender.write("e\n", b2 + 1)
    assert path.read_text() == "e\n" and moved.read_text() == "c\nd\n"
    assert not (tmp_path / ("server.log" + hour(b1 + 1))).exists()
    assert "log4j:ERROR Failed to rename" in capsys.readouterr().err
    appender.close()
    # a file left by an earlier hour is rolled away by the first event after start-up
    os.utime(path, (b2 - 7200, b2 - 7200))
    again = HourlyRollingFile(path, b2 + 5)
    assert path.exists()
    again.write("f\n", b2 + 5)
    again.close()
    assert (tmp_path / ("server.log" + hour(b2 - 7200))).read_text() == "e\n"
    assert path.read_text() == "f\n"


@pytest.mark.emulator_only("unit test of the emulator's log routing")
def test_emulog_routes_by_logger(tmp_path: Path) -> None:
    log = EmuLog(tmp_path, echo=None)
    log.logger(QC, "[QuorumController id=1] ").warn("x1")
    log.info("x2", "kafka.controller.KafkaController")
    log.info("x3", DRIVER)
    log.info("x4", "state.change.logger")
    log.close()
    assert [m for dummy, m in lines((tmp_path / "controller.log").read_text())] == ["[QuorumController id=1] x1", "x2"]
    assert lines((tmp_path / "server.log").read_text()) == [("INFO", "x3")]
    assert lines((tmp_path / "state-change.log").read_text()) == [("INFO", "x4")]


@pytest.mark.emulator_only("needs a node clock offset (emulator fault) to reach the hour boundary")
def test_node_rolls_server_log_at_the_hour_and_follows_a_renamed_file(offline: Any) -> None:
    node = single_controller(offline, 3000, "roller")
    boundary = boundary_after(time.time() + 60)
    node.set_faults({"clock_offset_s": boundary - 5 - time.time()})  # the node's clock: 5 s before the hour
    node.start()
    node.wait_log(r"Kafka Server started")
    rolled = node.log_dir / ("server.log" + hour(boundary - 1))
    time.sleep(5.5)
    assert not rolled.exists()  # log4j rolls on the first event after the hour, not on a timer
    assert node.stop() == STOPPED
    assert "Kafka Server started" in rolled.read_text()
    assert "Kafka Server started" not in node.log_text() and "shut down completed" in node.log_text()
    stamps = [dt.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S,%f").timestamp()
              for ts in re.findall(r"^\[([^\]]+)\]", node.log_text(), re.M)]
    assert stamps and min(stamps) >= boundary
    assert not (node.log_dir / ("controller.log" + hour(boundary - 1))).exists()  # nothing logged there since

    # a renamed server.log keeps receiving the node's lines until the next roll
    node.set_faults(None)
    for name in ("server.log", "controller.log"):
        (node.log_dir / name).unlink()
    node.start()
    node.wait_log(r"Kafka Server started")
    moved = node.log_dir / "server.log.moved"
    os.rename(node.server_log, moved)
    assert node.stop() == STOPPED
    assert not node.server_log.exists()
    assert "shut down completed" in moved.read_text()
