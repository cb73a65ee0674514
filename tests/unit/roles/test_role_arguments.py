# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Each role's meta/argument_specs.yml lists exactly what the role reads: every name its tasks, vars, defaults
and templates read is a declared argument (with a type and a description) or a name the role sets itself, and
every declared argument is read. No role reaches into hostvars: the playbooks pass what it needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
ROLES = sorted(p for p in (REPO / "roles").iterdir() if (p / "tasks").is_dir())
# Bare Jinja expressions (no {{ }}).
CONDITIONALS = ("when", "failed_when", "changed_when", "until", "that")
# What Ansible itself gives every task; hostvars is left out on purpose.
MAGIC = frozenset({
    "inventory_hostname", "groups", "ansible_check_mode", "playbook_dir", "omit", "ansible_managed", "item",
    "now", "lookup", "query", "q", "dict", "range", "true", "false", "none", "True", "False", "None",
})


class _AnyName(dict[str, Any]):
    """Every filter and test name exists: only the variables matter here, not Ansible's plugins."""

    def __contains__(self, key: object) -> bool:
        return True

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(key) or (lambda *args, **kwargs: None)


_ENV = jinja2.Environment()
_ENV.filters = _AnyName(_ENV.filters)
_ENV.tests = _AnyName(_ENV.tests)


def names_read(text: str, bare: bool = False) -> set[str]:
    """The variables a template (or a bare expression) reads."""
    if not bare and not any(mark in text for mark in ("{{", "{%")):
        return set()
    source = "{{ " + text + " }}" if bare else text
    return set(jinja2.meta.find_undeclared_variables(_ENV.parse(source)))


def walk(node: Any, bare: bool = False) -> Iterator[tuple[str, bool]]:
    """Every string in a YAML tree, and whether it is a bare expression."""
    if isinstance(node, str):
        yield node, bare
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, bare)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, key in CONDITIONALS and not isinstance(value, bool))


def names_set(node: Any) -> set[str]:
    """Names a role's tasks define: registered results, facts, task vars and loop variables."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= names_set(item)
    elif isinstance(node, dict):
        if isinstance(node.get("register"), str):
            found.add(node["register"])
        for key, value in node.items():
            if key in ("ansible.builtin.set_fact", "vars") and isinstance(value, dict):
                found |= {k for k in value if k != "cacheable"}
            elif key == "loop_control" and isinstance(value, dict) and "loop_var" in value:
                found.add(value["loop_var"])
            found |= names_set(value)
    return found


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def role_problems(role: Path) -> list[str]:
    """What the role reads without declaring it, declares without reading it, or declares without type or description."""
    spec = (load(role / "meta" / "argument_specs.yml") or {}).get("argument_specs", {}).get("main")
    if not spec:
        return [f"{role.name}: no meta/argument_specs.yml with a main entry point"]
    options: dict[str, Any] = spec.get("options") or {}
    problems = [f"{role.name}: argument {name} lacks a type or a description"
                for name, option in options.items() if not (option.get("type") and option.get("description"))]
    defaults = load(role / "defaults" / "main.yml") or {}
    role_vars = load(role / "vars" / "main.yml") or {}
    trees = [load(p) for folder in ("tasks", "handlers") for p in sorted((role / folder).glob("*.yml"))]
    local = set(defaults) | set(role_vars) | names_set(trees)
    known = set(options) | local | MAGIC

    reads: dict[str, set[str]] = {}   # name -> where
    sources = [(f"{role.name}/{folder}", text, bare) for folder, tree in
               [("tasks", trees), ("vars", role_vars)] for text, bare in walk(tree)]
    sources += [(f"{role.name}/{p.relative_to(role)}", p.read_text(encoding="utf-8"), False)
                for p in sorted((role / "templates").glob("*"))]
    for where, text, bare in sources:
        for name in names_read(text, bare):
            reads.setdefault(name, set()).add(where)
    for name, places in sorted(reads.items()):
        if name not in known:
            problems.append(f"{', '.join(sorted(places))} reads {name}, which meta/argument_specs.yml does not declare")
    # A default may follow a run option only when the argument's description names it (report_dir: zk2kraft_report_dir).
    for key, value in defaults.items():
        described = str((options.get(key) or {}).get("description", ""))
        for text, bare in walk(value):
            for name in names_read(text, bare) - known:
                if f"C({name})" not in described:
                    problems.append(f"{role.name}/defaults reads {name} for {key}, which its description does not name")
    problems += [f"{role.name}: argument {name} is declared but never read"
                 for name in options if name not in reads]
    return problems


# Jinja's lexer warns about a regex escape (preflight's '\\S') that Ansible's own templating takes as written.
@pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")
@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_argument_specs_list_exactly_what_the_role_reads(role: Path) -> None:
    assert role_problems(role) == []


def test_no_role_reads_another_hosts_variables() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for role in ROLES for p in role.rglob("*") if p.is_file())
    assert re.findall(r"hostvars\[[^\]]*\][.\w]*", text) == []


def _role(tmp_path: Path, tasks: str, options: str = "") -> Path:
    role = tmp_path / "probe"
    (role / "tasks").mkdir(parents=True)
    (role / "meta").mkdir()
    (role / "tasks" / "main.yml").write_text(tasks)
    (role / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    short_description: x\n    options:\n" + (options or "      {}\n"))
    return role


def test_an_undeclared_read_fails(tmp_path: Path) -> None:
    role = _role(tmp_path, """\
- name: Read a global, another host's variable and an argument
  ansible.builtin.debug:
    msg: "{{ zk2kraft_jolokia_port }} {{ hostvars['localhost'].preflight_plan }} {{ probe_arg }}"
  when: probe_other is defined
  register: probe_result
- name: Read a registered result
  ansible.builtin.debug:
    msg: "{{ probe_result }}"
""", "      probe_arg:\n        type: str\n        description: x\n      probe_unused:\n        type: str\n")
    assert role_problems(role) == [
        "probe: argument probe_unused lacks a type or a description",
        "probe/tasks reads hostvars, which meta/argument_specs.yml does not declare",
        "probe/tasks reads probe_other, which meta/argument_specs.yml does not declare",
        "probe/tasks reads zk2kraft_jolokia_port, which meta/argument_specs.yml does not declare",
        "probe: argument probe_unused is declared but never read",
    ]
