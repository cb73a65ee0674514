"""ZooKeeper access in Kafka's znode formats (KafkaZkClient / ZkData equivalents)."""

from __future__ import annotations

import faulthandler
import json
import os
import re
import shlex
import sys
import threading
from dataclasses import dataclass
from typing import Any

from kazoo.client import KazooClient
from kazoo.exceptions import NodeExistsError, NoNodeError
from kazoo.security import CREATOR_ALL_ACL, READ_ACL_UNSAFE

from .common import StartupError, now_ms, zk_cluster_id
from .config import Endpoint
from .metadata import Acl, Image, Topic

PERSISTENT_PATHS = [
    "/consumers", "/brokers/ids", "/brokers/topics", "/config/changes", "/admin/delete_topics",
    "/brokers/seqid", "/isr_change_notification", "/latest_producer_id_block", "/log_dir_event_notification",
    "/config/topics", "/config/clients", "/config/users", "/config/brokers", "/config/ips",
]


def split_connect(connect: str) -> tuple[str, str]:
    """'h1:2181,h2:2181/kafka' -> ('h1:2181,h2:2181', '/kafka')."""
    slash = connect.find("/")
    if slash < 0:
        return connect, ""
    return connect[:slash], connect[slash:].rstrip("/")


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _load(raw: bytes | None) -> Any:
    if not raw:
        return None
    return json.loads(raw.decode("utf-8"))


@dataclass(frozen=True)
class ZkLogin:
    """The JVM's ZooKeeper SASL login (JaasUtils / ZooKeeper's client): DIGEST-MD5 options for kazoo, or None."""

    sasl_options: dict[str, str] | None
    sys_config: str  # JaasUtils.zkSecuritySysConfigString()


def _jaas_value(body: str, key: str) -> str | None:
    match = re.search(key + r'\s*=\s*"((?:[^"\\]|\\.)*)"', body)
    return re.sub(r"\\(.)", r"\1", match.group(1)) if match else None


def zk_login(kafka_opts: str) -> ZkLogin:
    """ZooKeeper's client logs in with SASL when the JAAS file of -Djava.security.auth.login.config has its
    section (Client, or -Dzookeeper.sasl.clientconfig) and -Dzookeeper.sasl.client is not false."""
    props: dict[str, str] = {}
    for word in shlex.split(kafka_opts):
        if word.startswith("-D") and "=" in word:
            key, dummy, value = word[2:].partition("=")
            props[key] = value
    path = props.get("java.security.auth.login.config")
    enabled = props.get("zookeeper.sasl.client", "default:true")
    section = props.get("zookeeper.sasl.clientconfig", "default:Client")
    sys_config = (f"[java.security.auth.login.config={path}, zookeeper.sasl.client={enabled}, "
                  f"zookeeper.sasl.clientconfig={section}]")
    if not path or enabled.lower() == "false":
        return ZkLogin(None, sys_config)
    name = section.removeprefix("default:")
    try:
        text = open(path, encoding="utf-8").read()
    except OSError as exc:
        raise StartupError(f"could not read the JAAS file {path}: {exc.strerror}",
                           f"java.lang.SecurityException: java.io.IOException: {path} (No such file or directory)") from exc
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"(?m)//.*$", "", text)
    match = re.search(r"(?ms)^\s*" + re.escape(name) + r"\s*\{(.*?)\};", text)
    if not match:
        return ZkLogin(None, sys_config)
    body = match.group(1)
    if "DigestLoginModule" not in body:
        raise StartupError(f"the emulator supports only DigestLoginModule in the JAAS {name} section")
    username, password = _jaas_value(body, "username"), _jaas_value(body, "password")
    if username is None or password is None:
        raise StartupError(f"the JAAS {name} section of {path} lacks username or password")
    return ZkLogin({"mechanism": "DIGEST-MD5", "username": username, "password": password}, sys_config)


def secure_acls_error(sys_config: str) -> str:
    """KafkaZkClient.createZkClient's refusal of zookeeper.set.acl=true without TLS or a SASL login (3.9)."""
    return ("zookeeper.set.acl is true, but ZooKeeper client TLS configuration identifying at least "
            "zookeeper.ssl.client.enable, zookeeper.clientCnxnSocket, and zookeeper.ssl.keystore.location was not "
            f"present and the verification of the JAAS login file failed {sys_config}")


