# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Kafka's own log files, as its default log4j configuration writes them.

Kafka rolls ``server.log`` and ``controller.log`` every hour (DailyRollingFileAppender,
DatePattern ``'.'yyyy-MM-dd-HH``): the file is renamed to ``server.log.2026-12-01-21`` and a
new one is started. A reader that wants what happened since some moment therefore reads the
rolled files of the hours since then, then the current file, and keeps following it across the
next roll. Lines carry the writer's local time: ``[2026-12-01 21:59:12,345] INFO ...``.

It also reads the migration's progress from those lines (LogObservation), for nodes without
Jolokia. Runs on the managed Kafka hosts: standard library only.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError, ProbeError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.procfs import boot_time

_LINE_TIME = re.compile(r"^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}),(\d{3})\]")
_ROLLED_SUFFIX = re.compile(r"^\.(\d{4}-\d{2}-\d{2}-\d{2})$")
HOUR = 3600.0
# Log times have millisecond precision and the process start time has clock ticks: allow this much.
CLOCK_SLACK = 1.0


class LogReadError(KraftError):
    """A log file exists but cannot be read."""


def line_time(line: str) -> float | None:
    """Epoch seconds of a log line's timestamp (local time), None for continuation lines."""
    match = _LINE_TIME.match(line)
    if not match:
        return None
    try:
        parsed = time.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return time.mktime(parsed) + int(match.group(2)) / 1000.0


def rolled_files(path: str) -> list[tuple[float, str]]:
    """The hourly rolled copies of ``path`` as (start of their hour, path), oldest first."""
    directory, base = os.path.split(path)
    try:
        names = os.listdir(directory or ".")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise LogReadError(f"cannot list {directory}: {exc}") from exc
    found = []
    for name in names:
        if not name.startswith(base):
            continue
        match = _ROLLED_SUFFIX.match(name[len(base):])
        if not match:
            continue
        try:
            start = time.mktime(time.strptime(match.group(1), "%Y-%m-%d-%H"))
        except ValueError:
            continue
        found.append((start, os.path.join(directory, name)))
    return sorted(found)


