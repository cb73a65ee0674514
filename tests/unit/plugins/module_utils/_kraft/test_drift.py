# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Drift (operator edits since the last run), the id-disagreement hint and world-readable secrets."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.drift import (
    drift_violations,
    find_drift,
    read_state,
    read_target,
    state_path,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ERROR, WARNING
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.files import world_readable
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inputs import observed_violations
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_config import apply_node_config
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_ids import (
    IdEvidence,
    explain_mismatch,
    file_ids_disagree,
    id_evidence,
    registered_from,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_info import gather
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import plan_result

BROKER_FILE = """\
broker.id=1
listeners=PLAINTEXT://kb1:9092
log.dirs=/data
zookeeper.connect=zk:2181
inter.broker.protocol.version=3.9
zookeeper.ssl.truststore.password=zk-secret
"""


def _spec_and_secrets() -> Any:
    spec = {
        "kafka_version": "3.9.0",
        "zookeeper_connect": "zk:2181",
        "controllers": [{"name": f"kc{i}", "node_id": 2999 + i} for i in (1, 2, 3)],
        "brokers": [{"name": "kb1", "node_id": 1, "listeners": "PLAINTEXT://kb1:9092", "log_dirs": ["/data"]}],
    }
    result = plan_result(spec, {"kb1": BROKER_FILE})
    assert result["error_count"] == 0, result["violations"]
    return result["cluster_spec"], result["cluster_secrets"]


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE)
    apply_node_config(str(path), spec, secrets, "kb1", "migration")
    return path


def test_the_record_is_private_and_holds_no_secret(migrated: Path) -> None:
    record = Path(state_path(str(migrated)))
    assert record.name == ".server.properties.zk2kraft"
    assert stat.S_IMODE(os.stat(record).st_mode) == 0o600
    keys = json.loads(record.read_text())["keys"]
    assert keys["zookeeper.connect"] == "zk:2181" and keys["zookeeper.metadata.migration.enable"] == "true"
    assert keys["node.id"] is None  # removed keys are recorded too
    assert keys["zookeeper.ssl.truststore.password"].startswith("sha256:")
    assert "zk-secret" not in record.read_text()


def test_no_drift_after_the_collection_wrote_the_file(migrated: Path) -> None:
    assert gather(str(migrated), None).drift == []


def test_an_edit_is_drift_with_written_and_found(migrated: Path) -> None:
    text = migrated.read_text()
    migrated.write_text(text.replace("zookeeper.connect=zk:2181", "zookeeper.connect=zk9:2181/other")
                        .replace("zk-secret", "changed-secret") + "node.id=1\n")
    drift = gather(str(migrated), None).drift
    assert drift == [
        {"key": "node.id", "written": None, "found": "1"},
        {"key": "zookeeper.connect", "written": "zk:2181", "found": "zk9:2181/other"},
        {"key": "zookeeper.ssl.truststore.password", "written": "********", "found": "********"},
    ]
    assert "changed-secret" not in json.dumps(drift) and "zk-secret" not in json.dumps(drift)


def test_a_removed_key_is_drift(migrated: Path) -> None:
    migrated.write_text(migrated.read_text().replace("inter.broker.protocol.version=3.9\n", ""))
    assert gather(str(migrated), None).drift == [
        {"key": "inter.broker.protocol.version", "written": "3.9", "found": None}]


def test_the_next_write_records_anew_and_only_the_record_is_no_change(migrated: Path) -> None:
    spec, secrets = _spec_and_secrets()
    record = Path(state_path(str(migrated)))
    record.unlink()
    # The file is as desired: nothing to change, but the missing record is written (not a change).
    result = apply_node_config(str(migrated), spec, secrets, "kb1", "migration")
    assert not result.changed and record.exists()
    apply_node_config(str(migrated), spec, secrets, "kb1", "dual_write")
    state = read_state(str(record))
    assert state is not None and state["broker.id"] is None
    assert gather(str(migrated), None).drift == []


def test_the_record_keeps_the_phase_the_file_was_last_rendered_for(migrated: Path) -> None:
    spec, secrets = _spec_and_secrets()
    record = Path(state_path(str(migrated)))
    assert read_target(str(record)) == "migration" and gather(str(migrated), None).written_target == "migration"
    apply_node_config(str(migrated), spec, secrets, "kb1", "rollback_hybrid")   # the same file as migration's
    assert read_target(str(record)) == "rollback_hybrid"
    assert gather(str(migrated), None).written_target == "rollback_hybrid"
    record.write_text(json.dumps({"version": 1, "keys": {}}))   # a record from before the target was kept
    assert read_target(str(record)) is None


def test_check_mode_writes_no_record(tmp_path: Path) -> None:
    spec, secrets = _spec_and_secrets()
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE)
    apply_node_config(str(path), spec, secrets, "kb1", "migration", check_mode=True)
    assert not Path(state_path(str(path))).exists()


def test_state_absent_removes_the_record(migrated: Path) -> None:
    spec, secrets = _spec_and_secrets()
    apply_node_config(str(migrated), spec, secrets, "kb1", "migration", state="absent")
    assert not Path(state_path(str(migrated))).exists()


def test_an_unreadable_record_is_no_drift(tmp_path: Path) -> None:
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE)
    Path(state_path(str(path))).write_text("{not json")
    assert gather(str(path), None).drift == []
    assert find_drift(None, {"a": "1"}) == []


