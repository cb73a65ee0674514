# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""ZooKeeper access for the migration (private helper; runs on the Ansible controller).

Parses Kafka's ``zookeeper.connect``, opens a kazoo session with the same TLS /
SASL settings the brokers use, reads the znodes the migration depends on into
typed records, plans and performs the rollback deletes of ``/controller`` and
``/migration``, and evaluates the conditions the wait module polls for.

Every function takes the client as an argument (anything with kazoo's
``get``/``get_children``/``exists``/``delete``), so unit tests pass a fake.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError

try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import BadVersionError, KazooException, NoNodeError
    from kazoo.handlers.threading import KazooTimeoutError

    HAS_KAZOO = True
    KAZOO_IMPORT_ERROR: str | None = None
except ImportError:
    HAS_KAZOO = False
    KAZOO_IMPORT_ERROR = traceback.format_exc()
    KazooClient = None

    # Stand-ins so this module imports without kazoo; callers check HAS_KAZOO first.
    class KazooException(Exception):  # type: ignore[no-redef]
        pass

    class NoNodeError(KazooException):  # type: ignore[no-redef,misc,unused-ignore]
        pass

    class BadVersionError(KazooException):  # type: ignore[no-redef,misc,unused-ignore]
        pass

    class KazooTimeoutError(Exception):  # type: ignore[no-redef]
        pass


DEFAULT_PORT = 2181
CONTROLLER_PATH = "/controller"
CONTROLLER_EPOCH_PATH = "/controller_epoch"
MIGRATION_PATH = "/migration"
CLUSTER_ID_PATH = "/cluster/id"
BROKER_IDS_PATH = "/brokers/ids"
TOPICS_PATH = "/brokers/topics"
CONFIG_PATH = "/config"
# Literal ACLs live under /kafka-acl, prefixed ones under /kafka-acl-extended/prefixed.
ACL_ROOTS = (("LITERAL", "/kafka-acl"), ("PREFIXED", "/kafka-acl-extended/prefixed"))
# Only the znodes a rollback must remove may be deleted through this library.
DELETABLE_PATHS = (CONTROLLER_PATH, MIGRATION_PATH)
ONLY_IF_CHOICES = ("always", "kraft_owned")
AUTH_MECHANISMS = ("none", "sasl_digest", "digest")


class ZooKeeperError(KraftError):
    """Base error of this library part."""


class ZkConnectError(ZooKeeperError):
    """The ZooKeeper ensemble could not be reached or refused the session."""


class ZkDataError(ZooKeeperError):
    """A znode holds content Kafka would not have written."""


class ZkChangedError(ZooKeeperError):
    """A znode changed between the read that planned an action and the action."""


# --------------------------------------------------------------------------- connection


@dataclass(frozen=True)
class ZkConnectString:
    hosts: tuple[tuple[str, int], ...]
    chroot: str | None = None

    @property
    def kazoo_hosts(self) -> str:
        """The form kazoo accepts: ``h:p,h:p/chroot`` (IPv6 hosts in brackets)."""
        parts = []
        for host, port in self.hosts:
            shown = f"[{host}]" if ":" in host else host
            parts.append(f"{shown}:{port}")
        return ",".join(parts) + (self.chroot or "")


_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]]+))(?::(?P<port>\d+))?$")


def parse_connect_string(value: str) -> ZkConnectString:
    """Parse Kafka's ``zookeeper.connect`` (``h1:2181,h2:2181/chroot``)."""
    text = value.strip()
    if not text:
        raise ZooKeeperError("zookeeper.connect is empty")
    chroot: str | None = None
    slash = text.find("/")
    if slash >= 0:
        text, chroot = text[:slash], text[slash:]
        # ZooKeeper rejects empty path elements and a trailing slash in a chroot.
        if chroot == "/":
            chroot = None
        elif chroot.endswith("/") or "//" in chroot:
            raise ZooKeeperError(f"invalid chroot {chroot!r} in zookeeper.connect {value!r}")
    hosts: list[tuple[str, int]] = []
    for item in text.split(","):
        item = item.strip()
        match = _HOST_PORT.match(item)
        if not match:
            raise ZooKeeperError(f"invalid host {item!r} in zookeeper.connect {value!r}")
        port = int(match.group("port")) if match.group("port") else DEFAULT_PORT
        if not 0 < port < 65536:
            raise ZooKeeperError(f"invalid port {port} in zookeeper.connect {value!r}")
        hosts.append((match.group("v6") or match.group("host"), port))
    return ZkConnectString(tuple(hosts), chroot)


