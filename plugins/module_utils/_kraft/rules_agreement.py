# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""check_cluster's rules across nodes: distinct endpoints, complete protocol maps, the brokers' files
agreeing with each other and with the inventory, and the warnings an expert should read.
invariants.py lists and runs them.
"""

from __future__ import annotations

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
    zookeeper_connect_identity,
    zookeeper_connect_problem,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    WARNING,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_file import PROTOCOL_MAP_KEY
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import MASK, is_secret_key
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_facts import (
    _ClusterCheck,
)

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
        if node.file is not None and node.file.sets(PROTOCOL_MAP_KEY):
            if node.file.protocol_map is None:
                continue  # the model reports the syntax
            mapping = dict(node.file.protocol_map)
            key = PROTOCOL_MAP_KEY
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
    return [n for n in cluster.brokers if n.file is not None and n.file.zookeeper_mode]


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
