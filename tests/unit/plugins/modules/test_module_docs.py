# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Every module's DOCUMENTATION, EXAMPLES and RETURN are YAML: ansible-doc and the sanity tests need it, and
a colon in a plain sentence is enough to break it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

MODULES = sorted((Path(__file__).resolve().parents[4] / "plugins" / "modules").glob("*.py"))


def blocks(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in ast.parse(path.read_text()).body:
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
            continue
        # Only a string literal is documentation: a block of another kind is left out, so the name check fails on it.
        name, value = node.targets[0].id, node.value
        if name in ("DOCUMENTATION", "EXAMPLES", "RETURN") and isinstance(value, ast.Constant) and isinstance(value.value, str):
            found[name] = value.value
    return found


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_documentation_examples_and_return_are_yaml(path: Path) -> None:
    docs = blocks(path)
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}, sorted(docs)
    for name, text in docs.items():
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as exc:
            pytest.fail(f"{path.name} {name} is not YAML: {exc}")
    assert yaml.safe_load(docs["DOCUMENTATION"])["module"] == path.stem
