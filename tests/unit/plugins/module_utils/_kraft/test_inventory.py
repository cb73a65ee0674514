# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""zk2kraft_* inventory variables -> cluster spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_spec import build_cluster
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inventory import (
    HostVariables,
    cluster_key_violations,
    host_name_template,
    is_plain,
    option_values,
    spec_from_inventory,
)

HOSTVARS: dict[str, dict[str, Any]] = {
    "kb1": {"zk2kraft_node_id": 1, "ansible_host": "10.0.0.11", "zk2kraft_kafka_version": "3.9.0",
            "zk2kraft_listeners": "PLAINTEXT://kb1:9092", "zk2kraft_log_dirs": ["/d"], "zk2kraft_rack": "a",
            "zk2kraft_zookeeper_connect": "zk:2181", "unrelated": "x",
            "zk2kraft_current_properties": "broker.id=1\n"},
    "kb2": {"zk2kraft_node_id": 2, "zk2kraft_listeners": "PLAINTEXT://kb2:9092", "zk2kraft_log_dirs": ["/d"],
            "zk2kraft_address": "kb2.internal", "ansible_host": "10.0.0.12", "zk2kraft_kafka_version": "3.8.1"},
    "kc1": {"zk2kraft_node_id": 3000},
    "kc2": {"zk2kraft_node_id": 3001, "zk2kraft_process_roles": "controller", "zk2kraft_current_properties": ""},
}


class FailingVars(dict[str, Any]):
    """Host variables whose templating fails for one key, as Ansible's lazy hostvars can."""

    def get(self, key: str, default: Any = None) -> Any:
        if key == "zk2kraft_rack":
            raise ValueError("undefined variable in template")
        return super().get(key, default)


def _spec(play_vars: Mapping[str, Any], host_vars: Any = None) -> Any:
    lookup = host_vars or (lambda host: HOSTVARS[host])
    return spec_from_inventory(["kb1", "kb2"], ["kc1", "kc2"], lookup, play_vars)


def test_cluster_keys_come_from_the_first_broker_then_play() -> None:
    spec, texts = _spec({"zk2kraft_kafka_version": "3.7.1", "zk2kraft_metadata_version": "3.9",
                         "zk2kraft_controller_port": 9193})
    assert spec["kafka_version"] == "3.9.0"     # the first broker wins over play vars; kb2's value is ignored
    assert spec["metadata_version"] == "3.9"    # only in play vars
    assert spec["controller_port"] == 9193
    assert spec["zookeeper_connect"] == "zk:2181"
    assert "unrelated" not in spec and "authorizer" not in spec
    assert texts == {"kb1": "broker.id=1\n"}    # an empty text is not a file


def test_node_entries() -> None:
    spec = _spec({})[0]
    kb1, kb2 = spec["brokers"]
    assert kb1 == {"name": "kb1", "node_id": 1, "listeners": "PLAINTEXT://kb1:9092", "log_dirs": ["/d"],
                   "rack": "a", "address": "10.0.0.11", "declared_roles": []}
    assert kb2["address"] == "kb2.internal"     # zk2kraft_address wins over ansible_host
    kc1, kc2 = spec["controllers"]
    assert kc1 == {"name": "kc1", "node_id": 3000, "address": "kc1", "declared_roles": []}
    assert kc2["declared_roles"] == "controller"


def test_zookeeper_sasl_credentials_and_what_the_hosts_showed() -> None:
    hosts = {h: dict(v) for h, v in HOSTVARS.items()}
    hosts["kb2"]["zk2kraft_node"] = {"state": "zookeeper", "zookeeper_sasl": "its JAAS file /j has a Client section"}
    hosts["kb1"]["zk2kraft_node"] = {"state": "zookeeper", "zookeeper_sasl": None}
    client = {"zookeeper_auth": "sasl_digest", "zookeeper_username": "kafka", "zookeeper_password": "s"}
    spec = _spec({"zk2kraft_zookeeper_client": client}, lambda h: hosts[h])[0]
    assert (spec["zookeeper_sasl_username"], spec["zookeeper_sasl_password"]) == ("kafka", "s")
    assert "zookeeper_sasl" not in spec["brokers"][0]
    assert spec["brokers"][1]["zookeeper_sasl"] == "its JAAS file /j has a Client section"
    # Other schemes are not a SASL login the controllers could use.
    spec = _spec({"zk2kraft_zookeeper_client": dict(client, zookeeper_auth="digest")})[0]
    assert "zookeeper_sasl_username" not in spec


