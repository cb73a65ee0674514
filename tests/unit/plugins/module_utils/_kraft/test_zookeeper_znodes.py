# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The znode reads, on a fake client (FakeZk and the znode builders here serve the other ZooKeeper tests too)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kazoo.exceptions import BadVersionError, NoNodeError
from kazoo.protocol.states import ZnodeStat

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ZkDataError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_znodes import (
    read_controller,
    read_migration,
    read_partition_states,
    read_state,
    read_topics,
)

CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qk"


class FakeZk:
    """Enough of KazooClient for the library: a dict of znodes."""

    def __init__(self, nodes: dict[str, Any] | None = None) -> None:
        # path -> (data, ephemeral owner, version)
        self.nodes: dict[str, tuple[bytes, int, int]] = {}
        self.deleted: list[tuple[str, int]] = []
        for path, value in (nodes or {}).items():
            self.put(path, value)

    def put(self, path: str, value: Any, ephemeral: bool = False, version: int = 0) -> None:
        data = value if isinstance(value, bytes) else (value.encode() if isinstance(value, str) else json.dumps(value).encode())
        self.nodes[path] = (data, 0x1234 if ephemeral else 0, version)
        parent = path.rsplit("/", 1)[0]
        while parent and parent not in self.nodes:
            self.nodes[parent] = (b"", 0, 0)
            parent = parent.rsplit("/", 1)[0]

    def get(self, path: str) -> tuple[bytes, ZnodeStat]:
        if path not in self.nodes:
            raise NoNodeError(path)
        data, owner, version = self.nodes[path]
        return data, ZnodeStat(1, 1, 0, 0, version, 0, 0, owner, len(data), 0, 1)

    def get_children(self, path: str) -> list[str]:
        if path not in self.nodes:
            raise NoNodeError(path)
        prefix = path.rstrip("/") + "/"
        return [p[len(prefix):] for p in self.nodes if p.startswith(prefix) and "/" not in p[len(prefix):]]

    def delete(self, path: str, version: int = -1) -> None:
        if path not in self.nodes:
            raise NoNodeError(path)
        if version != -1 and self.nodes[path][2] != version:
            raise BadVersionError(path)
        self.deleted.append((path, version))
        del self.nodes[path]

    def transaction(self) -> FakeTransaction:
        return FakeTransaction(self)


class FakeTransaction:
    """kazoo's transaction: every operation checked first, then all applied or none (results hold the errors)."""

    def __init__(self, zk: FakeZk) -> None:
        self.zk = zk
        self.ops: list[tuple[str, str, bytes, int]] = []

    def set_data(self, path: str, value: bytes, version: int = -1) -> None:
        self.ops.append(("set", path, value, version))

    def delete(self, path: str, version: int = -1) -> None:
        self.ops.append(("delete", path, b"", version))

    def commit(self) -> list[Any]:
        errors: list[Any] = []
        for _kind, path, _value, version in self.ops:
            if path not in self.zk.nodes:
                errors.append(NoNodeError(path))
            elif version != -1 and self.zk.nodes[path][2] != version:
                errors.append(BadVersionError(path))
            else:
                errors.append(True)
        if any(isinstance(e, Exception) for e in errors):
            return errors
        for kind, path, value, version in self.ops:
            if kind == "set":
                _data, owner, old = self.zk.nodes[path]
                self.zk.nodes[path] = (value, owner, old + 1)
            else:
                self.zk.delete(path, version)
        return [True] * len(self.ops)


def broker_json(broker_id: int) -> dict[str, Any]:
    return {
        "features": {}, "listener_security_protocol_map": {"INTERNAL": "PLAINTEXT"},
        "endpoints": [f"INTERNAL://127.0.1.{10 + broker_id}:9092"], "jmx_port": -1, "port": 9092,
        "host": f"127.0.1.{10 + broker_id}", "version": 5, "timestamp": "1700000000000", "rack": None,
    }


def zk_controller(broker_id: int = 1) -> dict[str, Any]:
    return {"version": 2, "brokerid": broker_id, "timestamp": "1700000000000", "kraftControllerEpoch": -1}


def kraft_controller(controller_id: int = 3000, epoch: int = 5) -> dict[str, Any]:
    return {"version": 2, "brokerid": controller_id, "timestamp": "1700000000001", "kraftControllerEpoch": epoch}


def migration_json(offset: int = -1) -> dict[str, Any]:
    return {"version": 0, "kraft_controller_id": 3000 if offset > 0 else -1, "kraft_controller_epoch": 5 if offset > 0 else -1,
            "kraft_metadata_offset": offset, "kraft_metadata_epoch": 5 if offset > 0 else -1}


def cluster(**extra: Any) -> FakeZk:
    fake = FakeZk({
        "/cluster/id": {"version": "1", "id": CLUSTER_ID},
        "/brokers/topics/orders": {"version": 3, "topic_id": "AAAAAAAAAAAAAAAAAAAAAA",
                                   "partitions": {"0": [1, 2, 3], "1": [2, 3, 4]},
                                   "adding_replicas": {}, "removing_replicas": {}},
        "/brokers/topics/audit": {"version": 3, "partitions": {"0": [1]}},
        "/controller_epoch": "7",
    })
    for broker_id in (1, 2, 3):
        fake.put(f"/brokers/ids/{broker_id}", broker_json(broker_id), ephemeral=True)
    fake.put("/controller", zk_controller(1), ephemeral=True)
    for path, value in extra.items():
        fake.put(path, value)
    return fake


