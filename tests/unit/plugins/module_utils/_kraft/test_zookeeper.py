# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

import json
from typing import Any

import pytest
from kazoo.exceptions import BadVersionError, NoNodeError
from kazoo.protocol.states import ZnodeStat

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import zookeeper as zk

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


# ------------------------------------------------------------------ connect string


@pytest.mark.parametrize("text,hosts,chroot", [
    ("127.0.1.2:2181", (("127.0.1.2", 2181),), None),
    ("127.0.1.2", (("127.0.1.2", 2181),), None),
    ("zk1:2181,zk2:2182,zk3/kafka", (("zk1", 2181), ("zk2", 2182), ("zk3", 2181)), "/kafka"),
    (" zk1:2181/kafka/prod ", (("zk1", 2181),), "/kafka/prod"),
    ("zk1:2181/", (("zk1", 2181),), None),
    ("[::1]:2181,[fe80::1]", (("::1", 2181), ("fe80::1", 2181)), None),
])
def test_parse_connect_string(text: str, hosts: Any, chroot: str | None) -> None:
    parsed = zk.parse_connect_string(text)
    assert parsed.hosts == hosts and parsed.chroot == chroot


def test_kazoo_hosts_round_trip() -> None:
    assert zk.parse_connect_string("a:1,[::1]:2/c").kazoo_hosts == "a:1,[::1]:2/c"


@pytest.mark.parametrize("text", ["", "zk1:abc", "zk1:2181/kafka/", "zk1:2181//x", "zk1:0", "zk1:2181,,zk2", "a:1:2"])
def test_parse_connect_string_rejects(text: str) -> None:
    with pytest.raises(zk.ZooKeeperError):
        zk.parse_connect_string(text)


# ------------------------------------------------------------------ client settings


def settings(**kwargs: Any) -> zk.ZkSettings:
    return zk.ZkSettings(zk.parse_connect_string("127.0.1.2:2181/k"), **kwargs)


def test_client_kwargs_plain() -> None:
    kwargs = zk.client_kwargs(settings(timeout=3.0))
    assert kwargs["hosts"] == "127.0.1.2:2181/k" and kwargs["timeout"] == 3.0
    assert "use_ssl" not in kwargs and "sasl_options" not in kwargs and "auth_data" not in kwargs


def test_client_kwargs_tls() -> None:
    tls = zk.ZkTls(enabled=True, ca="/ca.pem", certfile="/c.pem", keyfile="/k.pem", keyfile_password="pw", verify=False)
    kwargs = zk.client_kwargs(settings(tls=tls))
    assert kwargs["use_ssl"] and kwargs["ca"] == "/ca.pem" and kwargs["certfile"] == "/c.pem"
    assert kwargs["keyfile_password"] == "pw" and kwargs["verify_certs"] is False
    assert "pw" not in repr(tls)


def test_client_kwargs_tls_files_without_tls_is_an_error() -> None:
    with pytest.raises(zk.ZooKeeperError, match="TLS is not enabled"):
        zk.client_kwargs(settings(tls=zk.ZkTls(ca="/ca.pem")))


def test_client_kwargs_sasl_digest() -> None:
    kwargs = zk.client_kwargs(settings(auth=zk.ZkAuth("sasl_digest", "kafka", "s3cret")))
    assert kwargs["sasl_options"] == {"mechanism": "DIGEST-MD5", "username": "kafka", "password": "s3cret"}


def test_client_kwargs_digest_scheme() -> None:
    kwargs = zk.client_kwargs(settings(auth=zk.ZkAuth("digest", "kafka", "s3cret")))
    assert kwargs["auth_data"] == [("digest", "kafka:s3cret")]


@pytest.mark.parametrize("auth", [zk.ZkAuth("digest", None, "x"), zk.ZkAuth("sasl_digest", "u", None),
                                  zk.ZkAuth("digest", "a:b", "x"), zk.ZkAuth("kerberos", "u", "p")])
def test_client_kwargs_rejects_incomplete_auth(auth: zk.ZkAuth) -> None:
    with pytest.raises(zk.ZooKeeperError):
        zk.client_kwargs(settings(auth=auth))


