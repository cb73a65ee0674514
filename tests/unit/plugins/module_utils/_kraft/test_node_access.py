# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Each node's Jolokia URL and LOG_DIR, worked out once into the resolved cluster spec."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inventory import spec_from_inventory
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_access import (
    DEFAULT_LOG_DIR,
    jolokia_url,
    with_node_access,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import plan_result
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_plan import BROKER_FILE


@pytest.mark.parametrize("address, port, tls, url", [
    ("10.0.0.1", 8778, False, "http://10.0.0.1:8778/jolokia"),
    ("kc1", "8778", "false", "http://kc1:8778/jolokia"),       # -e gives strings
    ("kc1", 8778, True, "https://kc1:8778/jolokia"),            # the agent's protocol=https
    ("kc1", 8778, "yes", "https://kc1:8778/jolokia"),
    ("kc1", " 8778 ", "true", "https://kc1:8778/jolokia"),
    ("fd00::1", 8778, False, "http://[fd00::1]:8778/jolokia"),  # an IPv6 literal is bracketed
    ("[fd00::1]", 8778, False, "http://[fd00::1]:8778/jolokia"),
    ("kc1", None, True, None),                                  # no port: no Jolokia
    ("kc1", "", False, None),
    ("kc1", "x", False, None),                                  # check_inputs refuses these first
    ("kc1", 0, False, None),
    ("kc1", 70000, False, None),
    ("kc1", True, False, None),
])
def test_jolokia_url(address: str, port: Any, tls: Any, url: str | None) -> None:
    assert jolokia_url(address, port, tls) == url


def _public() -> dict[str, Any]:
    return {"kafka_version": "3.9.0",
            "controllers": [{"name": "kc1", "address": "10.0.0.21"}, {"name": "kc2", "address": "10.0.0.22"}],
            "brokers": [{"name": "kb1", "address": "10.0.0.11"}]}


def test_node_fields_from_each_host_then_the_spec() -> None:
    raw = {"jolokia_port": 8778, "controllers": [{"name": "kc1", "jolokia_port": 9999, "jolokia_tls": True,
                                                  "log_dir": "/opt/kafka/logs"}, {"name": "kc2"}],
           "brokers": [{"name": "kb1"}]}
    spec = with_node_access(_public(), raw)
    kc1, kc2 = spec["controllers"]
    assert (kc1["jolokia_url"], kc1["log_dir"]) == ("https://10.0.0.21:9999/jolokia", "/opt/kafka/logs")
    assert (kc2["jolokia_url"], kc2["log_dir"]) == ("http://10.0.0.22:8778/jolokia", DEFAULT_LOG_DIR)
    assert spec["brokers"][0]["jolokia_url"] == "http://10.0.0.11:8778/jolokia"
    assert spec["kafka_version"] == "3.9.0"
    assert "jolokia_url" not in _public()["controllers"][0]   # the input is left alone


def test_without_a_jolokia_port_every_url_is_null() -> None:
    spec = with_node_access(_public(), {"jolokia_tls": True, "controllers": [{"name": "kc1"}]})
    assert [n["jolokia_url"] for n in spec["controllers"] + spec["brokers"]] == [None, None, None]


def _plan_spec(**extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"kafka_version": "3.9.0",
                            "controllers": [{"name": f"kc{i}", "node_id": 2999 + i, "address": f"10.0.0.2{i}"}
                                            for i in (1, 2, 3)],
                            "brokers": [{"name": "kb1"}]}
    spec.update(extra)
    return spec


def test_the_plans_cluster_spec_carries_the_fields() -> None:
    result = plan_result(_plan_spec(jolokia_port=8778), {"kb1": BROKER_FILE})
    spec = result["cluster_spec"]
    assert [n["jolokia_url"] for n in spec["controllers"]] == [
        "http://10.0.0.21:8778/jolokia", "http://10.0.0.22:8778/jolokia", "http://10.0.0.23:8778/jolokia"]
    assert spec["brokers"][0]["jolokia_url"] == "http://kb1:8778/jolokia"
    assert {n["log_dir"] for n in spec["controllers"] + spec["brokers"]} == {DEFAULT_LOG_DIR}
    result = plan_result(_plan_spec(), {"kb1": BROKER_FILE})
    assert [n["jolokia_url"] for n in result["cluster_spec"]["controllers"]] == [None, None, None]


def test_from_the_inventory_with_jolokia_tls() -> None:
    hosts: dict[str, dict[str, Any]] = {
        "kb1": {"zk2kraft_node_id": 1, "zk2kraft_kafka_version": "3.9.0"},
        "kc1": {"zk2kraft_node_id": 3000, "ansible_host": "10.0.0.21", "zk2kraft_log_dir": "/srv/kafka/logs"},
        "kc2": {"zk2kraft_node_id": 3001, "zk2kraft_jolokia_port": 8779,
                "zk2kraft_kafka_client": {"jolokia_tls": False}},
    }
    play = {"zk2kraft_jolokia_port": "8778", "zk2kraft_kafka_client": {"jolokia_tls": True, "jolokia_user": "u"}}
    raw, texts = spec_from_inventory(["kb1"], ["kc1", "kc2"], lambda h: hosts[h], play)
    spec = plan_result(raw, {"kb1": BROKER_FILE})["cluster_spec"]
    kc1, kc2 = spec["controllers"]
    assert (kc1["jolokia_url"], kc1["log_dir"]) == ("https://10.0.0.21:8778/jolokia", "/srv/kafka/logs")
    assert (kc2["jolokia_url"], kc2["log_dir"]) == ("http://kc2:8779/jolokia", DEFAULT_LOG_DIR)  # its own vars win
