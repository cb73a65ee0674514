# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""One server.properties, parsed once at the boundary into typed values (private helper library).

The cluster model carries it for each node's current file (``Node.file``) and check_config builds it
for each rendered file, so rules and the renderer read listeners, the protocol map, the roles, the
quorum and the IBP as values, never as text. A value that did not parse is empty; its error waits
in ``parse_errors`` for the rule that reports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import (
    Listener,
    parse_listeners,
    parse_protocol_map,
    parse_voters,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_config import (
    configured_log_dirs,
    migration_enabled,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import (
    MetadataVersion,
    parse_metadata_version,
)

PROTOCOL_MAP_KEY = "listener.security.protocol.map"


def csv_items(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


@dataclass(frozen=True)
class NodeFile:
    props: Mapping[str, str]
    roles: tuple[str, ...]
    migration: bool
    node_id: str | None
    broker_id: str | None
    log_dirs: tuple[str, ...]
    listeners: tuple[Listener, ...]
    # advertised.listeners as written (empty when unset); ``advertised`` is what Kafka advertises.
    advertised_listeners: tuple[Listener, ...]
    # None: the file sets no map, or one that does not parse (see parse_errors).
    protocol_map: dict[str, str] | None
    controller_names: tuple[str, ...]
    voters_text: str
    bootstrap_text: str
    voter_ids: tuple[int, ...] | None
    quorum_ok: bool
    ibp_text: str | None
    ibp: MetadataVersion | None
    parse_errors: tuple[tuple[str, str, str], ...]

    @classmethod
    def read(cls, props: Mapping[str, str]) -> NodeFile:
        return cls(**cls.fields_of(props))

    @staticmethod
    def fields_of(props: Mapping[str, str]) -> dict[str, Any]:
        """The fields ``read`` gives ``props``, by name: a subclass with fields of its own builds on them."""
        parse_errors: list[tuple[str, str, str]] = []
        try:
            listeners = parse_listeners(props.get("listeners"))
        except ModelError as exc:
            parse_errors.append(("listeners", str(exc), "write listeners as NAME://host:port"))
            listeners = ()
        try:
            advertised = parse_listeners(props.get("advertised.listeners"))
        except ModelError as exc:
            parse_errors.append(("advertised.listeners", str(exc), "write advertised.listeners as NAME://host:port"))
            advertised = ()
        protocol_map: dict[str, str] | None = None
        if props.get(PROTOCOL_MAP_KEY):
            try:
                protocol_map = parse_protocol_map(props.get(PROTOCOL_MAP_KEY))
            except ModelError as exc:
                parse_errors.append((PROTOCOL_MAP_KEY, str(exc), "write NAME:PROTOCOL pairs"))
        voters_text = props.get("controller.quorum.voters", "").strip()
        bootstrap_text = props.get("controller.quorum.bootstrap.servers", "").strip()
        voter_ids: tuple[int, ...] | None = None
        quorum_ok = False
        if voters_text:
            try:
                voter_ids = tuple(v.node_id for v in parse_voters(voters_text))
                quorum_ok = True
            except ModelError as exc:
                parse_errors.append(("controller.quorum.voters", str(exc),
                                     "write the voters as id@host:port, comma-separated"))
        elif bootstrap_text:
            quorum_ok = True
        ibp_text = props.get("inter.broker.protocol.version")
        return dict(
            props=props, roles=tuple(csv_items(props.get("process.roles"))), migration=migration_enabled(props),
            node_id=props.get("node.id"), broker_id=props.get("broker.id"),
            log_dirs=tuple(configured_log_dirs(props)), listeners=listeners, advertised_listeners=advertised,
            protocol_map=protocol_map,
            controller_names=tuple(n.upper() for n in csv_items(props.get("controller.listener.names"))),
            voters_text=voters_text, bootstrap_text=bootstrap_text, voter_ids=voter_ids, quorum_ok=quorum_ok,
            ibp_text=ibp_text, ibp=parse_metadata_version(ibp_text), parse_errors=tuple(parse_errors),
        )

    @property
    def zookeeper_mode(self) -> bool:
        """A ZooKeeper-mode node: its file sets no ``process.roles``."""
        return not self.roles

    def parse_error(self, key: str) -> str | None:
        """Why ``key``'s value did not parse, or None (it parsed, or is unset)."""
        return next((message for error_key, message, dummy_fix in self.parse_errors if error_key == key), None)

    def sets(self, key: str) -> bool:
        """The file gives ``key`` a value (even one of blanks)."""
        return bool(self.props.get(key))

    @property
    def advertised(self) -> tuple[Listener, ...]:
        return self.advertised_listeners or self.listeners

    @property
    def own_id(self) -> int | None:
        node_id = self.node_id
        return int(node_id) if node_id and node_id.strip().lstrip("-").isdigit() else None

    @property
    def broker_advertised(self) -> list[Listener]:
        return [item for item in self.advertised if item.name not in self.controller_names]