@dataclass(frozen=True)
class ZkTls:
    enabled: bool = False
    ca: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    keyfile_password: str | None = field(default=None, repr=False)
    verify: bool = True
    check_hostname: bool = False


@dataclass(frozen=True)
class ZkAuth:
    """``sasl_digest`` is what Kafka's JAAS ``Client`` section with DigestLoginModule does;
    ``digest`` is ZooKeeper's ``addauth digest user:password`` scheme."""

    mechanism: str = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ZkSettings:
    connect: ZkConnectString
    tls: ZkTls = ZkTls()
    auth: ZkAuth = ZkAuth()
    timeout: float = 10.0


def _has_pure_sasl() -> bool:
    try:
        import puresasl  # noqa: F401  pylint: disable=unused-import
    except ImportError:
        return False
    return True


def client_kwargs(settings: ZkSettings) -> dict[str, Any]:
    """Keyword arguments for ``KazooClient`` that reproduce the brokers' ZooKeeper client settings."""
    kwargs: dict[str, Any] = {
        "hosts": settings.connect.kazoo_hosts,
        "timeout": settings.timeout,
        # One connection attempt round per start(); the caller's timeout bounds it.
        "connection_retry": {"max_tries": 3, "delay": 0.1, "max_delay": 1.0},
        "command_retry": {"max_tries": 3, "delay": 0.1, "max_delay": 1.0},
    }
    tls = settings.tls
    if tls.enabled:
        kwargs.update(
            use_ssl=True,
            ca=tls.ca,
            certfile=tls.certfile,
            keyfile=tls.keyfile,
            keyfile_password=tls.keyfile_password,
            verify_certs=tls.verify,
            check_hostname=tls.check_hostname,
        )
    elif any((tls.ca, tls.certfile, tls.keyfile)):
        raise ZooKeeperError("TLS files are set but TLS is not enabled")
    auth = settings.auth
    if auth.mechanism not in AUTH_MECHANISMS:
        raise ZooKeeperError(f"unknown ZooKeeper auth mechanism {auth.mechanism!r}")
    if auth.mechanism != "none":
        if not auth.username or auth.password is None:
            raise ZooKeeperError(f"ZooKeeper auth {auth.mechanism} needs a username and a password")
        if ":" in auth.username:
            raise ZooKeeperError("a ZooKeeper user name must not contain ':'")
    if auth.mechanism == "sasl_digest":
        if not _has_pure_sasl():
            raise ZooKeeperError("SASL authentication to ZooKeeper needs the pure-sasl Python package")
        kwargs["sasl_options"] = {"mechanism": "DIGEST-MD5", "username": auth.username, "password": auth.password}
    elif auth.mechanism == "digest":
        kwargs["auth_data"] = [("digest", f"{auth.username}:{auth.password}")]
    return kwargs


# The JAAS section ZooKeeper's client logs in with, unless -Dzookeeper.sasl.clientconfig names another.
JAAS_CLIENT_SECTION = "Client"
DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule"


def _jaas_quoted(value: str, what: str) -> str:
    # Java's JAAS ConfigFile reads quoted values with StreamTokenizer: backslash escapes work, new lines do not.
    if "\n" in value or "\r" in value:
        raise ZooKeeperError(f"the ZooKeeper SASL {what} must not contain a line break")
    return '"{}"'.format(value.replace("\\", "\\\\").replace('"', '\\"'))


