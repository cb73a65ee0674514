# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""One node's file brought to a phase: create, backup, check mode, idempotence, refusal, removal, masking."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError, ViolationsFound
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_config import apply_node_config
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import plan_result

BROKER_FILE = """\
# kb1 (do not remove this comment)
broker.id=1
listeners=PLAINTEXT://kb1:9092
log.dirs=/data
zookeeper.connect=zk:2181
inter.broker.protocol.version=3.9
ssl.keystore.password=ks-secret
"""


def _spec_and_secrets() -> Any:
    spec = {
        "kafka_version": "3.9.0",
        "zookeeper_connect": "zk:2181",
        "controller_properties": {"ssl.truststore.password": "ts-secret"},
        "controllers": [{"name": f"kc{i}", "node_id": 2999 + i} for i in (1, 2, 3)],
        "brokers": [{"name": "kb1", "node_id": 1, "listeners": "PLAINTEXT://kb1:9092", "log_dirs": ["/data"]}],
    }
    result = plan_result(spec, {"kb1": BROKER_FILE})
    assert result["error_count"] == 0, result["violations"]
    return result["cluster_spec"], result["cluster_secrets"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _backups(path: Path) -> Any:
    return sorted(p for p in path.parent.iterdir() if p.name.endswith(".bak"))


def test_creates_a_controller_file_with_mode(tmp_path: Path) -> None:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "controller.properties"
    result = apply_node_config(str(path), spec, secrets, "kc1", "controllers", mode=0o600)
    assert result.changed and result.backup_file is None
    assert (result.state_before, result.state_after) == ("absent", "controller_migrating")
    text = path.read_text()
    assert "node.id=3000\n" in text and "ssl.truststore.password=ts-secret\n" in text
    assert _mode(path) == 0o600
    again = apply_node_config(str(path), spec, secrets, "kc1", "controllers", mode=0o600)
    assert not again.changed and again.changes == [] and _backups(path) == []


def test_check_mode_writes_nothing(tmp_path: Path) -> None:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE)
    before = os.stat(path)
    result = apply_node_config(str(path), spec, secrets, "kb1", "migration", check_mode=True)
    assert result.changed and result.backup_file is None
    assert result.state_after == "zk_migrating"
    assert path.read_text() == BROKER_FILE and os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert _backups(path) == []
    missing = tmp_path / "controller.properties"
    assert apply_node_config(str(missing), spec, secrets, "kc1", "controllers", check_mode=True).changed
    assert not missing.exists()


def test_apply_backs_up_with_mode_then_is_idempotent(tmp_path: Path) -> None:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE)
    os.chmod(path, 0o600)
    result = apply_node_config(str(path), spec, secrets, "kb1", "migration")
    assert result.changed and result.backup_file is not None
    assert Path(result.backup_file).read_text() == BROKER_FILE
    assert _mode(Path(result.backup_file)) == 0o600 and _mode(path) == 0o600
    text = path.read_text()
    assert text.startswith("# kb1 (do not remove this comment)\n") and "zookeeper.metadata.migration.enable=true" in text
    assert {c["key"] for c in result.changes} >= {"controller.quorum.voters", "zookeeper.metadata.migration.enable"}
    # Check mode, apply and check mode again: nothing left to do.
    for check in (True, False):
        again = apply_node_config(str(path), spec, secrets, "kb1", "migration", check_mode=check)
        assert not again.changed and again.changes == [] and again.backup_file is None
    assert len(_backups(path)) == 1


def test_no_backup_when_disabled(tmp_path: Path) -> None:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE)
    result = apply_node_config(str(path), spec, secrets, "kb1", "dual_write", make_backup=False)
    assert result.changed and result.backup_file is None and _backups(path) == []
    assert result.state_after == "kraft_broker"


