# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The znodes the migration reads, as typed records (private helper; runs on the Ansible controller):
``/cluster/id``, the broker registrations, the topics' assignments and partition states,
``/controller``, ``/controller_epoch`` and ``/migration``, and all of them at once (``read_state``).

Every function takes the client as an argument (anything with kazoo's ``get``/``get_children``),
so unit tests pass a fake.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ZkDataError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_session import NoNodeError

CONTROLLER_PATH = "/controller"
CONTROLLER_EPOCH_PATH = "/controller_epoch"
MIGRATION_PATH = "/migration"
CLUSTER_ID_PATH = "/cluster/id"
BROKER_IDS_PATH = "/brokers/ids"
TOPICS_PATH = "/brokers/topics"


def get_znode(client: Any, path: str) -> tuple[bytes, Any] | None:
    """The data and stat of ``path``, or None when it does not exist."""
    try:
        found: tuple[bytes, Any] = client.get(path)
        return found
    except NoNodeError:
        return None


def child_names(client: Any, path: str) -> list[str]:
    """The sorted children of ``path``; none when it does not exist."""
    try:
        return sorted(client.get_children(path))
    except NoNodeError:
        return []


def json_object(path: str, data: bytes) -> dict[str, Any]:
    """The JSON object a znode holds; a ZkDataError naming ``path`` otherwise."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ZkDataError(f"{path} does not hold JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ZkDataError(f"{path} holds {type(value).__name__}, expected a JSON object")
    return value


def _int(path: str, obj: Mapping[str, Any], key: str, default: int | None = None) -> int:
    raw = obj.get(key, default)
    if raw is None:
        raise ZkDataError(f"{path} lacks {key!r}")
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise ZkDataError(f"{path} has a non-integer {key!r}: {raw!r}") from exc


def read_cluster_id(client: Any) -> str | None:
    """The id in ``/cluster/id`` (``{"version":"1","id":"..."}``), or None before any broker started."""
    got = get_znode(client, CLUSTER_ID_PATH)
    if got is None:
        return None
    obj = json_object(CLUSTER_ID_PATH, got[0])
    cluster_id = obj.get("id")
    if not isinstance(cluster_id, str) or not cluster_id:
        raise ZkDataError(f"{CLUSTER_ID_PATH} has no cluster id: {obj!r}")
    return cluster_id


@dataclass(frozen=True)
class BrokerRegistration:
    broker_id: int
    host: str | None
    port: int | None
    endpoints: tuple[str, ...]
    rack: str | None
    version: int | None
    raw: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.raw)


def read_brokers(client: Any) -> dict[int, BrokerRegistration]:
    """Live ZooKeeper-mode brokers: the ephemeral children of ``/brokers/ids``."""
    brokers: dict[int, BrokerRegistration] = {}
    for child in child_names(client, BROKER_IDS_PATH):
        if not child.isdigit():
            continue
        path = f"{BROKER_IDS_PATH}/{child}"
        got = get_znode(client, path)
        if got is None:  # the broker went away between the listing and the read
            continue
        obj = json_object(path, got[0])
        port = obj.get("port")
        brokers[int(child)] = BrokerRegistration(
            broker_id=int(child),
            host=obj.get("host"),
            port=int(port) if isinstance(port, int) else None,
            endpoints=tuple(obj.get("endpoints") or ()),
            rack=obj.get("rack"),
            version=obj.get("version") if isinstance(obj.get("version"), int) else None,
            raw=obj,
        )
    return brokers


@dataclass(frozen=True)
class TopicAssignment:
    name: str
    topic_id: str | None
    partitions: Mapping[int, tuple[int, ...]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic_id": self.topic_id,
            "partitions": {str(p): list(r) for p, r in sorted(self.partitions.items())},
        }


def read_topic(client: Any, name: str) -> TopicAssignment | None:
    path = f"{TOPICS_PATH}/{name}"
    got = get_znode(client, path)
    if got is None:
        return None
    obj = json_object(path, got[0])
    raw_partitions = obj.get("partitions")
    if not isinstance(raw_partitions, dict):
        raise ZkDataError(f"{path} has no partitions map")
    partitions: dict[int, tuple[int, ...]] = {}
    for key, replicas in raw_partitions.items():
        try:
            partitions[int(key)] = tuple(int(r) for r in replicas)
        except (TypeError, ValueError) as exc:
            raise ZkDataError(f"{path} has a malformed partition {key!r}: {replicas!r}") from exc
    topic_id = obj.get("topic_id")
    return TopicAssignment(name, topic_id if isinstance(topic_id, str) else None, partitions)


def read_topics(client: Any) -> dict[str, TopicAssignment]:
    topics: dict[str, TopicAssignment] = {}
    for name in child_names(client, TOPICS_PATH):
        topic = read_topic(client, name)
        if topic is not None:
            topics[name] = topic
    return topics


def read_partition_states(client: Any, topics: Mapping[str, TopicAssignment]) -> list[dict[str, Any]]:
    """Each partition's replicas and ISR, from its state znode (written by the controller, in ZooKeeper
    mode and in dual-write alike): what the safety check of a parallel roll needs.

    A partition without a state znode has no leader: its ISR is empty. The reads are pipelined
    where the client can (one round trip per partition would dominate on a large cluster).
    """
    keys = [(name, part) for name in sorted(topics) for part in sorted(topics[name].partitions)]
    paths = [f"{TOPICS_PATH}/{name}/partitions/{part}/state" for name, part in keys]
    if hasattr(client, "get_async"):
        pending = [client.get_async(path) for path in paths]

        def fetch(index: int) -> bytes | None:
            try:
                data: bytes = pending[index].get()[0]
                return data
            except NoNodeError:
                return None
    else:
        def fetch(index: int) -> bytes | None:
            got = get_znode(client, paths[index])
            return got[0] if got is not None else None
    states: list[dict[str, Any]] = []
    for index, (name, part) in enumerate(keys):
        data = fetch(index)
        isr: list[int] = []
        if data:
            raw = json_object(paths[index], data).get("isr") or []
            try:
                isr = [int(r) for r in raw]
            except (TypeError, ValueError) as exc:
                raise ZkDataError(f"{paths[index]} has a malformed isr {raw!r}: {exc}") from exc
        states.append({"topic": name, "partition": part, "replicas": list(topics[name].partitions[part]), "isr": isr})
    return states


def assignment_broker_ids(topics: Mapping[str, TopicAssignment]) -> set[int]:
    """Every broker id that holds a replica of any partition: all of them must
    register with KRaft before the migration can proceed."""
    ids: set[int] = set()
    for topic in topics.values():
        for replicas in topic.partitions.values():
            ids.update(replicas)
    return ids


@dataclass(frozen=True)
class ControllerZnode:
    broker_id: int
    kraft_controller_epoch: int
    ephemeral: bool
    timestamp: str | None
    znode_version: int
    raw: Mapping[str, Any]

    @property
    def is_zk_broker(self) -> bool:
        """A ZooKeeper-mode broker won the election: ephemeral and no KRaft epoch."""
        return self.ephemeral and self.kraft_controller_epoch < 0

    def kraft_owned(self, kraft_controller_ids: Sequence[int] = ()) -> bool:
        """Written by a KRaft controller during the migration (it never deletes it)."""
        return (not self.ephemeral) or self.kraft_controller_epoch >= 0 or self.broker_id in kraft_controller_ids

    def as_dict(self) -> dict[str, Any]:
        return {
            "brokerid": self.broker_id,
            "kraft_controller_epoch": self.kraft_controller_epoch,
            "ephemeral": self.ephemeral,
            "timestamp": self.timestamp,
            "znode_version": self.znode_version,
            "is_zk_broker": self.is_zk_broker,
        }


def parse_controller(data: bytes, stat: Any) -> ControllerZnode:
    obj = json_object(CONTROLLER_PATH, data)
    timestamp = obj.get("timestamp")
    return ControllerZnode(
        broker_id=_int(CONTROLLER_PATH, obj, "brokerid"),
        # Kafka before 3.4 wrote no kraftControllerEpoch: that is a ZK controller (-1).
        kraft_controller_epoch=_int(CONTROLLER_PATH, obj, "kraftControllerEpoch", -1),
        ephemeral=bool(getattr(stat, "ephemeralOwner", 0)),
        timestamp=str(timestamp) if timestamp is not None else None,
        znode_version=int(getattr(stat, "version", -1)),
        raw=obj,
    )


def read_controller(client: Any) -> ControllerZnode | None:
    got = get_znode(client, CONTROLLER_PATH)
    if got is None:
        return None
    return parse_controller(got[0], got[1])


def read_controller_epoch(client: Any) -> int | None:
    return read_controller_epoch_and_version(client)[0]


def read_controller_epoch_and_version(client: Any) -> tuple[int | None, int | None]:
    """``/controller_epoch`` and its znode version (for a conditional write); (None, None) when absent."""
    got = get_znode(client, CONTROLLER_EPOCH_PATH)
    if got is None:
        return None, None
    text = got[0].decode("utf-8", "replace").strip()
    try:
        return int(text), int(getattr(got[1], "version", -1))
    except ValueError as exc:
        raise ZkDataError(f"{CONTROLLER_EPOCH_PATH} holds {text!r}, expected an integer") from exc


@dataclass(frozen=True)
class MigrationZnode:
    version: int
    kraft_controller_id: int
    kraft_controller_epoch: int
    kraft_metadata_offset: int
    kraft_metadata_epoch: int
    znode_version: int

    @property
    def initial_copy_done(self) -> bool:
        return self.kraft_metadata_offset > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "kraft_controller_id": self.kraft_controller_id,
            "kraft_controller_epoch": self.kraft_controller_epoch,
            "kraft_metadata_offset": self.kraft_metadata_offset,
            "kraft_metadata_epoch": self.kraft_metadata_epoch,
            "znode_version": self.znode_version,
            "initial_copy_done": self.initial_copy_done,
        }


def parse_migration(data: bytes, stat: Any) -> MigrationZnode:
    obj = json_object(MIGRATION_PATH, data)
    return MigrationZnode(
        version=_int(MIGRATION_PATH, obj, "version"),
        kraft_controller_id=_int(MIGRATION_PATH, obj, "kraft_controller_id"),
        kraft_controller_epoch=_int(MIGRATION_PATH, obj, "kraft_controller_epoch"),
        kraft_metadata_offset=_int(MIGRATION_PATH, obj, "kraft_metadata_offset"),
        kraft_metadata_epoch=_int(MIGRATION_PATH, obj, "kraft_metadata_epoch"),
        znode_version=int(getattr(stat, "version", -1)),
    )


def read_migration(client: Any) -> MigrationZnode | None:
    got = get_znode(client, MIGRATION_PATH)
    if got is None:
        return None
    return parse_migration(got[0], got[1])


@dataclass(frozen=True)
class ZkState:
    """What the migration needs to know from ZooKeeper in one read."""

    cluster_id: str | None
    brokers: Mapping[int, BrokerRegistration]
    assignment_broker_ids: tuple[int, ...]
    controller: ControllerZnode | None
    controller_epoch: int | None
    migration: MigrationZnode | None

    @property
    def broker_ids(self) -> tuple[int, ...]:
        return tuple(sorted(self.brokers))

    @property
    def dead_assignment_broker_ids(self) -> tuple[int, ...]:
        """Replica holders with no live registration: they block the migration forever."""
        return tuple(sorted(set(self.assignment_broker_ids) - set(self.brokers)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster_id,
            "broker_ids": list(self.broker_ids),
            "brokers": {str(k): v.as_dict() for k, v in sorted(self.brokers.items())},
            "assignment_broker_ids": list(self.assignment_broker_ids),
            "dead_assignment_broker_ids": list(self.dead_assignment_broker_ids),
            "controller": self.controller.as_dict() if self.controller else None,
            "controller_epoch": self.controller_epoch,
            "migration": self.migration.as_dict() if self.migration else None,
        }


def read_state(client: Any) -> ZkState:
    topics = read_topics(client)
    return ZkState(
        cluster_id=read_cluster_id(client),
        brokers=read_brokers(client),
        assignment_broker_ids=tuple(sorted(assignment_broker_ids(topics))),
        controller=read_controller(client),
        controller_epoch=read_controller_epoch(client),
        migration=read_migration(client),
    )