def client_jaas(username: str, password: str) -> str:
    """A JAAS file whose ``Client`` section logs in to ZooKeeper with SASL DIGEST-MD5, as the brokers do."""
    if not username or password is None:
        raise ZooKeeperError("a ZooKeeper SASL login needs a user name and a password")
    return (
        "// Written by zk2kraft.migration: the ZooKeeper client login of a KRaft controller in migration mode.\n"
        "{} {{\n  {} required\n  username={}\n  password={};\n}};\n".format(
            JAAS_CLIENT_SECTION, DIGEST_LOGIN_MODULE, _jaas_quoted(username, "user name"), _jaas_quoted(password, "password"))
    )


_JAAS_SECTION = re.compile(r"(?m)^\s*([A-Za-z0-9_.-]+)\s*\{")


def jaas_sections(text: str) -> list[str]:
    """The login section names of a JAAS file (comments ignored)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"(?m)//.*$", "", text)
    return _JAAS_SECTION.findall(text)


@contextlib.contextmanager
def session(settings: ZkSettings, factory: Callable[..., Any] | None = None) -> Iterator[Any]:
    """A started client, stopped and closed on exit."""
    make = factory or KazooClient
    if make is None:
        raise ZooKeeperError("the kazoo Python package is required")
    client = make(**client_kwargs(settings))
    try:
        client.start(timeout=settings.timeout)
    except (KazooTimeoutError, KazooException) as exc:
        client.close()
        raise ZkConnectError(
            f"cannot open a ZooKeeper session to {settings.connect.kazoo_hosts} within {settings.timeout}s: {exc}"
        ) from exc
    try:
        yield client
    finally:
        client.stop()
        client.close()


# --------------------------------------------------------------------------- reads


def _get(client: Any, path: str) -> tuple[bytes, Any] | None:
    try:
        found: tuple[bytes, Any] = client.get(path)
        return found
    except NoNodeError:
        return None


def _children(client: Any, path: str) -> list[str]:
    try:
        return sorted(client.get_children(path))
    except NoNodeError:
        return []


def _json(path: str, data: bytes) -> dict[str, Any]:
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
    got = _get(client, CLUSTER_ID_PATH)
    if got is None:
        return None
    obj = _json(CLUSTER_ID_PATH, got[0])
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
    for child in _children(client, BROKER_IDS_PATH):
        if not child.isdigit():
            continue
        path = f"{BROKER_IDS_PATH}/{child}"
        got = _get(client, path)
        if got is None:  # the broker went away between the listing and the read
            continue
        obj = _json(path, got[0])
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
    got = _get(client, path)
    if got is None:
        return None
    obj = _json(path, got[0])
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
    for name in _children(client, TOPICS_PATH):
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
            got = _get(client, paths[index])
            return got[0] if got is not None else None
    states: list[dict[str, Any]] = []
    for index, (name, part) in enumerate(keys):
        data = fetch(index)
        isr: list[int] = []
        if data:
            raw = _json(paths[index], data).get("isr") or []
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


def _parse_controller(data: bytes, stat: Any) -> ControllerZnode:
    obj = _json(CONTROLLER_PATH, data)
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
    got = _get(client, CONTROLLER_PATH)
    if got is None:
        return None
    return _parse_controller(got[0], got[1])


def read_controller_epoch(client: Any) -> int | None:
    got = _get(client, CONTROLLER_EPOCH_PATH)
    if got is None:
        return None
    text = got[0].decode("utf-8", "replace").strip()
    try:
        return int(text)
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


def _parse_migration(data: bytes, stat: Any) -> MigrationZnode:
    obj = _json(MIGRATION_PATH, data)
    return MigrationZnode(
        version=_int(MIGRATION_PATH, obj, "version"),
        kraft_controller_id=_int(MIGRATION_PATH, obj, "kraft_controller_id"),
        kraft_controller_epoch=_int(MIGRATION_PATH, obj, "kraft_controller_epoch"),
        kraft_metadata_offset=_int(MIGRATION_PATH, obj, "kraft_metadata_offset"),
        kraft_metadata_epoch=_int(MIGRATION_PATH, obj, "kraft_metadata_epoch"),
        znode_version=int(getattr(stat, "version", -1)),
    )


def read_migration(client: Any) -> MigrationZnode | None:
    got = _get(client, MIGRATION_PATH)
    if got is None:
        return None
    return _parse_migration(got[0], got[1])


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


# --------------------------------------------------------------------------- metadata snapshot

# SCRAM credentials are stored hashed under /config/users; keep only a fingerprint.
_SECRET_CONFIG_KEY = re.compile(r"^SCRAM-|password|secret", re.IGNORECASE)


def _fingerprint(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def _read_configs(client: Any, base: str, prefix: str, depth: int, into: dict[str, dict[str, str]]) -> None:
    for child in _children(client, base):
        path = f"{base}/{child}"
        key = f"{prefix}/{child}" if prefix else child
        got = _get(client, path)
        if got is not None and got[0]:
            obj = _json(path, got[0])
            config = obj.get("config")
            if isinstance(config, dict):
                into[key] = {
                    str(k): (_fingerprint(str(v)) if _SECRET_CONFIG_KEY.search(str(k)) else str(v))
                    for k, v in sorted(config.items())
                }
        # user/client quota entities nest (/config/users/<u>/clients/<c>).
        if depth > 1:
            _read_configs(client, path, key, depth - 1, into)


def _read_acls(client: Any) -> dict[str, list[dict[str, Any]]]:
    acls: dict[str, list[dict[str, Any]]] = {}
    for pattern, root in ACL_ROOTS:
        for resource_type in _children(client, root):
            type_path = f"{root}/{resource_type}"
            for name in _children(client, type_path):
                path = f"{type_path}/{name}"
                got = _get(client, path)
                if got is None or not got[0]:
                    continue
                entries = _json(path, got[0]).get("acls") or []
                acls[f"{pattern}:{resource_type}:{name}"] = sorted(
                    (dict(e) for e in entries), key=lambda e: json.dumps(e, sort_keys=True)
                )
    return acls


@dataclass(frozen=True)
class MetadataSnapshot:
    """Topics, entity configs and ACLs: what the migration must carry over unchanged."""

    topics: Mapping[str, TopicAssignment]
    configs: Mapping[str, Mapping[str, str]]
    acls: Mapping[str, list[dict[str, Any]]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "topics": {k: v.as_dict() for k, v in sorted(self.topics.items())},
            "configs": {k: dict(v) for k, v in sorted(self.configs.items())},
            "acls": {k: list(v) for k, v in sorted(self.acls.items())},
        }


def read_metadata_snapshot(client: Any) -> MetadataSnapshot:
    configs: dict[str, dict[str, str]] = {}
    for entity_type in _children(client, CONFIG_PATH):
        if entity_type == "changes":  # change notifications, not state
            continue
        _read_configs(client, f"{CONFIG_PATH}/{entity_type}", entity_type, 3, configs)
    return MetadataSnapshot(read_topics(client), configs, _read_acls(client))


def diff_snapshots(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Human-readable differences between two ``MetadataSnapshot.as_dict()`` results."""
    differences: list[str] = []
    for section in ("topics", "configs", "acls"):
        old = before.get(section) or {}
        new = after.get(section) or {}
        for key in sorted(set(old) | set(new)):
            if key not in new:
                differences.append(f"{section} {key}: removed")
            elif key not in old:
                differences.append(f"{section} {key}: added")
            elif old[key] != new[key]:
                differences.append(
                    f"{section} {key}: {json.dumps(old[key], sort_keys=True)} -> {json.dumps(new[key], sort_keys=True)}"
                )
    return differences