def _read_from(path: str, offset: int) -> tuple[list[str], int]:
    """Complete lines of ``path`` from ``offset``; the new offset (a half-written line waits)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return [], offset
    except OSError as exc:
        raise LogReadError(f"cannot read {path}: {exc}") from exc
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    return data[:end + 1].decode("utf-8", "replace").splitlines(), offset + end + 1


class KafkaLog:
    """Follows one Kafka log (``server.log``, ``controller.log``) across its hourly rolls.

    ``since`` (epoch seconds) drops older lines, and the rolled files of earlier hours are not
    read at all; None reads every rolled file still on disk. Each ``read`` returns the lines
    that appeared since the last one, in order.
    """

    def __init__(self, path: str, since: float | None = None) -> None:
        self.path = path
        self.since = since
        self._started = False
        self._inode: int | None = None
        self._offset = 0
        self._keep = since is None  # whether the last timestamped line passed the filter

    def _filter(self, lines: list[str]) -> list[str]:
        if self.since is None:
            return lines
        kept = []
        for line in lines:
            stamp = line_time(line)
            if stamp is not None:
                self._keep = stamp >= self.since - CLOCK_SLACK
            if self._keep:
                kept.append(line)
        return kept

    def _stat(self) -> os.stat_result | None:
        try:
            return os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LogReadError(f"cannot read {self.path}: {exc}") from exc

    def read(self) -> list[str]:
        lines: list[str] = []
        rolled = rolled_files(self.path)
        if not self._started:
            self._started = True
            for start, rolled_path in rolled:
                if self.since is None or start + HOUR > self.since - CLOCK_SLACK:
                    lines += _read_from(rolled_path, 0)[0]
        stat = self._stat()
        if self._inode is not None and (stat is None or stat.st_ino != self._inode):
            # The file we followed was rolled: finish it under its new name, then start the new one.
            for _dummy, rolled_path in reversed(rolled):
                try:
                    if os.stat(rolled_path).st_ino == self._inode:
                        lines += _read_from(rolled_path, self._offset)[0]
                        break
                except OSError:
                    continue
            self._inode, self._offset = None, 0
        if stat is not None:
            if stat.st_size < self._offset:  # truncated in place
                self._offset = 0
            self._inode = stat.st_ino
            new, self._offset = _read_from(self.path, self._offset)
            lines += new
        return self._filter(lines)


# --------------------------------------------------------------------------- the node's process


@dataclass(frozen=True)
class KafkaProcess:
    pid: int
    started: float  # epoch seconds
    config: str


def find_kafka_process(config_path: str | None = None, proc: str = "/proc",
                       ticks: Callable[[], int] | None = None, now: Callable[[], float] = time.time) -> KafkaProcess | None:
    """The running Kafka node (a ``kafka.Kafka`` JVM) of this host, on ``config_path`` if given.

    Its start time is the moment after which the node's own log lines count.
    """
    clock_ticks = ticks() if ticks is not None else os.sysconf("SC_CLK_TCK")
    try:
        booted = boot_time(proc, now)
    except (OSError, ValueError) as exc:
        raise LogReadError(f"no uptime in {proc}: {exc}") from exc
    best: KafkaProcess | None = None
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, "cmdline"), "rb") as handle:
                argv = handle.read().decode("utf-8", "replace").split("\0")
            with open(os.path.join(proc, entry, "stat")) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        argv = [a for a in argv if a]
        if "kafka.Kafka" not in argv or fields[0] == "Z":
            continue
        config = argv[-1]
        if config_path is not None and os.path.normpath(config) != os.path.normpath(config_path):
            continue
        started = booted + int(fields[19]) / float(clock_ticks)
        candidate = KafkaProcess(int(entry), started, config)
        if best is None or candidate.started > best.started:
            best = candidate
    return best


def merge_by_time(batches: Sequence[list[str]]) -> list[str]:
    """Interleave the new lines of several logs by their timestamps (continuations stay attached)."""
    stamped: list[tuple[float, int, int, str]] = []
    for which, lines in enumerate(batches):
        last = 0.0
        for index, line in enumerate(lines):
            stamp = line_time(line)
            last = stamp if stamp is not None else last
            stamped.append((last, which, index, line))
    return [line for dummy, dummy2, dummy3, line in sorted(stamped)]


# --------------------------------------------------------------------------- the migration's progress in server.log

_LOG_TIME = re.compile(r"^\[(?P<ts>[^\]]+)\]")
# (pattern, event name, migration state it implies or None)
_LOG_RULES: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (re.compile(r"Still waiting for all controller nodes ready to begin the migration"),
     "waiting_for_controllers", "PRE_MIGRATION"),
    (re.compile(r"No brokers are (?:known to KRaft|registered in ZK), waiting for brokers to register"),
     "waiting_for_brokers", "PRE_MIGRATION"),
    (re.compile(r"Still waiting for ZK brokers \[(?P<ids>[^\]]*)\] to register with KRaft"),
     "waiting_for_brokers", "PRE_MIGRATION"),
    # Brokers that hold replicas (a dead broker still in an assignment blocks the migration).
    (re.compile(r"Still waiting for ZK brokers \[(?P<ids>[^\]]*)\] found in metadata to register with KRaft"),
     "waiting_for_brokers_with_replicas", "PRE_MIGRATION"),
    # 3.4-3.5 spell it "Zookeeper".
    (re.compile(r"Completed migration of metadata from Zoo[Kk]eeper to KRaft"), "migration_completed", "MIGRATION"),
    (re.compile(r"Finished initial migration of ZK metadata to KRaft"), "initial_migration_finished", "MIGRATION"),
    # A controller that takes over a running migration says this instead of the two above.
    (re.compile(r"Migration is in already progress"), "migration_in_progress", "MIGRATION"),
    # controller.log: the activation message of every newly active controller.
    (re.compile(r"Completing the ZK migration since this controller was configured with "
                r"'zookeeper\.metadata\.migration\.enable' set to 'false'"), "finalized", "POST_MIGRATION"),
    (re.compile(r"Putting the controller into pre-migration mode"), "activated", "PRE_MIGRATION"),
    (re.compile(r"Loaded ZK migration state of (?P<state>NONE|PRE_MIGRATION|MIGRATION|POST_MIGRATION)"),
     "activated", None),
    (re.compile(r"Unable to register broker (?P<broker>\d+) because the controller returned error (?P<error>\w+)"),
     "registration_error", None),
    (re.compile(r"Successfully registered broker (?P<broker>\d+)"), "registered", None),
)
# Registration errors that no retry cures: the broker's config or the cluster is wrong.
FATAL_REGISTRATION_ERRORS = ("UNSUPPORTED_VERSION", "INVALID_REGISTRATION", "INCONSISTENT_CLUSTER_ID")
_KEPT_EVENTS = 20


@dataclass
class LogObservation:
    """Migration progress inferred from server.log lines, for nodes without Jolokia.

    Only the active controller logs the driver's progress; ``state`` is None
    when no line seen so far says anything about it.
    """

    state: str | None = None
    waiting_for_brokers: list[int] | None = None
    waiting_for_brokers_with_replicas: list[int] | None = None
    registration_errors: dict[int, str] = field(default_factory=dict)
    registered: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def feed(self, line: str) -> None:
        for pattern, name, state in _LOG_RULES:
            match = pattern.search(line)
            if not match:
                continue
            groups = match.groupdict()
            if groups.get("state"):
                state = groups["state"]
            if state is not None:
                self.state = state
            if name in ("waiting_for_brokers", "waiting_for_brokers_with_replicas"):
                ids = groups.get("ids")
                setattr(self, name, [int(x) for x in re.findall(r"\d+", ids)] if ids is not None else None)
            elif state in ("MIGRATION", "POST_MIGRATION"):
                self.waiting_for_brokers = []
                self.waiting_for_brokers_with_replicas = []
            elif name == "registration_error":
                self.registration_errors[int(groups["broker"])] = groups["error"]
            elif name == "registered":
                broker = int(groups["broker"])
                self.registration_errors.pop(broker, None)
                if broker not in self.registered:
                    self.registered.append(broker)
            time_match = _LOG_TIME.match(line)
            self.events.append({"event": name, "time": time_match.group("ts") if time_match else None,
                                "line": line.strip()})
            del self.events[:-_KEPT_EVENTS]
            return

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "waiting_for_brokers": self.waiting_for_brokers,
            "waiting_for_brokers_with_replicas": self.waiting_for_brokers_with_replicas,
            "registered": list(self.registered),
            "registration_errors": {str(k): v for k, v in sorted(self.registration_errors.items())},
            "events": list(self.events),
        }


def scan_migration_log(lines: Iterable[str]) -> LogObservation:
    observation = LogObservation()
    for line in lines:
        observation.feed(line)
    return observation


class LogFollower:
    """Reads the complete lines appended to a log file since a byte offset.

    Follows log4j rotation (the file is replaced: new inode) and truncation by
    starting over at the beginning of the new file.
    """

    def __init__(self, path: str, offset: int = 0) -> None:
        self.path = path
        self.offset = offset
        self._inode: int | None = None

    def read_lines(self) -> list[str]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ProbeError(f"cannot read {self.path}: {exc}") from exc
        if self._inode is not None and stat.st_ino != self._inode:
            self.offset = 0
        self._inode = stat.st_ino
        if stat.st_size < self.offset:
            self.offset = 0
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        end = data.rfind(b"\n")
        if end < 0:  # no complete line yet: a half-written line is read next time
            return []
        self.offset += end + 1
        return data[:end + 1].decode("utf-8", "replace").splitlines()
