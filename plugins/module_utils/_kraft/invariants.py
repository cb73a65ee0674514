# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Configuration and cluster rules (facts §3) -> violations with host, key, message and fix.

``check_config`` mirrors Kafka 3.9's ``KafkaConfig.validateValues`` on one file,
with Kafka's own wording, so a file Kafka would refuse is never written.
``check_cluster`` adds the migration-wide rules Kafka does not check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import (
    ACL_AUTHORIZER,
    SECURITY_PROTOCOLS,
    STANDARD_AUTHORIZER,
    WILDCARD_HOSTS,
    Cluster,
    Node,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import (
    ZK_CONNECT_FIX,
    Listener,
    parse_listeners,
    parse_protocol_map,
    parse_voters,
    zookeeper_connect_identity,
    zookeeper_connect_problem,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    WARNING,
    ModelError,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_config import configured_log_dirs, migration_enabled
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_ids import IdEvidence, explain_mismatch
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import MASK, is_secret_key
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import (
    MV_3_4,
    MV_3_6_IV1,
    MV_3_7_IV2,
    MetadataVersion,
    Release,
    has_known_migration_races,
    migration_is_early_access,
    parse_metadata_version,
    supports_migration,
)

_TRUE = "true"
# The release check_config assumes when the caller names none.
_DEFAULT_RELEASE = Release(3, 9, 0)


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

# --------------------------------------------------------------------------- rules of every file


def _node_id_equals_broker_id(c: _ConfigFacts, out: _Collector) -> None:
    if c.node_id is not None and c.broker_id is not None and c.node_id.strip() != c.broker_id.strip():
        out.error("node.id", "You must set `node.id` to the same value as `broker.id`.",
                  "set node.id and broker.id to the same id, or keep only the one the mode uses")


def _known_roles(c: _ConfigFacts, out: _Collector) -> None:
    for role in c.roles:
        if role not in ("broker", "controller"):
            out.error("process.roles", f"Unknown process role '{role}' (only 'broker' and 'controller' are allowed roles)",
                      "use broker or controller")


def _roles_listed_once(c: _ConfigFacts, out: _Collector) -> None:
    if len(set(c.roles)) != len(c.roles):
        out.error("process.roles", "Duplicate role names found in `process.roles`: {}".format(",".join(c.roles)),
                  "list each role once")


def _one_inter_broker_setting(c: _ConfigFacts, out: _Collector) -> None:
    if c.props.get("inter.broker.listener.name", "").strip() and "security.inter.broker.protocol" in c.props:
        out.error("security.inter.broker.protocol", "Only one of inter.broker.listener.name and "
                  "security.inter.broker.protocol should be set.", "remove security.inter.broker.protocol")


def _has_a_log_dir(c: _ConfigFacts, out: _Collector) -> None:
    if not c.log_dirs:
        out.error("log.dirs", "At least one log directory must be defined via log.dirs or log.dir.",
                  "set log.dirs")


def _values_parse(c: _ConfigFacts, out: _Collector) -> None:
    for key, message, fix in c.parse_errors:
        out.error(key, message, fix)


# --------------------------------------------------------------------------- ZooKeeper mode


def _zookeeper_connect_set(c: _ConfigFacts, out: _Collector) -> None:
    if not c.props.get("zookeeper.connect", "").strip():
        out.error("zookeeper.connect", "Missing required configuration `zookeeper.connect` which has no default value.",
                  "set zookeeper.connect (host:port[/chroot]) for a ZooKeeper-mode broker")


def _migration_broker_id_explicit(c: _ConfigFacts, out: _Collector) -> None:
    broker_id = c.broker_id
    if c.migration and (broker_id is None or not broker_id.strip().lstrip("-").isdigit() or int(broker_id) < 0):
        out.error("broker.id", "broker.id must be set explicitly to a non-negative id when "
                  "zookeeper.metadata.migration.enable is true (broker id generation is not supported)",
                  "set broker.id to the broker's id")


def _migration_names_the_quorum(c: _ConfigFacts, out: _Collector) -> None:
    if c.migration and not c.voters_text and not c.bootstrap_text:
        out.error("controller.quorum.voters", "If using zookeeper.metadata.migration.enable, "
                  "controller.quorum.voters must contain a parseable set of voters.",
                  "set controller.quorum.voters to the controllers' id@host:port list")


def _migration_names_the_controller_listener(c: _ConfigFacts, out: _Collector) -> None:
    if c.migration and not c.controller_names:
        out.error("controller.listener.names", "controller.listener.names must not be empty when running in "
                  "ZooKeeper migration mode: []", "set controller.listener.names=CONTROLLER")


def _migration_ibp_at_least_3_4(c: _ConfigFacts, out: _Collector) -> None:
    ibp = c.ibp
    if c.migration and (ibp is None or ibp < MV_3_4):
        out.error("inter.broker.protocol.version", "Cannot enable ZooKeeper migration without setting "
                  "'inter.broker.protocol.version' to 3.4 or higher",
                  "finish an IBP upgrade to the metadata version before migrating")


def _migration_jbod_supported(c: _ConfigFacts, out: _Collector) -> None:
    if not c.migration or len(c.log_dirs) <= 1:
        return
    ibp = c.ibp
    if c.release >= Release(3, 5, 2) and c.release < Release(3, 7, 0):
        out.error("log.dirs", f"Migration of JBOD enabled ZK brokers is not supported (Kafka {c.release})",
                  "upgrade Kafka to 3.7.0+ before migrating a JBOD cluster")
    elif ibp is not None and ibp < MV_3_7_IV2:
        out.error("log.dirs", "Cannot enable ZooKeeper migration with multiple log directories (aka JBOD) "
                  "without setting 'inter.broker.protocol.version' to 3.7-IV2 or higher",
                  "upgrade the IBP (and metadata version) to 3.7-IV2 or higher first")


def _migration_controller_listeners_mapped(c: _ConfigFacts, out: _Collector) -> None:
    if not c.migration:
        return
    for name in c.controller_names:
        if c.protocol_map and name not in c.protocol_map:
            out.error("listener.security.protocol.map", f"Controller listener with name {name} defined in "
                      "controller.listener.names not found in listener.security.protocol.map",
                      f"add {name}:<protocol> to listener.security.protocol.map")


def _no_controller_listener_without_migration(c: _ConfigFacts, out: _Collector) -> None:
    if not c.migration and c.controller_names:
        out.error("controller.listener.names", "controller.listener.names must be empty when not running in KRaft "
                  "mode: [{}]".format(", ".join(c.controller_names)),
                  "remove controller.listener.names, or enable the migration")


# --------------------------------------------------------------------------- KRaft mode (any role)


def _node_id_set(c: _ConfigFacts, out: _Collector) -> None:
    if c.node_id is None or not c.node_id.strip():
        out.error("node.id", "Missing required configuration `node.id` which has no default value.", "set node.id")


def _kraft_migration_needs_zookeeper(c: _ConfigFacts, out: _Collector) -> None:
    if c.migration and not c.props.get("zookeeper.connect", "").strip():
        out.error("zookeeper.connect", "If using `zookeeper.metadata.migration.enable` in KRaft mode, "
                  "`zookeeper.connect` must also be set.", "set zookeeper.connect, or remove the migration flag")


def _quorum_named(c: _ConfigFacts, out: _Collector) -> None:
    # Voters that did not parse were reported already.
    if not c.quorum_ok and not (c.voters_text and c.voter_ids is None):
        out.error("controller.quorum.voters", "If using process.roles, either controller.quorum.bootstrap.servers must "
                  "contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set "
                  "of controllers.", "set controller.quorum.voters")


def _no_control_plane_listener(c: _ConfigFacts, out: _Collector) -> None:
    if c.props.get("control.plane.listener.name", "").strip():
        out.error("control.plane.listener.name", "control.plane.listener.name is not supported in KRaft mode.",
                  "remove control.plane.listener.name")


# --------------------------------------------------------------------------- KRaft broker (process.roles=broker)


def _broker_not_a_voter(c: _ConfigFacts, out: _Collector) -> None:
    own_id = c.own_id
    if own_id is not None and c.voter_ids is not None and own_id in c.voter_ids:
        out.error("controller.quorum.voters", f"If process.roles contains just the 'broker' role, the node id {own_id} must "
                  f"not be included in the set of voters controller.quorum.voters={c.voters_text}",
                  "give brokers ids that no controller uses")


def _broker_names_the_controller_listener(c: _ConfigFacts, out: _Collector) -> None:
    if not c.controller_names:
        out.error("controller.listener.names", "controller.listener.names must contain at least one value when "
                  "running KRaft with just the broker role", "set controller.listener.names=CONTROLLER")


def _broker_does_not_listen_as_controller(c: _ConfigFacts, out: _Collector) -> None:
    clash = [n for n in c.controller_names if n in _names(c.listeners)]
    if clash:
        out.error("listeners", "controller.listener.names must not contain a value appearing in the 'listeners' "
                  "configuration when running KRaft with just the broker role",
                  "remove the {} listener from the broker's listeners".format(",".join(clash)))


def _broker_controller_listeners_mapped(c: _ConfigFacts, out: _Collector) -> None:
    for name in c.controller_names:
        if c.protocol_map and name not in c.protocol_map:
            out.error("listener.security.protocol.map", f"Controller listener with name {name} defined in "
                      "controller.listener.names not found in listener.security.protocol.map  (an explicit "
                      "security mapping for each controller listener is required if "
                      "listener.security.protocol.map is non-empty, or if there are security protocols other than "
                      "PLAINTEXT in use)", f"add {name}:<protocol> to listener.security.protocol.map")


def _broker_advertises_a_listener(c: _ConfigFacts, out: _Collector) -> None:
    if not c.broker_advertised:
        out.error("advertised.listeners", "There must be at least one advertised listener. Perhaps all listeners "
                  "appear in controller.listener.names?", "keep the broker's client listeners")


def _broker_inter_broker_listener_advertised(c: _ConfigFacts, out: _Collector) -> None:
    broker_advertised = c.broker_advertised
    ib_name = c.props.get("inter.broker.listener.name", "").strip().upper()
    if ib_name and broker_advertised and ib_name not in _names(broker_advertised):
        out.error("inter.broker.listener.name", "inter.broker.listener.name must be a listener name defined in "
                  "advertised.listeners. The valid options based on currently configured listeners are " + ",".join(_names(broker_advertised)),
                  "use one of the broker's listener names")


# --------------------------------------------------------------------------- KRaft controller (process.roles=controller)


def _controller_listens_only_as_controller(c: _ConfigFacts, out: _Collector) -> None:
    extra = [n for n in _names(c.listeners) if n not in c.controller_names]
    if extra:
        out.error("listeners", "The listeners config must only contain KRaft controller listeners from "
                  "controller.listener.names when process.roles=controller",
                  "remove {} from the controller's listeners".format(",".join(extra)))


def _controller_is_a_voter(c: _ConfigFacts, out: _Collector) -> None:
    own_id = c.own_id
    if own_id is not None and c.voter_ids is not None and own_id not in c.voter_ids:
        out.error("controller.quorum.voters", f"If process.roles contains the 'controller' role, the node id {own_id} must be "
                  f"included in the set of voters controller.quorum.voters={c.voters_text}",
                  "add this controller to controller.quorum.voters")


def _controller_listener_listened_on(c: _ConfigFacts, out: _Collector) -> None:
    if not c.controller_names or not any(n in _names(c.listeners) for n in c.controller_names):
        out.error("controller.listener.names", "controller.listener.names must contain at least one value appearing "
                  "in the 'listeners' configuration when running the KRaft controller role",
                  "set listeners=CONTROLLER://host:port and controller.listener.names=CONTROLLER")


def _controller_advertises_nothing_before_3_9(c: _ConfigFacts, out: _Collector) -> None:
    if c.release < Release(3, 9, 0) and c.props.get("advertised.listeners", "").strip():
        out.error("advertised.listeners", "The advertised.listeners config must be empty when "
                  "process.roles=controller", "remove advertised.listeners from the controller")


# The rules in Kafka's order: every file's, then those of its mode (and, in KRaft, of its roles).
COMMON_CONFIG_RULES: tuple[ConfigRule, ...] = (
    _node_id_equals_broker_id, _known_roles, _roles_listed_once, _one_inter_broker_setting, _has_a_log_dir,
    _values_parse,
)
ZOOKEEPER_CONFIG_RULES: tuple[ConfigRule, ...] = (
    _zookeeper_connect_set, _migration_broker_id_explicit, _migration_names_the_quorum,
    _migration_names_the_controller_listener, _migration_ibp_at_least_3_4, _migration_jbod_supported,
    _migration_controller_listeners_mapped, _no_controller_listener_without_migration,
)
KRAFT_CONFIG_RULES: tuple[ConfigRule, ...] = (
    _node_id_set, _kraft_migration_needs_zookeeper, _quorum_named, _no_control_plane_listener,
)
KRAFT_BROKER_RULES: tuple[ConfigRule, ...] = (
    _broker_not_a_voter, _broker_names_the_controller_listener, _broker_does_not_listen_as_controller,
    _broker_controller_listeners_mapped, _broker_advertises_a_listener, _broker_inter_broker_listener_advertised,
)
KRAFT_CONTROLLER_RULES: tuple[ConfigRule, ...] = (
    _controller_listens_only_as_controller, _controller_is_a_voter, _controller_listener_listened_on,
    _controller_advertises_nothing_before_3_9,
)


def config_rules(roles: Sequence[str]) -> tuple[ConfigRule, ...]:
    """The rules a file with these ``process.roles`` must pass, in order."""
    if not roles:
        return COMMON_CONFIG_RULES + ZOOKEEPER_CONFIG_RULES
    by_roles = {frozenset({"broker"}): KRAFT_BROKER_RULES, frozenset({"controller"}): KRAFT_CONTROLLER_RULES}
    return COMMON_CONFIG_RULES + KRAFT_CONFIG_RULES + by_roles.get(frozenset(roles), ())


def check_config(
    props: Mapping[str, str], host: str, release: Release = _DEFAULT_RELEASE, phase: str | None = None
) -> list[Violation]:
    """The checks Kafka runs at start-up, in Kafka's order and wording."""
    out = _Collector(host, phase)
    facts = _ConfigFacts.read(props, release)
    for rule in config_rules(facts.roles):
        rule(facts, out)
    return out.found


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

# --------------------------------------------------------------------------- release and metadata version


def _release_can_migrate(c: _ClusterCheck) -> None:
    release = c.cluster.kafka_version
    if not supports_migration(release):
        c.error("(cluster)", "zk2kraft_kafka_version",
                f"Kafka {release} cannot migrate from ZooKeeper: the migration exists on 3.4 to 3.9 only",
                "upgrade the cluster to Kafka 3.9 (or 3.7/3.8) in ZooKeeper mode first")
        return
    if migration_is_early_access(release):
        c.warning("(cluster)", "zk2kraft_kafka_version",
                  f"the ZooKeeper migration is early access on Kafka {release}",
                  "upgrade to Kafka 3.9 before migrating production")
    if has_known_migration_races(release):
        c.warning("(cluster)", "zk2kraft_kafka_version",
                  f"Kafka {release} has known controller-failover races during the migration",
                  "upgrade to the latest patch release of the {}.{} line first".format(*release.line))


def _metadata_version_can_migrate(c: _ClusterCheck) -> None:
    release, mv = c.cluster.kafka_version, c.cluster.metadata_version
    if mv < MV_3_4:
        c.error("(cluster)", "zk2kraft_metadata_version",
                f"metadata version {mv} is below 3.4, the first that supports the migration",
                "upgrade inter.broker.protocol.version to 3.4 or higher on every broker first")
    elif release >= Release(3, 9, 0) or release in (Release(3, 7, 2), Release(3, 8, 1)):
        if mv < MV_3_6_IV1:
            c.error("(cluster)", "zk2kraft_metadata_version",
                    f"Kafka {release} refuses to migrate with metadata version {mv}: 3.6-IV1 or higher is required",
                    "upgrade inter.broker.protocol.version to 3.6 or higher on every broker first")
    if release.line < (mv.major, mv.minor):
        c.error("(cluster)", "zk2kraft_metadata_version",
                f"metadata version {mv} is newer than Kafka {release} supports",
                "set the metadata version to the brokers' inter.broker.protocol.version")


# --------------------------------------------------------------------------- nodes and roles


def _controllers_defined(c: _ClusterCheck) -> None:
    controllers = c.cluster.controllers
    if not controllers:
        c.error("(cluster)", "kafka_controllers", "no KRaft controller is defined",
                "add 3 (or 5) dedicated controller hosts to the controller group")
    elif len(controllers) % 2 == 0:
        c.warning("(cluster)", "kafka_controllers",
                  f"{len(controllers)} controllers tolerate no more failures than {len(controllers) - 1}",
                  "use an odd number of controllers (3 or 5)")


def _brokers_defined(c: _ClusterCheck) -> None:
    if not c.cluster.brokers:
        c.error("(cluster)", "kafka_brokers", "no broker is defined", "list the ZooKeeper-mode brokers in the broker group")


def _node_ids_unique(c: _ClusterCheck) -> None:
    seen: dict[int, str] = {}
    for node in c.cluster.nodes:
        if node.node_id < 0:
            continue
        other = seen.get(node.node_id)
        if other is not None:
            key = "zk2kraft_node_id"
            other_role = c.cluster.node(other).role
            if other_role != node.role:
                c.error(node.name, key, f"{node.role} id {node.node_id} equals the id of {other_role} {other}: controller ids must "
                        "not be used by any broker",
                        "give the controllers ids no broker uses (e.g. 3000+)")
            else:
                c.error(node.name, key, f"{node.role} id {node.node_id} is also used by {other}",
                        "give every node a unique id")
        else:
            seen[node.node_id] = node.name


def _controllers_not_combined(c: _ClusterCheck) -> None:
    broker_names = {n.name for n in c.cluster.brokers}
    for node in c.cluster.controllers:
        if node.name in broker_names or set(node.declared_roles) >= {"broker", "controller"}:
            c.error(node.name, "process.roles", "combined mode (process.roles=broker,controller) is not a migration "
                    "target", "use dedicated controller hosts that are not brokers")


def _brokers_not_combined(c: _ClusterCheck) -> None:
    for node in c.cluster.brokers:
        current = node.current or {}
        roles = set(_csv(current.get("process.roles"))) | set(node.declared_roles)
        if roles >= {"broker", "controller"}:
            c.error(node.name, "process.roles", "combined mode (process.roles=broker,controller) is not a migration "
                    "target", "migrate to dedicated controllers; keep process.roles=broker on brokers")


# --------------------------------------------------------------------------- controller listener security


def _controller_protocol_known(c: _ClusterCheck) -> None:
    protocol = c.cluster.controller_security_protocol
    if protocol not in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"):
        c.error("(cluster)", "zk2kraft_controller_security_protocol",
                f"'{protocol}' is not a security protocol",
                "use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")


def _controller_mechanism_not_scram(c: _ClusterCheck) -> None:
    mechanisms = [c.cluster.controller_sasl_mechanism or ""]
    mechanisms.append(c.cluster.controller_properties.get("sasl.mechanism.controller.protocol", ""))
    if any(m.upper().startswith("SCRAM") for m in mechanisms):
        c.error("(cluster)", "zk2kraft_controller_sasl_mechanism",
                "SCRAM cannot be the controller listener's SASL mechanism: KRaft controllers cannot read SCRAM "
                "credentials before the metadata log is available", "use PLAIN, GSSAPI or mTLS (SSL) on the controller listener")


def _controller_sasl_mechanisms_enabled(c: _ClusterCheck) -> None:
    c.found.extend(_check_controller_sasl(c.cluster))


def _zookeeper_sasl_login_given(c: _ClusterCheck) -> None:
    c.found.extend(_check_zookeeper_sasl(c.cluster))


def _voters_override_lists_the_controllers(c: _ClusterCheck) -> None:
    cluster = c.cluster
    if not cluster.voters_override:
        return
    try:
        voters = parse_voters(cluster.voters_override)
    except ModelError as exc:
        c.error("(cluster)", "zk2kraft_controller_quorum_voters", str(exc), "write the voters as id@host:port, comma-separated")
        return
    wanted = {(n.node_id, n.address, cluster.controller_port) for n in cluster.controllers}
    got = {(v.node_id, v.host, v.port) for v in voters}
    if wanted != got:
        c.error("(cluster)", "zk2kraft_controller_quorum_voters",
                "controller.quorum.voters '{}' does not list exactly the controllers {}".format(
                    cluster.voters_override, ",".join(sorted(f"{i}@{a}:{p}" for i, a, p in wanted))),
                "remove the override, or list every controller once and nothing else")


# --------------------------------------------------------------------------- each broker


def _broker_has_listeners(c: _ClusterCheck, node: Node) -> None:
    if not node.listeners and not c.cluster.partial:
        c.error(node.name, "listeners", "the broker has no listeners (neither in the inventory nor in its "
                "server.properties)", "set zk2kraft_listeners for the host or give its current server.properties")


def _broker_listener_not_the_controllers(c: _ClusterCheck, node: Node) -> None:
    ctrl = c.cluster.controller_listener_name
    if ctrl in _names(node.listeners):
        c.error(node.name, "listeners", f"the controller listener name {ctrl} is one of the broker's listeners; "
                "controller.listener.names must not contain a value appearing in the 'listeners' configuration when "
                "running KRaft with just the broker role",
                "choose another zk2kraft_controller_listener_name, or rename the broker listener")


def _broker_has_the_inter_broker_listener(c: _ClusterCheck, node: Node) -> None:
    cluster = c.cluster
    ib = cluster.inter_broker_listener_name
    names = _names(node.listeners)
    if node.listeners and ib not in names and (
            not cluster.partial or "inter_broker_listener_name" in cluster.explicit_keys):
        c.error(node.name, "inter.broker.listener.name", "inter-broker listener {} is not among the broker's listeners "
                "({})".format(ib, ",".join(names)), "set zk2kraft_inter_broker_listener_name to one of them")


def _broker_endpoints_not_the_controllers(c: _ClusterCheck, node: Node) -> None:
    cluster = c.cluster
    controller_endpoints = {(n.address, cluster.controller_port): n.name for n in cluster.controllers}
    for item in node.listeners:
        owner = controller_endpoints.get((item.host, item.port))
        if owner:
            c.error(node.name, "listeners", f"listener {item} uses the address and port of controller {owner}",
                    "give the controllers their own address or another zk2kraft_controller_port")


def _broker_log_dirs_can_migrate(c: _ClusterCheck, node: Node) -> None:
    release, mv = c.cluster.kafka_version, c.cluster.metadata_version
    if not node.log_dirs and not c.cluster.partial:
        c.error(node.name, "log.dirs", "At least one log directory must be defined via log.dirs or log.dir.",
                "set zk2kraft_log_dirs or give the current server.properties")
    elif len(node.log_dirs) > 1:
        if Release(3, 5, 2) <= release < Release(3, 7, 0):
            c.error(node.name, "log.dirs", f"Migration of JBOD enabled ZK brokers is not supported on Kafka {release}",
                    "upgrade Kafka to 3.7.0 or later first")
        elif mv < MV_3_7_IV2:
            c.error(node.name, "log.dirs", "Cannot enable ZooKeeper migration with multiple log directories (aka JBOD) "
                    f"without setting 'inter.broker.protocol.version' to 3.7-IV2 or higher (it is {mv})",
                    "upgrade the IBP and metadata version to 3.7-IV2 or higher first")


def _zookeeper_mode_file(node: Node) -> Mapping[str, str] | None:
    # A broker already on KRaft has no IBP any more: these rules are about ZooKeeper-mode brokers.
    if node.current is not None and not _csv(node.current.get("process.roles")):
        return node.current
    return None


def _broker_ibp_is_the_metadata_version(c: _ClusterCheck, node: Node) -> None:
    current = _zookeeper_mode_file(node)
    if current is None:
        return
    cluster = c.cluster
    ibp_text = current.get("inter.broker.protocol.version")
    ibp = parse_metadata_version(ibp_text)
    if ibp_text is None:
        c.error(node.name, "inter.broker.protocol.version", "the broker sets no inter.broker.protocol.version, so it "
                f"runs Kafka {cluster.kafka_version}'s default; brokers advertise exactly their IBP and the controllers require it to "
                f"equal the metadata version {cluster.metadata_version_text}",
                f"set inter.broker.protocol.version={cluster.metadata_version_text} on every broker and roll them first")
    elif ibp is None:
        c.error(node.name, "inter.broker.protocol.version", f"'{ibp_text}' is not a metadata version",
                f"set inter.broker.protocol.version={cluster.metadata_version_text}")
    elif ibp != cluster.metadata_version:
        c.error(node.name, "inter.broker.protocol.version",
                f"IBP {ibp_text} differs from the controllers' metadata version {cluster.metadata_version_text}: the broker would loop on "
                "UNSUPPORTED_VERSION",
                f"finish the IBP upgrade so every broker runs inter.broker.protocol.version={cluster.metadata_version_text}, or set "
                f"zk2kraft_metadata_version={ibp_text}")


def _broker_control_plane_listener_goes(c: _ClusterCheck, node: Node) -> None:
    current = _zookeeper_mode_file(node)
    if current is not None and current.get("control.plane.listener.name", "").strip():
        c.warning(node.name, "control.plane.listener.name", "control.plane.listener.name is not supported in KRaft "
                  "mode and is removed when the broker moves to KRaft", "nothing to do; expect the key to go")


def _broker_acls_can_migrate(c: _ClusterCheck, node: Node) -> None:
    current = _zookeeper_mode_file(node)
    if (current is not None and current.get("authorizer.class.name", "").strip() == ACL_AUTHORIZER
            and c.cluster.kafka_version < Release(3, 7, 1)):
        c.warning(node.name, "authorizer.class.name", "ACLs under migration need Kafka 3.7.1 or later to switch to "
                  "StandardAuthorizer", "upgrade to Kafka 3.9 first")


def _broker_file_id_is_the_inventory_id(c: _ClusterCheck, node: Node) -> None:
    if node.current is None:
        return
    current = node.current
    id_key = "broker.id" if "broker.id" in current else "node.id"
    file_id = current.get(id_key)
    if file_id is not None and file_id.strip() != str(node.node_id):
        c.error(node.name, id_key, *explain_mismatch(node.name, id_key, file_id.strip(), node.node_id,
                                                     c.id_evidence.get(node.name)))


BROKER_RULES: tuple[BrokerRule, ...] = (
    _broker_has_listeners, _broker_listener_not_the_controllers, _broker_has_the_inter_broker_listener,
    _broker_endpoints_not_the_controllers, _broker_log_dirs_can_migrate, _broker_ibp_is_the_metadata_version,
    _broker_control_plane_listener_goes, _broker_acls_can_migrate, _broker_file_id_is_the_inventory_id,
)


def _each_broker(c: _ClusterCheck) -> None:
    for node in c.cluster.brokers:
        for rule in BROKER_RULES:
            rule(c, node)


# --------------------------------------------------------------------------- endpoints, maps and files


def _endpoints_distinct(c: _ClusterCheck) -> None:
    c.found.extend(_check_endpoints(c.cluster))


def _protocol_maps_agree(c: _ClusterCheck) -> None:
    c.found.extend(_check_protocol_maps(c.cluster))


def _files_agree(c: _ClusterCheck) -> None:
    if not c.cluster.partial:
        c.found.extend(_check_files_agree(c.cluster))


def _expert_settings(c: _ClusterCheck) -> None:
    if not c.cluster.partial:
        c.found.extend(_expert_warnings(c.cluster))


CLUSTER_RULES: tuple[ClusterRule, ...] = (
    _release_can_migrate, _metadata_version_can_migrate, _controllers_defined, _brokers_defined, _node_ids_unique,
    _controllers_not_combined, _brokers_not_combined, _controller_protocol_known, _controller_mechanism_not_scram,
    _controller_sasl_mechanisms_enabled, _zookeeper_sasl_login_given, _voters_override_lists_the_controllers,
    _each_broker, _endpoints_distinct, _protocol_maps_agree, _files_agree, _expert_settings,
)


def check_cluster(cluster: Cluster, id_evidence: Mapping[str, IdEvidence] | None = None) -> list[Violation]:
    """Migration-wide rules (facts §3 last bullet, §5) on the model and the brokers' current files.

    ``id_evidence`` (host -> what its storage and ZooKeeper say) decides which side of a file/inventory
    id disagreement the fix names."""
    check = _ClusterCheck(cluster, id_evidence or {})
    for rule in CLUSTER_RULES:
        rule(check)
    return check.found


# Kafka's default of sasl.enabled.mechanisms and sasl.mechanism.inter.broker.protocol.
_DEFAULT_SASL_MECHANISM = "GSSAPI"


def _check_controller_sasl(cluster: Cluster) -> list[Violation]:
    """Controllers build a SASL channel for every SASL listener they use: the controller listener, and the
    brokers' inter-broker listener, over which they reach the ZooKeeper-mode brokers while migrating. Kafka
    looks each mechanism up in the controllers' sasl.enabled.mechanisms (default GSSAPI); one missing there
    leaves the controller unable to talk to the brokers (seen on real Kafka 3.9)."""
    if not cluster.controllers:
        return []
    props = cluster.controller_properties
    raw_enabled = props.get("sasl.enabled.mechanisms")
    enabled = [m.upper() for m in _csv(raw_enabled)] if raw_enabled is not None else [_DEFAULT_SASL_MECHANISM]
    needed: list[str] = []
    ib = cluster.inter_broker_listener_name
    ib_protocol = cluster.broker_protocol_map.get(ib, ib if ib in SECURITY_PROTOCOLS else "PLAINTEXT")
    if ib_protocol.startswith("SASL_"):
        mechanism = (props.get("sasl.mechanism.inter.broker.protocol") or _DEFAULT_SASL_MECHANISM).upper()
        # Kafka's own wording (KafkaConfig), then why it concerns the controllers.
        needed.append(f"{mechanism} (sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when "
                      f"SASL is used for inter-broker communication: the brokers' inter-broker listener {ib} is {ib_protocol}, and "
                      "the controllers reach the ZooKeeper-mode brokers over it)")
    if cluster.controller_security_protocol.startswith("SASL_"):
        mechanism = (props.get("sasl.mechanism.controller.protocol") or cluster.controller_sasl_mechanism
                     or "PLAIN").upper()
        needed.append(f"{mechanism} (the controller listener {cluster.controller_listener_name} "
                      f"is {cluster.controller_security_protocol})")
    missing = [item for item in needed if item.split(" ", 1)[0] not in enabled]
    if not missing:
        return []
    shown = (f"sasl.enabled.mechanisms={raw_enabled}" if raw_enabled is not None
             else f"no sasl.enabled.mechanisms (Kafka's default: {_DEFAULT_SASL_MECHANISM})")
    names = sorted(set(item.split(" ", 1)[0] for item in needed) | set(enabled if raw_enabled is not None else ()))
    return [Violation(
        ",".join(n.name for n in cluster.controllers), "sasl.enabled.mechanisms",
        f"the controllers' file would have {shown} but must enable {'; and '.join(missing)}",
        f"set sasl.enabled.mechanisms: {','.join(names)} in zk2kraft_controller_properties (with the mechanism's "
        "listener.name.<listener>.<mechanism>.sasl.jaas.config)", ERROR)]


def _zookeeper_sasl_reason(node: Node) -> str | None:
    """Why broker ``node`` logs in to ZooKeeper with SASL, or None when nothing shows it does."""
    if node.zookeeper_sasl:
        return node.zookeeper_sasl
    current = node.current or {}
    if (current.get("zookeeper.set.acl", "").strip().lower() == _TRUE
            and current.get("zookeeper.ssl.client.enable", "").strip().lower() != _TRUE):
        # Kafka refuses zookeeper.set.acl=true unless ZooKeeper TLS or a JAAS Client login secures the session.
        return "zookeeper.set.acl=true without zookeeper.ssl.client.enable=true, which Kafka allows only with a " \
               "JAAS Client (SASL) login"
    return None


def _check_zookeeper_sasl(cluster: Cluster) -> list[Violation]:
    """Brokers that log in to ZooKeeper with SASL own ACL-protected znodes: the controllers (which write
    /migration, /controller and the topics) and the collection must log in as the same user."""
    if cluster.zookeeper_sasl_username:
        return []
    found = [(node.name, reason) for node in cluster.brokers for reason in [_zookeeper_sasl_reason(node)] if reason]
    if not found:
        return []
    reasons = "; ".join(f"{name}: {reason}" for name, reason in found)
    return [Violation(
        ",".join(name for name, dummy in found), "zk2kraft_zookeeper_client",
        f"the brokers log in to ZooKeeper with SASL ({reasons}) but zk2kraft_zookeeper_client has no SASL credentials: the "
        "controllers could not write the brokers' znodes during the migration, nor the collection delete them on a "
        "rollback",
        "set zk2kraft_zookeeper_client: {zookeeper_auth: sasl_digest, zookeeper_username: <the user of the brokers' "
        "JAAS Client section>, zookeeper_password: <its password, e.g. from a vault>}", ERROR)]


def _is_wildcard(host: str) -> bool:
    return host.strip() in WILDCARD_HOSTS


def _check_endpoints(cluster: Cluster) -> list[Violation]:
    """Two controllers on one address and port; a controller colliding with a broker's wildcard bind."""
    out: list[Violation] = []
    port = cluster.controller_port
    taken: dict[str, str] = {}
    for node in cluster.controllers:
        other = taken.get(node.address)
        if other is not None:
            out.append(Violation(node.name, "zk2kraft_address",
                                 f"controller {node.name} would listen on {node.address}:{port}, like controller {other}",
                                 "give every controller its own address (zk2kraft_address or ansible_host)"))
        taken.setdefault(node.address, node.name)
    for broker in cluster.brokers:
        machine = {broker.address} | {item.host for item in broker.listeners if not _is_wildcard(item.host)}
        for item in broker.listeners:
            if item.port != port or not _is_wildcard(item.host):
                continue
            for node in cluster.controllers:
                if node.address in machine:
                    out.append(Violation(node.name, "zk2kraft_controller_port", f"controller {node.name} would listen on "
                                         f"{node.address}:{port}, but broker {broker.name} on the same machine binds every "
                                         f"address on port {port} ({item})",
                                         "choose a zk2kraft_controller_port no broker listener uses, or put the "
                                         "controller on its own machine"))
    return out


def _check_protocol_maps(cluster: Cluster) -> list[Violation]:
    """Every broker listener needs a security protocol: Kafka refuses to start otherwise."""
    out: list[Violation] = []
    explicit = "listener_security_protocol_map" in cluster.explicit_keys
    for node in cluster.brokers:
        file_map_text = (node.current or {}).get("listener.security.protocol.map")
        if file_map_text:
            try:
                mapping = parse_protocol_map(file_map_text)
            except ModelError:
                continue  # check_config reports the syntax
            key = "listener.security.protocol.map"
            for name, proto in mapping.items():
                if proto not in SECURITY_PROTOCOLS:
                    out.append(Violation(node.name, key, f"listener {name} maps to '{proto}', which is not a security protocol",
                                         "use one of " + ", ".join(SECURITY_PROTOCOLS)))
        elif cluster.partial and not explicit:
            continue  # the broker's file may still give the map
        else:
            mapping = dict(cluster.broker_protocol_map)
            key = "zk2kraft_listener_security_protocol_map" if explicit else "listener.security.protocol.map"
        names: list[str] = []
        for item in tuple(node.listeners) + tuple(node.advertised_listeners):
            if item.name not in names and item.name != cluster.controller_listener_name:
                names.append(item.name)
        for name in names:
            if name not in mapping:
                out.append(Violation(node.name, key, "listener {} has no entry in listener.security.protocol.map ({}): "
                                     "Kafka cannot tell its security protocol".format(
                                         name, ",".join("{}:{}".format(*kv) for kv in mapping.items()) or "empty"),
                                     "add {}:<protocol> to the map (one of {})".format(name, ", ".join(SECURITY_PROTOCOLS))))
    return out


def _zk_mode_files(cluster: Cluster) -> list[Node]:
    return [n for n in cluster.brokers if n.current is not None and not _csv(n.current.get("process.roles"))]


def _shown(key: str, value: str | None) -> str:
    if value is None:
        return "(unset)"
    return MASK if is_secret_key(key) else value


def _check_files_agree(cluster: Cluster) -> list[Violation]:
    """Keys every broker must agree on, and a file that must agree with the inventory."""
    out: list[Violation] = []
    files = _zk_mode_files(cluster)
    wanted_zk = zookeeper_connect_identity(cluster.zookeeper_connect)
    for node in files:
        current = node.current or {}
        broker_id, node_id = current.get("broker.id"), current.get("node.id")
        if broker_id is not None and node_id is not None and broker_id.strip() != node_id.strip():
            out.append(Violation(node.name, "node.id", f"the ZooKeeper-mode file sets broker.id={broker_id.strip()} but node.id={node_id.strip()}",
                                 "remove node.id from the broker's file (or make it equal broker.id)"))
        connect = current.get("zookeeper.connect")
        if connect:
            problem = zookeeper_connect_problem(connect)
            if problem:
                out.append(Violation(node.name, "zookeeper.connect", problem, ZK_CONNECT_FIX))
            elif wanted_zk is not None and zookeeper_connect_identity(connect) != wanted_zk:
                got = zookeeper_connect_identity(connect)
                what = (f"another chroot ({got[1]}, the cluster's is {wanted_zk[1]}): that is another Kafka cluster's metadata"
                        if got and got[1] != wanted_zk[1] else "another ZooKeeper ensemble")
                out.append(Violation(node.name, "zookeeper.connect", f"server.properties says zookeeper.connect={connect}, but the "
                                     f"cluster's is {cluster.zookeeper_connect}: {what}",
                                     "make every broker's zookeeper.connect the same, and zk2kraft_zookeeper_connect "
                                     "(if set) equal to it"))
        file_ib = current.get("inter.broker.listener.name") or current.get("security.inter.broker.protocol") or "PLAINTEXT"
        if file_ib.strip().upper() != cluster.inter_broker_listener_name:
            out.append(Violation(node.name, "inter.broker.listener.name", f"the broker's inter-broker listener is {file_ib.strip().upper()}, but "
                                 f"the cluster's is {cluster.inter_broker_listener_name}: the roll would move replication to another listener",
                                 "give every broker the same inter.broker.listener.name, and "
                                 "zk2kraft_inter_broker_listener_name (if set) equal to it"))
        file_zk = {k: v for k, v in current.items() if k.startswith("zookeeper.")
                   and k not in ("zookeeper.connect", "zookeeper.metadata.migration.enable")}
        for key in sorted(set(file_zk) | set(cluster.zookeeper_client_properties)):
            if file_zk.get(key) != cluster.zookeeper_client_properties.get(key):
                out.append(Violation(node.name, key, f"the broker's ZooKeeper client setting is {_shown(key, file_zk.get(key))}, "
                                     f"but the cluster's is {_shown(key, cluster.zookeeper_client_properties.get(key))} "
                                     "(the plan would rewrite it, and the controllers get the cluster's)",
                                     "give every broker the same zookeeper.* client settings, and "
                                     "zk2kraft_zookeeper_client_properties (if set) equal to them"))
    for key in ("super.users", "authorizer.class.name"):
        values: dict[str, list[str]] = {}
        for node in files:
            values.setdefault(((node.current or {}).get(key) or "").strip(), []).append(node.name)
        if len(values) > 1:
            reference_value, reference_hosts = next(iter(values.items()))
            for value, hosts in list(values.items())[1:]:
                for host in hosts:
                    shown, reference_shown = _shown(key, value) or "(unset)", _shown(key, reference_value) or "(unset)"
                    out.append(Violation(host, key, f"{key}={shown} differs from {key}={reference_shown} on {','.join(reference_hosts)}: "
                                         "the key must agree across the brokers",
                                         f"set the same {key} on every broker first"))
    return out


def _expert_warnings(cluster: Cluster) -> list[Violation]:
    out: list[Violation] = []
    for node in _zk_mode_files(cluster):
        authorizer = (node.current or {}).get("authorizer.class.name", "").strip()
        if authorizer and authorizer not in (ACL_AUTHORIZER, STANDARD_AUTHORIZER):
            out.append(Violation(node.name, "authorizer.class.name", f"custom authorizer {authorizer} will not carry over to KRaft "
                                 "as is: it is kept unchanged, and KRaft brokers and controllers keep no ACLs in "
                                 "ZooKeeper",
                                 "check that it works in KRaft mode (or switch to AclAuthorizer before migrating)",
                                 WARNING))
    with_rack = [n.name for n in cluster.brokers if n.rack]
    without = [n.name for n in cluster.brokers if not n.rack]
    if with_rack and without:
        for name in without:
            out.append(Violation(name, "broker.rack", "only some brokers carry a rack ({} do, this one does not): "
                                 "rack-aware replica placement fails or is lopsided".format(",".join(with_rack)),
                                 "set zk2kraft_rack (broker.rack) on every broker, or on none", WARNING))
    return out


def errors_only(violations: Sequence[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == ERROR]