def test_host_in_both_groups_is_declared_combined() -> None:
    spec = spec_from_inventory(["kb1", "kc1"], ["kc1"], lambda h: HOSTVARS[h], {})[0]
    assert spec["brokers"][1]["declared_roles"] == ["broker", "controller"]
    assert spec["controllers"][0]["declared_roles"] == ["broker", "controller"]


def test_failing_template_counts_as_unset() -> None:
    hostvars = {name: dict(values) for name, values in HOSTVARS.items()}
    hostvars["kb1"] = FailingVars(hostvars["kb1"])
    spec = _spec({}, lambda host: hostvars[host])[0]
    assert "rack" not in spec["brokers"][0]


def test_no_brokers_gives_an_empty_group() -> None:
    spec, texts = spec_from_inventory([], ["kc1"], lambda h: HOSTVARS[h], {"zk2kraft_kafka_version": "3.9.0"})
    assert spec["brokers"] == [] and spec["kafka_version"] == "3.9.0" and texts == {}


def test_spec_builds_a_cluster() -> None:
    spec = _spec({})[0]
    cluster, problems = build_cluster(spec)
    assert problems == [] and cluster is not None
    assert cluster.quorum_voters == "3000@kc1:9093,3001@kc2:9093"
    assert cluster.node("kb1").address == "10.0.0.11"


@pytest.mark.parametrize("value,plain", [
    (None, True), (True, True), (3, True), (2.5, True), ("PLAINTEXT://kb1:9092", True), ("", True),
    (["/a", "/b"], True), ({"k": "v", "n": [1, {"x": None}]}, True),
    ("PLAINTEXT://{{ inventory_hostname }}:9092", False), ("{% if x %}y{% endif %}", False), ("a{# c #}", False),
    ("#jinja2: variable_start_string:'[['\n[[ x ]]", False), (["/a", "{{ d }}"], False), ({"k": "{{ v }}"}, False),
    ({"{{ k }}": "v"}, False), (("a",), False), (object(), False),
])
def test_is_plain(value: Any, plain: bool) -> None:
    assert is_plain(value) is plain


NAMES = {"inventory_hostname": "kb1.example.com", "inventory_hostname_short": "kb1"}


@pytest.mark.parametrize("value,expected", [
    ("INTERNAL://{{ inventory_hostname }}:9092,EXTERNAL://{{ inventory_hostname }}:9094",
     "INTERNAL://kb1.example.com:9092,EXTERNAL://kb1.example.com:9094"),
    ("{{inventory_hostname_short}}.{{\tinventory_hostname  }}", "kb1.kb1.example.com"),
    ("{{ inventory_hostname }}", "kb1.example.com"),
    ("a }} b {{ inventory_hostname }}\n\n", "a }} b kb1.example.com\n\n"),
    # Everything else is left to Jinja.
    ("plain", None), ("{{ inventory_hostname | upper }}", None), ("{{- inventory_hostname }}", None),
    ("{{{ inventory_hostname }}", None), ("{{ ansible_host }}", None), ("{{ inventory_hostname }} {% if x %}{% endif %}", None),
    ("{# c #}{{ inventory_hostname }}", None), ("#jinja2: trim_blocks: False\n{{ inventory_hostname }}", None),
    ("a\r\n{{ inventory_hostname }}", None), ("{{ inventory_hostname }", None), (["{{ inventory_hostname }}"], None),
])
def test_host_name_template(value: Any, expected: str | None) -> None:
    assert host_name_template(value, NAMES) == expected


