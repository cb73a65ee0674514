# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""One node's config file brought to a phase: the backend of the kafka_properties module."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_spec import build_cluster, merge_secrets
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.drift import (
    read_record,
    record,
    remove_state,
    state_path,
    write_state,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ModelError,
    ViolationsFound,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.files import (
    backup,
    backups,
    read_properties_file,
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
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import (
    PropertiesDocument,
    mask,
    masked_value,
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


# Enough history to find where a rolled-back key was (each phase makes one backup).
LAYOUT_BACKUPS = 12


def _layout_texts(path: str) -> list[str]:
    """The newest backups' texts (an unreadable one is skipped: it only helps place keys)."""
    texts = []
    for name in backups(path)[:LAYOUT_BACKUPS]:
        text, dummy = read_properties_file(name)
        if text is not None:
            texts.append(text)
    return texts


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
        if not check_mode:
            remove_state(state_path(path))
        return NodeConfigResult(path, changed, before, None, _state(before), _state(None), [], backup_file)

    cluster, problems = build_cluster(merge_secrets(spec, secrets))
    if cluster is None or errors_only(problems):
        raise ViolationsFound(errors_only(problems)) if errors_only(problems) else ModelError("unusable cluster spec")
    node = cluster.node(node_name)
    rendered = render(cluster, node, target, before, _layout_texts(path))
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
    if not check_mode:
        # What this run manages, for the next run to notice edits (kept apart from "changed": a record
        # that was missing, e.g. after an upgrade of the collection, must not restart the node).
        # The target too: the file of the last broker a rollback's roll 2 was restarting is told apart from
        # a plain ZooKeeper broker's by it (a re-run finishes that roll).
        state_file = state_path(path)
        if read_record(state_file) != (record(rendered.managed), target):
            write_state(state_file, rendered.managed, target=target)
    changes = [
        {"key": c.key, "old": masked_value(c.key, c.old), "new": masked_value(c.key, c.new)}
        for c in rendered.changes
    ]
    return NodeConfigResult(path, changed, before, rendered.text, _state(before), _state(rendered.text),
                            changes, backup_file)
