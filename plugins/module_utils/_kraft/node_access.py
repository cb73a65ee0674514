# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""How the collection reaches a node besides its config file: its Jolokia agent's URL and Kafka's LOG_DIR.

Worked out once here, into the resolved cluster spec's node entries, so that no playbook or role builds
a URL (or picks another host's variable) in Jinja.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.booleans import is_true
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import port_problem

# Kafka's LOG_DIR in the packaged layout (the playbooks' default for zk2kraft_log_dir).
DEFAULT_LOG_DIR = "/var/log/kafka"
# The spec's node groups that get the fields.
_GROUPS = ("controllers", "brokers")


def jolokia_url(address: str, port: Any, tls: Any = False) -> str | None:
    """The base URL of the node's Jolokia agent; None when no Jolokia port is configured.

    ``tls`` is the agent's protocol=https (``jolokia_tls`` of zk2kraft_kafka_client). A port that is not a
    TCP port number also gives None: check_inputs refuses such a zk2kraft_jolokia_port before any plan.
    """
    if port is None or isinstance(port, bool) or str(port).strip() == "":
        return None
    try:
        number = int(str(port).strip())
    except ValueError:
        return None
    if port_problem(number) is not None:
        return None
    # An IPv6 literal needs brackets in a URL.
    host = f"[{address}]" if ":" in address and not address.startswith("[") else address
    return "{}://{}:{}/jolokia".format("https" if is_true(tls) else "http", host, number)


def with_node_access(public: Mapping[str, Any], raw_spec: Mapping[str, Any]) -> dict[str, Any]:
    """``public`` (a resolved spec) with ``jolokia_url`` and ``log_dir`` on every node entry.

    Each comes from the raw spec's node entry (``jolokia_port``, ``jolokia_tls``, ``log_dir``: a host's own
    variables), else from the raw spec itself (an explicit spec may give them once for every node).
    """
    raw_nodes: dict[str, Mapping[str, Any]] = {}
    for group in _GROUPS:
        for raw in raw_spec.get(group) or ():
            if isinstance(raw, Mapping):
                raw_nodes.setdefault(str(raw.get("name")), raw)
    out = dict(public)
    for group in _GROUPS:
        entries = []
        for entry in public.get(group) or ():
            raw = raw_nodes.get(str(entry.get("name")), {})

            def given(key: str, default: Any = None, raw: Mapping[str, Any] = raw) -> Any:
                value = raw.get(key)
                return raw_spec.get(key, default) if value is None else value

            entries.append(dict(
                entry,
                jolokia_url=jolokia_url(str(entry.get("address")), given("jolokia_port"), given("jolokia_tls", False)),
                log_dir=str(given("log_dir") or DEFAULT_LOG_DIR),
            ))
        out[group] = entries
    return out
