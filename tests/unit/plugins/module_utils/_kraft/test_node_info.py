from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import node_info
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_info import (
    gather,
    zookeeper_sasl,
)


@pytest.fixture
def broker_file(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "meta.properties").write_text("version=0\nbroker.id=1\ncluster.id=abc\n")
    path = tmp_path / "server.properties"
    path.write_text(f"broker.id=1\nzookeeper.connect=zk:2181\nlog.dirs={data}\nzookeeper.metadata.migration.enable=true\n")
    return path, data


def test_a_migrating_broker_is_read_with_its_storage(broker_file: tuple[Path, Path]) -> None:
    path, data = broker_file
    info = gather(str(path), None)
    assert info.state == "zk_migrating"
    assert info.node_id == 1
    assert info.migration_enabled is True
    assert info.meta_properties == {str(data): {"version": "0", "broker.id": "1", "cluster.id": "abc"}}
    assert info.running is False and info.restart_pending is False


def test_a_missing_file_is_an_unprovisioned_node(tmp_path: Path) -> None:
    info = gather(str(tmp_path / "absent.properties"), None)
    assert (info.config_exists, info.state, info.node_id, info.config_mtime) == (False, "absent", None, None)


@pytest.mark.parametrize("started_offset,pending", [(-10.0, True), (10.0, False)], ids=["older-process", "newer-process"])
def test_restart_is_pending_when_the_process_is_older_than_its_config(broker_file: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
                                                                      started_offset: float, pending: bool) -> None:
    path, dummy = broker_file
    mtime = os.stat(path).st_mtime
    monkeypatch.setattr(node_info, "process_start_time", lambda pid: mtime + started_offset)
    info = gather(str(path), 4242)
    assert info.running is True and info.pid == 4242
    assert info.restart_pending is pending


def test_a_dead_pid_is_not_running(broker_file: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    path, dummy = broker_file
    monkeypatch.setattr(node_info, "process_start_time", lambda pid: None)
    info = gather(str(path), 4242)
    assert info.running is False and info.restart_pending is False


def test_compare_files_ignores_comments_and_order(tmp_path: Path) -> None:
    from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_info import compare_files
    a = tmp_path / "a.properties"
    b = tmp_path / "b.properties"
    a.write_text("# now\nbroker.id=1\nzookeeper.connect=zk:2181\nnew.key=x\n")
    b.write_text("zookeeper.connect = zk:2181\n! before\nbroker.id: 1\nold.key=y\n")
    assert compare_files(str(a), str(b)) == [
        {"key": "new.key", "value": "x", "other": None},
        {"key": "old.key", "value": None, "other": "y"},
    ]


def _fake_proc(tmp_path: Path, pid: int, cmdline: Sequence[str] = (), kafka_opts: str | None = None) -> str:
    proc = tmp_path / "proc"
    (proc / str(pid)).mkdir(parents=True)
    (proc / str(pid) / "cmdline").write_bytes(b"\0".join(w.encode() for w in cmdline) + b"\0")
    env = [b"PATH=/usr/bin"] + ([("KAFKA_OPTS=" + kafka_opts).encode()] if kafka_opts is not None else [])
    (proc / str(pid) / "environ").write_bytes(b"\0".join(env) + b"\0")
    return str(proc)


JAAS_WITH_CLIENT = """KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required username="b" password="x";
};
// the ZooKeeper login
Client {
  org.apache.zookeeper.server.auth.DigestLoginModule required username="kafka" password="s";
};
"""


def test_zookeeper_sasl_is_found_in_the_jvm_command_line(tmp_path: Path) -> None:
    jaas = tmp_path / "kafka_jaas.conf"
    jaas.write_text(JAAS_WITH_CLIENT)
    proc = _fake_proc(tmp_path, 7, ["java", "-Xmx1G", f"-Djava.security.auth.login.config={jaas}", "kafka.Kafka"])
    assert zookeeper_sasl(7, proc) == f"its JAAS file {jaas} has a Client section"


def test_zookeeper_sasl_is_found_in_kafka_opts(tmp_path: Path) -> None:
    jaas = tmp_path / "kafka_jaas.conf"
    jaas.write_text(JAAS_WITH_CLIENT)
    proc = _fake_proc(tmp_path, 7, ["python3", "-m", "x"], kafka_opts=f"-javaagent:j.jar -Djava.security.auth.login.config={jaas}")
    found = zookeeper_sasl(7, proc)
    assert found is not None and "has a Client section" in found


@pytest.mark.parametrize("text,extra", [
    ('KafkaServer {\n  x required;\n};\n/* Client {\n}; */\n', []),   # no Client section (only in a comment)
    (JAAS_WITH_CLIENT, ["-Dzookeeper.sasl.client=false"]),              # SASL to ZooKeeper switched off
    (JAAS_WITH_CLIENT, ["-Dzookeeper.sasl.clientconfig=ZkLogin"]),      # another section name, absent
])
def test_zookeeper_sasl_is_none_without_a_client_login(tmp_path: Path, text: str, extra: list[str]) -> None:
    jaas = tmp_path / "kafka_jaas.conf"
    jaas.write_text(text)
    proc = _fake_proc(tmp_path, 7, ["java", *extra, f"-Djava.security.auth.login.config={jaas}"])
    assert zookeeper_sasl(7, proc) is None


def test_zookeeper_sasl_is_none_without_a_jaas_file(tmp_path: Path) -> None:
    assert zookeeper_sasl(7, _fake_proc(tmp_path, 7, ["java", "kafka.Kafka"])) is None
    missing = _fake_proc(tmp_path / "b", 8, ["java", "-Djava.security.auth.login.config=/nonexistent/jaas.conf"])
    assert zookeeper_sasl(8, missing) is None
