# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Configuration and cluster rules (facts §3) -> violations with host, key, message and fix.

``check_config`` mirrors Kafka 3.9's ``KafkaConfig.validateValues`` on one file,
with Kafka's own wording, so a file Kafka would refuse is never written.
``check_cluster`` adds the migration-wide rules Kafka does not check.

This module lists the rules in the order they run and runs them; the rules live by theme in
rules_file.py and rules_kraft_file.py (one file), rules_cluster.py, rules_security.py,
rules_brokers.py and rules_agreement.py (the cluster), on the facts of rules_facts.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import Cluster
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_ids import IdEvidence
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_agreement import (
    _endpoints_distinct,
    _expert_settings,
    _files_agree,
    _protocol_maps_agree,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_brokers import (
    _broker_acls_can_migrate,
    _broker_control_plane_listener_goes,
    _broker_endpoints_not_the_controllers,
    _broker_file_id_is_the_inventory_id,
    _broker_has_listeners,
    _broker_has_the_inter_broker_listener,
    _broker_ibp_is_the_metadata_version,
    _broker_listener_not_the_controllers,
    _broker_log_dirs_can_migrate,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_cluster import (
    _brokers_defined,
    _brokers_not_combined,
    _controllers_defined,
    _controllers_not_combined,
    _metadata_version_can_migrate,
    _node_ids_unique,
    _release_can_migrate,
    _voters_override_lists_the_controllers,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_facts import (
    BrokerRule,
    ClusterRule,
    ConfigRule,
    _ClusterCheck,
    _Collector,
    _ConfigFacts,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_file import (
    _has_a_log_dir,
    _known_roles,
    _migration_broker_id_explicit,
    _migration_controller_listeners_mapped,
    _migration_ibp_at_least_3_4,
    _migration_jbod_supported,
    _migration_names_the_controller_listener,
    _migration_names_the_quorum,
    _no_controller_listener_without_migration,
    _node_id_equals_broker_id,
    _one_inter_broker_setting,
    _roles_listed_once,
    _values_parse,
    _zookeeper_connect_set,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_kraft_file import (
    _broker_advertises_a_listener,
    _broker_controller_listeners_mapped,
    _broker_does_not_listen_as_controller,
    _broker_inter_broker_listener_advertised,
    _broker_names_the_controller_listener,
    _broker_not_a_voter,
    _controller_advertises_nothing_before_3_9,
    _controller_is_a_voter,
    _controller_listener_listened_on,
    _controller_listens_only_as_controller,
    _kraft_migration_needs_zookeeper,
    _no_control_plane_listener,
    _node_id_set,
    _quorum_named,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_security import (
    _controller_mechanism_not_scram,
    _controller_protocol_known,
    _controller_sasl_mechanisms_enabled,
    _zookeeper_sasl_login_given,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import Release

# The release check_config assumes when the caller names none.
_DEFAULT_RELEASE = Release(3, 9, 0)

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
    facts = _ConfigFacts.of(props, release)
    for rule in config_rules(facts.roles):
        rule(facts, out)
    return out.found


BROKER_RULES: tuple[BrokerRule, ...] = (
    _broker_has_listeners, _broker_listener_not_the_controllers, _broker_has_the_inter_broker_listener,
    _broker_endpoints_not_the_controllers, _broker_log_dirs_can_migrate, _broker_ibp_is_the_metadata_version,
    _broker_control_plane_listener_goes, _broker_acls_can_migrate, _broker_file_id_is_the_inventory_id,
)


def _each_broker(c: _ClusterCheck) -> None:
    for node in c.cluster.brokers:
        for rule in BROKER_RULES:
            rule(c, node)


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


def errors_only(violations: Sequence[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == ERROR]