def test_drift_refuses_unless_accepted() -> None:
    drift = [{"key": "zookeeper.connect", "written": "zk:2181", "found": "zk9:2181"}]
    refused = drift_violations("kb1", "/etc/kafka/server.properties", drift, accepted=False)
    assert [(v.host, v.key, v.severity) for v in refused] == [("kb1", "zookeeper.connect", ERROR)]
    assert "written 'zk:2181', found 'zk9:2181'" in refused[0].message
    assert "/etc/kafka/server.properties" in refused[0].message and "zk2kraft_accept_drift=true" in refused[0].fix
    accepted = drift_violations("kb1", "/etc/kafka/server.properties", drift, accepted=True)
    assert [v.severity for v in accepted] == [WARNING] and "accepted with zk2kraft_accept_drift" in accepted[0].message


SECRET_FILE = "ssl.keystore.password=keystore-secret\nlisteners=PLAINTEXT://:9092\n"


@pytest.mark.parametrize("mode,text,warned", [
    ("0644", SECRET_FILE, True),
    ("0604", SECRET_FILE, True),
    ("0640", SECRET_FILE, False),
    ("0600", SECRET_FILE, False),
    ("0644", "listeners=PLAINTEXT://:9092\nssl.keystore.password=\n", False),  # an empty secret is none
    ("0644", None, False),
    ("bogus", SECRET_FILE, False),
])
def test_world_readable_secrets_are_warned_about(mode: str, text: Any, warned: bool) -> None:
    found = world_readable("kb1", "/etc/kafka/server.properties", mode, text)
    assert bool(found) == warned
    if warned:
        (v,) = found
        assert v.severity == WARNING and v.host == "kb1"
        assert "/etc/kafka/server.properties holds secrets (ssl.keystore.password) and is world-readable" in v.message
        assert f"mode {mode}" in v.message and "chmod 0640" in v.fix and "0600" in v.fix
        assert "keystore-secret" not in str(v)


def test_observed_violations_from_host_variables() -> None:
    hostvars: dict[str, dict[str, Any]] = {
        "kb1": {"zk2kraft_node": {"config_mode": "0644",
                                  "drift": [{"key": "zookeeper.connect", "written": "zk:2181", "found": "zk9:2181"}]},
                "zk2kraft_config_file": "/opt/kafka/config/server.properties"},
        "kb2": {"zk2kraft_current_file": {"path": "/etc/kafka/server.properties", "mode": "0604"}},
        "kb3": {"zk2kraft_node": {"config_mode": "0600", "drift": []}},
    }
    texts = {h: SECRET_FILE for h in hostvars}
    found = observed_violations(list(hostvars), hostvars.__getitem__, texts)
    assert [(v.host, v.key, v.severity) for v in found] == [
        ("kb1", "server.properties", WARNING), ("kb1", "zookeeper.connect", ERROR), ("kb2", "server.properties", WARNING)]
    assert "/opt/kafka/config/server.properties" in found[1].message
    accepted = observed_violations(list(hostvars), hostvars.__getitem__, texts, accept_drift=True)
    assert all(v.severity == WARNING for v in accepted)


# --- broker.id in the file vs the inventory: which side the cluster's own state supports ----------


def test_the_hint_follows_meta_properties_to_the_inventory() -> None:
    message, fix = explain_mismatch("kb1", "broker.id", "11", 1, IdEvidence({"/data": "1"}, ()))
    assert "supports the inventory (meta.properties in /data says 1): the file is wrong" in message
    assert fix.startswith("set broker.id=1 in kb1's server.properties") and "zk2kraft_node_id=" not in fix


def test_the_hint_follows_zookeeper_to_the_file() -> None:
    message, fix = explain_mismatch("kb1", "broker.id", "11", 1, IdEvidence({}, (11,)))
    assert "supports the file (ZooKeeper has /brokers/ids/11 registered from this host)" in message
    assert fix == "set zk2kraft_node_id=11 for kb1 in the inventory"


def test_the_hint_says_when_the_state_decides_nothing() -> None:
    message, fix = explain_mismatch("kb1", "broker.id", "11", 1, None)
    assert "does not tell which is right (no meta.properties in the log dirs)" in message
    assert "meta.properties" in fix and "/brokers/ids" in fix
    message, dummy = explain_mismatch("kb1", "broker.id", "11", 1, IdEvidence({"/a": "1", "/b": "11"}, None))
    assert "does not tell" in message and "meta.properties in /a says 1" in message


def test_the_plan_uses_the_evidence() -> None:
    spec, dummy = _spec_and_secrets()
    spec = dict(spec)
    texts = {"kb1": BROKER_FILE.replace("broker.id=1", "broker.id=11")}
    assert file_ids_disagree(spec, texts) == ["kb1"]
    registrations = {1: {"host": "kb1", "port": 9092, "endpoints": ["PLAINTEXT://kb1:9092"]}}
    evidence = id_evidence(spec, {"kb1": {"meta_properties": {"/data": {"broker.id": "1"}}}}, registrations)
    assert evidence["kb1"] == IdEvidence({"/data": "1"}, (1,))
    result = plan_result(spec, texts, id_evidence=evidence)
    (found,) = [v for v in result["violations"] if v["key"] == "broker.id" and v["host"] == "kb1"]
    assert "supports the inventory" in found["message"] and "set broker.id=1" in found["fix"]


def test_registered_from_matches_host_or_endpoint() -> None:
    regs: dict[int, dict[str, Any]] = {
        1: {"host": "10.0.0.1", "endpoints": []}, 2: {"host": None, "endpoints": ["SSL://[::1]:9093"]},
        3: {"host": "10.0.0.3", "endpoints": ["SSL://10.0.0.3:9093"]}}
    assert registered_from("10.0.0.1", regs) == (1,)
    assert registered_from("::1", regs) == (2,)
    assert registered_from("10.0.0.9", regs) == ()
