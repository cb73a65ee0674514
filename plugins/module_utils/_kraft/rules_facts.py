# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""What the rules of invariants.py read and where they put what they find (private helper).

``_ConfigFacts`` is one file as check_config's rules see it, ``_Collector`` gathers their violations;
``_ClusterCheck`` is what check_cluster's rules read and add to. The names keep their underscore: they
are the rules' own vocabulary, shared by the rules_*.py modules and invariants.py, not an API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import (
    Cluster,
    Node,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import (
    Listener,
    parse_listeners,
    parse_protocol_map,
    parse_voters,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    WARNING,
    ModelError,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_config import configured_log_dirs, migration_enabled
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_ids import IdEvidence
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import (
    MetadataVersion,
    Release,
    parse_metadata_version,
)

_TRUE = "true"


class _Collector:
    def __init__(self, host: str, phase: str | None) -> None:
        self.host = host
        self.phase = phase
        self.found: list[Violation] = []

    def error(self, key: str, message: str, fix: str) -> None:
        self.found.append(Violation(self.host, key, message, fix, ERROR, self.phase))

    def warning(self, key: str, message: str, fix: str) -> None:
        self.found.append(Violation(self.host, key, message, fix, WARNING, self.phase))


def _names(listeners: Sequence[Listener]) -> list[str]:
    return [item.name for item in listeners]


def _csv(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


@dataclass
class _ConfigFacts:
    """One file as check_config's rules see it, read once. Values that did not parse are empty; their
    errors wait in ``parse_errors`` for the rule that reports them, so the report keeps Kafka's order."""

    props: Mapping[str, str]
    release: Release
    roles: list[str]
    migration: bool
    node_id: str | None
    broker_id: str | None
    log_dirs: list[str]
    listeners: tuple[Listener, ...]
    advertised: tuple[Listener, ...]
    protocol_map: dict[str, str]
    controller_names: list[str]
    voters_text: str
    bootstrap_text: str
    voter_ids: list[int] | None
    quorum_ok: bool
    parse_errors: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, props: Mapping[str, str], release: Release) -> _ConfigFacts:
        parse_errors: list[tuple[str, str, str]] = []
        try:
            listeners = parse_listeners(props.get("listeners"))
        except ModelError as exc:
            parse_errors.append(("listeners", str(exc), "write listeners as NAME://host:port"))
            listeners = ()
        try:
            advertised = parse_listeners(props.get("advertised.listeners")) or listeners
        except ModelError as exc:
            parse_errors.append(("advertised.listeners", str(exc), "write advertised.listeners as NAME://host:port"))
            advertised = listeners
        try:
            protocol_map = parse_protocol_map(props.get("listener.security.protocol.map"))
        except ModelError as exc:
            parse_errors.append(("listener.security.protocol.map", str(exc), "write NAME:PROTOCOL pairs"))
            protocol_map = {}
        voters_text = props.get("controller.quorum.voters", "").strip()
        bootstrap_text = props.get("controller.quorum.bootstrap.servers", "").strip()
        voter_ids: list[int] | None = None
        quorum_ok = False
        if voters_text:
            try:
                voter_ids = [v.node_id for v in parse_voters(voters_text)]
                quorum_ok = True
            except ModelError as exc:
                parse_errors.append(("controller.quorum.voters", str(exc),
                                     "write the voters as id@host:port, comma-separated"))
        elif bootstrap_text:
            quorum_ok = True
        return cls(
            props=props, release=release, roles=_csv(props.get("process.roles")), migration=migration_enabled(props),
            node_id=props.get("node.id"), broker_id=props.get("broker.id"), log_dirs=configured_log_dirs(props),
            listeners=listeners, advertised=advertised, protocol_map=protocol_map,
            controller_names=[n.upper() for n in _csv(props.get("controller.listener.names"))],
            voters_text=voters_text, bootstrap_text=bootstrap_text, voter_ids=voter_ids, quorum_ok=quorum_ok,
            parse_errors=parse_errors,
        )

    @property
    def own_id(self) -> int | None:
        node_id = self.node_id
        return int(node_id) if node_id and node_id.strip().lstrip("-").isdigit() else None

    @property
    def ibp(self) -> MetadataVersion | None:
        return parse_metadata_version(self.props.get("inter.broker.protocol.version"))

    @property
    def broker_advertised(self) -> list[Listener]:
        return [item for item in self.advertised if item.name not in self.controller_names]


ConfigRule = Callable[[_ConfigFacts, _Collector], None]


@dataclass
class _ClusterCheck:
    """What check_cluster's rules read (the model, the id evidence) and the violations they add, in order."""

    cluster: Cluster
    id_evidence: Mapping[str, IdEvidence]
    found: list[Violation] = field(default_factory=list)

    def error(self, host: str, key: str, message: str, fix: str) -> None:
        self.found.append(Violation(host, key, message, fix, ERROR))

    def warning(self, host: str, key: str, message: str, fix: str) -> None:
        self.found.append(Violation(host, key, message, fix, WARNING))


ClusterRule = Callable[[_ClusterCheck], None]
# A rule about one broker; check_cluster runs them all for a broker before the next broker.
BrokerRule = Callable[[_ClusterCheck, Node], None]