# --------------------------------------------------------------------------- deletes


@dataclass(frozen=True)
class DeletePlan:
    path: str
    exists: bool
    delete: bool
    reason: str
    old_value: str | None
    old: dict[str, Any] | None
    znode_version: int | None
    # True when the caller asked for something unsafe and did not force it.
    refused: bool = False


def plan_delete(
    client: Any,
    path: str,
    only_if: str = "always",
    force: bool = False,
    kraft_controller_ids: Sequence[int] = (),
) -> DeletePlan:
    """Decide whether ``path`` may be deleted, from one read.

    ``/controller`` held by a ZooKeeper-mode broker (ephemeral, no KRaft epoch)
    is live cluster state, not a migration leftover: with ``only_if=kraft_owned``
    it is left alone (not an error, so a re-run after a broker won the election
    is a no-op); with ``only_if=always`` it is refused unless ``force``.
    """
    if path not in DELETABLE_PATHS:
        raise ZooKeeperError("refusing to manage {}: only {} may be deleted".format(path, ", ".join(DELETABLE_PATHS)))
    if only_if not in ONLY_IF_CHOICES:
        raise ZooKeeperError(f"unknown only_if {only_if!r}")
    got = _get(client, path)
    if got is None:
        return DeletePlan(path, False, False, f"{path} does not exist", None, None, None)
    data, stat = got
    text = data.decode("utf-8", "replace")
    version = int(getattr(stat, "version", -1))
    if path == MIGRATION_PATH:
        migration = _parse_migration(data, stat)
        return DeletePlan(path, True, True, f"migration state of KRaft controller {migration.kraft_controller_id}",
                          text, migration.as_dict(), version)
    controller = _parse_controller(data, stat)
    old = controller.as_dict()
    if controller.kraft_owned(kraft_controller_ids):
        return DeletePlan(path, True, True, "held by KRaft controller {} (kraftControllerEpoch {}, {})".format(
            controller.broker_id, controller.kraft_controller_epoch,
            "ephemeral" if controller.ephemeral else "persistent"), text, old, version)
    held = f"held by ZooKeeper-mode broker {controller.broker_id} (ephemeral, kraftControllerEpoch {controller.kraft_controller_epoch})"
    if only_if == "kraft_owned":
        return DeletePlan(path, True, False, held + "; not KRaft-owned, left alone", text, old, version)
    if force:
        return DeletePlan(path, True, True, held + "; deleting because forced (triggers a controller election)",
                          text, old, version)
    return DeletePlan(path, True, False, held + "; refusing to delete it without force", text, old, version,
                      refused=True)


