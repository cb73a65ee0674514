# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""check_config's rules of every file, and of a ZooKeeper-mode broker's file (``process.roles`` unset),
in Kafka 3.9's ``KafkaConfig.validateValues`` order and wording. invariants.py lists and runs them.
"""

from __future__ import annotations

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_facts import (
    _Collector,
    _ConfigFacts,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import (
    MV_3_4,
    MV_3_7_IV2,
    Release,
)

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