class FakeKazooFactory:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[str] = []
        self.kwargs: dict[str, Any] = {}

    def __call__(self, **kwargs: Any) -> FakeKazooFactory:
        self.kwargs = kwargs
        return self

    def start(self, timeout: float) -> None:
        self.calls.append("start")
        if self.fail:
            raise zk.KazooTimeoutError("Connection time-out")

    def stop(self) -> None:
        self.calls.append("stop")

    def close(self) -> None:
        self.calls.append("close")


def test_session_starts_and_closes() -> None:
    factory = FakeKazooFactory()
    with zk.session(settings(), factory=factory) as client:
        assert client is factory
    assert factory.calls == ["start", "stop", "close"]


def test_session_connect_failure_is_a_library_error() -> None:
    factory = FakeKazooFactory(fail=True)
    with pytest.raises(zk.ZkConnectError, match="127.0.1.2:2181/k"):
        with zk.session(settings(), factory=factory):
            pass
    assert factory.calls == ["start", "close"]


# ------------------------------------------------------------------ reads


def test_read_state_of_a_zookeeper_cluster() -> None:
    state = zk.read_state(cluster())
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
    state = zk.read_state(FakeZk())
    assert (state.cluster_id, state.broker_ids, state.controller, state.migration) == (None, (), None, None)


def test_controller_written_by_kraft_is_persistent_with_epoch() -> None:
    fake = cluster()
    fake.put("/controller", kraft_controller(3000, 5), version=3)
    controller = zk.read_controller(fake)
    assert controller is not None
    assert not controller.ephemeral and not controller.is_zk_broker and controller.kraft_owned()
    assert controller.znode_version == 3


def test_controller_without_kraft_epoch_is_a_zk_controller() -> None:
    fake = FakeZk()
    fake.put("/controller", {"version": 1, "brokerid": 2, "timestamp": "1"}, ephemeral=True)
    controller = zk.read_controller(fake)
    assert controller is not None and controller.kraft_controller_epoch == -1 and controller.is_zk_broker


@pytest.mark.parametrize("offset,done", [(-1, False), (0, False), (42, True)])
def test_read_migration(offset: int, done: bool) -> None:
    migration = zk.read_migration(cluster(**{"/migration": migration_json(offset)}))
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
    with pytest.raises(zk.ZkDataError):
        zk.read_state(fake)


# ------------------------------------------------------------------ metadata snapshot


def metadata_cluster() -> FakeZk:
    fake = cluster()
    fake.put("/config/topics/orders", {"version": 1, "config": {"retention.ms": "1000", "cleanup.policy": "compact"}})
    fake.put("/config/topics/audit", {"version": 1, "config": {}})
    fake.put("/config/brokers/<default>", {"version": 1, "config": {"log.cleaner.threads": "2"}})
    fake.put("/config/users/alice", {"version": 1, "config": {"SCRAM-SHA-512": "salt=abc,stored_key=def"}})
    fake.put("/config/users/alice/clients/app", {"version": 1, "config": {"producer_byte_rate": "1024"}})
    fake.put("/config/changes/config_change_0000000001", {"version": 2, "entity_path": "topics/orders"})
    fake.put("/kafka-acl/Topic/orders", {"version": 1, "acls": [
        {"principal": "User:bob", "permissionType": "Allow", "operation": "Write", "host": "*"},
        {"principal": "User:alice", "permissionType": "Allow", "operation": "Read", "host": "*"}]})
    fake.put("/kafka-acl-extended/prefixed/Group/app-", {"version": 1, "acls": [
        {"principal": "User:alice", "permissionType": "Allow", "operation": "Read", "host": "*"}]})
    return fake


def test_metadata_snapshot() -> None:
    snap = zk.read_metadata_snapshot(metadata_cluster()).as_dict()
    assert snap["topics"]["orders"] == {"topic_id": "AAAAAAAAAAAAAAAAAAAAAA", "partitions": {"0": [1, 2, 3], "1": [2, 3, 4]}}
    assert snap["configs"]["topics/orders"] == {"cleanup.policy": "compact", "retention.ms": "1000"}
    assert snap["configs"]["topics/audit"] == {}
    assert snap["configs"]["brokers/<default>"] == {"log.cleaner.threads": "2"}
    assert snap["configs"]["users/alice/clients/app"] == {"producer_byte_rate": "1024"}
    # SCRAM credentials are fingerprinted, never returned.
    scram = snap["configs"]["users/alice"]["SCRAM-SHA-512"]
    assert scram.startswith("sha256:") and "stored_key" not in scram
    assert not any(k.startswith("changes") for k in snap["configs"])
    assert [a["principal"] for a in snap["acls"]["LITERAL:Topic:orders"]] == ["User:alice", "User:bob"]
    assert "PREFIXED:Group:app-" in snap["acls"]
    json.dumps(snap)