def test_host_name_template_needs_the_names_as_text() -> None:
    assert host_name_template("{{ inventory_hostname }}", {}) is None
    assert host_name_template("x{{ inventory_hostname }}", {"inventory_hostname": 7}) is None
    name = NAMES["inventory_hostname"]
    assert host_name_template("{{ inventory_hostname }}", NAMES) is name  # the value itself, as Jinja gives it


def test_host_variables_read_each_host_once_and_template_only_jinja() -> None:
    raw = {"kb1": {"zk2kraft_node_id": 1, "zk2kraft_listeners": "PLAINTEXT://{{ inventory_hostname }}:9092",
                   "zk2kraft_log_dirs": ["/d"], "zk2kraft_rack": "{{ undefined }}", "inventory_hostname": "kb1"}}
    reads, templated = [], []

    def read(host: str) -> Mapping[str, Any]:
        reads.append(host)
        return raw[host]

    def template(host: str, variables: Mapping[str, Any], key: str) -> Any:
        templated.append(key)
        if "undefined" in variables[key]:
            raise ValueError("'undefined' is undefined")
        return variables[key].replace("{{ inventory_hostname }}", variables["inventory_hostname"])

    host_vars = HostVariables(read, template)
    for _dummy in range(3):
        view = host_vars("kb1")
        assert view["zk2kraft_node_id"] == 1 and view.get("zk2kraft_log_dirs") == ["/d"]
        assert view.get("zk2kraft_listeners") == "PLAINTEXT://kb1:9092"
        assert view.get("zk2kraft_missing", "default") == "default" and "zk2kraft_missing" not in view
        with pytest.raises(ValueError):
            view.get("zk2kraft_rack")
        assert sorted(view) == sorted(raw["kb1"]) and len(view) == len(raw["kb1"])
    assert reads == ["kb1"]
    assert templated == ["zk2kraft_listeners", "zk2kraft_rack"]     # once each, plain values never
    spec = spec_from_inventory(["kb1"], [], host_vars, {})[0]
    assert spec["brokers"][0]["listeners"] == "PLAINTEXT://kb1:9092" and "rack" not in spec["brokers"][0]


def test_cluster_wide_values_compared_by_content_not_identity() -> None:
    shared = {"a": "1"}
    hostvars = {"kb1": {"zk2kraft_controller_properties": shared}, "kb2": {"zk2kraft_controller_properties": shared},
                "kb3": {"zk2kraft_controller_properties": {"a": "1"}}, "kb4": {"zk2kraft_controller_properties": {"a": "2"}}}
    found = cluster_key_violations(["kb1", "kb2", "kb3", "kb4"], lambda h: hostvars[h])
    assert [(v.host, v.key) for v in found] == [("kb4", "zk2kraft_controller_properties")]


class Keyless:
    """Variables that can be asked for one by one but cannot list their names."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)


def test_option_values_each_distinct_value_where_first_set() -> None:
    hostvars: dict[str, Any] = {
        "kb1": {"zk2kraft_a": 1, "zk2kraft_b": "x"},
        "kb2": {"other": 1},
        "kb3": Keyless({"zk2kraft_b": "y", "zk2kraft_a": 1}),
        "kb4": {"zk2kraft_b": "y", "zk2kraft_a": 2, "zk2kraft_c": None},
        "kb5": FailingVars({"zk2kraft_rack": "r", "zk2kraft_c": "z"}),
    }
    found = option_values(["zk2kraft_c", "zk2kraft_a", "zk2kraft_b", "zk2kraft_rack", "zk2kraft_none"],
                          list(hostvars), lambda h: hostvars[h], {"zk2kraft_a": 1})
    assert found == {
        "zk2kraft_c": [("kb5", "z")],
        "zk2kraft_a": [("localhost", 1), ("kb4", 2)],
        "zk2kraft_b": [("kb1", "x"), ("kb3", "y")],
    }
    assert list(found) == ["zk2kraft_c", "zk2kraft_a", "zk2kraft_b"]  # in the order asked
