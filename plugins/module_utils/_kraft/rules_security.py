# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""check_cluster's security rules: the controller listener's protocol and SASL mechanism, the mechanisms
the controllers must enable, and the ZooKeeper SASL login the brokers' znodes demand. invariants.py
lists and runs them.
"""

from __future__ import annotations

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import (
    SECURITY_PROTOCOLS,
    Cluster,
    Node,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_file import csv_items
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_facts import (
    _TRUE,
    _ClusterCheck,
)

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
    enabled = [m.upper() for m in csv_items(raw_enabled)] if raw_enabled is not None else [_DEFAULT_SASL_MECHANISM]
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