def test_diff_snapshots_reports_every_kind_of_change() -> None:
    before_zk = metadata_cluster()
    after_zk = metadata_cluster()
    after_zk.put("/config/topics/orders", {"version": 1, "config": {"retention.ms": "2000", "cleanup.policy": "compact"}})
    del after_zk.nodes["/kafka-acl-extended/prefixed/Group/app-"]
    after_zk.put("/brokers/topics/new", {"version": 3, "partitions": {"0": [1]}})
    before = zk.read_metadata_snapshot(before_zk).as_dict()
    after = zk.read_metadata_snapshot(after_zk).as_dict()
    assert zk.diff_snapshots(before, before) == []
    diff = zk.diff_snapshots(before, after)
    assert "topics new: added" in diff
    assert "acls PREFIXED:Group:app-: removed" in diff
    assert any(d.startswith("configs topics/orders:") and '"2000"' in d for d in diff)
    assert len(diff) == 3


# ------------------------------------------------------------------ deletes


def test_plan_delete_refuses_other_paths() -> None:
    with pytest.raises(zk.ZooKeeperError, match="only /controller, /migration"):
        zk.plan_delete(cluster(), "/brokers/ids/1")


def test_plan_delete_absent_znode() -> None:
    plan = zk.plan_delete(FakeZk(), "/migration")
    assert (plan.exists, plan.delete, plan.refused) == (False, False, False)


@pytest.mark.parametrize("ephemeral,content,only_if,force,kraft_ids,delete,refused", [
    # KRaft takeover: persistent with an epoch -> deleted under either guard.
    (False, kraft_controller(), "kraft_owned", False, (), True, False),
    (False, kraft_controller(), "always", False, (), True, False),
    # Persistent even without epoch (written by a controller, never by a ZK broker).
    (False, zk_controller(3000), "kraft_owned", False, (), True, False),
    # Ephemeral but the id belongs to a KRaft controller.
    (True, zk_controller(3001), "kraft_owned", False, (3000, 3001), True, False),
    # A live ZK-mode controller: left alone, refused, or deleted only when forced.
    (True, zk_controller(1), "kraft_owned", False, (3000,), False, False),
    (True, zk_controller(1), "kraft_owned", True, (3000,), False, False),
    (True, zk_controller(1), "always", False, (3000,), False, True),
    (True, zk_controller(1), "always", True, (3000,), True, False),
])
def test_plan_delete_controller(ephemeral: bool, content: dict[str, Any], only_if: str, force: bool,
                                kraft_ids: tuple[int, ...], delete: bool, refused: bool) -> None:
    fake = cluster()
    fake.put("/controller", content, ephemeral=ephemeral, version=4)
    plan = zk.plan_delete(fake, "/controller", only_if=only_if, force=force, kraft_controller_ids=kraft_ids)
    assert (plan.exists, plan.delete, plan.refused) == (True, delete, refused)
    assert plan.old is not None and plan.old["brokerid"] == content["brokerid"]
    assert plan.old_value == json.dumps(content) and plan.znode_version == 4
    assert zk.execute_delete(fake, plan) is delete
    assert ("/controller" in fake.nodes) is (not delete)
    if delete:
        assert fake.deleted == [("/controller", 4)]


def test_plan_delete_migration() -> None:
    fake = cluster(**{"/migration": migration_json(42)})
    plan = zk.plan_delete(fake, "/migration", only_if="kraft_owned")
    assert plan.delete and plan.old is not None and plan.old["kraft_metadata_offset"] == 42
    assert zk.execute_delete(fake, plan) and "/migration" not in fake.nodes
    # Second run: nothing left to do.
    assert not zk.plan_delete(fake, "/migration").delete


def test_execute_delete_refuses_a_znode_rewritten_meanwhile() -> None:
    fake = cluster()
    fake.put("/controller", kraft_controller(), version=1)
    plan = zk.plan_delete(fake, "/controller")
    fake.put("/controller", kraft_controller(3001, 6), version=2)
    with pytest.raises(zk.ZkChangedError):
        zk.execute_delete(fake, plan)
    assert "/controller" in fake.nodes


