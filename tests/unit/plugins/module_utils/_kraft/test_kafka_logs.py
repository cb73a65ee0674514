# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Kafka's hourly-rolled logs and the node's process, read as the waits read them."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import kafka_logs as kl

T0 = 1796160000.0


def line(when: float, message: str) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
    return f"[{stamp},{int(when * 1000) % 1000:03d}] INFO {message} (kafka.server.KafkaServer)\n"


def rolled_name(path: Path, when: float) -> Path:
    return path.with_name(path.name + "." + time.strftime("%Y-%m-%d-%H", time.localtime(when)))


def test_line_time_reads_kafka_timestamps() -> None:
    assert kl.line_time(line(T0 + 0.25, "x")) == pytest.approx(T0 + 0.25)
    assert kl.line_time("\tat kafka.Kafka.main(Kafka.scala)") is None


def test_follows_the_hourly_roll_without_losing_a_line(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text(line(T0, "one"))
    reader = kl.KafkaLog(str(log))
    assert [x.split("] INFO ")[1].split(" (")[0] for x in reader.read()] == ["one"]
    with open(log, "a") as handle:  # written just before the roll, not read yet
        handle.write(line(T0 + 1, "two"))
    log.rename(rolled_name(log, T0))
    log.write_text(line(T0 + 3600, "three"))
    assert [x.split("] INFO ")[1].split(" (")[0] for x in reader.read()] == ["two", "three"]
    assert reader.read() == []


def test_reads_rolled_files_of_the_hours_since(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    rolled_name(log, T0 - 7200).write_text(line(T0 - 7200, "too old"))
    rolled_name(log, T0).write_text(line(T0 - 5, "before start") + line(T0 + 5, "after start"))
    log.write_text(line(T0 + 3700, "now"))
    texts: list[str] = [x.split("] INFO ")[1].split(" (")[0] for x in kl.KafkaLog(str(log), since=T0).read()]
    assert texts == ["after start", "now"]
    everything = kl.KafkaLog(str(log)).read()
    assert len(everything) == 4


def test_continuation_lines_follow_their_line(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text(line(T0 - 10, "old error") + "\tat old.Frame\n" + line(T0 + 1, "new error") + "\tat new.Frame\n")
    assert kl.KafkaLog(str(log), since=T0).read()[1:] == ["\tat new.Frame"]


def test_half_written_line_waits(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text(line(T0, "done") + "[2026-")
    reader = kl.KafkaLog(str(log))
    assert len(reader.read()) == 1
    with open(log, "a") as handle:
        handle.write("12-01 00:00:00,000] INFO rest (x)\n")
    assert reader.read() == ["[2026-12-01 00:00:00,000] INFO rest (x)"]


def test_missing_log_reads_nothing(tmp_path: Path) -> None:
    assert kl.KafkaLog(str(tmp_path / "server.log")).read() == []


def fake_proc(root: Path, pid: int, argv: list[str], start_ticks: int, state: str = "S") -> None:
    entry = root / str(pid)
    entry.mkdir(parents=True)
    (entry / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    fields = [state] + ["0"] * 18 + [str(start_ticks)] + ["0"] * 10
    (entry / "stat").write_text(f"{pid} (java) {' '.join(fields)}\n")


def test_finds_the_kafka_jvm_on_its_config_and_its_start_time(tmp_path: Path) -> None:
    (tmp_path / "uptime").write_text("1000.25 1900.00\n")
    fake_proc(tmp_path, 10, ["java", "-cp", "/opt/kafka/libs/*", "kafka.Kafka", "/etc/kafka/server.properties"], 500)
    fake_proc(tmp_path, 11, ["java", "kafka.Kafka", "/etc/kafka/other.properties"], 900)
    fake_proc(tmp_path, 12, ["java", "kafka.Kafka", "/etc/kafka/server.properties"], 700, state="Z")
    fake_proc(tmp_path, 13, ["sh", "/opt/kafka/bin/kafka-server-start.sh", "/etc/kafka/server.properties"], 800)
    found = kl.find_kafka_process("/etc/kafka/server.properties", proc=str(tmp_path), ticks=lambda: 100,
                                  now=lambda: 1796001000.25)
    # Booted at 1796000000.0 (now less the uptime), started 500 ticks (5 s) later.
    assert found == kl.KafkaProcess(10, 1796000005.0, "/etc/kafka/server.properties")
    any_config = kl.find_kafka_process(None, proc=str(tmp_path), ticks=lambda: 100)
    assert any_config is not None and any_config.pid == 11
    assert kl.find_kafka_process("/nowhere", proc=str(tmp_path), ticks=lambda: 100) is None


def test_unreadable_log_is_an_error(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.mkdir()  # a directory where the file should be
    with pytest.raises(kl.LogReadError):
        kl.KafkaLog(str(log)).read()
    assert os.path.isdir(log)


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
    observation = kl.scan_migration_log([log_line(m) for m in messages] + ["[2026-01-02 03:04:06,000] INFO unrelated"])
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
    observation = kl.scan_migration_log(lines)
    assert observation.registration_errors == {2: "INCONSISTENT_CLUSTER_ID"}
    assert observation.state is None
    assert observation.as_dict()["registration_errors"] == {"2": "INCONSISTENT_CLUSTER_ID"}


def test_log_follower_reads_only_complete_new_lines(tmp_path: Any) -> None:
    path = tmp_path / "server.log"
    path.write_text("old line\n")
    follower = kl.LogFollower(str(path), offset=path.stat().st_size)
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
    follower = kl.LogFollower(str(path))
    assert follower.read_lines() == ["a", "b"]
    os.rename(path, tmp_path / "server.log.2026-01-02-03")
    path.write_text("c\n")  # new inode, smaller than the old offset
    assert follower.read_lines() == ["c"]
    path.write_text("")
    assert follower.read_lines() == []
    path.write_text("d\n")
    assert follower.read_lines() == ["d"]


def test_log_follower_missing_file(tmp_path: Any) -> None:
    assert kl.LogFollower(str(tmp_path / "absent.log")).read_lines() == []
