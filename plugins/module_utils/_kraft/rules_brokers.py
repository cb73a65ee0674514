# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""check_cluster's rules about one broker (listeners, log dirs, IBP, ACLs, its file's id), which
check_cluster runs for each broker in turn. invariants.py lists and runs them.
"""

from __future__ import annotations

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import (
    ACL_AUTHORIZER,
    Node,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_file import NodeFile
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_ids import explain_mismatch
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_facts import (
    _ClusterCheck,
    _names,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import (
    MV_3_7_IV2,
    Release,
)

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


def _zookeeper_mode_file(node: Node) -> NodeFile | None:
    # A broker already on KRaft has no IBP any more: these rules are about ZooKeeper-mode brokers.
    if node.file is not None and node.file.zookeeper_mode:
        return node.file
    return None


def _broker_ibp_is_the_metadata_version(c: _ClusterCheck, node: Node) -> None:
    file = _zookeeper_mode_file(node)
    if file is None:
        return
    cluster = c.cluster
    ibp_text, ibp = file.ibp_text, file.ibp
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
    file = _zookeeper_mode_file(node)
    if file is not None and file.props.get("control.plane.listener.name", "").strip():
        c.warning(node.name, "control.plane.listener.name", "control.plane.listener.name is not supported in KRaft "
                  "mode and is removed when the broker moves to KRaft", "nothing to do; expect the key to go")


def _broker_acls_can_migrate(c: _ClusterCheck, node: Node) -> None:
    file = _zookeeper_mode_file(node)
    if (file is not None and file.props.get("authorizer.class.name", "").strip() == ACL_AUTHORIZER
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
