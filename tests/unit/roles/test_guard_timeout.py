# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The check before each stop (roll_guard, or kafka_restart which runs it) waits zk2kraft_roll_guard_timeout seconds, 60 by default, in every
roll of both playbooks: one run option, passed to each roll, read by the guard task of each role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inputs import check_run_options

REPO = Path(__file__).resolve().parents[3]
ROLES = ("brokers", "controllers")
DEFAULT = 60
PASSED = f"{{{{ zk2kraft_roll_guard_timeout | default({DEFAULT}) }}}}"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def role_includes(node: Any) -> Iterator[tuple[str, dict]]:
    """(role, vars) of every include_role or import_role of the brokers or controllers role that rolls (not
    tasks_from: render)."""
    if isinstance(node, list):
        for item in node:
            yield from role_includes(item)
    elif isinstance(node, dict):
        include = node.get("ansible.builtin.include_role") or node.get("ansible.builtin.import_role")
        if isinstance(include, dict):
            role = str(include.get("name", "")).rpartition(".")[2]
            if role in ROLES and include.get("tasks_from", "main") == "main":
                yield role, node.get("vars") or {}
        for value in node.values():
            yield from role_includes(value)


@pytest.mark.parametrize("playbook", ["migrate.yml", "rollback.yml"])
def test_every_roll_passes_the_run_option(playbook: str) -> None:
    includes = list(role_includes(load(REPO / "playbooks" / playbook)))
    assert includes
    assert [(role, v.get(f"{role}_guard_timeout")) for role, v in includes] == [(role, PASSED) for role, _vars in includes]


@pytest.mark.parametrize("role", ROLES)
def test_the_role_default_is_declared_and_read_by_the_guard(role: str) -> None:
    folder = REPO / "roles" / role
    assert load(folder / "defaults" / "main.yml")[f"{role}_guard_timeout"] == DEFAULT
    spec = load(folder / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"][f"{role}_guard_timeout"]
    assert (spec["type"], spec["default"]) == ("int", DEFAULT)
    modules = ("zk2kraft.migration.roll_guard", "zk2kraft.migration.kafka_restart")
    guards = [task[m] for task in load(folder / "tasks" / "main.yml") for m in modules if m in task]
    # The brokers role's restart call takes the batch guard's arguments (YAML merge): the same timeout.
    assert guards and {g["timeout"] for g in guards} == {"{{ " + role + "_guard_timeout }}"}


def test_the_module_default_is_the_same() -> None:
    # The guard's options are documented once, in the doc fragment both modules extend.
    docs = (REPO / "plugins" / "doc_fragments" / "roll_guard.py").read_text(encoding="utf-8")
    options = yaml.safe_load(docs.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])["options"]
    assert options["timeout"]["default"] == DEFAULT


@pytest.mark.parametrize("value,message", [
    (0, "0 is below the minimum 1"), ("5m", "'5m' is not a whole number"), (True, "is not a whole number"),
    (120, None), ("300", None),
])
def test_the_run_option_is_judged_before_any_host(value: Any, message: str | None) -> None:
    found = check_run_options({"zk2kraft_roll_guard_timeout": [("-e", value)]})
    if message is None:
        assert found == []
    else:
        assert len(found) == 1 and message in found[0].message and found[0].fix
