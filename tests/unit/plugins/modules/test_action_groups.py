# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Every module of an action group takes every option the run option for that group may carry.

module_defaults hands a group's settings (zk2kraft_kafka_client, zk2kraft_zookeeper_client) to each of
its modules, so one module without an option fails every task of it ("Unsupported parameters").
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inputs import (
    KAFKA_CLIENT_OPTIONS,
    ZK_CLIENT_OPTIONS,
)

RUNTIME = yaml.safe_load((Path(__file__).resolve().parents[4] / "meta" / "runtime.yml").read_text())
GROUP_OPTIONS = {"kafka_tools": KAFKA_CLIENT_OPTIONS, "zookeeper": ZK_CLIENT_OPTIONS}
MEMBERS = [(group, module) for group, modules in RUNTIME["action_groups"].items() for module in modules]


class Captured(Exception):
    pass


def argument_spec(name: str, monkeypatch: Any) -> dict[str, Any]:
    module = importlib.import_module(f"ansible_collections.zk2kraft.migration.plugins.modules.{name}")
    seen: dict[str, Any] = {}

    def capture(*args: Any, **kwargs: Any) -> None:
        seen.update(kwargs.get("argument_spec") or args[0])
        raise Captured

    monkeypatch.setattr(module, "AnsibleModule", capture)
    with pytest.raises(Captured):
        module.main()
    return seen


@pytest.mark.parametrize(("group", "name"), MEMBERS)
def test_every_group_member_takes_the_groups_options(group: str, name: str, monkeypatch: Any) -> None:
    assert group in GROUP_OPTIONS, f"no run option documents the options of action group {group}"
    spec = argument_spec(name, monkeypatch)
    missing = sorted(set(GROUP_OPTIONS[group]) - set(spec))
    assert not missing, f"{name} (group {group}) does not take {missing}: module_defaults would fail it"
