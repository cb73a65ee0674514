# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The kafka_properties module end to end through main(): arguments, check mode, diff, failures."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import plan_result
from ansible_collections.zk2kraft.migration.plugins.modules import kafka_properties

BROKER_FILE = """\
broker.id=1
listeners=PLAINTEXT://kb1:9092
log.dirs=/data
zookeeper.connect=zk:2181
inter.broker.protocol.version=3.9
"""


@pytest.fixture(name="plan")
def _plan() -> dict[str, Any]:
    spec = {
        "kafka_version": "3.9.0",
        "controller_security_protocol": "SASL_SSL",
        "controller_properties": {"sasl.enabled.mechanisms": "PLAIN"},
        "broker_controller_properties": {"listener.name.controller.plain.sasl.jaas.config": "jaas-secret"},
        "controllers": [{"name": "kc1", "node_id": 3000}],
        "brokers": [{"name": "kb1"}],
    }
    result = plan_result(spec, {"kb1": BROKER_FILE})
    assert result["error_count"] == 0, result["violations"]
    return result


def _run(args: dict[str, Any], capsys: Any) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        kafka_properties.main()
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def _args(plan: dict[str, Any], path: Path, phase: str, **extra: Any) -> dict[str, Any]:
    args = {"path": str(path), "cluster": plan["cluster_spec"], "secret_properties": plan["cluster_secrets"],
            "node": "kb1", "phase": phase}
    args.update(extra)
    return args


def test_check_apply_check_apply(plan: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE)
    os.chmod(path, 0o600)
    checked = _run(_args(plan, path, "migration", _ansible_check_mode=True, _ansible_diff=True), capsys)
    assert checked["changed"] and path.read_text() == BROKER_FILE and "backup_file" not in checked
    assert "zookeeper.metadata.migration.enable=true" in checked["diff"]["after"]
    assert "jaas-secret" not in json.dumps(checked)

    applied = _run(_args(plan, path, "migration"), capsys)
    assert applied["changed"] and applied["state_before"] == "zk" and applied["state_after"] == "zk_migrating"
    assert Path(applied["backup_file"]).read_text() == BROKER_FILE
    assert stat.S_IMODE(os.stat(applied["backup_file"]).st_mode) == 0o600
    assert "listener.name.controller.plain.sasl.jaas.config=jaas-secret" in path.read_text()
    assert "jaas-secret" not in json.dumps(applied)

    for extra in ({"_ansible_check_mode": True}, {}):
        again = _run(_args(plan, path, "migration", **extra), capsys)
        assert not again["changed"] and again["changes"] == []


def test_violations_fail_with_host_and_key(plan: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE.replace("log.dirs=/data\n", ""))
    spec = dict(plan["cluster_spec"], brokers=[dict(plan["cluster_spec"]["brokers"][0], log_dirs=[])])
    result = _run(_args(plan, path, "dual_write", cluster=spec), capsys)
    assert result["failed"]
    assert result["msg"].startswith(str(path) + ": ")
    assert "At least one log directory must be defined via log.dirs or log.dir." in result["msg"]
    assert any(v["host"] == "kb1" and v["key"] == "log.dirs" for v in result["violations"])
    assert path.read_text() == BROKER_FILE.replace("log.dirs=/data\n", "")


def test_absent_removes_controller_file(plan: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "controller.properties"
    created = _run(_args(plan, path, "controllers", node="kc1", mode="0600"), capsys)
    assert created["changed"] and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    removed = _run(_args(plan, path, "rollback_zookeeper", node="kc1", state="absent"), capsys)
    assert removed["changed"] and not path.exists() and Path(removed["backup_file"]).exists()


def test_unknown_phase_is_rejected(plan: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    result = _run(_args(plan, tmp_path / "x", "finalize"), capsys)
    assert result["failed"] and "value of phase must be one of" in result["msg"]
