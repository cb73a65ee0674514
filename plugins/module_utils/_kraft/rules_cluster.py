# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""check_cluster's rules of the whole cluster: the Kafka release and metadata version, the nodes and
their roles, and the controller quorum. invariants.py lists and runs them.
"""

from __future__ import annotations

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import format_voters
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_facts import (
    _ClusterCheck,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import (
    MV_3_4,
    MV_3_6_IV1,
    Release,
    has_known_migration_races,
    migration_is_early_access,
    supports_migration,
)

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
        roles = set(node.file.roles if node.file is not None else ()) | set(node.declared_roles)
        if roles >= {"broker", "controller"}:
            c.error(node.name, "process.roles", "combined mode (process.roles=broker,controller) is not a migration "
                    "target", "migrate to dedicated controllers; keep process.roles=broker on brokers")


def _voters_override_lists_the_controllers(c: _ClusterCheck) -> None:
    cluster = c.cluster
    voters = cluster.voters_override
    if not voters:
        return
    wanted = {(n.node_id, n.address, cluster.controller_port) for n in cluster.controllers}
    got = {(v.node_id, v.host, v.port) for v in voters}
    if wanted != got:
        c.error("(cluster)", "zk2kraft_controller_quorum_voters",
                "controller.quorum.voters '{}' does not list exactly the controllers {}".format(
                    format_voters(voters), ",".join(sorted(f"{i}@{a}:{p}" for i, a, p in wanted))),
                "remove the override, or list every controller once and nothing else")
