# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""One node's config file brought to a phase: the backend of the kafka_properties module."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import (
    build_cluster,
    merge_secrets,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ModelError,
    ViolationsFound,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.files import (
    backup,
    read_text,
    write_atomic,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.invariants import (
    check_config,
    errors_only,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import (
    ALL_TARGETS,
    classify_config,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import masked_value
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import (
    PropertiesDocument,
    mask,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.render import render

PHASE_CHOICES = ALL_TARGETS


@dataclass
class NodeConfigResult:
    path: str
    changed: bool
    before: str | None
    after: str | None
    state_before: str
    state_after: str
    changes: list[dict[str, str | None]] = field(default_factory=list)
    backup_file: str | None = None

    def as_result(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "changed": self.changed, "path": self.path, "changes": self.changes,
            "state_before": self.state_before, "state_after": self.state_after,
        }
        if self.backup_file:
            out["backup_file"] = self.backup_file
        return out

    def diff(self, name: str) -> dict[str, str]:
        return {
            "before_header": name, "after_header": name,
            "before": mask(self.before) if self.before else "",
            "after": mask(self.after) if self.after else "",
        }


def _state(text: str | None) -> str:
    return classify_config(PropertiesDocument.parse(text).to_dict() if text else None)


def apply_node_config(
    path: str, spec: Mapping[str, Any], secrets: Mapping[str, Any] | None, node_name: str, target: str,
    state: str = "present", make_backup: bool = True, check_mode: bool = False, mode: int = 0o640,
    uid: int | None = None, gid: int | None = None,
) -> NodeConfigResult:
    before = read_text(path)
    if state == "absent":
        changed = before is not None
        backup_file = None
        if changed and not check_mode:
            backup_file = backup(path) if make_backup else None
            os.unlink(path)
        return NodeConfigResult(path, changed, before, None, _state(before), _state(None), [], backup_file)

    cluster, problems = build_cluster(merge_secrets(spec, secrets))
    if cluster is None or errors_only(problems):
        raise ViolationsFound(errors_only(problems)) if errors_only(problems) else ModelError("unusable cluster spec")
    node = cluster.node(node_name)
    rendered = render(cluster, node, target, before)
    if rendered.text is None:
        raise ModelError(f"{node_name} has no configuration in phase {target}; use state=absent to remove it")
    violations = errors_only(check_config(rendered.properties or {}, node_name, cluster.kafka_version, target))
    if violations:
        raise ViolationsFound(violations)
    changed = rendered.text != (before or "")
    backup_file = None
    if changed and not check_mode:
        if before is not None and make_backup:
            backup_file = backup(path)
        write_atomic(path, rendered.text, mode=None if before is not None else mode, uid=uid, gid=gid)
    changes = [
        {"key": c.key, "old": masked_value(c.key, c.old), "new": masked_value(c.key, c.new)}
        for c in rendered.changes
    ]
    return NodeConfigResult(path, changed, before, rendered.text, _state(before), _state(rendered.text),
                            changes, backup_file)
