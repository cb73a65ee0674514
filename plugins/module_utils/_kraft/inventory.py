# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Inventory variables (zk2kraft_*) -> cluster spec. The variable names live here only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Mapping as AbcMapping
from typing import Any, Callable

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


# Where Jinja can start in a string (the default delimiters, and a header that changes them).
_JINJA_HEADER = "#jinja2:"
_PLAIN_SCALARS = (bool, int, float)


def is_plain(value: Any) -> bool:
    """True when templating ``value`` could not change it: None, numbers, and strings, lists and mappings
    of them without a Jinja delimiter. Any other type (a vaulted value, a lazy container) is not plain."""
    if value is None or isinstance(value, _PLAIN_SCALARS):
        return True
    if isinstance(value, str):
        # Each delimiter spelled out: this runs on every variable read, where a generator cost ten times as much.
        return not (value.startswith(_JINJA_HEADER) or "{{" in value or "{%" in value or "{#" in value)
    if isinstance(value, list):
        return all(is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(is_plain(key) and is_plain(item) for key, item in value.items())
    return False


# Ansible's own names of a host (magic variables, set after every other source, so never a fact or an
# inventory value), and an expression made of one of them alone, as Jinja's lexer reads it.
_HOST_NAMES = ("inventory_hostname", "inventory_hostname_short")
_HOST_NAME_EXPRESSION = re.compile(r"\{\{[ \t]*(inventory_hostname(?:_short)?)[ \t]*\}\}")


def host_name_template(value: Any, variables: Mapping[str, Any]) -> str | None:
    """``value`` rendered as Jinja would when it is text and ``{{ inventory_hostname }}`` or
    ``{{ inventory_hostname_short }}`` only (``INTERNAL://{{ inventory_hostname }}:9092``, the usual per-host
    listener); None for anything else. Thousands of hosts then skip a Jinja render each.

    Declined: a ``#jinja2:`` header, blocks and comments, any other expression (filters, whitespace control,
    ``{{{``), a carriage return (Jinja writes line breaks as LF) and a name that is not text."""
    if not isinstance(value, str) or value.startswith(_JINJA_HEADER) or "{%" in value or "{#" in value \
            or "\r" in value:
        return None
    parts: list[str] = []
    position = 0
    while True:
        start = value.find("{{", position)
        if start < 0:
            break
        match = _HOST_NAME_EXPRESSION.match(value, start)
        if match is None:
            return None
        name = variables.get(match.group(1))
        if not isinstance(name, str):
            return None
        if start == 0 and match.end() == len(value):
            return name  # one expression alone: Jinja gives the value itself
        parts.append(value[position:start])
        parts.append(name)
        position = match.end()
    if not parts:
        return None
    parts.append(value[position:])
    return "".join(parts)


class _Raise:
    """A templating failure, kept so that every later read of the variable fails the same way."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class HostView(AbcMapping):  # type: ignore[type-arg,unused-ignore]
    """One host's variables, read once: plain values as the inventory holds them, others templated on
    first access (and remembered)."""

    def __init__(self, host: str, raw: Mapping[str, Any],
                 template: Callable[[str, Mapping[str, Any], str], Any] | None) -> None:
        self._host = host
        self._raw = raw
        self._template = template
        self._done: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        value = self._raw[key]
        if self._template is None or is_plain(value):
            return value
        if key not in self._done:
            try:
                self._done[key] = self._template(self._host, self._raw, key)
            except Exception as exc:  # remembered, raised again on each read like a lazy hostvar
                self._done[key] = _Raise(exc)
        done = self._done[key]
        if isinstance(done, _Raise):
            raise done.error
        return done

    def get(self, key: str, default: Any = None) -> Any:
        # Most variables are unset on most hosts: answer those without raising KeyError.
        if key not in self._raw:
            return default
        return self[key]

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class HostVariables:
    """``host -> variables`` that reads each host's variables once (``raw``: untemplated, as the inventory
    and facts hold them) and templates only values that hold Jinja, with ``template(host, raw, key)``."""

    def __init__(self, raw: Callable[[str], Mapping[str, Any]],
                 template: Callable[[str, Mapping[str, Any], str], Any] | None = None) -> None:
        self._raw = raw
        self._template = template
        self._views: dict[str, HostView] = {}

    def __call__(self, host: str) -> HostView:
        view = self._views.get(host)
        if view is None:
            view = self._views[host] = HostView(host, self._raw(host), self._template)
        return view


def _get(vars_: Any, key: str) -> Any:
    try:
        return vars_.get(key)
    except Exception:  # a variable that fails to template counts as unset; the model reports what is missing
        return None


def _present(vars_: Any, wanted: set[str]) -> set[str]:
    """Which of ``wanted`` ``vars_`` holds (all of them when it cannot list its keys): the others read as unset."""
    try:
        return wanted.intersection(vars_.keys())
    except Exception:  # an object without keys: ask it for each variable
        return wanted


def _names(vars_: Any) -> list[str]:
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
        return f"a different {'mapping' if isinstance(value, dict) else 'list'}"
    return f"'{value}'"


class _Canonical:
    """``_canonical`` remembered by identity: hosts of one group share the very same value objects."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[Any, str]] = {}

    def __call__(self, value: Any) -> str:
        if value is None:
            return "null"  # what most hosts hold for most variables: unset
        if isinstance(value, _PLAIN_SCALARS):
            return _canonical(value)
        found = self._seen.get(id(value))
        if found is None or found[0] is not value:
            found = self._seen[id(value)] = (value, _canonical(value))  # the value is kept: its id stays unique
        return found[1]


