# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Inventory data -> typed cluster model (private helper library).

The input is a plain "cluster spec" mapping (what the ``migration_plan`` action
builds from the inventory, and what roles pass to modules). Values missing from
the inventory are taken from a node's current ``server.properties`` when known,
so an operator only has to describe what the files do not already say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import (
    ACL_AUTHORIZER,
    BROKER,
    CONTROLLER,
    MAX_ID,
    PROCESS_ROLES,
    SASL_MECHANISMS,
    SECURITY_PROTOCOLS,
    STANDARD_AUTHORIZER,
    Cluster,
    Node,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import (
    LISTENER_NAME_RE,
    ZK_CONNECT_FIX,
    Listener,
    Voter,
    format_listeners,
    format_protocol_map,
    format_voters,
    parse_listeners,
    parse_protocol_map,
    parse_voters,
    port_problem,
    zookeeper_connect_problem,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    ModelError,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_file import PROTOCOL_MAP_KEY, NodeFile
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import (
    MetadataVersion,
    Release,
)

_CLUSTER_DEFAULTS: dict[str, Any] = {
    "controller_listener_name": "CONTROLLER",
    "controller_port": 9093,
    "controller_security_protocol": "PLAINTEXT",
    "inter_broker_listener_name": None,
    "authorizer": "auto",
    "config_file": "/etc/kafka/server.properties",
    "controller_metadata_log_dir": "/var/lib/kafka/metadata",
}


def _as_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ModelError(f"{what} must be an integer, got the boolean {str(value).lower()}")
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ModelError(f"{what} must be an integer, got '{value}'") from None


def id_problem(node_id: int) -> str | None:
    """Why ``node_id`` cannot be a broker or controller id of a migration, or None."""
    if node_id < 0:
        return f"id {node_id} is negative: broker id generation cannot be used for a migration"
    if node_id > MAX_ID:
        return f"id {node_id} is outside 0..{MAX_ID} (a Java int)"
    return None


def _as_str_map(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ModelError(f"{what} must be a mapping of property names to values")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _log_dirs(raw: Any, file: NodeFile | None) -> tuple[str, ...]:
    if raw is None:
        return file.log_dirs if file is not None else ()
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, (list, tuple)):
        raise ModelError(f"must be a list of directories or a comma-separated string, got '{raw}'")
    return tuple(str(item).strip() for item in raw if str(item).strip())


def _str_list(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, (list, tuple)):
        raise ModelError(f"must be a list or a comma-separated string, got '{raw}'")
    return tuple(str(item).strip() for item in raw if str(item).strip())


class _Builder:
    """Collects every problem instead of stopping at the first one."""

    def __init__(self, partial: bool = False) -> None:
        self.violations: list[Violation] = []
        self.partial = partial

    def problem(self, host: str, key: str, message: str, fix: str) -> None:
        self.violations.append(Violation(host, key, message, fix, ERROR))

    def missing(self, host: str, key: str, message: str, fix: str) -> None:
        """A value neither the inventory nor a file gave; not judged before the files are read."""
        if not self.partial:
            self.problem(host, key, message, fix)

    def node(self, raw: Mapping[str, Any], role: str, defaults: Mapping[str, Any]) -> Node | None:
        if not isinstance(raw, Mapping):
            self.problem("(inventory)", f"{role}s", f"a {role} entry is not a mapping: '{raw}'",
                         "describe each node as a mapping with a name")
            return None
        name = str(raw.get("name") or "")
        if not name:
            self.problem("(inventory)", "name", f"a {role} entry has no host name", "give every node a name")
            return None
        current = raw.get("current")
        if current is not None:
            current = _as_str_map(current, f"current properties of {name}")
        address = str(raw.get("address") or name)

        node_id: int | None = None
        raw_id = raw.get("node_id")
        key = "zk2kraft_node_id"
        if raw_id is None and current is not None:
            raw_id = current.get("broker.id", current.get("node.id"))
            key = "broker.id" if "broker.id" in current else "node.id"
        if raw_id is None:
            self.missing(
                name, "zk2kraft_node_id",
                f"no {role} id: the inventory does not set it and no current server.properties gives it",
                "set zk2kraft_node_id for this host",
            )
        else:
            try:
                node_id = _as_int(raw_id, key)
            except ModelError as exc:
                self.problem(name, key, str(exc), f"use a non-negative integer id (0..{MAX_ID})")
        if node_id is not None:
            problem = id_problem(node_id)
            if problem:
                self.problem(name, key, problem, f"give the node an explicit id in 0..{MAX_ID}")
                node_id = None

        file = NodeFile.read(current) if current is not None else None
        if role == CONTROLLER:
            port = defaults["controller_port"]
            listeners: tuple[Listener, ...] = (
                Listener(defaults["controller_listener_name"], address, port),
            )
            advertised: tuple[Listener, ...] = ()
            metadata_dir = str(raw.get("metadata_log_dir") or defaults["controller_metadata_log_dir"])
            log_dirs = self._dirs(name, "zk2kraft_log_dirs", raw.get("log_dirs"), None) or (metadata_dir,)
        else:
            listeners = self._listeners(name, "listeners", raw.get("listeners"), file)
            advertised = self._listeners(name, "advertised.listeners", raw.get("advertised_listeners"), file)
            log_dirs = self._dirs(name, "zk2kraft_log_dirs", raw.get("log_dirs"), file)
            metadata_dir = str(raw.get("metadata_log_dir") or (current or {}).get("metadata.log.dir") or "")
        rack = raw.get("rack")
        if rack is None and current is not None:
            rack = current.get("broker.rack")
        if isinstance(rack, (list, dict, bool)):
            self.problem(name, "zk2kraft_rack", f"the rack must be a string, got '{rack}'", "set one rack name")
            rack = None
        try:
            roles = _str_list(raw.get("declared_roles"))
        except ModelError as exc:
            self.problem(name, "zk2kraft_process_roles", f"process roles {exc}", "use broker and/or controller")
            roles = ()
        for item in roles:
            if item not in PROCESS_ROLES:
                self.problem(name, "zk2kraft_process_roles",
                             f"unknown process role '{item}' (only 'broker' and 'controller' are allowed roles)",
                             "use broker or controller")
        return Node(
            name=name,
            role=role,
            node_id=-1 if node_id is None else node_id,
            address=address,
            listeners=listeners,
            advertised_listeners=advertised,
            log_dirs=log_dirs,
            metadata_log_dir=str(metadata_dir) if metadata_dir else None,
            rack=str(rack) if rack is not None else None,
            config_file=str(raw.get("config_file") or defaults["config_file"]),
            current=current,
            file=file,
            declared_roles=tuple(r for r in roles if r in PROCESS_ROLES),
            zookeeper_sasl=str(raw["zookeeper_sasl"]) if raw.get("zookeeper_sasl") else None,
        )

    def _dirs(self, name: str, key: str, raw: Any, file: NodeFile | None) -> tuple[str, ...]:
        try:
            return _log_dirs(raw, file)
        except ModelError as exc:
            self.problem(name, key, f"log dirs {exc}", "list the log directories, e.g. [/var/lib/kafka/data]")
            return ()

    def _listeners(self, name: str, key: str, raw: Any, file: NodeFile | None) -> tuple[Listener, ...]:
        var = "zk2kraft_" + key.replace(".", "_")
        fix = "write listeners as NAME://host:port, comma-separated, ports in 1..65535"
        if raw is None and file is not None:
            # The file's own listeners, parsed once with the file.
            var = key
            error = file.parse_error(key)
            if error:
                self.problem(name, var, error, fix)
                return ()
            listeners = file.listeners if key == "listeners" else file.advertised_listeners
        else:
            if isinstance(raw, (list, tuple)):
                raw = ",".join(str(item) for item in raw)
            try:
                listeners = parse_listeners(raw)
            except ModelError as exc:
                self.problem(name, var, str(exc), fix)
                return ()
        seen_names: dict[str, Listener] = {}
        seen_ports: dict[int, Listener] = {}
        for item in listeners:
            if item.name in seen_names:
                self.problem(name, var, f"listener name {item.name} appears twice ({seen_names[item.name]} and {item})", "give each listener a different name")
            seen_names.setdefault(item.name, item)
            if key == "listeners" and item.port in seen_ports:
                self.problem(name, var, f"port {item.port} is used by two listeners ({seen_ports[item.port]} and {item})",
                             "give each listener a different port")
            seen_ports.setdefault(item.port, item)
        return listeners


def _first_in_files(nodes: tuple[Node, ...], key: str) -> str | None:
    """The first non-empty ``key`` in the nodes' current files (the inventory left it out), else None."""
    return next((node.current[key] for node in nodes if node.current and node.current.get(key)), None)


def build_cluster(spec: Mapping[str, Any], partial: bool = False) -> tuple[Cluster | None, list[Violation]]:
    """Build the model; return it (None when unusable) and every problem found on the way.

    ``partial``: the spec holds the inventory alone (no host's file read yet); values a file may
    still give are not reported missing, every value given is judged.
    """
    builder = _Builder(partial)
    defaults = dict(_CLUSTER_DEFAULTS)
    defaults.update({k: v for k, v in spec.items() if v is not None and k in _CLUSTER_DEFAULTS})
    try:
        defaults["controller_port"] = _as_int(defaults["controller_port"], "zk2kraft_controller_port")
        problem = port_problem(defaults["controller_port"])
        if problem:
            raise ModelError(problem)
    except ModelError as exc:
        builder.problem("(cluster)", "zk2kraft_controller_port", str(exc), "set a TCP port number in 1..65535")
        defaults["controller_port"] = 9093
    defaults["controller_listener_name"] = str(defaults["controller_listener_name"]).upper()
    if not LISTENER_NAME_RE.match(defaults["controller_listener_name"]):
        builder.problem("(cluster)", "zk2kraft_controller_listener_name",
                        "'{}' is not a listener name".format(defaults["controller_listener_name"]),
                        "use letters, digits, '_', '.' or '-', e.g. CONTROLLER")
    for group in ("brokers", "controllers"):
        if not isinstance(spec.get(group) or (), (list, tuple)):
            builder.problem("(inventory)", group, f"the {group} must be a list of hosts", "list the hosts")
            return None, builder.violations

    brokers = [builder.node(raw, BROKER, defaults) for raw in spec.get("brokers") or ()]
    controllers = [builder.node(raw, CONTROLLER, defaults) for raw in spec.get("controllers") or ()]
    broker_nodes = tuple(n for n in brokers if n is not None)
    controller_nodes = tuple(n for n in controllers if n is not None)

    release = metadata_version = None
    try:
        release = Release.parse(str(spec.get("kafka_version") or ""))
    except ModelError as exc:
        builder.problem("(cluster)", "zk2kraft_kafka_version", str(exc), "set the Kafka release the cluster runs, e.g. 3.9.0")
    mv_text = spec.get("metadata_version")
    if mv_text is None:
        # The brokers' current IBP is the natural default for the controllers' metadata.version.
        ibps = {n.current.get("inter.broker.protocol.version") for n in broker_nodes if n.current}
        ibps.discard(None)
        if len(ibps) == 1:
            mv_text = ibps.pop()
        elif release is not None:
            mv_text = "{}.{}".format(*release.line)
    try:
        metadata_version = MetadataVersion.parse(str(mv_text or ""))
    except ModelError as exc:
        builder.problem(
            "(cluster)", "zk2kraft_metadata_version", str(exc),
            "set the metadata version (equal to the brokers' inter.broker.protocol.version)",
        )

    zk_connect = spec.get("zookeeper_connect")
    if not zk_connect:
        currents = [n.current.get("zookeeper.connect") for n in broker_nodes + controller_nodes
                    if n.current and n.current.get("zookeeper.connect")]
        zk_connect = currents[0] if currents else None
    if zk_connect and not isinstance(zk_connect, str):
        builder.problem("(cluster)", "zk2kraft_zookeeper_connect", f"must be a string, got '{zk_connect}'",
                        "write host:port[,host:port][/chroot]")
        zk_connect = None
    elif zk_connect:
        problem = zookeeper_connect_problem(zk_connect)
        if problem:
            key = "zk2kraft_zookeeper_connect" if spec.get("zookeeper_connect") else "zookeeper.connect"
            builder.problem("(cluster)", key, problem, ZK_CONNECT_FIX)
    if not zk_connect:
        builder.missing(
            "(cluster)", "zookeeper.connect",
            "Missing required configuration `zookeeper.connect` which has no default value: the controllers and "
            "the brokers in migration mode need the ZooKeeper ensemble",
            "set zk2kraft_zookeeper_connect (host:port[,host:port][/chroot]) in the inventory",
        )

    protocol_map: dict[str, str] = {}
    raw_map = spec.get("listener_security_protocol_map")
    # Else the first broker file's map, parsed with its file.
    first_file = None if raw_map is not None else next(
        (n.file for n in broker_nodes if n.file is not None and n.file.sets(PROTOCOL_MAP_KEY)), None)
    try:
        if first_file is not None:
            if first_file.protocol_map is None:
                raise ModelError(first_file.parse_error(PROTOCOL_MAP_KEY) or "it does not parse")
            protocol_map = dict(first_file.protocol_map)
        elif isinstance(raw_map, Mapping):
            protocol_map = {str(k).upper(): str(v).upper() for k, v in raw_map.items()}
        else:
            protocol_map = parse_protocol_map(raw_map)
    except ModelError as exc:
        builder.problem("(cluster)", "listener.security.protocol.map", str(exc), "write NAME:PROTOCOL pairs, comma-separated")
    for name, proto in protocol_map.items():
        if proto not in SECURITY_PROTOCOLS:
            key = "zk2kraft_listener_security_protocol_map" if raw_map is not None else "listener.security.protocol.map"
            builder.problem("(cluster)", key, f"listener {name} maps to '{proto}', which is not a security protocol",
                            "use one of {}".format(", ".join(SECURITY_PROTOCOLS)))
    if not protocol_map:
        # Kafka's default map: listener names equal to protocol names.
        protocol_map = {p: p for p in SECURITY_PROTOCOLS}
    controller_name = defaults["controller_listener_name"]
    protocol_map.pop(controller_name, None)

    inter_broker = spec.get("inter_broker_listener_name")
    if not inter_broker:
        for node in broker_nodes:
            if node.current and node.current.get("inter.broker.listener.name"):
                inter_broker = node.current["inter.broker.listener.name"]
                break
            if node.current and node.current.get("security.inter.broker.protocol"):
                # The older setting names the protocol, and so the default listener of that name.
                inter_broker = node.current["security.inter.broker.protocol"]
                break
    if not inter_broker:
        inter_broker = "PLAINTEXT"
    if not LISTENER_NAME_RE.match(str(inter_broker)):
        builder.problem("(cluster)", "zk2kraft_inter_broker_listener_name", f"'{inter_broker}' is not a listener name",
                        "name one of the brokers' listeners, e.g. INTERNAL")
    sasl = spec.get("controller_sasl_mechanism")
    if sasl and str(sasl).upper() not in SASL_MECHANISMS:
        builder.problem("(cluster)", "zk2kraft_controller_sasl_mechanism",
                        f"'{sasl}' is not a SASL mechanism Kafka knows",
                        "use one of {}".format(", ".join(m for m in SASL_MECHANISMS if not m.startswith("SCRAM"))))

    authorizer = str(defaults["authorizer"]).lower()
    if authorizer not in ("auto", "acl", "none"):
        builder.problem("(cluster)", "zk2kraft_authorizer", f"'{authorizer}' is not one of auto, acl, none", "use auto, acl or none")
        authorizer = "auto"
    if authorizer == "auto":
        authorizer_enabled = any(
            (n.current or {}).get("authorizer.class.name", "").strip() in (ACL_AUTHORIZER, STANDARD_AUTHORIZER)
            for n in broker_nodes
        )
    else:
        authorizer_enabled = authorizer == "acl"

    super_users = spec.get("super_users")
    if super_users is None:
        super_users = _first_in_files(broker_nodes, "super.users")

    maps: dict[str, dict[str, str]] = {}
    for key in ("zookeeper_client_properties", "controller_properties", "broker_controller_properties"):
        try:
            maps[key] = _as_str_map(spec.get(key), "zk2kraft_" + key)
        except ModelError as exc:
            builder.problem("(cluster)", "zk2kraft_" + key, str(exc), "give a mapping of property names to values")
            maps[key] = {}
    if not maps["zookeeper_client_properties"]:
        # Carry the brokers' ZooKeeper client settings (TLS, SASL, ACLs) to the controllers. Once the
        # brokers are on KRaft only the controllers still hold them, and a rollback needs them back.
        for node in broker_nodes + controller_nodes:
            if node.current and node.current.get("zookeeper.connect"):
                maps["zookeeper_client_properties"] = {
                    k: v for k, v in node.current.items() if k.startswith("zookeeper.") and k not in _ZK_NOT_CLIENT
                }
                break

    voters_override: tuple[Voter, ...] | None = None
    if spec.get("controller_quorum_voters"):
        try:
            voters_override = parse_voters(str(spec["controller_quorum_voters"]))
        except ModelError as exc:
            builder.problem("(cluster)", "zk2kraft_controller_quorum_voters", str(exc),
                            "write the voters as id@host:port, comma-separated")

    if release is None or metadata_version is None:
        return None, builder.violations
    cluster = Cluster(
        kafka_version=release,
        metadata_version=metadata_version,
        metadata_version_text=str(mv_text),
        zookeeper_connect=str(zk_connect or ""),
        controller_listener_name=controller_name,
        controller_port=defaults["controller_port"],
        controller_security_protocol=str(defaults["controller_security_protocol"]).upper(),
        controller_sasl_mechanism=(str(spec["controller_sasl_mechanism"]).upper() if spec.get("controller_sasl_mechanism") else None),
        inter_broker_listener_name=str(inter_broker).upper(),
        broker_protocol_map=protocol_map,
        authorizer_enabled=authorizer_enabled,
        brokers=broker_nodes,
        controllers=controller_nodes,
        voters_override=voters_override,
        zookeeper_client_properties=maps["zookeeper_client_properties"],
        controller_properties=maps["controller_properties"],
        broker_controller_properties=maps["broker_controller_properties"],
        super_users=str(super_users) if super_users else None,
        zookeeper_sasl_username=str(spec["zookeeper_sasl_username"]) if spec.get("zookeeper_sasl_username") else None,
        partial=partial,
        explicit_keys=tuple(sorted(k for k in spec if spec.get(k) is not None and k not in ("brokers", "controllers"))),
    )
    return cluster, builder.violations


# zookeeper.* keys that are not client settings and must not be copied to controllers.
_ZK_NOT_CLIENT = frozenset(("zookeeper.connect", "zookeeper.metadata.migration.enable"))


def cluster_to_spec(cluster: Cluster) -> dict[str, Any]:
    """A fully resolved spec: every value explicit, so a host renders its file alone.

    Values the model derived from other brokers' files (protocol map, authorizer,
    ZooKeeper client settings) are written out, so each host renders the same plan.
    """

    def bootstrap(node: Node) -> str | None:
        # The broker's own inter-broker listener: what health checks run the Kafka tools against.
        for item in node.listeners:
            if item.name == cluster.inter_broker_listener_name:
                return f"{item.host}:{item.port}"
        return None

    def node_spec(node: Node) -> dict[str, Any]:
        return {
            "name": node.name,
            "node_id": node.node_id,
            "address": node.address,
            "listeners": format_listeners(node.listeners) if node.role == BROKER else None,
            "advertised_listeners": format_listeners(node.advertised_listeners) or None,
            "log_dirs": list(node.log_dirs),
            "metadata_log_dir": node.metadata_log_dir,
            "rack": node.rack,
            # The brokers' default, which a parallel roll's safety check uses for topics without their own.
            "min_insync_replicas": (node.current or {}).get("min.insync.replicas") if node.role == BROKER else None,
            "config_file": node.config_file,
            "bootstrap_server": bootstrap(node) if node.role == BROKER else None,
        }

    return {
        "kafka_version": str(cluster.kafka_version),
        "metadata_version": cluster.metadata_version_text,
        "zookeeper_connect": cluster.zookeeper_connect,
        "controller_listener_name": cluster.controller_listener_name,
        "controller_port": cluster.controller_port,
        "controller_security_protocol": cluster.controller_security_protocol,
        "controller_sasl_mechanism": cluster.controller_sasl_mechanism,
        "inter_broker_listener_name": cluster.inter_broker_listener_name,
        "listener_security_protocol_map": format_protocol_map(cluster.broker_protocol_map),
        "authorizer": "acl" if cluster.authorizer_enabled else "none",
        "controller_quorum_voters": format_voters(cluster.voters_override) if cluster.voters_override else None,
        "zookeeper_client_properties": dict(cluster.zookeeper_client_properties),
        "controller_properties": dict(cluster.controller_properties),
        "broker_controller_properties": dict(cluster.broker_controller_properties),
        "super_users": cluster.super_users,
        "zookeeper_sasl_username": cluster.zookeeper_sasl_username,
        # The --bootstrap-controller value of the quorum tool.
        "bootstrap_controllers": ",".join(f"{n.address}:{cluster.controller_port}" for n in cluster.controllers),
        "controllers": [node_spec(n) for n in cluster.controllers],
        "brokers": [node_spec(n) for n in cluster.brokers],
    }


SPEC_PROPERTY_MAPS = ("zookeeper_client_properties", "controller_properties", "broker_controller_properties")


def split_secrets(spec: Mapping[str, Any], is_secret: Any) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Move secret-looking property values out of a spec, so they can travel as no_log options."""
    public = dict(spec)
    secrets: dict[str, dict[str, str]] = {}
    for group in SPEC_PROPERTY_MAPS:
        values = dict(spec.get(group) or {})
        hidden = {k: v for k, v in values.items() if is_secret(k)}
        if hidden:
            secrets[group] = hidden
            public[group] = {k: v for k, v in values.items() if k not in hidden}
    return public, secrets


def merge_secrets(spec: Mapping[str, Any], secrets: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = dict(spec)
    for group, values in (secrets or {}).items():
        if group in SPEC_PROPERTY_MAPS:
            combined = dict(merged.get(group) or {})
            combined.update(values or {})
            merged[group] = combined
    return merged
