# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""RETURN documentation: every key a module returns, and every key the playbooks read, is documented."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_config import NodeConfigResult
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_info import NodeInfo
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import plan_result
from ansible_collections.zk2kraft.migration.plugins.modules import migration_phase, migration_report, zookeeper_facts
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_plan import BROKER_FILE
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_zookeeper_znodes import (
    cluster,
    kraft_controller,
    migration_json,
)
from ansible_collections.zk2kraft.migration.tests.unit.plugins.modules.test_zookeeper_facts import run as run_zk

REPO = Path(__file__).resolve().parents[4]
MODULES = REPO / "plugins" / "modules"
# Keys Ansible adds or every module may return; not part of a module's own RETURN.
COMMON = {"changed", "failed", "msg", "diff", "invocation", "skipped", "results", "warnings", "deprecations"}
# exit_json adds the file's attributes to a result that has a "path" naming an existing file.
PATH_INFO = {"uid", "gid", "owner", "group", "mode", "state", "size", "secontext"}


def return_doc(module: str) -> dict[str, Any]:
    tree = ast.parse((MODULES / (f"{module}.py")).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "RETURN":
            assert isinstance(node.value, ast.Constant) and isinstance(node.value.value, str), f"{module}: RETURN is not a string"
            doc: dict[str, Any] = yaml.safe_load(node.value.value) or {}
            return doc
    raise AssertionError(f"{module} has no RETURN")


def run_main(module: Any, args: dict[str, Any], capsys: Any) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


# --------------------------------------------------------------------------- what the modules return

# Each case's helper: the keys its module returns, from the test's own fixtures.
ReturnedKeys = Callable[[Path, pytest.MonkeyPatch, pytest.CaptureFixture[str]], set[str]]


def node_info_keys(tmp_path: Path, monkeypatch: Any, capsys: Any) -> set[str]:
    return {f.name for f in dataclasses.fields(NodeInfo)} | {"differences"}


def properties_keys(tmp_path: Path, monkeypatch: Any, capsys: Any) -> set[str]:
    result = NodeConfigResult("/etc/kafka/server.properties", True, "a=1\n", "a=2\n", "zk", "zk_migrating",
                              [{"key": "a", "old": "1", "new": "2"}], "/etc/kafka/server.properties.x.bak")
    return set(result.as_result())


def report_keys(tmp_path: Path, monkeypatch: Any, capsys: Any) -> set[str]:
    timings = [{"host": "b1", "phase": "migration", "restarted": True, "stopped_at": 1.0, "healthy_at": 2.0}]
    return set(run_main(migration_report, {"timings": timings, "phase_before": "zookeeper", "phase_after": "migration",
                                           "started_at": 0.0, "path": str(tmp_path / "r.json")}, capsys))


def phase_keys(tmp_path: Path, monkeypatch: Any, capsys: Any) -> set[str]:
    return set(run_main(migration_phase, {"brokers": {"b1": "kraft_broker"}, "controllers": {"c1": "controller_migrating"},
                                          "purpose": "rollback"}, capsys))


def plan_keys(tmp_path: Path, monkeypatch: Any, capsys: Any) -> set[str]:
    spec = {"kafka_version": "3.9.0", "controllers": [{"name": f"kc{i}", "node_id": 2999 + i} for i in (1, 2, 3)],
            "brokers": [{"name": "kb1"}]}
    return set(plan_result(spec, {"kb1": BROKER_FILE}))


def zookeeper_facts_keys(tmp_path: Path, monkeypatch: Any, capsys: Any) -> set[str]:
    fake = cluster(**{"/migration": migration_json(42)})
    fake.put("/controller", kraft_controller(3000, 5))
    out = run_zk(zookeeper_facts, {"zookeeper_connect": "zk:2181", "gather_metadata": True}, fake, monkeypatch, capsys)
    return set(out) - {"_settings"}


@pytest.mark.parametrize("module, returned", [
    ("kafka_node_info", node_info_keys),
    ("kafka_properties", properties_keys),
    ("migration_report", report_keys),
    ("migration_phase", phase_keys),
    ("migration_plan", plan_keys),
    ("zookeeper_facts", zookeeper_facts_keys),
])
def test_every_returned_key_is_documented(module: str, returned: ReturnedKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    keys = returned(tmp_path, monkeypatch, capsys) - COMMON
    if "path" in keys:
        keys -= PATH_INFO
    assert sorted(keys - set(return_doc(module))) == []


# --------------------------------------------------------------------------- what the playbooks read

def tasks(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from tasks(item)
    elif isinstance(node, dict):
        if "register" in node:
            yield node
        for key in ("tasks", "block", "rescue", "always", "pre_tasks", "post_tasks", "handlers"):
            if key in node:
                yield from tasks(node[key])


def playbook_files() -> list[Path]:
    return sorted(p for folder in ("playbooks", "roles", "molecule") for p in (REPO / folder).rglob("*.yml"))


def registered_results() -> dict[str, str]:
    """Registered variable -> the collection module whose result it holds."""
    found: dict[str, str] = {}
    for path in playbook_files():
        for task in tasks(yaml.safe_load(path.read_text(encoding="utf-8"))):
            modules = [k for k in task if k.startswith("zk2kraft.migration.")]
            if modules:
                found[task["register"]] = modules[0].rsplit(".", 1)[1]
    return found


def keys_read() -> list[tuple[str, str, str, str]]:
    """(module, variable, key, sub-key) for every ``variable.key[.sub_key]`` in the playbooks and roles."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in playbook_files())
    used = set()
    for variable, module in registered_results().items():
        for key, sub in re.findall(rf"\b{re.escape(variable)}\.([a-z_]+)(?:\.([a-z_]+))?", text):
            used.add((module, variable, key, sub))
    return sorted(used)


def test_the_scan_finds_the_registered_results() -> None:
    modules = set(registered_results().values())
    assert {"kafka_node_info", "migration_plan", "zookeeper_facts", "migration_report"} <= modules


@pytest.mark.parametrize("module, variable, key, sub", keys_read(), ids=str)
def test_every_key_the_playbooks_read_is_documented(module: str, variable: str, key: str, sub: str) -> None:
    doc = return_doc(module)
    if key in COMMON:
        return
    assert key in doc, f"{variable}.{key}: {module} does not document {key}"
    contains = doc[key].get("contains")
    if sub and contains:
        assert sub in contains, f"{variable}.{key}.{sub}: {module} does not document {key}.{sub}"
