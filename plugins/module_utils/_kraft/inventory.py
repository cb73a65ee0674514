# -*- coding: utf-8 -*-
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Inventory variables (zk2kraft_*) -> cluster spec. The variable names live here only."""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

from typing import Any, Callable, Dict, Mapping, Sequence, Tuple

PREFIX = "zk2kraft_"

# Cluster-wide variables: zk2kraft_<key> -> spec[<key>].
CLUSTER_KEYS = (
    "kafka_version", "metadata_version", "zookeeper_connect", "zookeeper_client_properties",
    "controller_listener_name", "controller_port", "controller_security_protocol", "controller_sasl_mechanism",
    "inter_broker_listener_name", "listener_security_protocol_map", "controller_quorum_voters", "authorizer",
    "controller_properties", "broker_controller_properties", "super_users", "config_file",
    "controller_metadata_log_dir",
)

# Per-host variables: zk2kraft_<key> -> node[<key>].
NODE_KEYS = (
    "node_id", "listeners", "advertised_listeners", "log_dirs", "metadata_log_dir", "rack", "config_file",
)


def _get(vars_: Any, key: str) -> Any:
    try:
        return vars_.get(key)
    except Exception:  # a variable that fails to template counts as unset; the model reports what is missing
        return None


def spec_from_inventory(
    brokers: Sequence[str],
    controllers: Sequence[str],
    host_vars: Callable[[str], Mapping[str, Any]],
    play_vars: Mapping[str, Any],
) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """Build the spec, and collect current files read live (zk2kraft_current_properties)."""
    first = host_vars(brokers[0]) if brokers else {}
    spec: Dict[str, Any] = {}
    for key in CLUSTER_KEYS:
        value = _get(first, PREFIX + key)
        if value is None:
            value = _get(play_vars, PREFIX + key)
        if value is not None:
            spec[key] = value
    texts: Dict[str, str] = {}

    def node(name: str, declared_roles: Tuple[str, ...]) -> Dict[str, Any]:
        vars_ = host_vars(name)
        entry: Dict[str, Any] = {"name": name}
        for key in NODE_KEYS:
            value = _get(vars_, PREFIX + key)
            if value is not None:
                entry[key] = value
        entry["address"] = _get(vars_, PREFIX + "address") or _get(vars_, "ansible_host") or name
        roles = _get(vars_, PREFIX + "process_roles")
        entry["declared_roles"] = roles if roles else list(declared_roles)
        current = _get(vars_, PREFIX + "current_properties")
        if isinstance(current, str) and current:
            texts[name] = current
        return entry

    both = set(brokers) & set(controllers)
    spec["brokers"] = [node(h, ("broker", "controller") if h in both else ()) for h in brokers]
    spec["controllers"] = [node(h, ("broker", "controller") if h in both else ()) for h in controllers]
    return spec, texts