@pytest.mark.parametrize("check_mode", [True, False])
def test_state_absent(tmp_path: Path, check_mode: bool) -> None:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "controller.properties"
    apply_node_config(str(path), spec, secrets, "kc1", "controllers")
    os.chmod(path, 0o600)
    content = path.read_text()
    result = apply_node_config(str(path), spec, secrets, "kc1", "rollback_zookeeper", state="absent",
                               check_mode=check_mode)
    assert result.changed and (result.state_before, result.state_after) == ("controller_migrating", "absent")
    assert path.exists() == check_mode
    if not check_mode:
        assert result.backup_file is not None and Path(result.backup_file).read_text() == content
        assert _mode(Path(result.backup_file)) == 0o600
        again = apply_node_config(str(path), spec, secrets, "kc1", "rollback_zookeeper", state="absent")
        assert not again.changed


def test_refuses_a_config_kafka_would_refuse(tmp_path: Path) -> None:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "server.properties"
    # The broker's own file puts it on the controller listener name: the KRaft broker would not start.
    text = BROKER_FILE.replace("listeners=PLAINTEXT://kb1:9092", "listeners=PLAINTEXT://kb1:9092,CONTROLLER://kb1:9095")
    path.write_text(text)
    spec = dict(spec, brokers=[dict(spec["brokers"][0], listeners=None)])
    with pytest.raises(ViolationsFound) as raised:
        apply_node_config(str(path), spec, secrets, "kb1", "dual_write")
    found = raised.value.violations_as_dicts
    assert any(v["host"] == "kb1" and v["key"] == "listeners" and v["phase"] == "dual_write" for v in found), found
    assert "must not contain a value appearing in the 'listeners' configuration" in str(raised.value)
    assert path.read_text() == text and _backups(path) == []


def test_refuses_an_unusable_spec(tmp_path: Path) -> None:
    spec, secrets = _spec_and_secrets()
    bad: dict[str, Any] = dict(spec, kafka_version="x")
    with pytest.raises(ViolationsFound, match="zk2kraft_kafka_version"):
        apply_node_config(str(tmp_path / "f"), bad, secrets, "kb1", "migration")
    with pytest.raises(ModelError, match="'kz' is neither a broker nor a controller"):
        apply_node_config(str(tmp_path / "f"), spec, secrets, "kz", "migration")
    with pytest.raises(ModelError, match="has no configuration in phase zookeeper; use state=absent"):
        apply_node_config(str(tmp_path / "f"), spec, secrets, "kc1", "zookeeper")
    assert not (tmp_path / "f").exists()


def test_diff_and_changes_mask_secrets(tmp_path: Path) -> None:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "controller.properties"
    result = apply_node_config(str(path), spec, secrets, "kc1", "controllers")
    diff = result.diff("controller.properties")
    assert diff["before"] == "" and "ts-secret" not in diff["after"]
    assert "ssl.truststore.password=********" in diff["after"]
    assert {"key": "ssl.truststore.password", "old": None, "new": "********"} in result.changes
    assert "ts-secret" not in repr(result.as_result())
    broker = tmp_path / "server.properties"
    broker.write_text(BROKER_FILE)
    diff = apply_node_config(str(broker), spec, secrets, "kb1", "migration").diff("server.properties")
    assert "ks-secret" not in diff["before"] + diff["after"]
    assert "ssl.keystore.password=********" in diff["before"]


def test_rollback_restores_keys_where_the_backups_had_them(tmp_path: Path) -> None:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE)
    for target in ("migration", "dual_write", "kraft", "rollback_hybrid", "rollback_zookeeper"):
        apply_node_config(str(path), spec, secrets, "kb1", target)
    # broker.id, zookeeper.connect and the IBP are back on their own lines, not appended at the end.
    lines = path.read_text().splitlines()
    assert lines[:2] == ["# kb1 (do not remove this comment)", "broker.id=1"]
    assert lines.index("zookeeper.connect=zk:2181") + 1 == lines.index("inter.broker.protocol.version=3.9")
    assert lines.index("inter.broker.protocol.version=3.9") + 1 == lines.index("ssl.keystore.password=ks-secret")