def cluster_key_violations(hosts: Sequence[str], host_vars: Callable[[str], Mapping[str, Any]]) -> list[Violation]:
    """A cluster-wide variable must have one value on every Kafka host: the plan reads it from the first broker."""
    out: list[Violation] = []
    canonical = _Canonical()
    names = [PREFIX + key for key in CLUSTER_KEYS if key not in NODE_KEYS]
    wanted = set(names)
    views = [(host, vars_, _present(vars_, wanted)) for host, vars_ in ((h, host_vars(h)) for h in hosts)]
    for name in names:
        groups: dict[str, tuple[Any, list[str]]] = {}
        for host, vars_, present in views:
            value = _get(vars_, name) if name in present else None
            groups.setdefault(canonical(value), (value, []))[1].append(host)
        if len(groups) < 2:
            continue
        described = "; ".join("{} on {}".format(_describe(value), ",".join(names)) for value, names in groups.values())
        odd = [h for dummy, names in list(groups.values())[1:] for h in names]
        out.append(Violation(",".join(odd), name, f"{name} is cluster-wide but differs between hosts ({described}); the plan would "
                             "silently take the first broker's",
                             f"set {name} once for all hosts (group_vars/all), not per host or per group", ERROR))
    return out


def variable_names(hosts: Sequence[str], host_vars: Callable[[str], Mapping[str, Any]],
                   play_vars: Mapping[str, Any]) -> list[str]:
    """Every zk2kraft_* variable the inventory or the command line sets."""
    names = set(_names(play_vars))
    for host in hosts:
        names.update(_names(host_vars(host)))
    return sorted(names)