def test_execute_delete_of_a_vanished_znode_is_no_change() -> None:
    fake = cluster()
    fake.put("/controller", kraft_controller(), version=1)
    plan = zk.plan_delete(fake, "/controller")
    del fake.nodes["/controller"]
    assert zk.execute_delete(fake, plan) is False


# ------------------------------------------------------------------ conditions


def kraft_cluster() -> FakeZk:
    fake = cluster(**{"/migration": migration_json(42)})
    fake.put("/controller", kraft_controller(3000))
    return fake


@pytest.mark.parametrize("condition,zk_factory,met", [
    (zk.ZkCondition("brokers_registered", broker_ids=(1, 2)), cluster, True),
    (zk.ZkCondition("brokers_registered", broker_ids=(1, 4)), cluster, False),
    (zk.ZkCondition("zk_broker_count", count=3), cluster, True),
    (zk.ZkCondition("zk_broker_count", count=0), cluster, False),
    (zk.ZkCondition("zk_broker_count", count=0), FakeZk, True),
    (zk.ZkCondition("controller_is_zk_broker"), cluster, True),
    (zk.ZkCondition("controller_is_zk_broker"), kraft_cluster, False),
    (zk.ZkCondition("controller_is_zk_broker"), FakeZk, False),
    (zk.ZkCondition("controller_is_kraft"), kraft_cluster, True),
    (zk.ZkCondition("controller_is_kraft", kraft_controller_ids=(3000, 3001)), kraft_cluster, True),
    (zk.ZkCondition("controller_is_kraft", kraft_controller_ids=(3001,)), kraft_cluster, False),
    (zk.ZkCondition("controller_is_kraft"), cluster, False),
    (zk.ZkCondition("migration_absent"), cluster, True),
    (zk.ZkCondition("migration_absent"), kraft_cluster, False),
    (zk.ZkCondition("migration_copied"), kraft_cluster, True),
    (zk.ZkCondition("migration_copied"), cluster, False),
])
def test_conditions(condition: zk.ZkCondition, zk_factory: Any, met: bool) -> None:
    condition.validate()
    observation = zk.observe_condition(zk_factory(), condition)
    json.dumps(observation)
    assert zk.condition_met(condition, observation) is met
    assert condition.describe()


def test_migration_copied_false_while_offset_is_unset() -> None:
    condition = zk.ZkCondition("migration_copied")
    fake = cluster(**{"/migration": migration_json(-1)})
    assert not zk.condition_met(condition, zk.observe_condition(fake, condition))


@pytest.mark.parametrize("condition", [zk.ZkCondition("nope"), zk.ZkCondition("brokers_registered"),
                                       zk.ZkCondition("zk_broker_count"), zk.ZkCondition("zk_broker_count", count=-1)])
def test_condition_validation(condition: zk.ZkCondition) -> None:
    with pytest.raises(zk.ZooKeeperError):
        condition.validate()


def test_client_jaas_is_a_digest_login_in_the_client_section() -> None:
    text = zk.client_jaas("kafka", 'pa"ss\\word')
    assert zk.jaas_sections(text) == ["Client"]
    assert "org.apache.zookeeper.server.auth.DigestLoginModule required" in text
    # Quotes and backslashes escaped the way Java's JAAS parser (StreamTokenizer) reads them back.
    assert 'password="pa\\"ss\\\\word";' in text
    assert 'username="kafka"' in text


@pytest.mark.parametrize("username,password", [("kafka", "a\nb"), ("", "x"), ("kafka", None)])
def test_client_jaas_refuses_what_it_cannot_write(username: str, password: str | None) -> None:
    with pytest.raises(zk.ZooKeeperError):
        zk.client_jaas(username, password)  # type: ignore[arg-type]


def test_jaas_sections_ignore_comments() -> None:
    text = "/* Client {\n}; */\nKafkaServer {\n  m required;\n};\n// Client {\n"
    assert zk.jaas_sections(text) == ["KafkaServer"]


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
    states = zk.read_partition_states(client, zk.read_topics(client))
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
    with pytest.raises(zk.ZkDataError, match="/brokers/topics/logs/partitions/0/state has a malformed isr"):
        zk.read_partition_states(client, zk.read_topics(client))
