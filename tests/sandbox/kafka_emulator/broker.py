"""Brokers: ZooKeeper mode, ZooKeeper migration mode, and KRaft mode (process.roles=broker)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable

from kazoo.exceptions import NodeExistsError

from .common import EmuLog, Faults, MetadataVersion, StartupError, kafka_version, now_ms, random_uuid
from .config import KafkaConfig
from .jolokia import MetricValue
from .metadata import Acl, Image, Topic, assign_replicas, partition_views
from .metaprops import read_meta, write_meta
from .raft import PARTITION_DIR
from .rpc import RpcError, call
from .zkstore import ZkStore

KRAFT_MV_MIN = "3.0-IV1"
# How long one UnderReplicatedPartitions answer serves later reads while nothing it was made from changed
# (see under_replicated_count).
URP_VIEW_SECONDS = 1.0


def find_leader(voters: dict[int, tuple[str, int]]) -> tuple[int, str, int] | None:
    """Ask the voters who leads; the answer with the highest epoch wins."""
    best: tuple[int, int] | None = None
    for _vid, (host, port) in sorted(voters.items()):
        try:
            resp = call(host, port, {"op": "raft_leader"}, timeout=0.5)
        except RpcError:
            continue
        leader = int(resp.get("leader_id", -1))
        if leader >= 0 and leader in voters and (best is None or int(resp["epoch"]) > best[0]):
            best = (int(resp["epoch"]), leader)
    if best is None:
        return None
    host, port = voters[best[1]]
    return best[1], host, port


class BrokerNode:
    def __init__(self, cfg: KafkaConfig, elog: EmuLog, faults: Faults, fatal: Callable[[str], None]) -> None:
        self.cfg = cfg
        self.elog = elog
        self.faults = faults
        self.fatal = fatal
        self.mode = "kraft" if cfg.is_kraft_broker else ("migrating" if cfg.migration_enabled else "zk")
        self.broker_id = cfg.node_id if cfg.is_kraft_broker else cfg.broker_id
        self.incarnation = random_uuid()
        self.cluster_id = ""
        self.directory_id: str | None = None
        self.zk: ZkStore | None = None
        self.is_zk_controller = False
        self.kraft_registered = False
        self.caught_up_at: int | None = None
        self.started = threading.Event()
        # The quorum leader this broker's raft client last reached (-1: none), for its raft-metrics.
        self.quorum_leader = -1
        self.quorum_epoch = 0
        self._stop = threading.Event()
        self._zk_wakeup = threading.Event()
        self._threads: list[threading.Thread] = []
        self._live_cache: tuple[float, dict[int, bool]] = (0.0, {})
        # (made at, the registrations it was made from, the count) of the last settled UnderReplicatedPartitions.
        self._urp_view: tuple[float, dict[int, Any], int] | None = None
        self._last_unreachable_log = 0.0
        # Kafka's loggers with their log prefixes (logIdent / LogContext)
        if self.mode == "kraft":
            self.slog = elog.logger("kafka.server.BrokerServer", f"[BrokerServer id={self.broker_id}] ")
        else:
            self.slog = elog.logger("kafka.server.KafkaServer", f"[KafkaServer id={self.broker_id}] ")
        self.klog = elog.logger("kafka.server.KafkaRaftServer", f"[KafkaRaftServer nodeId={self.broker_id}] ")
        self.lifecycle = elog.logger("kafka.server.BrokerLifecycleManager",
                                     f"[BrokerLifecycleManager id={self.broker_id}"
                                     f"{' isZkBroker=true' if self.mode == 'migrating' else ''}] ")
        self.zkclog = elog.logger("kafka.zk.KafkaZkClient")
        self.ctllog = elog.logger("kafka.controller.KafkaController", f"[Controller id={self.broker_id}] ")
        self.netlog = elog.logger("org.apache.kafka.clients.NetworkClient", f"[RaftManager id={self.broker_id}] ")
        self.raftlog = elog.logger("org.apache.kafka.raft.KafkaRaftClient", f"[RaftManager id={self.broker_id}] ")
        self._fetch_correlation = 0
        self._rejected_since: float | None = None
        self.emu = elog.logger("kafka.emulator")

    # --- startup ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self.mode == "kraft":
            self.slog.info("Transition from SHUTDOWN to STARTING")
            self._load_kraft_meta()
            self._spawn(self._kraft_registration_loop)
        else:
            self.slog.info("starting")
            self._start_zk()

    def _spawn(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _load_kraft_meta(self) -> None:
        dirs = list(dict.fromkeys(self.cfg.log_dirs + [self.cfg.metadata_log_dir]))
        found: dict[str, str] | None = None
        for directory in dirs:
            meta = read_meta(directory)
            if meta is None:
                raise StartupError(
                    f"No `meta.properties` found in {directory} (have you run `kafka-storage.sh` to format the "
                    "directory?)",
                    f"java.lang.RuntimeException: No `meta.properties` found in {directory} (have you run "
                    "`kafka-storage.sh` to format the directory?)")
            node = meta.get("node.id", meta.get("broker.id"))
            if node is not None and int(node) != self.broker_id:
                raise StartupError(f"Stored node id {node} doesn't match previous node id {self.broker_id}")
            if found is not None and found.get("cluster.id") != meta.get("cluster.id"):
                raise StartupError("Invalid cluster.id in meta.properties: mismatched cluster IDs between directories")
            found = found or meta
        assert found is not None
        self.cluster_id = found.get("cluster.id", "")
        self.directory_id = found.get("directory.id")
        (Path(self.cfg.metadata_log_dir) / PARTITION_DIR).mkdir(parents=True, exist_ok=True)

    def _check_migration_controller_protocol(self) -> None:
        """ZK migration mode has no config check for the controller listener's mapping: Kafka's raft manager
        then takes the listener name itself as a security protocol and fails."""
        for name in self.cfg.controller_listener_names:
            if name not in self.cfg.protocol_map:
                text = f"No enum constant org.apache.kafka.common.security.auth.SecurityProtocol.{name}"
                raise StartupError(text, f"java.lang.IllegalArgumentException: {text}")

    def _start_zk(self) -> None:
        assert self.cfg.zk_connect is not None
        self.slog.info(f"Connecting to zookeeper on {self.cfg.zk_connect}")
        try:
            self.zk = ZkStore(self.cfg.zk_connect, self.cfg.zk_session_timeout_ms,
                              secure_acls=self.cfg.zk_set_acl, tls_client=self.cfg.zk_tls_client)
        except StartupError:
            raise
        except Exception as exc:
            raise StartupError(f"Timed out waiting for connection while in state: CONNECTING ({exc})",
                               "kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection "
                               "while in state: CONNECTING", log_ident=False) from exc
        self.zk.ensure_persistent_paths()
        self.cluster_id = self.zk.get_or_create_cluster_id()
        self.slog.info(f"Cluster ID = {self.cluster_id}")
        dirs = list(self.cfg.log_dirs)
        if self.mode == "migrating" and self.cfg.metadata_log_dir not in dirs:
            dirs.append(self.cfg.metadata_log_dir)  # the raft client's directory joins the ensemble
        for directory in dirs:
            Path(directory).mkdir(parents=True, exist_ok=True)
            meta = read_meta(directory) or {}
            stored = meta.get("cluster.id")
            # 3.7+: MetaPropertiesEnsemble.verify (3.9.2 measured), before KafkaServer has its log prefix
            path = Path(directory) / "meta.properties"
            if stored is not None and stored != self.cluster_id:
                text = f"Invalid cluster.id in: {path}. Expected {self.cluster_id}, but read {stored}"
                raise StartupError(text, f"java.lang.RuntimeException: {text}", log_ident=False)
            stored_id = meta.get("broker.id", meta.get("node.id"))
            if stored_id is not None and int(stored_id) != self.broker_id:
                text = (f"Stored node id {stored_id} doesn't match previous node id {self.broker_id} in {path}. If "
                        "you moved your data, make sure your configured node id matches. If you intend to create a "
                        "new node, you should remove all data in your data directories.")
                raise StartupError(text, f"java.lang.RuntimeException: {text}", log_ident=False)
            values = {"version": "0", "broker.id": str(self.broker_id), "cluster.id": self.cluster_id}
            if meta.get("directory.id"):
                values["directory.id"] = meta["directory.id"]
            elif self.mode == "migrating" and kafka_version() >= (3, 7, 0):
                values["directory.id"] = random_uuid()
            self.directory_id = self.directory_id or values.get("directory.id")
            if values != dict(meta.items()):
                write_meta(directory, values)
        if self.mode == "migrating":
            self._check_migration_controller_protocol()
            stale = Path(self.cfg.metadata_log_dir) / PARTITION_DIR
            if kafka_version() >= (3, 8, 0) and stale.exists():
                self.slog.info(f"Deleting the stale metadata log directory {stale} before starting the "
                               "raft client in ZooKeeper migration mode.")
                shutil.rmtree(stale, ignore_errors=True)
            stale.mkdir(parents=True, exist_ok=True)

    def after_listeners(self) -> None:
        """Second startup half, once the socket server is bound."""
        if self.mode == "kraft":
            return
        assert self.zk is not None
        if not self.faults.never_register or self.mode == "migrating":
            self._register_in_zk(wait_s=self.cfg.zk_session_timeout_ms / 1000.0 + 2.0)
        self.zk.client.DataWatch("/controller", self._controller_watch)
        self._spawn(self._zk_loop)
        if self.mode == "migrating":
            self._spawn(self._zk_broker_registration_loop)
        self.caught_up_at = now_ms() + self.faults.catchup_ms
        self.started.set()
        self.slog.info("started")

    def _register_in_zk(self, wait_s: float) -> None:
        assert self.zk is not None
        endpoints = self.cfg.advertised
        payload = ZkStore.broker_registration(endpoints, self.cfg.protocol_map, self.cfg.rack, -1)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self.zk.register_broker(self.broker_id, payload)
                break
            except NodeExistsError:
                # the previous session of this broker may still hold the node until it expires
                if time.monotonic() > deadline or self._stop.is_set():
                    text = (f"Error while creating ephemeral at /brokers/ids/{self.broker_id}, node already exists "
                            f"and owner does not match current session '{self.zk.session_id():#x}'")
                    raise StartupError(text, f"org.apache.zookeeper.KeeperException$NodeExistsException: {text}") from None
                self._stop.wait(0.1)
        self.zkclog.info(f"Registered broker {self.broker_id} at path /brokers/ids/{self.broker_id} "
                         f"with addresses: {','.join(str(e) for e in endpoints)}")

    # --- ZooKeeper controller election -----------------------------------------------------------
    def _controller_watch(self, data: bytes | None, stat: Any) -> None:
        self._zk_wakeup.set()

    def _zk_loop(self) -> None:
        assert self.zk is not None
        while not self._stop.is_set():
            self._zk_wakeup.clear()
            try:
                self._zk_round()
            except Exception as exc:  # connection loss: kazoo reconnects, try again next round
                self.slog.warn(f"ZooKeeper operation failed: {type(exc).__name__}: {exc}")
            self._zk_wakeup.wait(0.25)

    def _zk_round(self) -> None:
        assert self.zk is not None
        if not self.zk.client.connected:
            return
        if (not self.faults.never_register or self.mode == "migrating") and \
                self.zk.client.exists(f"/brokers/ids/{self.broker_id}") is None:
            self._register_in_zk(wait_s=0)
        data, ephemeral = self.zk.read_controller()
        if data is None:
            epoch = self.zk.elect_zk_controller(self.broker_id)
            if epoch is not None:
                self.is_zk_controller = True
                self.ctllog.info(f"{self.broker_id} successfully elected as the controller. Epoch incremented to "
                                 f"{epoch} and epoch zk version is now {self.zk.controller_epoch()[1]}")
            return
        mine = int(data.get("brokerid", -1)) == self.broker_id and ephemeral and \
            int(data.get("kraftControllerEpoch", -1)) < 0
        if self.is_zk_controller and not mine:
            self.is_zk_controller = False
            if int(data.get("kraftControllerEpoch", -1)) >= 0:
                self.ctllog.info(f"Resigning: the KRaft controller {data.get('brokerid')} has claimed ZooKeeper "
                                 "controller leadership")
            else:
                self.ctllog.info("Resigning")
        elif mine:
            self.is_zk_controller = True

    def kraft_owns_zk(self) -> bool:
        if self.zk is None:
            return False
        data, dummy = self.zk.read_controller()
        return data is not None and int(data.get("kraftControllerEpoch", -1)) >= 0

    # --- registration with the KRaft controller --------------------------------------------------
    def _registration_request(self) -> dict[str, Any]:
        if self.mode == "migrating":
            low = high = str(self.cfg.ibp)
        else:
            low, high = KRAFT_MV_MIN, str(MetadataVersion.parse(f"{kafka_version()[0]}.{kafka_version()[1]}"))
        return {"op": "broker_register", "id": self.broker_id, "cluster_id": self.cluster_id,
                "incarnation": self.incarnation, "is_migrating_zk_broker": self.mode == "migrating",
                "mv_min": low, "mv_max": high, "endpoints": [str(e) for e in self.cfg.advertised],
                "rack": self.cfg.rack, "directory_id": self.directory_id}

    def _quorum_unreachable(self) -> None:
        """Kafka's NetworkClient warning while no controller answers, at most every 5 seconds."""
        now = time.monotonic()
        if now - self._last_unreachable_log < 5.0:
            return
        self._last_unreachable_log = now
        vid, (host, port) = sorted(self.cfg.voters.items())[0]
        self.netlog.warn(f"Connection to node {vid} (/{host}:{port}) could not be established. Node may not be "
                         "available.")

    def _cluster_id_rejected(self, leader: tuple[int, str, int]) -> str:
        """Another cluster's quorum (measured on 3.9.2): the raft client's FETCH is refused, so the broker never
        learns the metadata it needs to send its registration, which times out unsent every 30 s; no
        `Unable to register broker N because ... INCONSISTENT_CLUSTER_ID` line. Kafka retries the fetch every
        few ms; the emulator logs one refusal per attempt."""
        self._fetch_correlation += 1
        self.raftlog.error(
            "Unexpected error INCONSISTENT_CLUSTER_ID in FETCH response: InboundResponse(correlationId="
            f"{self._fetch_correlation}, data=FetchResponseData(throttleTimeMs=0, errorCode=104, sessionId=0, "
            f"responses=[], nodeEndpoints=[]), source={leader[1]}:{leader[2]} (id: {leader[0]} rack: null))")
        now = time.monotonic()
        if self._rejected_since is None:
            self._rejected_since = now
        elif now - self._rejected_since >= 30.0:
            self._rejected_since = now
            self.lifecycle.info("Unable to register the broker because the RPC got timed out before it could be "
                                "sent.")
        return "NO_LEADER"  # nothing reached the controller: no registration error to report

    def _try_register(self) -> str | None:
        """None on success, else the error code (or a connectivity note)."""
        leader = find_leader(self.cfg.voters)
        if leader is None:
            self._quorum_unreachable()
            return "NO_LEADER"
        try:
            resp = call(leader[1], leader[2], self._registration_request(), timeout=3.0)
        except RpcError:
            return "NO_LEADER"
        if resp.get("error") == "INCONSISTENT_CLUSTER_ID":
            return self._cluster_id_rejected(leader)
        self._rejected_since = None
        if resp.get("error"):
            return str(resp["error"])
        self.kraft_registered = True
        self.quorum_leader = leader[0]
        self.lifecycle.info(f"Successfully registered broker {self.broker_id} with broker epoch "
                            f"{resp.get('broker_epoch')}")
        return None

    def _heartbeat_until_stopped(self) -> None:
        """Heartbeat the active controller; re-register if it forgot us."""
        while not self._stop.is_set():
            self._stop.wait(self.cfg.heartbeat_interval_ms / 1000.0)
            if self._stop.is_set():
                return
            leader = find_leader(self.cfg.voters)
            if leader is None:
                self.quorum_leader = -1
                self._quorum_unreachable()
                continue
            try:
                resp = call(leader[1], leader[2], {"op": "broker_heartbeat", "id": self.broker_id,
                                                   "incarnation": self.incarnation}, timeout=2.0)
            except RpcError:
                self.quorum_leader = -1
                continue
            self.quorum_leader = leader[0]
            if resp.get("error") == "STALE_BROKER_EPOCH":
                self.kraft_registered = False
                error = self._try_register()
                if error not in (None, "NO_LEADER"):
                    self.lifecycle.info(f"Unable to register broker {self.broker_id} because the controller "
                                        f"returned error {error}")

    def _zk_broker_registration_loop(self) -> None:
        if self.faults.never_register:
            self.lifecycle.info("Fault injection: this broker never registers with the KRaft controller.")
            return
        while not self._stop.is_set():
            error = self._try_register()
            if error is None:
                break
            if error != "NO_LEADER":
                self.lifecycle.info(f"Unable to register broker {self.broker_id} because the controller "
                                    f"returned error {error}")
            self._stop.wait(1.0)
        self._heartbeat_until_stopped()

    def _kraft_registration_loop(self) -> None:
        deadline = time.monotonic() + self.cfg.registration_timeout_ms / 1000.0
        while not self._stop.is_set():
            error = "NEVER_REGISTER" if self.faults.never_register else self._try_register()
            if error is None:
                self.caught_up_at = now_ms() + self.faults.catchup_ms
                self.started.set()
                self.slog.info("Transition from STARTING to STARTED")
                self.klog.info("Kafka Server started")
                self._heartbeat_until_stopped()
                return
            if error not in ("NO_LEADER", "NEVER_REGISTER"):
                self.lifecycle.info(f"Unable to register broker {self.broker_id} because the controller "
                                    f"returned error {error}")
            if time.monotonic() > deadline:
                self.lifecycle.error("Shutting down because we were unable to register with the controller "
                                     "quorum.")
                self.fatal("Shutting down because we were unable to register with the controller quorum.")
                return
            self._stop.wait(1.0)

    # --- shutdown --------------------------------------------------------------------------------
    def stop(self) -> None:
        self.slog.info("shutting down")
        self._stop.set()
        if self.kraft_registered:
            leader = find_leader(self.cfg.voters)
            if leader is not None:
                try:
                    call(leader[1], leader[2], {"op": "broker_shutdown", "id": self.broker_id,
                                                "incarnation": self.incarnation}, timeout=2.0)
                except RpcError:
                    pass
        if self.zk is not None:
            if not self.zk.close():
                self.slog.warn("The ZooKeeper session did not close in time (thread dump on the console)")
        self.slog.info("shut down completed")

    # --- cluster view ----------------------------------------------------------------------------
    def caught_up(self) -> bool:
        return self.caught_up_at is not None and now_ms() >= self.caught_up_at

    def _kraft_call(self, req: dict[str, Any]) -> dict[str, Any]:
        leader = find_leader(self.cfg.voters)
        if leader is None:
            return {"error": "NOT_CONTROLLER", "message": "Timed out waiting for the active controller."}
        try:
            return call(leader[1], leader[2], req, timeout=5.0)
        except RpcError as exc:
            return {"error": "NOT_CONTROLLER", "message": str(exc)}

    def registrations(self) -> dict[int, dict[str, Any]]:
        """Every live broker's registration: its /brokers/ids znode (stamped), else the controllers' record (an
        incarnation). A broker that stops, starts or restarts changes this."""
        live: dict[int, dict[str, Any]] = {}
        if self.zk is not None:
            for bid in self.zk.broker_ids():
                info = self.zk.broker_info(bid)
                if info is not None:
                    live[bid] = info
        if self.mode in ("migrating", "kraft") and self.cfg.voters:
            resp = self._kraft_call({"op": "describe_cluster"})
            for bid, reg in (resp.get("brokers") or {}).items():
                live.setdefault(int(bid), reg)
        return live

    def live_endpoints(self) -> dict[int, list[str]]:
        return {bid: list(reg.get("endpoints", [])) for bid, reg in self.registrations().items()}

    def liveness(self, registrations: dict[int, dict[str, Any]] | None = None) -> dict[int, bool]:
        """Live broker id -> caught up; cached briefly because every probe asks. Given the registrations just
        read, asks the brokers they name afresh."""
        cached_at, cached = self._live_cache
        if registrations is None:
            if time.monotonic() - cached_at < 0.25:
                return cached
            registrations = self.registrations()
        result: dict[int, bool] = {}
        for bid, endpoints in ((b, list(r.get("endpoints", []))) for b, r in registrations.items()):
            if bid == self.broker_id:
                result[bid] = self.caught_up()
                continue
            result[bid] = False
            for ep in endpoints:
                host_port = ep.split("://", 1)[-1]
                host, dummy, port = host_port.rpartition(":")
                try:
                    resp = call(host, int(port), {"op": "replica_status"}, timeout=0.5)
                except (RpcError, ValueError):
                    continue
                result[bid] = bool(resp.get("caught_up"))
                break
        self._live_cache = (time.monotonic(), result)
        return result

    def under_replicated_count(self) -> int:
        """The partitions this broker leads whose ISR lacks a replica (its UnderReplicatedPartitions gauge).

        The roll guard and the under-replicated wait read every broker's gauge on every poll, and a count walks
        the image and asks every broker whether it caught up. A count made while every live broker had caught
        up answers again for URP_VIEW_SECONDS, as long as the registrations are the same (none stopped, started
        or restarted) and this broker wrote no metadata; one made while a broker catches up is not kept.
        """
        registrations = self.registrations()
        now = time.monotonic()
        view = self._urp_view
        if view is not None and now - view[0] < URP_VIEW_SECONDS and view[1] == registrations:
            return view[2]
        image = self.image()
        if not isinstance(image, Image):
            return 0
        liveness = self.liveness(registrations)
        count = sum(1 for v in partition_views(image, liveness) if v.leader == self.broker_id and v.under_replicated)
        settled = set(liveness) == set(registrations) and all(liveness.values())
        self._urp_view = (now, registrations, count) if settled else None
        return count

    def image(self) -> Image | dict[str, Any]:
        if self.mode == "kraft":
            resp = self._kraft_call({"op": "metadata_image"})
            if resp.get("error"):
                return resp
            return Image.from_json(resp["image"])
        assert self.zk is not None
        return self.zk.read_image()

    # --- ZooKeeper-mode writes -------------------------------------------------------------------
    def _zk_write(self, req: dict[str, Any]) -> dict[str, Any]:
        assert self.zk is not None
        action = req.get("action")
        name = str(req.get("name", ""))
        if action == "create_topic":
            if self.zk.topic_exists(name):
                return {"error": "TOPIC_ALREADY_EXISTS", "message": f"Topic '{name}' already exists."}
            try:
                ids = self.zk.broker_ids()
                assignment = assign_replicas(name, int(req["partitions"]), int(req["replication_factor"]), ids,
                                             {b: (self.zk.broker_info(b) or {}).get("rack") for b in ids})
            except ValueError as exc:
                return {"error": "INVALID_REPLICATION_FACTOR", "message": str(exc)}
            self.zk.create_topic(Topic(name, random_uuid(), assignment), dict(req.get("configs") or {}),
                                 self.zk.controller_epoch()[0])
        elif action == "delete_topic":
            if not self.zk.topic_exists(name):
                return {"error": "UNKNOWN_TOPIC_OR_PARTITION", "message": f"Topic '{name}' does not exist."}
            self.zk.delete_topic(name)
        elif action == "alter_configs":
            if not self.zk.topic_exists(name):
                return {"error": "UNKNOWN_TOPIC_OR_PARTITION", "message": f"Topic {name} does not exist."}
            configs = self.zk.topic_config(name)
            configs.update(dict(req.get("set") or {}))
            for key in req.get("delete") or []:
                configs.pop(key, None)
            self.zk.set_topic_config(name, configs)
        elif action in ("add_acls", "remove_acls"):
            for data in req.get("acls", []):
                self.zk.apply_acl_change(Acl.from_json(data), add=action == "add_acls")
        else:
            return {"error": "INVALID_REQUEST", "message": f"unknown action {action}"}
        return {"ok": True}

    # --- requests --------------------------------------------------------------------------------
    def dispatch(self, req: dict[str, Any]) -> dict[str, Any]:
        op = str(req.get("op"))
        if op == "replica_status":
            return {"caught_up": self.caught_up(), "id": self.broker_id}
        if op == "node_info":
            return {"role": "broker", "mode": self.mode, "node_id": self.broker_id, "cluster_id": self.cluster_id}
        if op == "metadata_image":
            image = self.image()
            if isinstance(image, dict):
                return image
            return {"image": image.to_json()}
        if op == "liveness":
            return {"liveness": {str(k): v for k, v in self.liveness().items()}, "kraft_broker": self.mode == "kraft"}
        if op == "metadata_write":
            self._urp_view = None
            if self.mode == "kraft" or (self.mode == "migrating" and self.kraft_owns_zk()):
                return self._kraft_call(req)
            return self._zk_write(req)
        if op == "quorum_describe":
            # a ZooKeeper-mode broker (migrating or not) does not offer DESCRIBE_QUORUM (3.9.2 measured); only a
            # KRaft broker forwards it to the controllers
            if not self.cfg.voters or self.mode != "kraft":
                return {"error": "UNSUPPORTED_VERSION", "message": "The node does not support DESCRIBE_QUORUM"}
            return self._kraft_call(req)
        return {"error": "INVALID_REQUEST", "message": f"unsupported operation {op}"}

    def metrics(self) -> dict[str, MetricValue]:
        base = "kafka.controller:type=KafkaController,name="
        zk_mode = self.mode != "kraft"
        raft: dict[str, int | str] | None = None
        if self.mode in ("migrating", "kraft") and self.cfg.voters:
            # The broker's raft client observes the quorum once it knows the leader (3.9.2: migration mode too).
            leader = self.quorum_leader
            raft = {"current-state": "observer" if leader >= 0 else "unattached", "current-leader": leader,
                    "current-vote": -1, "current-epoch": self.quorum_epoch, "high-watermark": -1, "log-end-offset": 0}

        def under_replicated() -> int:
            try:
                return self.under_replicated_count()
            except Exception:  # metrics must answer even while ZooKeeper is unreachable
                return 0

        return {
            base + "ZkMigrationState": (4 if kafka_version() >= (3, 6, 0) else 0) if zk_mode else None,
            base + "ActiveControllerCount": (1 if self.is_zk_controller else 0) if zk_mode else None,
            "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions": under_replicated,
            # 3 is RUNNING: registered (in ZooKeeper, or with the controllers and caught up).
            "kafka.server:type=KafkaServer,name=BrokerState": 3 if self.started.is_set() else 1,
            "kafka.server:type=raft-metrics": raft,
        }
