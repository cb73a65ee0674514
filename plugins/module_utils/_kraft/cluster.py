# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The typed cluster model: its nodes and the settings they share (private helper library).

cluster_spec.py builds it from the inventory's cluster spec; cluster_syntax.py holds the text
forms of its values. Rules and renderers read only this model.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import (
    Listener,
    Voter,
    format_voters,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_file import NodeFile
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import (
    MetadataVersion,
    Release,
)

BROKER = "broker"
CONTROLLER = "controller"
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
# The SASL mechanisms Kafka ships a login and server implementation for.
SASL_MECHANISMS = ("PLAIN", "GSSAPI", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER")
PROCESS_ROLES = (BROKER, CONTROLLER)
# Kafka's ids are Java ints; ids are never negative for a migration.
MAX_ID = 2147483647
# Listener hosts that bind every address of the machine.
WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")
ACL_AUTHORIZER = "kafka.security.authorizer.AclAuthorizer"
STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"


@dataclass(frozen=True)
class Node:
    """One Kafka host: a ZooKeeper-mode broker to migrate, or a new controller."""

    name: str
    role: str
    node_id: int
    address: str
    listeners: tuple[Listener, ...] = ()
    advertised_listeners: tuple[Listener, ...] = ()
    log_dirs: tuple[str, ...] = ()
    metadata_log_dir: str | None = None
    rack: str | None = None
    config_file: str = "/etc/kafka/server.properties"
    current: dict[str, str] | None = None
    # ``current`` parsed once (cluster_spec builds both): what rules and the renderer read.
    file: NodeFile | None = None
    declared_roles: tuple[str, ...] = ()
    # Why the running node logs in to ZooKeeper with SASL (kafka_node_info), or None.
    zookeeper_sasl: str | None = None

    def __post_init__(self) -> None:
        # ``file`` is always ``current`` parsed: given by the builder, else (or when stale) parsed here.
        if self.current is None:
            object.__setattr__(self, "file", None)
        elif self.file is None or self.file.props is not self.current:
            object.__setattr__(self, "file", NodeFile.read(self.current))


@dataclass(frozen=True)
class Cluster:
    kafka_version: Release
    metadata_version: MetadataVersion
    metadata_version_text: str
    zookeeper_connect: str
    controller_listener_name: str
    controller_port: int
    controller_security_protocol: str
    inter_broker_listener_name: str
    broker_protocol_map: dict[str, str]
    authorizer_enabled: bool
    brokers: tuple[Node, ...]
    controllers: tuple[Node, ...]
    controller_sasl_mechanism: str | None = None
    # zk2kraft_controller_quorum_voters, parsed (cluster_spec reports one that does not parse).
    voters_override: tuple[Voter, ...] | None = None
    zookeeper_client_properties: dict[str, str] = field(default_factory=dict)
    controller_properties: dict[str, str] = field(default_factory=dict)
    broker_controller_properties: dict[str, str] = field(default_factory=dict)
    # The SASL (DIGEST-MD5) user the collection and the controllers log in to ZooKeeper as; None: no SASL.
    zookeeper_sasl_username: str | None = None
    super_users: str | None = None
    # Built from the inventory alone, before any host's file was read: rules that the files may
    # satisfy (a missing id, listeners, log dirs) are not judged yet.
    partial: bool = False
    # Whether the inventory names the inter-broker listener and the protocol map itself.
    explicit_keys: tuple[str, ...] = ()

    @property
    def nodes(self) -> tuple[Node, ...]:
        return self.controllers + self.brokers

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise ModelError(f"host '{name}' is neither a broker nor a controller of this cluster")

    @property
    def voters(self) -> tuple[Voter, ...]:
        return tuple(
            Voter(node.node_id, node.address, self.controller_port) for node in self.controllers
        )

    # Every node asks for it in every phase; the fields it depends on never change.
    @functools.cached_property
    def quorum_voters(self) -> str:
        """The ``controller.quorum.voters`` value every node gets."""
        return format_voters(self.voters_override or self.voters)
