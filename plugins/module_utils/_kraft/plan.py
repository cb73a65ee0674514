# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The whole migration plan: every node's config in every phase, and every violation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import BROKER, Cluster, Node
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_spec import (
    build_cluster,
    cluster_to_spec,
    split_secrets,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.invariants import (
    check_cluster,
    check_config,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_access import with_node_access
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_ids import IdEvidence
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import PHASES
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import (
    PropertiesDocument,
    PropertiesError,
    binary_reason,
    is_secret_key,
    masked_value,
    strip_bom,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.render import (
    Rendered,
    inventory_file,
    render_each,
    render_each_onto,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_syntax import client_jaas


@dataclass
class NodePlan:
    host: str
    role: str
    node_id: int
    baseline_known: bool
    renders: dict[str, Rendered] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        phases: dict[str, Any] = {}
        for target, rendered in self.renders.items():
            phases[target] = {
                "configured": rendered.text is not None,
                "changes": [
                    {"key": c.key, "old": masked_value(c.key, c.old), "new": masked_value(c.key, c.new)}
                    for c in rendered.changes
                ],
            }
        return {
            "host": self.host, "role": self.role, "node_id": self.node_id,
            "baseline": "current file" if self.baseline_known else "inventory", "phases": phases,
        }


@dataclass
class Plan:
    cluster: Cluster | None
    nodes: list[NodePlan]
    violations: list[Violation]

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == ERROR]

    def violations_by_host(self) -> dict[str, list[dict[str, str | None]]]:
        grouped: dict[str, list[dict[str, str | None]]] = {}
        for violation in self.violations:
            grouped.setdefault(violation.host, []).append(violation.as_dict())
        return grouped

    def report_lines(self) -> list[str]:
        """A readable per-host, per-phase plan followed by the violations grouped by host."""
        lines: list[str] = []
        if self.cluster is not None:
            c = self.cluster
            lines.append(f"Cluster: Kafka {c.kafka_version}, metadata version {c.metadata_version_text}, "
                         f"{len(c.controllers)} controllers, {len(c.brokers)} brokers")
            lines.append(f"Quorum voters: {c.quorum_voters}")
        for node in self.nodes:
            lines.append("== {} ({} {}; baseline: {})".format(
                node.host, node.role, node.node_id, "current file" if node.baseline_known else "inventory"))
            previous: Rendered | None = None
            for target, rendered in node.renders.items():
                if rendered.text is None:
                    lines.append(f"  [{target}] not provisioned")
                elif not rendered.changes:
                    lines.append(f"  [{target}] no change")
                else:
                    same = previous is not None and previous.changes == rendered.changes
                    lines.append("  [{}] {}".format(target, "same changes as the previous phase" if same else
                                                    f"{len(rendered.changes)} change(s) from the baseline:"))
                    if not same:
                        for change in rendered.changes:
                            old = masked_value(change.key, change.old)
                            new = masked_value(change.key, change.new)
                            if old is None:
                                lines.append(f"      + {change.key}={new}")
                            elif new is None:
                                lines.append(f"      - {change.key}={old}")
                            else:
                                lines.append(f"      ~ {change.key}: {old} -> {new}")
                previous = rendered
        if self.violations:
            lines.append(f"Violations ({len(self.errors)} error(s), {len(self.violations) - len(self.errors)} warning(s)):")
            for host, items in sorted(self.violations_by_host().items()):
                lines.append(f"  {host}:")
                for item in items:
                    lines.append("    {} {}{}: {}. Fix: {}".format(
                        str(item["severity"]).upper(), item["key"],
                        " (phase {})".format(item["phase"]) if item["phase"] else "", item["message"], item["fix"]))
        else:
            lines.append("No violations: the cluster can be migrated as described.")
        return lines


def _parse_current(host: str, text: str | None, violations: list[Violation],
                   path: str = "server.properties") -> PropertiesDocument | None:
    if text is None:
        return None
    if not isinstance(text, str):
        violations.append(Violation(host, "server.properties", f"the current file {path} is not text",
                                    "give the file's text"))
        return None
    text = strip_bom(text)
    reason = binary_reason(text)
    if reason:
        violations.append(Violation(host, "server.properties", f"the current file {path} is not a text properties file: "
                                    f"{reason}", f"restore {path} from a backup (plain text)"))
        return None
    try:
        return PropertiesDocument.parse(text)
    except PropertiesError as exc:
        violations.append(Violation(host, "server.properties", f"cannot parse the current file: {exc}",
                                    "fix the file's syntax"))
        return None


def build_plan(
    spec: Mapping[str, Any],
    current_texts: Mapping[str, str] | None = None,
    targets: Sequence[str] = PHASES,
    hosts: Sequence[str] | None = None,
    partial: bool = False,
    input_violations: Sequence[Violation] = (),
    id_evidence: Mapping[str, IdEvidence] | None = None,
) -> Plan:
    """Model the cluster, render ``targets`` for every node (or ``hosts``), and check everything.

    ``current_texts`` maps host names to their current server.properties; a broker
    without one is planned from the inventory alone. ``partial``: no file was read yet, so
    only what the inventory gives is judged. ``input_violations`` (files that could not be
    read, inconsistent variables) head the list.
    """
    violations: list[Violation] = list(input_violations)
    current_texts = dict(current_texts or {})
    documents: dict[str, PropertiesDocument] = {}
    spec = dict(spec)
    for group in ("brokers", "controllers"):
        nodes = []
        for raw in spec.get(group) or ():
            if not isinstance(raw, Mapping):
                nodes.append(raw)
                continue
            raw = dict(raw)
            doc = _parse_current(str(raw.get("name")), current_texts.get(str(raw.get("name"))), violations,
                                 str(raw.get("config_file") or spec.get("config_file") or "server.properties"))
            if doc is not None:
                documents[str(raw["name"])] = doc
                raw["current"] = doc.to_dict()
            nodes.append(raw)
        spec[group] = nodes

    cluster, model_violations = build_cluster(spec, partial)
    violations.extend(model_violations)
    if cluster is None:
        return Plan(None, [], violations)
    violations.extend(check_cluster(cluster, id_evidence))

    selected = set(hosts) if hosts is not None else None
    plans: list[NodePlan] = []
    for node in cluster.nodes:
        if selected is not None and node.name not in selected:
            continue
        plans.append(_plan_node(cluster, node, documents.get(node.name), targets, violations))
    return Plan(cluster, plans, violations)


def _plan_node(
    cluster: Cluster, node: Node, document: PropertiesDocument | None, targets: Sequence[str],
    violations: list[Violation],
) -> NodePlan:
    plan = NodePlan(node.name, node.role, node.node_id, document is not None)
    if not targets:
        return plan  # nothing to render: the baseline would go unused
    if document is None and node.role == BROKER:
        # No file given: start from what the inventory says the ZooKeeper-mode broker runs.
        document = inventory_file(cluster, node)
    # The baseline as a document: its text, parsed again, would give the same entries.
    if document is not None and document.render().strip():
        plan.renders = render_each_onto(cluster, node, targets, document)
    else:
        plan.renders = render_each(cluster, node, targets, None if document is None else document.render())
    seen_errors = set()
    checked: set[tuple[tuple[str, str], ...]] = set()
    for target, rendered in plan.renders.items():
        if rendered.properties is None:
            continue
        # A file already checked for an earlier phase (the same keys and values in the same order) gives the
        # same violations again, each already listed under that phase.
        properties = tuple(rendered.properties.items())
        if properties in checked:
            continue
        checked.add(properties)
        for violation in check_config(rendered.properties, node.name, cluster.kafka_version, target):
            # One violation per key and message, tagged with the first phase it appears in.
            marker = (violation.key, violation.message)
            if marker not in seen_errors:
                seen_errors.add(marker)
                violations.append(violation)
    return plan


# What plan_result(report_only=True) returns: what a dry run prints and judges.
REPORT_KEYS = ("violations", "violations_by_host", "error_count", "warning_count", "report_text")


def plan_result(
    spec: Mapping[str, Any],
    current_texts: Mapping[str, str] | None = None,
    targets: Sequence[str] = PHASES,
    hosts: Sequence[str] | None = None,
    input_violations: Sequence[Violation] = (),
    id_evidence: Mapping[str, IdEvidence] | None = None,
    report_only: bool = False,
) -> dict[str, Any]:
    """The plan as module results: JSON-safe, secrets masked or split out.

    ``report_only``: only the ``REPORT_KEYS`` of the whole result, the same values. The per-host plan and the
    report's lines are a few hundred thousand small values on a large cluster, which Ansible copies and
    scans more than once on their way to a registered variable; a dry run prints the text and nothing else.
    """
    plan = build_plan(spec, current_texts, targets, hosts, input_violations=input_violations, id_evidence=id_evidence)
    report = plan.report_lines()
    result: dict[str, Any] = {}
    if not report_only:
        result["plan"] = {node.host: node.as_dict() for node in plan.nodes}
    result.update({
        "violations": [v.as_dict() for v in plan.violations],
        "violations_by_host": plan.violations_by_host(),
        "error_count": len(plan.errors),
        "warning_count": len(plan.violations) - len(plan.errors),
    })
    if not report_only:
        result["report"] = report
    # The same lines as one text: a playbook prints it as one value instead of one per line, which costs
    # Ansible per element (templating and display) and dominated a dry run's output of thousands of hosts.
    result["report_text"] = "\n".join(report)
    if plan.cluster is not None and not report_only:
        # Each node's Jolokia URL and LOG_DIR ride along, so the roles read them instead of building them.
        public, secrets = split_secrets(with_node_access(cluster_to_spec(plan.cluster), spec), is_secret_key)
        result["cluster_spec"] = public
        result["cluster_secrets"] = secrets
        # The controllers' ZooKeeper login (a secret: the preflight registers this result with no_log).
        password = spec.get("zookeeper_sasl_password")
        if plan.cluster.zookeeper_sasl_username and password is not None:
            result["zookeeper_jaas"] = client_jaas(plan.cluster.zookeeper_sasl_username, str(password))
    return result
