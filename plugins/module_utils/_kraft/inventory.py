# -*- coding: utf-8 -*-
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Inventory variables (zk2kraft_*) -> cluster spec. The variable names live here only."""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import json
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ERROR, Violation

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


# Per-host variables that are neither cluster keys nor node keys.
HOST_KEYS = ("address", "process_roles", "current_properties", "current_file")


def _get(vars_: Any, key: str) -> Any:
    try:
        return vars_.get(key)
    except Exception:  # a variable that fails to template counts as unset; the model reports what is missing
        return None


def _names(vars_: Any) -> List[str]:
    try:
        return [str(k) for k in vars_.keys() if str(k).startswith(PREFIX)]
    except Exception:  # an object without keys has no variables to report
        return []


def _canonical(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _describe(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, (dict, list)):
        return "a different %s" % ("mapping" if isinstance(value, dict) else "list")
    return "'%s'" % value


def cluster_key_violations(hosts: Sequence[str], host_vars: Callable[[str], Mapping[str, Any]]) -> List[Violation]:
    """A cluster-wide variable must have one value on every Kafka host: the plan reads it from the first broker."""
    out: List[Violation] = []
    for key in CLUSTER_KEYS:
        if key in NODE_KEYS:
            continue
        name = PREFIX + key
        groups: Dict[str, Tuple[Any, List[str]]] = {}
        for host in hosts:
            value = _get(host_vars(host), name)
            groups.setdefault(_canonical(value), (value, []))[1].append(host)
        if len(groups) < 2:
            continue
        described = "; ".join("%s on %s" % (_describe(value), ",".join(names)) for value, names in groups.values())
        odd = [h for dummy, names in list(groups.values())[1:] for h in names]
        out.append(Violation(",".join(odd), name, "%s is cluster-wide but differs between hosts (%s); the plan would "
                             "silently take the first broker's" % (name, described),
                             "set %s once for all hosts (group_vars/all), not per host or per group" % name, ERROR))
    return out


def variable_names(hosts: Sequence[str], host_vars: Callable[[str], Mapping[str, Any]],
                   play_vars: Mapping[str, Any]) -> List[str]:
    """Every zk2kraft_* variable the inventory or the command line sets."""
    names = set(_names(play_vars))
    for host in hosts:
        names.update(_names(host_vars(host)))
    return sorted(names)


def option_values(names: Sequence[str], hosts: Sequence[str], host_vars: Callable[[str], Mapping[str, Any]],
                  play_vars: Mapping[str, Any]) -> Dict[str, List[Tuple[str, Any]]]:
    """Each run option's distinct values: on the Ansible controller ('localhost') and on any host that differs."""
    found: Dict[str, List[Tuple[str, Any]]] = {}
    for name in names:
        seen: Dict[str, Optional[str]] = {}
        values: List[Tuple[str, Any]] = []
        for where, vars_ in [("localhost", play_vars)] + [(h, host_vars(h)) for h in hosts]:
            value = _get(vars_, name)
            if value is None or _canonical(value) in seen:
                continue
            seen[_canonical(value)] = where
            values.append((where, value))
        if values:
            found[name] = values
    return found


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


def live_file_states(hosts: Sequence[str], host_vars: Callable[[str], Mapping[str, Any]]) -> Dict[str, Mapping[str, Any]]:
    """What reading each host's file found (zk2kraft_current_file: path and stat fields), where it was read."""
    states: Dict[str, Mapping[str, Any]] = {}
    for host in hosts:
        state = _get(host_vars(host), PREFIX + "current_file")
        if isinstance(state, Mapping):
            states[host] = state
    return states