def execute_delete(client: Any, plan: DeletePlan) -> bool:
    """Delete as planned; True if this call removed the znode.

    The delete is conditional on the znode version that was read, so a znode
    rewritten meanwhile (e.g. a new controller took over) is never removed blindly.
    """
    if not plan.delete:
        return False
    try:
        client.delete(plan.path, version=plan.znode_version if plan.znode_version is not None else -1)
    except NoNodeError:
        return False
    except BadVersionError as exc:
        raise ZkChangedError(f"{plan.path} changed after it was read; run again to re-evaluate") from exc
    return True


# --------------------------------------------------------------------------- wait conditions

ZK_CONDITIONS = (
    "brokers_registered",
    "zk_broker_count",
    "controller_is_zk_broker",
    "controller_is_kraft",
    "migration_absent",
    "migration_copied",
)


@dataclass(frozen=True)
class ZkCondition:
    name: str
    broker_ids: tuple[int, ...] = ()
    count: int | None = None
    kraft_controller_ids: tuple[int, ...] = ()

    def validate(self) -> None:
        if self.name not in ZK_CONDITIONS:
            raise ZooKeeperError(f"unknown condition {self.name!r}")
        if self.name == "brokers_registered" and not self.broker_ids:
            raise ZooKeeperError("brokers_registered needs broker_ids")
        if self.name == "zk_broker_count" and (self.count is None or self.count < 0):
            raise ZooKeeperError("zk_broker_count needs a count >= 0")

    def describe(self) -> str:
        if self.name == "brokers_registered":
            return f"ZooKeeper-mode brokers {list(self.broker_ids)} registered under {BROKER_IDS_PATH}"
        if self.name == "zk_broker_count":
            return f"exactly {self.count} broker(s) registered under {BROKER_IDS_PATH}"
        if self.name == "controller_is_zk_broker":
            return f"{CONTROLLER_PATH} held by a ZooKeeper-mode broker"
        if self.name == "controller_is_kraft":
            return "{} held by a KRaft controller{}".format(
                CONTROLLER_PATH, f" among {list(self.kraft_controller_ids)}" if self.kraft_controller_ids else "")
        if self.name == "migration_absent":
            return f"{MIGRATION_PATH} absent"
        return f"{MIGRATION_PATH} showing the initial metadata copy (kraft_metadata_offset > 0)"


