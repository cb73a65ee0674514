# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The migration_plan module through main(): explicit spec, config_dir, failures, masking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.modules import migration_plan

BROKER_FILE = """\
broker.id=1
listeners=PLAINTEXT://kb1:9092
log.dirs=/data
zookeeper.connect=zk:2181
zookeeper.ssl.truststore.password=zk-secret
inter.broker.protocol.version=3.9
"""


def _spec() -> dict[str, Any]:
    return {
        "kafka_version": "3.9.0",
        "controllers": [{"name": f"kc{i}", "node_id": 2999 + i} for i in (1, 2, 3)],
        "brokers": [{"name": "kb1"}],
    }


def _run(args: dict[str, Any], capsys: Any) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        migration_plan.main()
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_plan_from_config_dir(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "kb1.properties").write_text(BROKER_FILE)
    result = _run({"cluster": _spec(), "config_dir": str(tmp_path)}, capsys)
    assert not result.get("failed") and not result["changed"]
    assert result["error_count"] == 0 and result["plan"]["kb1"]["baseline"] == "current file"
    assert result["cluster_secrets"] == {"zookeeper_client_properties": {"zookeeper.ssl.truststore.password":
                                                                         "zk-secret"}}
    public = json.dumps({k: v for k, v in result.items() if k != "cluster_secrets"})
    assert "zk-secret" not in public


def test_current_configs_win_over_config_dir(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "kb1.properties").write_text(BROKER_FILE)
    text = BROKER_FILE.replace("inter.broker.protocol.version=3.9", "inter.broker.protocol.version=3.8")
    result = _run({"cluster": dict(_spec(), metadata_version="3.9"), "config_dir": str(tmp_path),
                   "current_configs": {"kb1": text}}, capsys)
    assert result["failed"] and result["error_count"] >= 1
    assert "the cluster cannot be migrated as described" in result["msg"]
    assert any(v["host"] == "kb1" and v["key"] == "inter.broker.protocol.version"
               for v in result["violations"]), result["violations"]


def test_fail_on_error_false_reports_without_failing(capsys: Any) -> None:
    spec = _spec()
    spec["controllers"][0]["node_id"] = 1
    spec["brokers"][0].update(node_id=1, listeners="PLAINTEXT://kb1:9092", log_dirs=["/d"])
    result = _run({"cluster": dict(spec, zookeeper_connect="zk"), "fail_on_error": False}, capsys)
    assert not result.get("failed") and result["error_count"] >= 1
    assert "kb1" in result["violations_by_host"]


@pytest.mark.parametrize("args,fragment", [
    pytest.param({}, "cluster is required when the module runs without its action plugin", id="no-cluster"),
    pytest.param({"cluster": {"kafka_version": "3.9.0"}, "phases": ["kraft", "finalize"]},
                 "unknown phase(s) finalize", id="bad-phase"),
])
def test_argument_errors(args: dict[str, Any], fragment: str, capsys: Any) -> None:
    result = _run(args, capsys)
    assert result["failed"] and fragment in result["msg"]


@pytest.mark.parametrize("errors", [False, True], ids=["valid", "with-errors"])
def test_report_only_is_the_report_part_of_the_whole_result(errors: bool, capsys: Any) -> None:
    spec = dict(_spec(), zookeeper_connect="zk:2181", zookeeper_sasl_username="u", zookeeper_sasl_password="p")
    if errors:
        spec["controllers"][0]["node_id"] = 1
        spec["brokers"][0].update(node_id=1)
    args = {"cluster": spec, "current_configs": {"kb1": BROKER_FILE}, "fail_on_error": False}
    whole = _run(args, capsys)
    report = _run(dict(args, report_only=True), capsys)
    assert {"plan", "report", "cluster_spec", "cluster_secrets", "zookeeper_jaas"} <= set(whole)
    assert set(report) - {"changed", "invocation"} == {
        "violations", "violations_by_host", "error_count", "warning_count", "report_text"}
    for key in report:
        if key != "invocation":
            assert report[key] == whole[key], key
    assert (report["error_count"] > 0) is errors
    assert report["report_text"] == "\n".join(whole["report"])
