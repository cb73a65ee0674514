"""KRaft controller: quorum member, broker registry, ZooKeeper migration driver, dual-write."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from .common import (
    BOOTSTRAP_FILE,
    EmuLog,
    Faults,
    MetadataVersion,
    java_copy_set_capacity,
    java_grown_set_capacity,
    java_set,
    kafka_version,
    now_ms,
    random_uuid,
)
from .config import KafkaConfig
from .jolokia import MetricValue
from .metadata import RECORD_TYPE_NAMES, Acl, Image, Topic, apply_record, assign_replicas, image_to_records
from .raft import PARTITION_DIR, Raft, RaftLog
from .rpc import RpcError, call
from .zkstore import ZkStore

NONE, MIGRATION, PRE_MIGRATION, POST_MIGRATION, ZK = 0, 1, 2, 3, 4
STATE_NAMES = {NONE: "NONE", MIGRATION: "MIGRATION", PRE_MIGRATION: "PRE_MIGRATION",
               POST_MIGRATION: "POST_MIGRATION", ZK: "ZK"}
LEADER_OPS = {"broker_register", "broker_heartbeat", "broker_shutdown", "controller_register", "describe_cluster",
              "metadata_image", "metadata_write", "quorum_describe"}


def state_metric(state: int) -> int:
    """ZkMigrationState gauge value; 3.4 numbered PRE_MIGRATION=1 and MIGRATION=2."""
    if kafka_version()[:2] == (3, 4):
        return {MIGRATION: 2, PRE_MIGRATION: 1}.get(state, state)
    return state


def read_bootstrap(metadata_dir: Path) -> MetadataVersion:
    try:
        data = json.loads((metadata_dir / BOOTSTRAP_FILE).read_text(encoding="utf-8"))
        return MetadataVersion.parse(str(data["metadata.version"]))
    except (OSError, ValueError, KeyError):
        return MetadataVersion.parse("3.9-IV0")


class ControllerNode:
    def __init__(self, cfg: KafkaConfig, elog: EmuLog, faults: Faults, cluster_id: str,
                 fatal: Callable[[str], None] | None = None) -> None:
        self.cfg = cfg
        self.elog = elog
        self.faults = faults
        self.node_id = cfg.node_id
        self.cluster_id = cluster_id
        self.metadata_dir = Path(cfg.metadata_log_dir)
        self.bootstrap_version = read_bootstrap(self.metadata_dir)
        self.incarnation = random_uuid()
        self.lock = threading.RLock()
        self.raft = Raft(self.node_id, cfg.voters, RaftLog(self.metadata_dir / PARTITION_DIR), elog,
                         self._on_leader, self._on_resign, self._on_replicated)
        self.applied = 0
        self.image = Image()
        self.metadata_version: MetadataVersion | None = None
        self.migration_state: int | None = None
        self.brokers: dict[int, dict[str, Any]] = {}
        self.controllers: dict[int, dict[str, Any]] = {}
        self.sessions: dict[int, dict[str, Any]] = {}
        self.activated_epoch = -1
        self.zk_owned_epoch = -1
        self.zk: ZkStore | None = None
        self.migration_flag = cfg.migration_enabled and cfg.zk_connect is not None
        self._stop = threading.Event()
        self._last_wait_log: dict[str, tuple[str, float]] = {}
        self._driver = threading.Thread(target=self._driver_loop, name="migration-driver", daemon=True)
        self._registrar = threading.Thread(target=self._register_loop, name="controller-registration", daemon=True)
        # Kafka's loggers and LogContext prefixes; org.apache.kafka.controller.* lands in controller.log
        prefix = f"[QuorumController id={self.node_id}] "
        self.qlog = elog.logger("org.apache.kafka.controller.QuorumController", prefix)
        self.clog = elog.logger("org.apache.kafka.controller.ClusterControlManager", prefix)
        self.rlog = elog.logger("org.apache.kafka.controller.ReplicationControlManager", prefix)
        self.dlog = elog.logger("org.apache.kafka.metadata.migration.KRaftMigrationDriver",
                                f"[KRaftMigrationDriver id={self.node_id}] ")
        self.zlog = elog.logger("kafka.zk.ZkMigrationClient")
        self.faultlog = elog.logger("org.apache.kafka.server.fault.ProcessTerminatingFaultHandler")
        self.driver_epoch = -1  # the leader epoch the migration driver last went through its start states

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        with self.lock:
            self._catch_up_locked()
        if self.migration_flag:
            assert self.cfg.zk_connect is not None
            self.zk = ZkStore(self.cfg.zk_connect, self.cfg.zk_session_timeout_ms,
                              secure_acls=self.cfg.zk_set_acl, tls_client=self.cfg.zk_tls_client)
            if self.zk.create_migration_if_absent():
                self.zlog.info("Initialized ZK migration state in /migration")
        self.raft.start()
        self._driver.start()
        self._registrar.start()

    def stop(self) -> None:
        self._stop.set()
        self.raft.stop()
        if self.zk is not None:
            if not self.zk.close():
                self.zlog.warn("The ZooKeeper session did not close in time (thread dump on the console)")

    # --- log -> image ----------------------------------------------------------------------------
    def _catch_up_locked(self) -> None:
        entries = self.raft.log.entries
        if self.applied > len(entries):
            # the follower's log was replaced after a divergence: rebuild from scratch
            self.applied = 0
            self.image = Image()
            self.brokers, self.controllers = {}, {}
            self.migration_state, self.metadata_version = None, None
        while self.applied < len(entries):
            record = entries[self.applied]["record"]
            self.applied += 1
            kind = record.get("type")
            if kind == "FeatureLevel":
                self.metadata_version = MetadataVersion.parse(record["level"])
            elif kind == "ZkMigrationState":
                self.migration_state = int(record["state"])
            elif kind == "RegisterBroker":
                self.brokers[int(record["id"])] = record
            elif kind == "UnregisterBroker":
                self.brokers.pop(int(record["id"]), None)
            elif kind == "RegisterController":
                self.controllers[int(record["id"])] = record
            else:
                apply_record(self.image, record)

    def _on_replicated(self) -> None:
        with self.lock:
            self._catch_up_locked()

    def _append(self, records: list[dict[str, Any]]) -> int:
        with self.lock:
            offset = -1
            for record in records:
                offset = self.raft.append(record)
            self._catch_up_locked()
            return offset

    # --- leadership ------------------------------------------------------------------------------
    def _on_leader(self, epoch: int) -> None:
        with self.lock:
            now = now_ms()
            # a new active controller gives every registered broker a fresh session, like Kafka's
            self.sessions = {bid: {"incarnation": reg["incarnation"], "expires": now + self.cfg.broker_session_timeout_ms,
                                   "last_heartbeat": now} for bid, reg in self.brokers.items()}
        self.qlog.info(f"Becoming the active controller at epoch {epoch}, next write offset "
                       f"{self.raft.log.end_offset}.")

    def _on_resign(self) -> None:
        with self.lock:
            self.sessions = {}
            self.activated_epoch = -1
        self.qlog.warn("Renouncing the leadership: this controller is no longer the quorum leader.")

    def is_active(self) -> bool:
        return self.raft.is_leader()

    def _fatal_fault(self, what: str, exception: str) -> None:
        """ProcessTerminatingFaultHandler: log, then halt the process (no controlled shutdown)."""
        self.faultlog.error(f"Encountered fatal fault: {what}")
        self.faultlog.error(exception)
        self.elog.close()
        os._exit(1)

    def _activation(self) -> tuple[str, list[dict[str, Any]]] | str:
        """ActivationRecordsGenerator: (message, records), or the text of the RuntimeException it throws."""
        message = "Performing controller activation. "
        records: list[dict[str, Any]] = []
        if self.metadata_version is None:
            mv = self.bootstrap_version
            transactions = mv >= MetadataVersion(3, 6, 1)
            message += "The metadata log appears to be empty. Appending 1 bootstrap record(s) "
            if transactions:
                message += "in metadata transaction "
            message += (f"at metadata.version {mv} from bootstrap source 'the binary bootstrap metadata file: "
                        f"{self.metadata_dir / BOOTSTRAP_FILE}'. ")
            records.append({"type": "FeatureLevel", "name": "metadata.version", "level": str(mv)})
            if transactions or kafka_version() < (3, 9, 0):
                if self.migration_flag:
                    message += ("Putting the controller into pre-migration mode. No metadata updates will be allowed "
                                "until the ZK metadata has been migrated. ")
                    records.append({"type": "ZkMigrationState", "state": PRE_MIGRATION})
                else:
                    message += "Setting the ZK migration state to NONE since this is a de-novo KRaft cluster. "
                    records.append({"type": "ZkMigrationState", "state": NONE})
            elif self.migration_flag:
                return (f"The bootstrap metadata.version {mv} does not support ZK migrations. Cannot continue with "
                        "ZK migrations enabled.")
            return message.strip(), records
        mv = self.metadata_version
        if self.migration_flag and not mv.migration_supported():
            return f"Should not have ZK migrations enabled on a cluster running metadata.version {mv}"
        if mv.migration_supported():
            state = self.migration_state if self.migration_state is not None else NONE
            message += f"Loaded ZK migration state of {STATE_NAMES[state]}. "
            if state == NONE:
                if self.migration_flag:
                    return "Should not have ZK migrations enabled on a cluster that was created in KRaft mode."
                message += "This is expected because this is a de-novo KRaft cluster."
            elif state == PRE_MIGRATION and mv < MetadataVersion(3, 6, 1):
                message += "Activating pre-migration controller without empty log. There may be a partial migration. "
            elif state == MIGRATION and not self.migration_flag:
                message += ("Completing the ZK migration since this controller was configured with "
                            "'zookeeper.metadata.migration.enable' set to 'false'. ")
                records.append({"type": "ZkMigrationState", "state": POST_MIGRATION})
            elif state == MIGRATION:
                message += "Staying in ZK migration mode since 'zookeeper.metadata.migration.enable' is still 'true'. "
            elif state == POST_MIGRATION and self.migration_flag:
                message += ("Ignoring 'zookeeper.metadata.migration.enable' value of 'true' since the ZK migration "
                            "has been completed. ")
        return message.strip(), records

    def _activate(self, epoch: int) -> None:
        """QuorumController's CompleteActivationEvent: one WARN line in controller.log on every activation."""
        with self.lock:
            self._catch_up_locked()
            result = self._activation()
            if isinstance(result, str):
                self._fatal_fault("exception while completing controller activation",
                                  f"java.lang.RuntimeException: {result}")
                return
            message, records = result
            self.qlog.warn(message)
            if records:
                self._append(records)
            self.activated_epoch = epoch

    # --- the migration driver --------------------------------------------------------------------
    def _driver_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._driver_step()
            except Exception as exc:  # ZooKeeper hiccups: retry on the next round like the real driver
                self.dlog.info(f"Encountered ZooKeeper error during event {type(exc).__name__}. Will retry.")
            self._stop.wait(0.2)

    def _driver_step(self) -> None:
        with self.raft.lock:
            leader = self.raft.role == "leader"
            epoch = self.raft.epoch
        if not leader:
            return
        if self.activated_epoch != epoch:
            self._activate(epoch)
        self._expire_sessions()
        if not self.migration_flag or self.zk is None:
            return
        if self.migration_state == PRE_MIGRATION:
            self._pre_migration_step(epoch)
        elif self.migration_state == MIGRATION and self.zk_owned_epoch != epoch:
            mig, dummy = self.zk.read_migration()
            offset = int((mig or {}).get("kraft_metadata_offset", -1))
            if self.driver_epoch != epoch:
                self.driver_epoch = epoch
                if offset < 0:
                    self.dlog.error("KRaft controller indicates an active migration, but the ZK state does not.")
                else:
                    # a controller that becomes leader (failover or restart) while the migration runs
                    self.dlog.info("Migration is in already progress, not waiting on ZK brokers.")
            if offset < 0:
                return
            before = self._leadership_state()
            self.zk.claim_for_kraft(self.node_id, epoch)
            self.zk.write_migration(self.node_id, epoch, max(offset, self.raft.log.end_offset - 1), epoch)
            self.zk_owned_epoch = epoch
            self.dlog.info(f"Claimed ZK controller leadership in {self._elapsed_ns()} ns. Transitioned migration "
                           f"state from {before} to {self._leadership_state()}")
        elif self.migration_state == POST_MIGRATION and self.driver_epoch != epoch:
            self.driver_epoch = epoch
            self.dlog.error("KRaft controller indicates a completed migration, but the migration driver is somehow "
                            "active.")

    def _waiting(self, key: str, message: str) -> None:
        """Log a waiting line when it changes, and every 5 seconds while it holds."""
        last = self._last_wait_log.get(key)
        now = time.monotonic()
        if last is None or last[0] != message or now - last[1] > 5.0:
            self._last_wait_log[key] = (message, now)
            if key == "controllers":
                self.dlog.warn(message)
            else:
                self.dlog.info(message)

    def _not_ready_reason(self, controllers: dict[int, dict[str, Any]], mv: MetadataVersion | None) -> str | None:
        """QuorumFeatures.reasonAllControllersZkMigrationNotReady (3.7+): voters in configuration order."""
        if kafka_version() < (3, 7, 0):
            return None
        if mv is not None and not mv.migration_supported():
            return f"The metadata.version too low at {mv}"
        if mv is not None and mv < MetadataVersion(3, 7, 0):
            return None  # controller registrations need 3.7-IV0
        for vid in self.cfg.voters:
            if vid not in controllers:
                return f"No registration found for controller {vid}"
            if not controllers[vid].get("zk_migration_ready"):
                return f"Controller {vid} has not enabled zookeeper.metadata.migration.enable"
        return None

    def _leadership_state(self) -> str:
        """ZkMigrationLeadershipState.toString from /migration and /controller_epoch."""
        assert self.zk is not None
        mig, mig_version = self.zk.read_migration()
        mig = mig or {}
        zk_epoch, zk_version = self.zk.controller_epoch()
        return (f"ZkMigrationLeadershipState{{kraftControllerId={mig.get('kraft_controller_id', -1)}, "
                f"kraftControllerEpoch={mig.get('kraft_controller_epoch', -1)}, "
                f"kraftMetadataOffset={mig.get('kraft_metadata_offset', -1)}, "
                f"kraftMetadataEpoch={mig.get('kraft_metadata_epoch', -1)}, lastUpdatedTimeMs={now_ms()}, "
                f"migrationZkVersion={mig_version}, controllerZkEpoch={zk_epoch}, controllerZkVersion={zk_version}}}")

    @staticmethod
    def _elapsed_ns() -> int:
        return 1_000_000 + int(time.monotonic_ns() % 1_000_000)

    def _pre_migration_step(self, epoch: int) -> None:
        assert self.zk is not None
        with self.lock:
            controllers = dict(self.controllers)
            brokers = dict(self.brokers)
            mv = self.metadata_version
        reason = self._not_ready_reason(controllers, mv)
        if reason is not None:
            # no space after the colon: Kafka concatenates the reason as is
            self._waiting("controllers", "Still waiting for all controller nodes ready to begin the migration. "
                                         f"Not ready due to:{reason}")
            return
        if self.driver_epoch != epoch:
            self.driver_epoch = epoch
            self.dlog.info("Controller Quorum is ready for Zk to KRaft migration. Now waiting for ZK brokers.")
        registered = {bid for bid, reg in brokers.items() if reg.get("is_migrating_zk_broker")}
        if not brokers:
            self._waiting("brokers", "No brokers are known to KRaft, waiting for brokers to register.")
            return
        zk_live = set(self.zk.broker_ids())
        if not zk_live:
            self._waiting("brokers", "No brokers are registered in ZK, waiting for brokers to register.")
            return
        if zk_live - registered:
            # a HashSet copied from /brokers/ids, with the registered ones removed
            ids = java_set(zk_live - registered, java_copy_set_capacity(len(zk_live)))
            self._waiting("brokers", f"Still waiting for ZK brokers {ids} to register with KRaft.")
            return
        zk_image = self.zk.read_image()
        assigned: set[int] = set()
        for topic in zk_image.topics.values():
            for replicas in topic.partitions.values():
                assigned.update(replicas)
        if assigned - registered:
            # brokers holding replicas (a dead broker still in an assignment, say) must register too
            ids = java_set(assigned - registered, java_grown_set_capacity(len(assigned)))
            self._waiting("brokers", f"Still waiting for ZK brokers {ids} found in metadata to register with KRaft.")
            return
        self.dlog.info("Zk brokers are registered and ready for migration")
        before = self._leadership_state()
        self.zk.claim_for_kraft(self.node_id, epoch)
        self.zk_owned_epoch = epoch
        self.dlog.info(f"Claimed ZK controller leadership in {self._elapsed_ns()} ns. Transitioned migration state "
                       f"from {before} to {self._leadership_state()}")
        mig, dummy = self.zk.read_migration()
        prior_offset = int((mig or {}).get("kraft_metadata_offset", -1))
        if prior_offset > 0:
            self.dlog.info("Skipping the migration of metadata from ZooKeeper to KRaft because /migration "
                           f"says it already completed (kraft_metadata_offset={prior_offset}).")
            offset = self._append([{"type": "ZkMigrationState", "state": MIGRATION}])
            self.zk.write_migration(self.node_id, epoch, offset, epoch)
            self._sync_zk_to_image()
            return
        self.dlog.info("Starting ZK migration")
        start = time.monotonic()
        records = image_to_records(zk_image)
        counts: dict[str, int] = {}
        for record in records:
            name = RECORD_TYPE_NAMES.get(str(record["type"]), str(record["type"]))
            counts[name] = counts.get(name, 0) + 1
        offset = self._append(records + [{"type": "ZkMigrationState", "state": MIGRATION}])
        elapsed = int((time.monotonic() - start) * 1000)
        types = "{" + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) + "}"
        spelled = "Zookeeper" if kafka_version() < (3, 6, 0) else "ZooKeeper"
        # ZkMigrationClient: one batch per topic (with its configs and partitions), one per ACL resource; the
        # brokers "seen" are those named in partition assignments (registrations are not migrated metadata)
        seen = {b for t in zk_image.topics.values() for r in t.partitions.values() for b in r}
        batches = len(zk_image.topics) + len({(a.resource_type, a.name, a.pattern_type) for a in zk_image.acls})
        average = elapsed / batches if batches else -1.0
        self.dlog.info(f"Completed migration of metadata from {spelled} to KRaft. {len(records)} records "
                       f"were generated in {elapsed} ms across {batches} batches. The average time spent waiting on "
                       f"a batch was {average:.2f} ms. The record types were {types}. The current metadata offset "
                       f"is now {offset} with an epoch of {epoch}. Saw {len(seen)} brokers in the migrated metadata "
                       f"{java_set(seen)}.")
        before = self._leadership_state()
        self.zk.write_migration(self.node_id, epoch, offset, epoch)
        if kafka_version() >= (3, 6, 0):
            self.dlog.info(f"Finished initial migration of ZK metadata to KRaft in {self._elapsed_ns()} ns. "
                           f"Transitioned migration state from {before} to {self._leadership_state()}")

    def _sync_zk_to_image(self) -> None:
        """Full KRaft->ZooKeeper reconciliation: ZooKeeper ends up holding exactly the KRaft image."""
        assert self.zk is not None
        with self.lock:
            image = Image.from_json(self.image.to_json())
        zk_image = self.zk.read_image()
        for name in sorted(set(zk_image.topics) - set(image.topics)):
            self.dlog.info(f"Deleting topic {name} from ZooKeeper: it is not in the KRaft metadata.")
            self.zk.delete_topic(name)
        for name, topic in image.topics.items():
            if name not in zk_image.topics:
                self.zk.create_topic(topic, image.configs.get(name, {}), self.zk.controller_epoch()[0])
        for acl in zk_image.acls - image.acls:
            self.zk.apply_acl_change(acl, add=False)
        for acl in image.acls - zk_image.acls:
            self.zk.apply_acl_change(acl, add=True)

    # --- sessions --------------------------------------------------------------------------------
    def _expire_sessions(self) -> None:
        now = now_ms()
        with self.lock:
            expired = [bid for bid, s in self.sessions.items() if s["expires"] < now]
            for bid in expired:
                del self.sessions[bid]
        for bid in expired:
            self.rlog.info(f"Fencing broker {bid} because its session has timed out.")

    def live_brokers(self) -> dict[int, dict[str, Any]]:
        with self.lock:
            return {bid: self.brokers[bid] for bid in self.sessions if bid in self.brokers}

    # --- controller registration (3.7+) -----------------------------------------------------------
    def _register_loop(self) -> None:
        registered_with = (-1, -1)
        while not self._stop.is_set():
            with self.raft.lock:
                leader, epoch = self.raft.leader_id, self.raft.epoch
            if leader >= 0 and registered_with != (leader, epoch):
                req = {"op": "controller_register", "id": self.node_id, "incarnation": self.incarnation,
                       "zk_migration_ready": self.migration_flag,
                       "endpoints": [str(e) for e in self.cfg.controller_endpoints()]}
                try:
                    if leader == self.node_id:
                        resp = self._handle_controller_register(req)
                    else:
                        host, port = self.cfg.voters[leader]
                        resp = call(host, port, req, timeout=1.0)
                    if not resp.get("error"):
                        registered_with = (leader, epoch)
                except RpcError:
                    pass
            self._stop.wait(0.3)

    def _handle_controller_register(self, req: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            current = self.controllers.get(int(req["id"]))
            record = {"type": "RegisterController", "id": int(req["id"]), "incarnation": req["incarnation"],
                      "zk_migration_ready": bool(req["zk_migration_ready"]), "endpoints": req.get("endpoints", [])}
            if current is None or current["incarnation"] != record["incarnation"] or \
                    current.get("zk_migration_ready") != record["zk_migration_ready"]:
                self._append([record])
        return {"ok": True}

    # --- broker registration ---------------------------------------------------------------------
    def _register_broker(self, req: dict[str, Any]) -> dict[str, Any]:
        bid = int(req["id"])
        zk_broker = bool(req.get("is_migrating_zk_broker"))
        with self.lock:
            mv = self.metadata_version or self.bootstrap_version
            if req.get("cluster_id") != self.cluster_id:
                return {"error": "INCONSISTENT_CLUSTER_ID",
                        "message": f"Expected cluster ID {self.cluster_id}, but got cluster ID {req.get('cluster_id')}"}
            existing = self.brokers.get(bid)
            if existing is not None and bid in self.sessions and existing["incarnation"] != req["incarnation"]:
                return {"error": "DUPLICATE_BROKER_REGISTRATION",
                        "message": "Another broker is registered with that broker id."}
            if zk_broker and not (self.migration_flag and mv.migration_supported()):
                return {"error": "BROKER_ID_NOT_REGISTERED", "message": "Controller does not support registering ZK brokers."}
            # ClusterControlManager.registerBroker's order: cluster id, duplicate, ZK registration allowed,
            # pre-migration, inter-broker listener (3.9), then the feature (metadata.version) check
            if not zk_broker and self.migration_state == PRE_MIGRATION:
                return {"error": "BROKER_ID_NOT_REGISTERED",
                        "message": "Controller is in pre-migration mode and cannot register KRaft brokers until "
                                   "the metadata migration is complete."}
            if zk_broker and kafka_version() >= (3, 9, 0):
                names = {e.split("://", 1)[0] for e in req.get("endpoints", [])}
                if self.cfg.inter_broker_listener_name not in names:
                    return {"error": "INVALID_REGISTRATION", "message": "Broker does not have the current "
                            f"inter.broker.listener {self.cfg.inter_broker_listener_name}"}
            low, high = (MetadataVersion.parse(str(req["mv_min"])), MetadataVersion.parse(str(req["mv_max"])))
            if not low <= mv <= high:
                return {"error": "UNSUPPORTED_VERSION",
                        "message": f"Unable to register because the broker does not support version {mv} of "
                                   f"metadata.version. It wants a version between {low} and {high}, inclusive."}
            record = {"type": "RegisterBroker", "id": bid, "incarnation": req["incarnation"],
                      "is_migrating_zk_broker": zk_broker, "endpoints": req.get("endpoints", []),
                      "rack": req.get("rack"), "directory_id": req.get("directory_id"),
                      "broker_epoch": self.raft.log.end_offset}
            self._append([record])
            now = now_ms()
            self.sessions[bid] = {"incarnation": req["incarnation"], "last_heartbeat": now,
                                  "expires": now + self.cfg.broker_session_timeout_ms}
        if existing is None:
            self.clog.info(f"No previous registration found for broker {bid}. New incarnation ID is "
                           f"{req['incarnation']}.  Generated 0 record(s) to clean up previous incarnations. New "
                           f"broker epoch is {record['broker_epoch']}.")
        elif existing["incarnation"] != req["incarnation"]:
            self.clog.info(f"Registering a new incarnation of broker {bid}. Previous incarnation ID was "
                           f"{existing['incarnation']}; new incarnation ID is {req['incarnation']}. Generated 0 "
                           "record(s) to clean up previous incarnations. Broker epoch will become "
                           f"{record['broker_epoch']}.")
        else:
            self.clog.info(f"Amending registration of broker {bid}, incarnation ID {req['incarnation']}. Broker "
                           f"epoch remains {record['broker_epoch']}.")
        return {"ok": True, "broker_epoch": record["broker_epoch"]}

    def _heartbeat(self, req: dict[str, Any]) -> dict[str, Any]:
        bid = int(req["id"])
        with self.lock:
            reg = self.brokers.get(bid)
            if reg is None or reg["incarnation"] != req.get("incarnation"):
                return {"error": "STALE_BROKER_EPOCH", "message": "The broker must register again."}
            now = now_ms()
            self.sessions[bid] = {"incarnation": reg["incarnation"], "last_heartbeat": now,
                                  "expires": now + self.cfg.broker_session_timeout_ms}
            return {"ok": True, "migration_state": self.migration_state}

    def _shutdown_broker(self, req: dict[str, Any]) -> dict[str, Any]:
        bid = int(req["id"])
        with self.lock:
            session = self.sessions.get(bid)
            if session is not None and session["incarnation"] == req.get("incarnation"):
                del self.sessions[bid]
        self.rlog.info(f"Broker {bid} is shutting down: fenced after controlled shutdown.")
        return {"ok": True}

    # --- metadata writes -------------------------------------------------------------------------
    def _write(self, req: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            state = self.migration_state
            if state == PRE_MIGRATION:
                return {"error": "NOT_CONTROLLER", "message": "The active controller is in pre-migration mode and "
                        "cannot accept metadata updates until the ZK metadata has been migrated."}
            action = req.get("action")
            records: list[dict[str, Any]] = []
            if action == "create_topic":
                name = str(req["name"])
                if name in self.image.topics:
                    return {"error": "TOPIC_ALREADY_EXISTS", "message": f"Topic '{name}' already exists."}
                registered = self.live_brokers()
                live = sorted(registered)
                try:
                    assignment = assign_replicas(name, int(req["partitions"]), int(req["replication_factor"]), live,
                                                 {b: registered[b].get("rack") for b in live})
                except ValueError as exc:
                    return {"error": "INVALID_REPLICATION_FACTOR", "message": str(exc)}
                topic = Topic(name, random_uuid(), assignment)
                records.append({"type": "Topic", "name": name, "topic_id": topic.topic_id})
                records += [{"type": "Partition", "topic": name, "partition": p, "replicas": r}
                            for p, r in sorted(assignment.items())]
                records += [{"type": "Config", "resource_type": "topics", "name": name, "key": k, "value": v}
                            for k, v in sorted(dict(req.get("configs") or {}).items())]
            elif action == "delete_topic":
                name = str(req["name"])
                if name not in self.image.topics:
                    return {"error": "UNKNOWN_TOPIC_OR_PARTITION", "message": f"Topic '{name}' does not exist."}
                records.append({"type": "RemoveTopic", "name": name})
            elif action == "alter_configs":
                name = str(req["name"])
                if name not in self.image.topics:
                    return {"error": "UNKNOWN_TOPIC_OR_PARTITION", "message": f"Topic {name} does not exist."}
                records += [{"type": "Config", "resource_type": "topics", "name": name, "key": k, "value": v}
                            for k, v in sorted(dict(req.get("set") or {}).items())]
                records += [{"type": "Config", "resource_type": "topics", "name": name, "key": k, "value": None}
                            for k in req.get("delete") or []]
            elif action in ("add_acls", "remove_acls"):
                # ControllerApis: ACL changes (forwarded by every broker) need the controller's own authorizer.
                if not self.cfg.props.get("authorizer.class.name", "").strip():
                    return {"error": "SECURITY_DISABLED", "message": "No Authorizer is configured."}
                kind = "Acl" if action == "add_acls" else "RemoveAcl"
                records += [{"type": kind, "acl": a} for a in req.get("acls", [])]
            else:
                return {"error": "INVALID_REQUEST", "message": f"unknown action {action}"}
            if not records:
                return {"ok": True}
            self._append(records)
            dual = state == MIGRATION and self.migration_flag and self.zk is not None
            snapshot = Image.from_json(self.image.to_json())
        if dual:
            self._dual_write(records, snapshot)
        return {"ok": True}

    def _dual_write(self, records: list[dict[str, Any]], image: Image) -> None:
        """Mirror the change into ZooKeeper, as the controller does while in MIGRATION."""
        assert self.zk is not None
        zk_epoch = self.zk.controller_epoch()[0]
        topics_done: set[str] = set()
        for record in records:
            kind = record["type"]
            if kind in ("Topic", "Partition") and record.get("name", record.get("topic")) not in topics_done:
                name = str(record.get("name", record.get("topic")))
                topics_done.add(name)
                if name in image.topics:
                    self.zk.create_topic(image.topics[name], image.configs.get(name, {}), zk_epoch)
            elif kind == "RemoveTopic":
                self.zk.delete_topic(str(record["name"]))
            elif kind == "Config" and record["name"] not in topics_done:
                self.zk.set_topic_config(str(record["name"]), image.configs.get(str(record["name"]), {}))
            elif kind in ("Acl", "RemoveAcl"):
                self.zk.apply_acl_change(Acl.from_json(record["acl"]), add=kind == "Acl")

    # --- queries ---------------------------------------------------------------------------------
    def _quorum_describe(self) -> dict[str, Any]:
        now = now_ms()
        with self.raft.lock:
            leo = self.raft.log.end_offset
            voters = []
            for vid in sorted(self.cfg.voters):
                host, port = self.cfg.voters[vid]
                endpoints = [f"{n}://{host}:{port}" for n in self.cfg.controller_listener_names[:1]]
                if vid == self.node_id:
                    voters.append({"id": vid, "leo": leo, "last_fetch": now, "last_caught_up": now,
                                   "endpoints": endpoints})
                else:
                    prog = self.raft.progress.get(vid, {"leo": 0, "last_fetch": -1, "last_caught_up": -1})
                    voters.append({"id": vid, "leo": prog["leo"], "last_fetch": prog["last_fetch"],
                                   "last_caught_up": prog["last_caught_up"], "endpoints": endpoints})
            hw = self.raft.high_watermark
            epoch = self.raft.epoch
        with self.lock:
            observers = [{"id": bid, "leo": leo, "last_fetch": s["last_heartbeat"], "last_caught_up": s["last_heartbeat"],
                          "directory_id": self.brokers.get(bid, {}).get("directory_id")}
                         for bid, s in sorted(self.sessions.items())]
        return {"cluster_id": self.cluster_id, "leader_id": self.node_id, "leader_epoch": epoch, "high_watermark": hw,
                "voters": voters, "observers": observers, "now": now}

    def dispatch(self, req: dict[str, Any]) -> dict[str, Any]:
        op = str(req.get("op"))
        if op.startswith("raft_"):
            return self.raft.handle(req)
        if op in LEADER_OPS and not self.is_active():
            if req.get("forwarded"):
                return {"error": "NOT_CONTROLLER", "message": "This node is not the active controller."}
            leader = self.raft.leader_id
            if leader < 0 or leader == self.node_id:
                return {"error": "NOT_CONTROLLER", "message": "The active controller is not known yet."}
            host, port = self.cfg.voters[leader]
            try:
                return call(host, port, dict(req, forwarded=True), timeout=5.0)
            except RpcError as exc:
                return {"error": "NOT_CONTROLLER", "message": str(exc)}
        if op == "broker_register":
            return self._register_broker(req)
        if op == "broker_heartbeat":
            return self._heartbeat(req)
        if op == "broker_shutdown":
            return self._shutdown_broker(req)
        if op == "controller_register":
            return self._handle_controller_register(req)
        if op == "describe_cluster":
            return {"brokers": {str(b): r for b, r in self.live_brokers().items()}, "cluster_id": self.cluster_id,
                    "controller_id": self.node_id, "migration_state": self.migration_state}
        if op == "metadata_image":
            with self.lock:
                return {"image": self.image.to_json(), "migration_state": self.migration_state}
        if op == "metadata_write":
            return self._write(req)
        if op == "quorum_describe":
            return self._quorum_describe()
        if op == "node_info":
            return {"role": "controller", "node_id": self.node_id, "cluster_id": self.cluster_id}
        return {"error": "INVALID_REQUEST", "message": f"unsupported operation {op}"}

    # --- metrics ---------------------------------------------------------------------------------
    def metrics(self) -> dict[str, MetricValue]:
        with self.lock:
            state = self.migration_state if self.migration_state is not None else NONE
            zk_count = sum(1 for r in self.brokers.values() if r.get("is_migrating_zk_broker"))
        with self.raft.lock:
            raft: dict[str, int | str] = {
                "current-state": self.raft.role, "current-leader": self.raft.leader_id,
                "current-vote": self.raft.voted_for, "current-epoch": self.raft.epoch,
                "high-watermark": self.raft.high_watermark, "log-end-offset": self.raft.log.end_offset}
        base = "kafka.controller:type=KafkaController,name="
        values: dict[str, MetricValue] = {
            "kafka.server:type=raft-metrics": raft,
            base + "ZkMigrationState": state_metric(state) if kafka_version() >= (3, 5, 0) else None,
            base + "ZkWriteBehindLag": 0,
            base + "ActiveControllerCount": 1 if self.is_active() else 0,
            base + "MigratingZkBrokerCount": zk_count if kafka_version() >= (3, 6, 0) else None,
        }
        return values
