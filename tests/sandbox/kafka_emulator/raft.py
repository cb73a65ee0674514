"""A small Raft among the static voters: leader election, metadata log replication, persistence.

The log lives in <metadata dir>/__cluster_metadata-0/ as JSON lines; the quorum state (epoch, vote,
leader) in quorum-state, like Kafka's file of that name.
"""

from __future__ import annotations

import json
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from .common import EmuLog, now_ms
from .rpc import RpcError, call

LOG_FILE = "00000000000000000000.log"
STATE_FILE = "quorum-state"
PARTITION_DIR = "__cluster_metadata-0"


class RaftLog:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / LOG_FILE
        self.entries: list[dict[str, Any]] = []
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    try:
                        self.entries.append(json.loads(line))
                    except ValueError:
                        break  # a torn last line after a crash: drop it like a truncated batch
        self._handle = open(self.path, "a", encoding="utf-8", buffering=1)

    @property
    def end_offset(self) -> int:
        return len(self.entries)

    @property
    def last_epoch(self) -> int:
        return int(self.entries[-1]["epoch"]) if self.entries else 0

    def append(self, epoch: int, record: dict[str, Any]) -> int:
        entry: dict[str, Any] = {"offset": len(self.entries), "epoch": epoch, "record": record}
        self.entries.append(entry)
        self._handle.write(json.dumps(entry) + "\n")
        return int(entry["offset"])

    def replace(self, entries: list[dict[str, Any]]) -> None:
        self.entries = list(entries)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(e) + "\n" for e in self.entries), encoding="utf-8")
        self._handle.close()
        os.replace(tmp, self.path)
        self._handle = open(self.path, "a", encoding="utf-8", buffering=1)

    def extend(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            self.entries.append(entry)
            self._handle.write(json.dumps(entry) + "\n")

    def load_state(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.directory / STATE_FILE).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def save_state(self, epoch: int, voted: int, leader: int, voters: list[int]) -> None:
        data = {"clusterId": "", "leaderId": leader, "leaderEpoch": epoch, "votedId": voted, "appliedOffset": 0,
                "currentVoters": [{"voterId": v} for v in voters], "data_version": 0}
        tmp = self.directory / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.directory / STATE_FILE)

    def close(self) -> None:
        self._handle.close()


