# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The whole plan: per-host renders, violations by host, masking in reports and results."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_spec import merge_secrets
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_config import apply_node_config
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import REPORT_KEYS, build_plan, plan_result
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import MASK, masked_value

SECRETS = ("zk-trust-secret", "ks-secret", "jaas-secret", "controller-ks-secret")

BROKER_FILE = """\
# kb1
broker.id=1
listeners=INTERNAL://kb1:9092
listener.security.protocol.map=INTERNAL:SASL_SSL
inter.broker.listener.name=INTERNAL
log.dirs=/data
zookeeper.connect=zk:2181
zookeeper.ssl.truststore.password=zk-trust-secret
inter.broker.protocol.version=3.9
ssl.keystore.password=ks-secret
"""


def _spec() -> dict[str, Any]:
    return {
        "kafka_version": "3.9.0",
        "controller_security_protocol": "SASL_SSL",
        "controller_properties": {"ssl.keystore.password": "controller-ks-secret",
                                  "sasl.enabled.mechanisms": "GSSAPI,PLAIN"},
        "broker_controller_properties": {"listener.name.controller.plain.sasl.jaas.config": "jaas-secret"},
        "controllers": [{"name": f"kc{i}", "node_id": 2999 + i} for i in (1, 2, 3)],
        "brokers": [
            {"name": "kb1"},
            {"name": "kb2", "node_id": 2, "listeners": "INTERNAL://kb2:9092", "log_dirs": ["/data"]},
        ],
    }


def test_plan_of_a_valid_cluster() -> None:
    plan = build_plan(_spec(), {"kb1": BROKER_FILE})
    assert [str(v) for v in plan.violations] == []
    assert [n.host for n in plan.nodes] == ["kc1", "kc2", "kc3", "kb1", "kb2"]
    by_host = {n.host: n for n in plan.nodes}
    assert by_host["kb1"].baseline_known and not by_host["kb2"].baseline_known
    assert list(by_host["kb1"].renders) == ["zookeeper", "controllers", "migration", "dual_write", "kraft"]
    assert by_host["kc1"].renders["zookeeper"].text is None
    assert by_host["kb1"].renders["zookeeper"].changes == []
    # The inventory-only broker starts from its own ZooKeeper-mode render, so phase 0 changes nothing.
    assert by_host["kb2"].renders["zookeeper"].changes == []
    kraft = by_host["kb2"].renders["kraft"].properties
    assert kraft is not None and kraft["node.id"] == "2"


def test_report_and_results_mask_every_secret() -> None:
    result = plan_result(_spec(), {"kb1": BROKER_FILE})
    assert result["error_count"] == 0
    public = json.dumps({k: v for k, v in result.items() if k != "cluster_secrets"})
    for secret in SECRETS:
        assert secret not in public, secret
    report = "\n".join(result["report"])
    # The text validate.yml prints is the same lines, joined.
    assert result["report_text"] == report
    assert f"- zookeeper.ssl.truststore.password={MASK}" in report
    assert f"+ listener.name.controller.plain.sasl.jaas.config={MASK}" in report
    kb1 = result["plan"]["kb1"]["phases"]["dual_write"]["changes"]
    assert {"key": "zookeeper.ssl.truststore.password", "old": MASK, "new": None} in kb1
    # The secrets travel separately, so the spec alone renders nothing secret.
    assert result["cluster_secrets"]["controller_properties"] == {"ssl.keystore.password": "controller-ks-secret"}
    assert merge_secrets(result["cluster_spec"], result["cluster_secrets"])["broker_controller_properties"] == {
        "listener.name.controller.plain.sasl.jaas.config": "jaas-secret"}


def test_zookeeper_sasl_credentials_become_the_controllers_jaas_and_stay_out_of_the_spec() -> None:
    spec = dict(_spec(), zookeeper_sasl_username="kafka", zookeeper_sasl_password="zk-sasl-secret")
    result = plan_result(spec, {"kb1": BROKER_FILE})
    assert result["error_count"] == 0
    assert result["cluster_spec"]["zookeeper_sasl_username"] == "kafka"
    public = json.dumps({k: v for k, v in result.items() if k != "zookeeper_jaas"})
    assert "zk-sasl-secret" not in public
    assert 'password="zk-sasl-secret";' in result["zookeeper_jaas"]
    assert result["zookeeper_jaas"].count("Client {") == 1


