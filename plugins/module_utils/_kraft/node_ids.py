# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Which id the cluster's own state gives a node when its file and the inventory disagree.

The node's storage (``meta.properties`` in its log dirs, written under the id the broker ran with) and
ZooKeeper's ``/brokers/ids`` registration (the id the running broker announced from this address)
are what the cluster itself holds; an id either side of the disagreement invented has neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import PropertiesError, loads


@dataclass(frozen=True)
class IdEvidence:
    """``meta_ids``: log dir -> the id its meta.properties holds; ``registered``: ids registered in
    ZooKeeper from this node's address (None: ZooKeeper was not read)."""

    meta_ids: Mapping[str, str] = field(default_factory=dict)
    registered: tuple[int, ...] | None = None

    def supports(self, node_id: str) -> list[str]:
        found = [f"meta.properties in {d} says {i}" for d, i in sorted(self.meta_ids.items()) if i == node_id]
        if self.registered is not None and node_id.isdigit() and int(node_id) in self.registered:
            found.append(f"ZooKeeper has /brokers/ids/{node_id} registered from this host")
        return found


def meta_ids(meta_properties: Any) -> dict[str, str]:
    """``{dir: id}`` from kafka_node_info's ``meta_properties`` (ZooKeeper mode: broker.id; KRaft: node.id)."""
    out: dict[str, str] = {}
    if not isinstance(meta_properties, Mapping):
        return out
    for directory, props in meta_properties.items():
        if isinstance(props, Mapping):
            value = props.get("node.id", props.get("broker.id"))
            if value is not None:
                out[str(directory)] = str(value).strip()
    return out


def registered_from(address: str, registrations: Mapping[Any, Mapping[str, Any]]) -> tuple[int, ...]:
    """The ids in ``/brokers/ids`` (zookeeper_facts' ``brokers``) whose host or endpoints name ``address``."""
    ids = []
    for broker_id, reg in registrations.items():
        hosts = {str(reg.get("host") or "")}
        for endpoint in reg.get("endpoints") or ():
            hosts.add(str(endpoint).rsplit("//", 1)[-1].rsplit(":", 1)[0].strip("[]"))
        if address in hosts:
            ids.append(int(broker_id))
    return tuple(sorted(ids))


def explain_mismatch(host: str, id_key: str, file_id: str, inventory_id: int,
                     evidence: IdEvidence | None) -> tuple[str, str]:
    """(message, fix) for a file whose id is not the inventory's: which side the cluster's state supports."""
    message = f"server.properties says {id_key}={file_id} but the inventory says {inventory_id}"
    evidence = evidence or IdEvidence()
    for_file = evidence.supports(file_id)
    for_inventory = evidence.supports(str(inventory_id))
    if for_file and not for_inventory:
        return (message + f"; the cluster's own state supports the file ({'; '.join(for_file)})",
                f"set zk2kraft_node_id={file_id} for {host} in the inventory")
    if for_inventory and not for_file:
        return (message + f"; the cluster's own state supports the inventory ({'; '.join(for_inventory)}): the file is wrong",
                f"set {id_key}={inventory_id} in {host}'s server.properties (or restore it from its backup); keep zk2kraft_node_id")
    seen: Sequence[str] = [f"meta.properties in {d} says {i}" for d, i in sorted(evidence.meta_ids.items())]
    if evidence.registered:
        registered = ", ".join(f"/brokers/ids/{i}" for i in evidence.registered)
        seen = list(seen) + [f"ZooKeeper has {registered} registered from this host"]
    state = "; ".join(seen) if seen else "no meta.properties in the log dirs{}".format(
        "" if evidence.registered is None else " and no registration in ZooKeeper from this host")
    return (message + f"; the cluster's own state does not tell which is right ({state})",
            "find the id this broker's data belongs to (meta.properties in its log dirs, /brokers/ids in "
            f"ZooKeeper), then make {id_key} in the file and zk2kraft_node_id agree on it")


def file_value(text: str, key: str) -> str | None:
    try:
        return loads(text).get(key)
    except PropertiesError:
        return None


def file_ids_disagree(spec: Mapping[str, Any], texts: Mapping[str, str]) -> list[str]:
    """Hosts whose file's id is not the inventory's (worth asking ZooKeeper about)."""
    out = []
    for node in spec.get("brokers") or ():
        if not isinstance(node, Mapping) or node.get("node_id") is None or str(node.get("name")) not in texts:
            continue
        try:
            props = loads(texts[str(node["name"])])
        except PropertiesError:
            continue
        file_id = props.get("broker.id", props.get("node.id"))
        if file_id is not None and file_id.strip() != str(node["node_id"]).strip():
            out.append(str(node["name"]))
    return out


def id_evidence(
    spec: Mapping[str, Any], observed: Mapping[str, Mapping[str, Any]],
    registrations: Mapping[Any, Mapping[str, Any]] | None,
) -> dict[str, IdEvidence]:
    """Per broker: ``observed`` is kafka_node_info's result by host, ``registrations`` /brokers/ids (or None)."""
    out: dict[str, IdEvidence] = {}
    for node in spec.get("brokers") or ():
        if not isinstance(node, Mapping):
            continue
        name = str(node.get("name"))
        address = str(node.get("address") or name)
        out[name] = IdEvidence(
            meta_ids(observed.get(name, {}).get("meta_properties")),
            registered_from(address, registrations) if registrations is not None else None)
    return out
