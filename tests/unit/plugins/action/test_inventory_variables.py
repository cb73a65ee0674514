# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The action plugins' inventory reader gives what Ansible's hostvars give, read once per host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.zk2kraft.migration.plugins.action.check_inputs import inventory_variables
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inventory import host_name_template

INVENTORY = {"all": {
    "vars": {"zk2kraft_kafka_version": "3.9.0", "zk2kraft_domain": "example.test",
             "zk2kraft_undefined_ref": "{{ no_such_variable }}",
             "zk2kraft_header": "#jinja2: variable_start_string:'[[', variable_end_string:']]'\n[[ inventory_hostname ]]"},
    "children": {
        "kafka_brokers": {
            "vars": {"zk2kraft_listeners": "PLAINTEXT://{{ inventory_hostname }}.{{ zk2kraft_domain }}:9092",
                     "zk2kraft_advertised_listeners": "PLAINTEXT://{{inventory_hostname_short}}:{{ inventory_hostname }}",
                     "zk2kraft_address": "{{ inventory_hostname }}",
                     "zk2kraft_log_dirs": ["/data/{{ inventory_hostname }}", "/plain"],
                     "zk2kraft_broker_controller_properties": {"a.b": "{{ zk2kraft_rack | default('none') }}",
                                                               "c.d": "plain"},
                     "zk2kraft_raw": "{% raw %}{{ kept }}{% endraw %}"},
            "hosts": {f"kb{i}": {"zk2kraft_node_id": i, "zk2kraft_rack": f"r{i % 2}"} for i in range(1, 5)}},
        "kafka_controllers": {"hosts": {"kc1": {"zk2kraft_node_id": 3000}}},
    }}}


def _hostvars(tmp_path: Path) -> tuple[HostVars, Any, DataLoader]:
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(INVENTORY))
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(path)])
    variables = VariableManager(loader=loader, inventory=inventory)
    hostvars = HostVars(inventory=inventory, variable_manager=variables, loader=loader)
    return hostvars, inventory, loader


def _outcome(read: Any) -> Any:
    try:
        return "value", read()
    except Exception as exc:  # both readers must fail alike
        return "error", type(exc).__name__


def test_same_values_as_hostvars(tmp_path: Path) -> None:
    hostvars, inventory, loader = _hostvars(tmp_path)
    reader = inventory_variables({"hostvars": hostvars}, loader)
    for host in ["kb1", "kb2", "kb3", "kb4", "kc1"]:
        expected, got = hostvars[host], reader(host)
        assert sorted(expected) == sorted(got)
        for key in expected:
            if key.startswith("zk2kraft_") or key in ("inventory_hostname", "ansible_host", "group_names"):
                assert _outcome(lambda got=got, key=key: got[key]) == _outcome(lambda expected=expected, key=key: expected[key]), (host, key)
    assert reader("kb3")["zk2kraft_listeners"] == "PLAINTEXT://kb3.example.test:9092"
    assert reader("kb3")["zk2kraft_advertised_listeners"] == "PLAINTEXT://kb3:kb3"
    assert reader("kb4")["zk2kraft_address"] == "kb4"
    assert reader("kb2")["zk2kraft_log_dirs"] == ["/data/kb2", "/plain"]
    assert reader("kb1")["zk2kraft_broker_controller_properties"] == {"a.b": "r1", "c.d": "plain"}
    assert reader("kb1")["zk2kraft_raw"] == "{{ kept }}"
    with pytest.raises(AnsibleError):  # AnsibleUndefinedVariable on ansible-core 2.19
        reader("kb1")["zk2kraft_undefined_ref"]


def test_each_host_is_read_once(tmp_path: Path) -> None:
    hostvars, dummy, loader = _hostvars(tmp_path)
    calls = []

    class Counting:
        def raw_get(self, host: str) -> Any:
            calls.append(host)
            return hostvars.raw_get(host)

    reader = inventory_variables({"hostvars": Counting()}, loader)
    for _dummy_round in range(3):
        for host in ("kb1", "kb2"):
            assert reader(host).get("zk2kraft_listeners") == f"PLAINTEXT://{host}.example.test:9092"
            assert reader(host).get("zk2kraft_node_id") == int(host[2:])
    assert calls == ["kb1", "kb2"]


def test_a_plain_mapping_of_hosts_is_used_as_is() -> None:
    hostvars = {"kb1": {"zk2kraft_listeners": "{{ not templated here }}"}}
    reader = inventory_variables({"hostvars": hostvars}, None)
    assert reader("kb1")["zk2kraft_listeners"] == "{{ not templated here }}"


def test_collection_paused_restores_the_collector() -> None:
    import gc

    from ansible_collections.zk2kraft.migration.plugins.action.check_inputs import collection_paused

    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("the block failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


# Text rich in what Jinja's lexer and the host-name template care about.
PIECES = st.sampled_from(["{{", "}}", "{{ inventory_hostname }}", "{{inventory_hostname_short}}", "inventory_hostname",
                          "{", "}", " ", "\t", "\n", "\r", "-", "|", "%", "#", "#jinja2:", "'", "\\", "a", ":9092"])


@pytest.fixture(scope="module", name="kb1")
def _kb1(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, DataLoader]:
    hostvars, dummy, loader = _hostvars(tmp_path_factory.mktemp("inventory"))
    return hostvars.raw_get("kb1"), loader


@given(st.lists(PIECES, max_size=8).map("".join))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_host_name_template_renders_as_ansible_does(kb1: tuple[Any, DataLoader], text: str) -> None:
    if not hasattr(Templar, "evaluate_expression"):
        pytest.skip("the host-name template is used on ansible-core 2.19 and later")
    from ansible.template import trust_as_template

    variables, loader = kb1
    found = host_name_template(text, variables)
    if found is None:
        return
    expected = Templar(loader=loader, variables=variables).template(trust_as_template(text))
    # The same text (Ansible may tag its copy with where the template came from: no difference to the plan).
    assert isinstance(expected, str) and found == expected