def observe_condition(client: Any, condition: ZkCondition) -> dict[str, Any]:
    """Read only the znodes the condition depends on."""
    if condition.name in ("brokers_registered", "zk_broker_count"):
        return {"broker_ids": sorted(int(c) for c in _children(client, BROKER_IDS_PATH) if c.isdigit())}
    if condition.name in ("controller_is_zk_broker", "controller_is_kraft"):
        controller = read_controller(client)
        return {"controller": controller.as_dict() if controller else None}
    migration = read_migration(client)
    return {"migration": migration.as_dict() if migration else None}


def condition_met(condition: ZkCondition, observation: Mapping[str, Any]) -> bool:
    name = condition.name
    if name == "brokers_registered":
        return set(condition.broker_ids) <= set(observation["broker_ids"])
    if name == "zk_broker_count":
        return len(observation["broker_ids"]) == condition.count
    if name in ("controller_is_zk_broker", "controller_is_kraft"):
        controller = observation["controller"]
        if controller is None:
            return False
        if name == "controller_is_zk_broker":
            return bool(controller["is_zk_broker"])
        kraft = (not controller["ephemeral"]) and controller["kraft_controller_epoch"] >= 0
        return kraft and (not condition.kraft_controller_ids or controller["brokerid"] in condition.kraft_controller_ids)
    migration = observation["migration"]
    if name == "migration_absent":
        return migration is None
    return migration is not None and bool(migration["initial_copy_done"])


# --------------------------------------------------------------------------- module options

# The connection options every ZooKeeper module accepts (AnsibleModule argument_spec form).
ZK_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "zookeeper_connect": {"type": "str", "required": True},
    "zookeeper_timeout": {"type": "float", "default": 10.0},
    "zookeeper_tls": {"type": "bool", "default": False},
    "zookeeper_tls_ca": {"type": "path"},
    "zookeeper_tls_certfile": {"type": "path"},
    "zookeeper_tls_keyfile": {"type": "path"},
    "zookeeper_tls_keyfile_password": {"type": "str", "no_log": True},
    "zookeeper_tls_verify": {"type": "bool", "default": True},
    "zookeeper_tls_check_hostname": {"type": "bool", "default": False},
    "zookeeper_auth": {"type": "str", "default": "none", "choices": list(AUTH_MECHANISMS)},
    "zookeeper_username": {"type": "str"},
    "zookeeper_password": {"type": "str", "no_log": True},
}


def settings_from_params(params: Mapping[str, Any]) -> ZkSettings:
    """Build connection settings from module parameters named as in ``ZK_ARGUMENT_SPEC``."""
    return ZkSettings(
        connect=parse_connect_string(params["zookeeper_connect"]),
        tls=ZkTls(
            enabled=bool(params.get("zookeeper_tls")),
            ca=params.get("zookeeper_tls_ca"),
            certfile=params.get("zookeeper_tls_certfile"),
            keyfile=params.get("zookeeper_tls_keyfile"),
            keyfile_password=params.get("zookeeper_tls_keyfile_password"),
            verify=params.get("zookeeper_tls_verify", True) is not False,
            check_hostname=bool(params.get("zookeeper_tls_check_hostname")),
        ),
        auth=ZkAuth(
            mechanism=params.get("zookeeper_auth") or "none",
            username=params.get("zookeeper_username"),
            password=params.get("zookeeper_password"),
        ),
        timeout=float(params.get("zookeeper_timeout") or 10.0),
    )