# ------------------------------------------------------------------ reads


def test_read_state_of_a_zookeeper_cluster() -> None:
    state = read_state(cluster())
    assert state.cluster_id == CLUSTER_ID
    assert state.broker_ids == (1, 2, 3)
    assert state.brokers[2].endpoints == ("INTERNAL://127.0.1.12:9092",) and state.brokers[2].port == 9092
    assert state.assignment_broker_ids == (1, 2, 3, 4)
    assert state.dead_assignment_broker_ids == (4,)
    assert state.controller is not None and state.controller.is_zk_broker and state.controller.broker_id == 1
    assert state.controller_epoch == 7 and state.migration is None
    as_dict = state.as_dict()
    assert as_dict["dead_assignment_broker_ids"] == [4] and as_dict["controller"]["ephemeral"] is True
    json.dumps(as_dict)  # results must be JSON-serialisable


def test_read_state_of_an_empty_ensemble() -> None:
    state = read_state(FakeZk())
    assert (state.cluster_id, state.broker_ids, state.controller, state.migration) == (None, (), None, None)


def test_controller_written_by_kraft_is_persistent_with_epoch() -> None:
    fake = cluster()
    fake.put("/controller", kraft_controller(3000, 5), version=3)
    controller = read_controller(fake)
    assert controller is not None
    assert not controller.ephemeral and not controller.is_zk_broker and controller.kraft_owned()
    assert controller.znode_version == 3


def test_controller_without_kraft_epoch_is_a_zk_controller() -> None:
    fake = FakeZk()
    fake.put("/controller", {"version": 1, "brokerid": 2, "timestamp": "1"}, ephemeral=True)
    controller = read_controller(fake)
    assert controller is not None and controller.kraft_controller_epoch == -1 and controller.is_zk_broker


@pytest.mark.parametrize("offset,done", [(-1, False), (0, False), (42, True)])
def test_read_migration(offset: int, done: bool) -> None:
    migration = read_migration(cluster(**{"/migration": migration_json(offset)}))
    assert migration is not None and migration.kraft_metadata_offset == offset and migration.initial_copy_done is done


@pytest.mark.parametrize("path,value", [
    ("/cluster/id", b"not json"),
    ("/cluster/id", {"version": "1"}),
    ("/controller", {"version": 2}),
    ("/controller", ["list"]),
    ("/controller_epoch", "seven"),
    ("/migration", {"version": 0, "kraft_controller_id": "x"}),
    ("/brokers/topics/bad", {"version": 3, "partitions": {"0": ["a"]}}),
    ("/brokers/topics/bad", {"version": 3}),
])
def test_malformed_znodes_raise_data_errors(path: str, value: Any) -> None:
    fake = cluster()
    fake.put(path, value)
    with pytest.raises(ZkDataError):
        read_state(fake)


class AsyncFakeZk(FakeZk):
    """A client that pipelines reads (KazooClient.get_async): the result is fetched later."""

    def __init__(self, nodes: dict[str, Any] | None = None) -> None:
        super().__init__(nodes)
        self.async_paths: list[str] = []

    def get_async(self, path: str) -> Any:
        self.async_paths.append(path)
        client = self

        class Result:
            def get(self) -> tuple[bytes, ZnodeStat]:
                return client.get(path)
        return Result()


def partitioned_cluster(factory: type[FakeZk]) -> FakeZk:
    return factory({
        "/brokers/topics/orders": {"version": 3, "partitions": {"0": [1, 2, 3], "1": [2, 3, 1]}},
        "/brokers/topics/orders/partitions/0/state": {"controller_epoch": 1, "leader": 1, "isr": [1, 2, 3]},
        "/brokers/topics/logs": {"version": 3, "partitions": {"0": [3, 1]}},
        "/brokers/topics/logs/partitions/0/state": {"controller_epoch": 1, "leader": 3, "isr": [3]},
    })


@pytest.mark.parametrize("factory", [FakeZk, AsyncFakeZk])
def test_partition_states_give_replicas_and_isr_and_no_state_means_no_isr(factory: type[FakeZk]) -> None:
    client = partitioned_cluster(factory)
    states = read_partition_states(client, read_topics(client))
    assert states == [
        {"topic": "logs", "partition": 0, "replicas": [3, 1], "isr": [3]},
        {"topic": "orders", "partition": 0, "replicas": [1, 2, 3], "isr": [1, 2, 3]},
        {"topic": "orders", "partition": 1, "replicas": [2, 3, 1], "isr": []},
    ]
    if isinstance(client, AsyncFakeZk):
        assert len(client.async_paths) == 3   # every read issued before the first result is taken


def test_a_malformed_isr_names_its_znode() -> None:
    client = partitioned_cluster(FakeZk)
    client.put("/brokers/topics/logs/partitions/0/state", {"leader": 3, "isr": ["three"]})
    with pytest.raises(ZkDataError, match="/brokers/topics/logs/partitions/0/state has a malformed isr"):
        read_partition_states(client, read_topics(client))