def option_values(names: Sequence[str], hosts: Sequence[str], host_vars: Callable[[str], Mapping[str, Any]],
                  play_vars: Mapping[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """Each run option's distinct values: on the Ansible controller ('localhost') and on any host that differs."""
    canonical = _Canonical()
    sources = [("localhost", play_vars)] + [(h, host_vars(h)) for h in hosts]
    wanted = set(names)
    seen: dict[str, dict[str, str]] = {name: {} for name in names}
    values: dict[str, list[tuple[str, Any]]] = {name: [] for name in names}
    # Source by source (most hosts set none of the options), each option's values still in source order.
    for where, vars_ in sources:
        present = _present(vars_, wanted)
        if not present:
            continue
        for name in names:
            if name not in present:
                continue
            value = _get(vars_, name)
            if value is None:
                continue
            text = canonical(value)
            if text in seen[name]:
                continue
            seen[name][text] = where
            values[name].append((where, value))
    return {name: values[name] for name in names if values[name]}


def spec_from_inventory(
    brokers: Sequence[str],
    controllers: Sequence[str],
    host_vars: Callable[[str], Mapping[str, Any]],
    play_vars: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Build the spec, and collect current files read live (zk2kraft_current_properties)."""
    first = host_vars(brokers[0]) if brokers else {}
    spec: dict[str, Any] = {}
    for key in CLUSTER_KEYS:
        value = _get(first, PREFIX + key)
        if value is None:
            value = _get(play_vars, PREFIX + key)
        if value is not None:
            spec[key] = value
    # SASL to ZooKeeper: the collection's own credentials are also the controllers' ZooKeeper login.
    zk_client = _get(first, PREFIX + "zookeeper_client")
    if zk_client is None:
        zk_client = _get(play_vars, PREFIX + "zookeeper_client")
    if isinstance(zk_client, Mapping) and zk_client.get("zookeeper_auth") == "sasl_digest":
        spec["zookeeper_sasl_username"] = zk_client.get("zookeeper_username")
        spec["zookeeper_sasl_password"] = zk_client.get("zookeeper_password")
    texts: dict[str, str] = {}
    # Run options a host may also set for itself; read once here, not once per host.
    run_wide = {key: _get(play_vars, PREFIX + key) for key in ("jolokia_port", "log_dir", "kafka_client")}

    def node(name: str, declared_roles: tuple[str, ...]) -> dict[str, Any]:
        vars_ = host_vars(name)
        entry: dict[str, Any] = {"name": name}
        for key in NODE_KEYS:
            value = _get(vars_, PREFIX + key)
            if value is not None:
                entry[key] = value
        entry["address"] = _get(vars_, PREFIX + "address") or _get(vars_, "ansible_host") or name
        roles = _get(vars_, PREFIX + "process_roles")
        entry["declared_roles"] = roles if roles else list(declared_roles)
        # How the collection reaches the host besides its file (node_access): its Jolokia agent and LOG_DIR.
        own = {key: _get(vars_, PREFIX + key) for key in run_wide}
        chosen = {key: run_wide[key] if value is None else value for key, value in own.items()}
        for key in ("jolokia_port", "log_dir"):
            if chosen[key] is not None:
                entry[key] = chosen[key]
        kafka_client = chosen["kafka_client"]
        if isinstance(kafka_client, Mapping) and kafka_client.get("jolokia_tls") is not None:
            entry["jolokia_tls"] = kafka_client["jolokia_tls"]
        observed = _get(vars_, PREFIX + "node")  # kafka_node_info's result, where the run read the host
        if isinstance(observed, Mapping) and observed.get("zookeeper_sasl"):
            entry["zookeeper_sasl"] = str(observed["zookeeper_sasl"])
        current = _get(vars_, PREFIX + "current_properties")
        if isinstance(current, str) and current:
            texts[name] = current
        return entry

    both = set(brokers) & set(controllers)
    spec["brokers"] = [node(h, ("broker", "controller") if h in both else ()) for h in brokers]
    spec["controllers"] = [node(h, ("broker", "controller") if h in both else ()) for h in controllers]
    return spec, texts


def live_file_states(hosts: Sequence[str], host_vars: Callable[[str], Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """What reading each host's file found (zk2kraft_current_file: path and stat fields), where it was read."""
    states: dict[str, Mapping[str, Any]] = {}
    for host in hosts:
        state = _get(host_vars(host), PREFIX + "current_file")
        if isinstance(state, Mapping):
            states[host] = state
    return states