class ZkStore:
    """One kazoo session with the chroot of zookeeper.connect applied (created if missing, like Kafka).

    The session logs in as the JVM would (KAFKA_OPTS' JAAS Client section); with ``secure_acls``
    (zookeeper.set.acl) every znode it creates is the creator's, readable by everyone, as ZkData's defaultAcls."""

    def __init__(self, connect: str, session_timeout_ms: int, connect_timeout_s: float = 30.0,
                 secure_acls: bool = False, tls_client: bool = False) -> None:
        login = zk_login(os.environ.get("KAFKA_OPTS", ""))
        if secure_acls and login.sasl_options is None and not tls_client:
            text = secure_acls_error(login.sys_config)
            raise StartupError(text, f"java.lang.SecurityException: {text}", log_ident=False)
        auth: dict[str, Any] = {"sasl_options": login.sasl_options} if login.sasl_options else {}
        if secure_acls:
            auth["default_acl"] = CREATOR_ALL_ACL + READ_ACL_UNSAFE
        hosts, chroot = split_connect(connect)
        if chroot:
            bootstrap = KazooClient(hosts=hosts, timeout=session_timeout_ms / 1000.0, **auth)
            bootstrap.start(timeout=connect_timeout_s)
            try:
                bootstrap.ensure_path(chroot)
            finally:
                bootstrap.stop()
                bootstrap.close()
        self.client = KazooClient(hosts=hosts + chroot, timeout=session_timeout_ms / 1000.0, **auth)
        self.client.start(timeout=connect_timeout_s)

    def close(self, timeout_s: float = 10.0) -> bool:
        """Close the session; False when kazoo did not finish within timeout_s.

        kazoo's stop joins its callback threads without a timeout, so it runs beside the shutdown: a wedged
        close must not keep the node from exiting (the session then expires as after a crash)."""
        def close() -> None:
            try:
                self.client.stop()
                self.client.close()
            except Exception:  # closing a broken session must not mask the shutdown path
                pass
        closer = threading.Thread(target=close, name="zk-close", daemon=True)
        closer.start()
        closer.join(timeout_s)
        if closer.is_alive():
            print(f"ZooKeeper session did not close within {timeout_s:g} s; thread dump follows", file=sys.stderr)
            faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
            return False
        return True

    def session_id(self) -> int:
        sid = self.client.client_id
        return int(sid[0]) if sid else 0

    def ensure_persistent_paths(self) -> None:
        for path in PERSISTENT_PATHS:
            self.client.ensure_path(path)

    # --- cluster id ------------------------------------------------------------------------------
    def get_or_create_cluster_id(self) -> str:
        try:
            raw, dummy = self.client.get("/cluster/id")
        except NoNodeError:
            self.client.ensure_path("/cluster")
            try:
                self.client.create("/cluster/id", _dump({"version": "1", "id": zk_cluster_id()}))
            except NodeExistsError:
                pass
            raw, dummy = self.client.get("/cluster/id")
        return str(_load(raw)["id"])

    def cluster_id(self) -> str | None:
        try:
            raw, dummy = self.client.get("/cluster/id")
        except NoNodeError:
            return None
        return str(_load(raw)["id"])

    # --- brokers ---------------------------------------------------------------------------------
    @staticmethod
    def broker_registration(endpoints: list[Endpoint], protocol_map: dict[str, str], rack: str | None,
                            jmx_port: int) -> bytes:
        plaintext = next((e for e in endpoints if protocol_map.get(e.name) == "PLAINTEXT"), None)
        data: dict[str, Any] = {
            "features": {},
            "listener_security_protocol_map": {e.name: protocol_map[e.name] for e in endpoints},
            "endpoints": [str(e) for e in endpoints],
            "jmx_port": jmx_port,
            "port": plaintext.port if plaintext else -1,
            "host": plaintext.host if plaintext else None,
            "version": 5,
            "timestamp": str(now_ms()),
        }
        if rack is not None:
            data["rack"] = rack
        return _dump(data)

    def register_broker(self, broker_id: int, payload: bytes) -> None:
        self.client.create(f"/brokers/ids/{broker_id}", payload, ephemeral=True)

    def broker_ids(self) -> list[int]:
        try:
            return sorted(int(c) for c in self.client.get_children("/brokers/ids"))
        except NoNodeError:
            return []

    def broker_info(self, broker_id: int) -> dict[str, Any] | None:
        try:
            raw, dummy = self.client.get(f"/brokers/ids/{broker_id}")
        except NoNodeError:
            return None
        return _load(raw)

    # --- controller ------------------------------------------------------------------------------
    def read_controller(self) -> tuple[dict[str, Any] | None, bool]:
        """(content, ephemeral) of /controller."""
        try:
            raw, stat = self.client.get("/controller")
        except NoNodeError:
            return None, False
        return _load(raw), stat.ephemeralOwner != 0

    def controller_epoch(self) -> tuple[int, int]:
        """(epoch, znode version); (0, -1) when absent."""
        try:
            raw, stat = self.client.get("/controller_epoch")
        except NoNodeError:
            return 0, -1
        return int(raw.decode("utf-8")), stat.version

    def elect_zk_controller(self, broker_id: int) -> int | None:
        """The new controller epoch when this broker became the ZooKeeper controller, else None.

        As Kafka's registerControllerAndIncrementControllerEpoch: /controller_epoch exists first, then one
        transaction creates the ephemeral /controller and bumps the epoch, so no reader sees one without the other.
        """
        payload = _dump({"version": 2, "brokerid": broker_id, "timestamp": str(now_ms()), "kraftControllerEpoch": -1})
        try:
            self.client.create("/controller_epoch", b"0")
        except NodeExistsError:
            pass
        while True:
            epoch, version = self.controller_epoch()
            if self.client.exists("/controller") is not None:
                return None
            txn = self.client.transaction()
            txn.create("/controller", payload, ephemeral=True)
            txn.set_data("/controller_epoch", str(epoch + 1).encode(), version=version)
            results = txn.commit()
            if not any(isinstance(r, Exception) for r in results):
                return epoch + 1

    def claim_for_kraft(self, controller_id: int, kraft_epoch: int) -> int:
        """Persistent /controller owned by the KRaft controller, and a bumped /controller_epoch, atomically."""
        payload = _dump({"version": 2, "brokerid": controller_id, "timestamp": str(now_ms()),
                         "kraftControllerEpoch": kraft_epoch})
        while True:
            epoch, version = self.controller_epoch()
            txn = self.client.transaction()
            try:
                dummy, stat = self.client.get("/controller")
                txn.delete("/controller", version=stat.version)
            except NoNodeError:
                pass
            txn.create("/controller", payload)
            if version < 0:
                txn.create("/controller_epoch", b"1")
            else:
                txn.set_data("/controller_epoch", str(epoch + 1).encode(), version=version)
            results = txn.commit()
            if not any(isinstance(r, Exception) for r in results):
                return epoch + 1

    # --- /migration ------------------------------------------------------------------------------
    def read_migration(self) -> tuple[dict[str, Any] | None, int]:
        try:
            raw, stat = self.client.get("/migration")
        except NoNodeError:
            return None, -1
        return _load(raw), stat.version

    def create_migration_if_absent(self) -> bool:
        data = {"version": 0, "kraft_controller_id": -1, "kraft_controller_epoch": -1,
                "kraft_metadata_offset": -1, "kraft_metadata_epoch": -1}
        try:
            self.client.create("/migration", _dump(data))
        except NodeExistsError:
            return False
        return True

    def write_migration(self, controller_id: int, controller_epoch: int, offset: int, metadata_epoch: int) -> None:
        data = {"version": 0, "kraft_controller_id": controller_id, "kraft_controller_epoch": controller_epoch,
                "kraft_metadata_offset": offset, "kraft_metadata_epoch": metadata_epoch}
        try:
            self.client.set("/migration", _dump(data))
        except NoNodeError:
            self.client.create("/migration", _dump(data))

    # --- topics, configs, ACLs -------------------------------------------------------------------
    def read_image(self) -> Image:
        image = Image()
        try:
            names = self.client.get_children("/brokers/topics")
        except NoNodeError:
            names = []
        for name in names:
            try:
                raw, dummy = self.client.get(f"/brokers/topics/{name}")
            except NoNodeError:
                continue
            data = _load(raw) or {}
            parts = {int(p): list(r) for p, r in data.get("partitions", {}).items()}
            image.topics[name] = Topic(name, str(data.get("topic_id") or ""), parts)
            image.configs[name] = self.topic_config(name)
        image.acls = self.read_acls()
        return image

    def topic_config(self, name: str) -> dict[str, str]:
        try:
            raw, dummy = self.client.get(f"/config/topics/{name}")
        except NoNodeError:
            return {}
        data = _load(raw) or {}
        return {str(k): str(v) for k, v in data.get("config", {}).items()}

    def read_acls(self) -> set[Acl]:
        acls: set[Acl] = set()
        try:
            types = self.client.get_children("/kafka-acl")
        except NoNodeError:
            return acls
        for rtype in types:
            for name in self.client.get_children(f"/kafka-acl/{rtype}"):
                try:
                    raw, dummy = self.client.get(f"/kafka-acl/{rtype}/{name}")
                except NoNodeError:
                    continue
                for entry in (_load(raw) or {}).get("acls", []):
                    acls.add(Acl(rtype, name, "LITERAL", entry["principal"], entry["host"],
                                 entry["operation"], entry["permissionType"]))
        return acls

    def topic_exists(self, name: str) -> bool:
        return self.client.exists(f"/brokers/topics/{name}") is not None

    def create_topic(self, topic: Topic, configs: dict[str, str], controller_epoch: int) -> None:
        self.client.ensure_path("/config/topics")
        cfg = _dump({"version": 1, "config": configs})
        if self.client.exists(f"/config/topics/{topic.name}"):
            self.client.set(f"/config/topics/{topic.name}", cfg)
        else:
            self.client.create(f"/config/topics/{topic.name}", cfg)
        self.write_topic_assignment(topic)
        for p, replicas in sorted(topic.partitions.items()):
            state = {"controller_epoch": controller_epoch, "leader": replicas[0] if replicas else -1,
                     "version": 1, "leader_epoch": 0, "isr": replicas}
            path = f"/brokers/topics/{topic.name}/partitions/{p}/state"
            if self.client.exists(path):
                self.client.set(path, _dump(state))
            else:
                self.client.create(path, _dump(state), makepath=True)

    def write_topic_assignment(self, topic: Topic) -> None:
        data = _dump({"partitions": {str(p): r for p, r in sorted(topic.partitions.items())},
                      "topic_id": topic.topic_id, "adding_replicas": {}, "removing_replicas": {}, "version": 3})
        path = f"/brokers/topics/{topic.name}"
        if self.client.exists(path):
            self.client.set(path, data)
        else:
            self.client.create(path, data, makepath=True)

    def delete_topic(self, name: str) -> None:
        self.client.delete(f"/brokers/topics/{name}", recursive=True)
        if self.client.exists(f"/config/topics/{name}"):
            self.client.delete(f"/config/topics/{name}")

    def set_topic_config(self, name: str, configs: dict[str, str]) -> None:
        data = _dump({"version": 1, "config": configs})
        if self.client.exists(f"/config/topics/{name}"):
            self.client.set(f"/config/topics/{name}", data)
        else:
            self.client.create(f"/config/topics/{name}", data, makepath=True)
        self.client.create("/config/changes/config_change_", _dump({"version": 2, "entity_path": f"topics/{name}"}),
                           sequence=True, makepath=True)

    def write_acls(self, resource_type: str, name: str, acls: list[Acl]) -> None:
        path = f"/kafka-acl/{resource_type}/{name}"
        entries = [{"principal": a.principal, "permissionType": a.permission, "operation": a.operation,
                    "host": a.host} for a in sorted(acls)]
        if not entries:
            if self.client.exists(path):
                self.client.delete(path)
        else:
            data = _dump({"version": 1, "acls": entries})
            if self.client.exists(path):
                self.client.set(path, data)
            else:
                self.client.create(path, data, makepath=True)
        self.client.create("/kafka-acl-changes/acl_changes_", f"{resource_type}:{name}".encode(),
                           sequence=True, makepath=True)

    def apply_acl_change(self, acl: Acl, add: bool) -> None:
        current = {a for a in self.read_acls() if a.resource_type == acl.resource_type and a.name == acl.name}
        if add:
            current.add(acl)
        else:
            current.discard(acl)
        self.write_acls(acl.resource_type, acl.name, sorted(current))
