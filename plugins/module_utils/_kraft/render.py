# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The desired server.properties of every node in every phase (facts §1 and §2).

``desired_properties`` says which managed keys must hold which value (None: the
key must go); ``render`` merges that onto the node's current file so the
operator's comments, blank lines, key order and unmanaged keys survive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import (
    ACL_AUTHORIZER,
    BROKER,
    STANDARD_AUTHORIZER,
    Cluster,
    Node,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import (
    format_listeners,
    format_protocol_map,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_config import MIGRATION_FLAG
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_file import NodeFile
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import (
    CONTROLLERS,
    KRAFT,
    MIGRATION,
    ZOOKEEPER,
    phase_index,
    render_phase,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import (
    Change,
    PropertiesDocument,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import Release

QUORUM_KEYS = ("controller.quorum.voters", "controller.quorum.bootstrap.servers")

Desired = dict[str, Optional[str]]


def _zookeeper_keys(current: NodeFile | None) -> list[str]:
    return sorted(k for k in (current.props if current else {}) if k.startswith("zookeeper."))


def _broker_protocol_map(cluster: Cluster, current: NodeFile | None, with_controller: bool) -> str:
    # The file's own map when it parses, else the cluster's.
    file_map = current.protocol_map if current is not None else None
    mapping = dict(file_map) if file_map is not None else dict(cluster.broker_protocol_map)
    mapping.pop(cluster.controller_listener_name, None)
    if with_controller:
        mapping[cluster.controller_listener_name] = cluster.controller_security_protocol
    return format_protocol_map(mapping)


def _controller_sasl(cluster: Cluster) -> str | None:
    if cluster.controller_security_protocol.startswith("SASL_"):
        return cluster.controller_sasl_mechanism or "PLAIN"
    return None


def _broker(cluster: Cluster, node: Node, phase: str, current: NodeFile | None) -> Desired:
    idx = phase_index(phase)
    desired: Desired = {}
    # Listeners, log dirs and rack are the operator's; they are written only to
    # fill a file that lacks them (a dry run from inventory alone).
    if node.listeners:
        desired["listeners"] = format_listeners(node.listeners)
    if node.advertised_listeners:
        desired["advertised.listeners"] = format_listeners(node.advertised_listeners)
    if node.log_dirs and not (current.props if current else {}).get("log.dir"):
        desired["log.dirs"] = ",".join(node.log_dirs)
    if node.rack is not None:
        desired["broker.rack"] = node.rack
    desired["inter.broker.listener.name"] = cluster.inter_broker_listener_name
    # Kafka refuses a file that sets both; the listener name replaces the protocol setting.
    desired["security.inter.broker.protocol"] = None

    quorum = idx >= phase_index(MIGRATION)
    desired["listener.security.protocol.map"] = _broker_protocol_map(cluster, current, quorum)
    if quorum:
        desired["controller.quorum.voters"] = cluster.quorum_voters
        desired["controller.quorum.bootstrap.servers"] = None
        desired["controller.listener.names"] = cluster.controller_listener_name
        sasl = _controller_sasl(cluster)
        desired["sasl.mechanism.controller.protocol"] = sasl
        desired.update(cluster.broker_controller_properties)
    else:
        for key in QUORUM_KEYS + ("controller.listener.names", "sasl.mechanism.controller.protocol"):
            desired[key] = None
        for key in cluster.broker_controller_properties:
            desired[key] = None

    if idx <= phase_index(MIGRATION):
        # ZooKeeper-mode broker (with the migration flag in phase 2).
        desired["broker.id"] = str(node.node_id)
        desired["node.id"] = None
        desired["process.roles"] = None
        desired["zookeeper.connect"] = cluster.zookeeper_connect
        desired.update(cluster.zookeeper_client_properties)
        desired[MIGRATION_FLAG] = "true" if idx == phase_index(MIGRATION) else None
        desired["inter.broker.protocol.version"] = cluster.metadata_version_text
        if cluster.authorizer_enabled:
            desired["authorizer.class.name"] = ACL_AUTHORIZER
    else:
        # KRaft broker: same id under node.id, ZooKeeper settings and IBP gone.
        desired["process.roles"] = BROKER
        desired["node.id"] = str(node.node_id)
        desired["broker.id"] = None
        for key in _zookeeper_keys(current) + list(cluster.zookeeper_client_properties):
            desired[key] = None
        desired["zookeeper.connect"] = None
        desired[MIGRATION_FLAG] = None
        desired["inter.broker.protocol.version"] = None
        desired["control.plane.listener.name"] = None
        if cluster.authorizer_enabled:
            desired["authorizer.class.name"] = STANDARD_AUTHORIZER
    return desired


def _controller(cluster: Cluster, node: Node, phase: str, current: NodeFile | None) -> Desired | None:
    idx = phase_index(phase)
    if idx < phase_index(CONTROLLERS):
        return None
    protocol_map = {cluster.controller_listener_name: cluster.controller_security_protocol}
    ib_name = cluster.inter_broker_listener_name
    protocol_map[ib_name] = cluster.broker_protocol_map.get(ib_name, ib_name if ib_name in (
        "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL") else "PLAINTEXT")
    desired: Desired = {
        "process.roles": "controller",
        "node.id": str(node.node_id),
        "broker.id": None,
        "controller.quorum.voters": cluster.quorum_voters,
        "controller.quorum.bootstrap.servers": None,
        "controller.listener.names": cluster.controller_listener_name,
        "listeners": format_listeners(node.listeners),
        "advertised.listeners": None,
        "listener.security.protocol.map": format_protocol_map(protocol_map),
        "log.dirs": ",".join(node.log_dirs),
        "metadata.log.dir": None,
        "inter.broker.protocol.version": None,
        "sasl.mechanism.controller.protocol": _controller_sasl(cluster),
    }
    # 3.7.1+ controllers talk to ZooKeeper brokers over their inter-broker listener.
    if cluster.kafka_version >= Release(3, 7, 1):
        desired["inter.broker.listener.name"] = ib_name
    if cluster.authorizer_enabled:
        desired["authorizer.class.name"] = STANDARD_AUTHORIZER
        if cluster.super_users:
            desired["super.users"] = cluster.super_users
    desired.update(cluster.controller_properties)
    if idx < phase_index(KRAFT):
        desired[MIGRATION_FLAG] = "true"
        desired["zookeeper.connect"] = cluster.zookeeper_connect
        desired.update(cluster.zookeeper_client_properties)
    else:
        desired[MIGRATION_FLAG] = None
        for key in _zookeeper_keys(current) + list(cluster.zookeeper_client_properties):
            desired[key] = None
        desired["zookeeper.connect"] = None
    return desired


def desired_properties(
    cluster: Cluster, node: Node, target: str, current: Mapping[str, str] | None = None
) -> Desired | None:
    """Managed keys of ``node`` for a phase or rollback target; None: the node is not configured.

    ``current`` (default: the node's known file) decides which ``zookeeper.*`` keys to drop.
    """
    return _desired(cluster, node, render_phase(target), node.file if current is None else NodeFile.read(current))


def _desired(cluster: Cluster, node: Node, phase: str, file: NodeFile | None) -> Desired | None:
    if node.role == BROKER:
        return _broker(cluster, node, phase, file)
    return _controller(cluster, node, phase, file)


@dataclass(frozen=True)
class Rendered:
    target: str
    text: str | None             # None: the node has no config in this phase
    properties: dict[str, str] | None
    changes: list[Change]
    managed: dict[str, str | None] = field(default_factory=dict)  # the desired keys (None: removed)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _controller_header(node: Node) -> str:
    return (
        f"# KRaft controller {node.name} (node.id {node.node_id}), provisioned by zk2kraft.migration.\n"
        "# Managed keys are rewritten on every run; other keys and comments are kept.\n"
    )


def render(cluster: Cluster, node: Node, target: str, current_text: str | None,
           layout_texts: Sequence[str] = ()) -> Rendered:
    """Merge the desired keys onto the current file; changing one key changes one line.

    ``layout_texts`` (earlier versions of the file, newest first: its backups) place a key the file
    lacks where it was before, next to its comments; a rollback thus puts ``broker.id``,
    ``zookeeper.*`` and the IBP back in their sections instead of at the end.
    """
    return render_each(cluster, node, (target,), current_text, layout_texts)[target]


def render_each(cluster: Cluster, node: Node, targets: Sequence[str], current_text: str | None,
                layout_texts: Sequence[str] = ()) -> dict[str, Rendered]:
    """``render`` for each of ``targets`` (in their order) onto the same current file, which is read once.

    Phases often want the very same keys of a node (a broker's file is the same before and while the
    controllers are provisioned, and again in dual-write and KRaft): a target whose desired keys, in the same
    order, equal an earlier target's gets that merge's text, properties and changes (copies), not a second merge.
    """
    if current_text is None or not current_text.strip():
        current_text = _controller_header(node) if node.role != BROKER else ""
    return render_each_onto(cluster, node, targets, PropertiesDocument.parse(current_text), layout_texts)


# The file of a node without one, read once: inventory_file needs it for every broker.
_NO_FILE = NodeFile.read({})


def inventory_file(cluster: Cluster, node: Node) -> PropertiesDocument:
    """The file of a ZooKeeper-mode broker as the inventory describes it: ``render(cluster, node, ZOOKEEPER, "")``
    as a document (each desired key on a line of its own, in order), written without a merge."""
    desired = _desired(cluster, node, render_phase(ZOOKEEPER), _NO_FILE) or {}
    return PropertiesDocument.written({key: value for key, value in desired.items() if value is not None})


def render_each_onto(cluster: Cluster, node: Node, targets: Sequence[str], current: PropertiesDocument,
                     layout_texts: Sequence[str] = ()) -> dict[str, Rendered]:
    """``render_each`` onto a document the caller holds (left as it is), one whose text parses back to the same
    entries: a parsed file, or ``inventory_file`` (an edited one need not). A blank file is taken as it is."""
    file = NodeFile.read(current.to_dict())
    layout: list[PropertiesDocument] | None = None  # parsed for the first merge
    merged: dict[tuple[tuple[str, str | None], ...], tuple[str, dict[str, str], list[Change]]] = {}
    out: dict[str, Rendered] = {}
    for target in targets:
        desired = _desired(cluster, node, render_phase(target), file)
        if desired is None:
            out[target] = Rendered(target, None, None, [])
            continue
        try:
            key: tuple[tuple[str, str | None], ...] | None = tuple(desired.items())
            found = merged.get(key) if key is not None else None
        except TypeError:  # a value that cannot be a key: merge it anew
            key = found = None
        if found is None:
            if layout is None:
                layout = [PropertiesDocument.parse(text) for text in layout_texts]
            document = current.copy()
            changes = document.apply(desired, layout)
            found = (document.render(), document.to_dict(), changes)
            if key is not None:
                merged[key] = found
            # The first target of a merge holds its values (and its own desired keys); a later one with the
            # same keys gets copies.
            out[target] = Rendered(target, found[0], found[1], changes, desired)
            continue
        text, properties, changes = found
        out[target] = Rendered(target, text, dict(properties), list(changes), desired)
    return out