def test_no_jaas_without_zookeeper_sasl() -> None:
    result = plan_result(_spec(), {"kb1": BROKER_FILE})
    assert "zookeeper_jaas" not in result
    assert result["cluster_spec"]["zookeeper_sasl_username"] is None


def test_resolved_spec_renders_the_same_files(tmp_path: Any) -> None:
    result = plan_result(_spec(), {"kb1": BROKER_FILE})
    path = tmp_path / "server.properties"
    path.write_text(BROKER_FILE)
    out = apply_node_config(str(path), result["cluster_spec"], result["cluster_secrets"], "kb1", "migration")
    planned = build_plan(_spec(), {"kb1": BROKER_FILE}).nodes[3].renders["migration"].text
    assert out.after == planned


def test_report_lines_show_changes_and_repeats() -> None:
    lines = build_plan(_spec(), {"kb1": BROKER_FILE}).report_lines()
    assert lines[0] == "Cluster: Kafka 3.9.0, metadata version 3.9, 3 controllers, 2 brokers"
    assert lines[1] == "Quorum voters: 3000@kc1:9093,3001@kc2:9093,3002@kc3:9093"
    assert "== kb1 (broker 1; baseline: current file)" in lines
    assert "== kb2 (broker 2; baseline: inventory)" in lines
    assert "  [zookeeper] not provisioned" in lines
    assert "  [kraft] same changes as the previous phase" in lines
    assert "      ~ authorizer.class.name" not in "\n".join(lines)  # no ACLs in this cluster
    assert "      + zookeeper.metadata.migration.enable=true" in lines
    assert lines[-1] == "No violations: the cluster can be migrated as described."


def test_violations_grouped_by_host_and_tagged_with_phase() -> None:
    spec = _spec()
    spec["controllers"][1]["node_id"] = 1  # clashes with kb1
    spec["metadata_version"] = "3.9"
    text = BROKER_FILE.replace("inter.broker.protocol.version=3.9", "inter.broker.protocol.version=3.8")
    plan = build_plan(spec, {"kb1": text})
    grouped = plan.violations_by_host()
    assert {v["key"] for v in grouped["kb1"]} >= {"zk2kraft_node_id", "inter.broker.protocol.version"}
    lines = plan.report_lines()
    assert any(line.startswith("Violations (") and "error(s)" in line for line in lines)
    assert "  kb1:" in lines
    assert any("ERROR zk2kraft_node_id: broker id 1 equals the id of controller kc2" in line for line in lines)


def test_rendered_violations_are_reported_once_with_first_phase() -> None:
    spec = _spec()
    # Every broker listens on the controller listener name: the rendered KRaft file is invalid from phase 3 on.
    spec["brokers"][1]["listeners"] = "INTERNAL://kb2:9092,CONTROLLER://kb2:9095"
    plan = build_plan(spec, {"kb1": BROKER_FILE})
    rendered = [v for v in plan.violations if v.host == "kb2" and v.phase is not None]
    messages = [v.message for v in rendered]
    assert len(messages) == len(set(messages))
    assert any(v.phase == "dual_write" and v.key == "listeners" for v in rendered), [str(v) for v in rendered]


def test_unparseable_current_file_is_a_violation() -> None:
    plan = build_plan(_spec(), {"kb1": BROKER_FILE + "bad=\\u12\n"})
    assert any(v.host == "kb1" and v.key == "server.properties" and "cannot parse" in v.message
               for v in plan.violations)


def test_unusable_model_gives_no_nodes() -> None:
    spec = _spec()
    spec["kafka_version"] = "x"
    result = plan_result(spec)
    assert result["plan"] == {} and result["error_count"] >= 1 and "cluster_spec" not in result