class Raft:
    """Election and replication. Callbacks run outside the lock on a helper thread."""

    ELECTION_MIN_MS = 900
    ELECTION_MAX_MS = 1800
    CHECK_QUORUM_MS = 2500
    FETCH_INTERVAL_S = 0.08

    def __init__(self, node_id: int, voters: dict[int, tuple[str, int]], log: RaftLog, elog: EmuLog,
                 on_leader: Callable[[int], None], on_resign: Callable[[], None],
                 on_replicated: Callable[[], None]) -> None:
        self.node_id = node_id
        self.voters = voters
        self.log = log
        self.elog = elog
        self._on_leader = on_leader
        self._on_resign = on_resign
        self._on_replicated = on_replicated
        self.lock = threading.RLock()
        state = log.load_state()
        self.epoch = int(state.get("leaderEpoch", 0))
        self.voted_for = int(state.get("votedId", -1))
        self.leader_id = -1
        self.role = "unattached"
        self.last_heard_ms = now_ms()
        self.high_watermark = 0
        self.progress: dict[int, dict[str, int]] = {}
        self._timeout_ms = self._new_timeout()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max(len(voters), 2))
        self._thread = threading.Thread(target=self._run, name="raft", daemon=True)

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False)

    def majority(self) -> int:
        return len(self.voters) // 2 + 1

    def is_leader(self) -> bool:
        with self.lock:
            return self.role == "leader"

    def _new_timeout(self) -> int:
        return random.randint(self.ELECTION_MIN_MS, self.ELECTION_MAX_MS)

    def _persist(self) -> None:
        self.log.save_state(self.epoch, self.voted_for, self.leader_id, sorted(self.voters))

    # --- leader-side append ----------------------------------------------------------------------
    def append(self, record: dict[str, Any]) -> int:
        with self.lock:
            if self.role != "leader":
                raise RpcError("not the leader")
            offset = self.log.append(self.epoch, record)
            self._update_hw()
            return offset

    def _update_hw(self) -> None:
        offsets = [self.log.end_offset]
        for vid in self.voters:
            if vid != self.node_id:
                offsets.append(self.progress.get(vid, {}).get("leo", 0))
        offsets.sort(reverse=True)
        self.high_watermark = max(self.high_watermark, offsets[self.majority() - 1])

    # --- request handlers ------------------------------------------------------------------------
    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "raft_vote":
            return self._handle_vote(request)
        if op == "raft_fetch":
            return self._handle_fetch(request)
        if op == "raft_begin":
            return self._handle_begin(request)
        with self.lock:
            return {"leader_id": self.leader_id, "epoch": self.epoch, "role": self.role}

    def _step_down_locked(self, epoch: int, leader: int) -> bool:
        """Adopt a higher epoch; True if this node was the leader and has to resign."""
        was_leader = self.role == "leader"
        changed = (epoch, leader) != (self.epoch, self.leader_id)
        self.epoch = epoch
        self.voted_for = -1
        self.leader_id = leader
        self.role = "follower" if leader >= 0 else "unattached"
        self._persist()
        if changed and leader >= 0:
            self.elog.info(f"[RaftManager id={self.node_id}] Completed transition to FollowerState(epoch={epoch}, "
                           f"leader={leader}, voters={sorted(self.voters)}, highWatermark=Optional.empty)", "org.apache.kafka.raft.QuorumState")
        elif changed:
            self.elog.info(f"[RaftManager id={self.node_id}] Completed transition to Unattached(epoch={epoch}, "
                           f"voters={sorted(self.voters)})", "org.apache.kafka.raft.QuorumState")
        return was_leader

    def _handle_vote(self, req: dict[str, Any]) -> dict[str, Any]:
        resign = False
        with self.lock:
            cand, epoch = int(req["candidate"]), int(req["epoch"])
            if epoch < self.epoch:
                return {"granted": False, "epoch": self.epoch}
            # Like Kafka 3.9's handleVoteRequest (no pre-vote before 4.0): a higher epoch always wins, even over
            # a live leader. Refusing it would leave a voter that lost an early election at a higher epoch
            # forever, never following the leader of a lower one.
            if epoch > self.epoch:
                resign = self._step_down_locked(epoch, -1)
            up_to_date = (int(req["last_epoch"]), int(req["end_offset"])) >= (self.log.last_epoch, self.log.end_offset)
            granted = self.voted_for in (-1, cand) and up_to_date and self.role != "leader"
            if granted:
                self.voted_for = cand
                self.last_heard_ms = now_ms()
                self._persist()
            result = {"granted": granted, "epoch": self.epoch}
        if resign:
            self._resigned()
        return result

    def _handle_begin(self, req: dict[str, Any]) -> dict[str, Any]:
        resign = False
        with self.lock:
            epoch, leader = int(req["epoch"]), int(req["leader"])
            if epoch >= self.epoch and leader != self.node_id:
                if epoch > self.epoch or self.role != "leader":
                    resign = self._step_down_locked(epoch, leader)
                self.last_heard_ms = now_ms()
            result = {"epoch": self.epoch}
        if resign:
            self._resigned()
        return result

    def _handle_fetch(self, req: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.role != "leader":
                return {"error": "NOT_LEADER_OR_FOLLOWER", "leader_id": self.leader_id, "epoch": self.epoch}
            if int(req["epoch"]) > self.epoch:
                return {"error": "FENCED_LEADER_EPOCH", "leader_id": self.leader_id, "epoch": self.epoch}
            replica, offset, last_epoch = int(req["replica"]), int(req["offset"]), int(req["last_epoch"])
            now = now_ms()
            entries = self.log.entries
            diverging = offset > len(entries) or (offset > 0 and int(entries[offset - 1]["epoch"]) != last_epoch)
            prog = self.progress.setdefault(replica, {"leo": 0, "last_fetch": now, "last_caught_up": -1})
            prog["leo"] = 0 if diverging else offset
            prog["last_fetch"] = now
            if not diverging and offset >= len(entries):
                prog["last_caught_up"] = now
            self._update_hw()
            return {
                "epoch": self.epoch, "leader_id": self.node_id, "high_watermark": self.high_watermark,
                "diverging": diverging, "entries": list(entries) if diverging else entries[offset:offset + 1000],
            }

    # --- the loop --------------------------------------------------------------------------------
    def _quorum_alive_locked(self) -> bool:
        now = now_ms()
        alive = 1 + sum(
            1 for vid in self.voters
            if vid != self.node_id and now - self.progress.get(vid, {}).get("last_fetch", 0) < self.CHECK_QUORUM_MS
        )
        return alive >= self.majority()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception as exc:  # keep the quorum loop alive through transient errors
                self.elog.warn(f"[RaftManager id={self.node_id}] Unexpected error in the raft loop: {exc}", "org.apache.kafka.raft.KafkaRaftClient")
            self._stop.wait(self.FETCH_INTERVAL_S)

    def _tick(self) -> None:
        with self.lock:
            role, leader, epoch = self.role, self.leader_id, self.epoch
        if role == "leader":
            with self.lock:
                lost = not self._quorum_alive_locked()
                if lost:
                    self.elog.info(f"[RaftManager id={self.node_id}] Resigning as leader of epoch {self.epoch}: "
                                   "a majority of the voters stopped fetching", "org.apache.kafka.raft.KafkaRaftClient")
                    self.role = "unattached"
                    self.leader_id = -1
                    self.last_heard_ms = now_ms()
                    self._persist()
            if lost:
                self._resigned()
            return
        if role == "follower" and leader >= 0:
            if self._fetch_from(leader, epoch):
                return
        with self.lock:
            expired = now_ms() - self.last_heard_ms > self._timeout_ms
        if expired:
            if not self._discover_leader():
                self._elect()

    def _fetch_from(self, leader: int, epoch: int) -> bool:
        host, port = self.voters[leader]
        with self.lock:
            req = {"op": "raft_fetch", "replica": self.node_id, "epoch": epoch,
                   "offset": self.log.end_offset, "last_epoch": self.log.last_epoch}
        try:
            resp = call(host, port, req, timeout=1.0)
        except RpcError:
            return False
        if resp.get("error"):
            with self.lock:
                if int(resp.get("epoch", -1)) > self.epoch:
                    self._step_down_locked(int(resp["epoch"]), int(resp.get("leader_id", -1)))
                elif self.leader_id == leader:
                    self.leader_id = -1
                    self.role = "unattached"
            return False
        appended = False
        with self.lock:
            if int(resp["epoch"]) > self.epoch:
                self._step_down_locked(int(resp["epoch"]), leader)
            if self.role != "follower" or self.leader_id != leader:
                return False
            self.last_heard_ms = now_ms()
            if resp.get("diverging"):
                self.log.replace(resp["entries"])
                appended = True
            elif resp["entries"]:
                self.log.extend(resp["entries"])
                appended = True
            self.high_watermark = int(resp.get("high_watermark", 0))
        if appended:
            self._on_replicated()
        return True

    def _discover_leader(self) -> bool:
        best: tuple[int, int] | None = None
        for vid, (host, port) in self.voters.items():
            if vid == self.node_id:
                continue
            try:
                resp = call(host, port, {"op": "raft_leader"}, timeout=0.5)
            except RpcError:
                continue
            if resp.get("role") == "leader" and int(resp.get("leader_id", -1)) == vid:
                ep = int(resp["epoch"])
                if best is None or ep > best[0]:
                    best = (ep, vid)
        if best is None:
            return False
        resign = False
        with self.lock:
            if best[0] < self.epoch:
                return False
            if best[0] > self.epoch or self.role != "leader":
                resign = self._step_down_locked(best[0], best[1])
            self.last_heard_ms = now_ms()
        if resign:
            self._resigned()
        return True

    def _elect(self) -> None:
        with self.lock:
            self.epoch += 1
            self.voted_for = self.node_id
            self.leader_id = -1
            self.role = "candidate"
            self.last_heard_ms = now_ms()
            self._timeout_ms = self._new_timeout()
            self._persist()
            req = {"op": "raft_vote", "candidate": self.node_id, "epoch": self.epoch,
                   "last_epoch": self.log.last_epoch, "end_offset": self.log.end_offset}
            epoch = self.epoch
        others = [(vid, addr) for vid, addr in self.voters.items() if vid != self.node_id]

        def ask(addr: tuple[str, int]) -> dict[str, Any]:
            try:
                return call(addr[0], addr[1], req, timeout=0.5)
            except RpcError:
                return {"granted": False, "epoch": -1}

        votes = 1
        higher = -1
        for resp in self._pool.map(ask, [a for dummy, a in others]):
            if resp.get("granted"):
                votes += 1
            higher = max(higher, int(resp.get("epoch", -1)))
        with self.lock:
            if self.epoch != epoch or self.role != "candidate":
                return
            if higher > self.epoch:
                self._step_down_locked(higher, -1)
                return
            if votes < self.majority():
                self.role = "unattached"
                return
            self.role = "leader"
            self.leader_id = self.node_id
            now = now_ms()
            self.progress = {vid: {"leo": 0, "last_fetch": now, "last_caught_up": -1} for vid, dummy in others}
            self._persist()
            self.elog.info(f"[RaftManager id={self.node_id}] Completed transition to Leader(localId={self.node_id}, "
                           f"epoch={self.epoch}, highWatermark=Optional.empty, voters={sorted(self.voters)})", "org.apache.kafka.raft.QuorumState")
            self.log.append(self.epoch, {"type": "LeaderChange", "leader": self.node_id, "voters": sorted(self.voters)})
        for _dummy, addr in others:
            self._pool.submit(self._begin, addr, epoch)
        threading.Thread(target=self._on_leader, args=(epoch,), daemon=True).start()

    def _begin(self, addr: tuple[str, int], epoch: int) -> None:
        try:
            call(addr[0], addr[1], {"op": "raft_begin", "epoch": epoch, "leader": self.node_id}, timeout=0.5)
        except RpcError:
            pass

    def _resigned(self) -> None:
        threading.Thread(target=self._on_resign, daemon=True).start()