@pytest.mark.parametrize("hosts,expected", [
    pytest.param(["kb2"], ["kb2"], id="one"),
    pytest.param(["kc1", "kb1"], ["kc1", "kb1"], id="two"),
    pytest.param([], [], id="none"),
])
def test_hosts_filter_keeps_cluster_checks(hosts: Any, expected: Any) -> None:
    spec = _spec()
    spec["controllers"][0]["node_id"] = 2  # clashes with kb2
    plan = build_plan(spec, {"kb1": BROKER_FILE}, hosts=hosts)
    assert [n.host for n in plan.nodes] == expected
    assert any(v.key == "zk2kraft_node_id" for v in plan.violations)


def test_rollback_targets_can_be_planned() -> None:
    plan = build_plan(_spec(), {"kb1": BROKER_FILE}, targets=["rollback_hybrid", "rollback_zookeeper"])
    kb1 = next(n for n in plan.nodes if n.host == "kb1")
    assert list(kb1.renders) == ["rollback_hybrid", "rollback_zookeeper"]
    assert kb1.renders["rollback_zookeeper"].changes == []


@pytest.mark.parametrize("key,value,expected", [
    ("ssl.keystore.password", "x", MASK), ("sasl.jaas.config", "x", MASK), ("num.partitions", "3", "3"),
    ("ssl.truststore.password", None, None),
])
def test_masked_value(key: str, value: Any, expected: Any) -> None:
    assert masked_value(key, value) == expected


def test_no_targets_checks_the_model_without_rendering() -> None:
    spec = _spec()
    spec["brokers"][1]["node_id"] = 3000     # the same id as kc2
    plan = build_plan(spec, {"kb1": BROKER_FILE}, targets=(), partial=True)
    assert [n.host for n in plan.nodes] == ["kc1", "kc2", "kc3", "kb1", "kb2"]
    assert all(n.renders == {} for n in plan.nodes)
    assert plan.nodes[3].baseline_known and not plan.nodes[4].baseline_known
    assert plan.errors and [str(v) for v in plan.errors] == [
        str(v) for v in build_plan(spec, {"kb1": BROKER_FILE}, partial=True).errors if v.phase is None]


def test_a_file_rendered_again_for_a_later_phase_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import plan as plan_module
    from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.invariants import check_config

    spec = _spec()
    spec["brokers"][1]["listeners"] = "INTERNAL://kb2:9092,CONTROLLER://kb2:9095"  # invalid from phase 3 on
    checked: list[tuple[str, str | None]] = []

    def counting(props: Any, host: str, release: Any = None, phase: str | None = None) -> Any:
        checked.append((host, phase))
        return check_config(props, host, release, phase)

    monkeypatch.setattr(plan_module, "check_config", counting)
    plan = build_plan(spec, {"kb1": BROKER_FILE})
    # A broker's file is the same in phases 0 and 1, and again in 3 and 4: three files, three checks.
    assert [phase for host, phase in checked if host == "kb2"] == ["zookeeper", "migration", "dual_write"]
    # Every phase checked alone finds nothing the plan did not list under the first phase showing it.
    listed = {(v.host, v.key, v.message): v.phase for v in plan.violations}
    assert plan.cluster is not None
    for node in plan.nodes:
        for target, rendered in node.renders.items():
            if rendered.properties is None:
                continue
            for violation in check_config(rendered.properties, node.host, plan.cluster.kafka_version, target):
                first = listed[(violation.host, violation.key, violation.message)]
                assert list(node.renders).index(str(first)) <= list(node.renders).index(target)


def test_report_only_returns_the_report_keys_of_the_whole_result() -> None:
    spec = _spec()
    spec["controllers"][1]["node_id"] = 1  # clashes with kb1: violations to report
    whole = plan_result(spec, {"kb1": BROKER_FILE})
    report = plan_result(spec, {"kb1": BROKER_FILE}, report_only=True)
    assert list(report) == list(REPORT_KEYS)
    assert report == {key: whole[key] for key in REPORT_KEYS}
    assert report["error_count"] > 0
