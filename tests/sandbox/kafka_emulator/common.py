"""Shared helpers: emulator log format, versions, uuids, faults, paths."""

from __future__ import annotations

import base64
import datetime as _dt
import json
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

DEFAULT_KAFKA_VERSION = "3.9.0"
FAULTS_ENV = "KAFKA_EMULATOR_FAULTS"
DEFAULT_FAULTS_FILE = "/etc/kafka/emulator-faults.json"
PID_FILE_NAME = "kafka-emulator.pid"


def now_ms() -> int:
    return int(time.time() * 1000)


def zk_cluster_id() -> str:
    """ZooKeeper mode's new cluster id (CoreUtils.generateUuidAsBase64): any UUID, so it may start with '-'."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")


def random_uuid() -> str:
    """Kafka's Uuid.randomUuid().toString(): the same 22 chars of url-safe base64, never starting with '-'."""
    while True:
        text = zk_cluster_id()
        if not text.startswith("-"):
            return text


ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA"


def emulator_home() -> Path:
    """The installed distribution directory (bin/.. of the script that started us).

    Run straight from the source tree, a scratch directory stands in so nothing lands in the repository.
    """
    home = os.environ.get("KAFKA_EMULATOR_HOME")
    if home:
        return Path(home)
    return Path(tempfile.gettempdir()) / "kafka-emulator-home"


def kafka_version() -> tuple[int, int, int]:
    """Kafka release imitated: libs/kafka-emulator-version.txt of the installation, else 3.9.0."""
    text = os.environ.get("KAFKA_EMULATOR_VERSION", "")
    if not text:
        vfile = emulator_home() / "libs" / "kafka-emulator-version.txt"
        try:
            text = vfile.read_text(encoding="utf-8").strip()
        except OSError:
            text = DEFAULT_KAFKA_VERSION
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]]
    while len(parts) < 3:
        parts.append(0)
    return (parts[0], parts[1], parts[2])


def log_dir() -> Path:
    """Kafka's LOG_DIR: the environment's, else <home>/logs like kafka-run-class.sh."""
    env = os.environ.get("LOG_DIR")
    return Path(env) if env else emulator_home() / "logs"


# --- metadata.version / inter.broker.protocol.version -------------------------------------------

METADATA_VERSIONS = [
    "3.0-IV0", "3.0-IV1", "3.1-IV0", "3.2-IV0", "3.3-IV0", "3.3-IV1", "3.3-IV2", "3.3-IV3",
    "3.4-IV0", "3.5-IV0", "3.5-IV1", "3.5-IV2", "3.6-IV0", "3.6-IV1", "3.6-IV2",
    "3.7-IV0", "3.7-IV1", "3.7-IV2", "3.7-IV3", "3.7-IV4", "3.8-IV0", "3.9-IV0",
]
LATEST_METADATA_VERSION = METADATA_VERSIONS[-1]


class VersionError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class MetadataVersion:
    major: int
    minor: int
    iv: int

    @staticmethod
    def parse(text: str) -> MetadataVersion:
        """Accepts '3.9', '3.9-IV0', '3.9.0', and pre-3.0 IBPs like '2.8-IV1' (short form = last IV)."""
        match = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?(?:-IV(\d+))?", text.strip())
        if not match:
            raise VersionError(f"Version {text} is not a valid version")
        major, minor = int(match.group(1)), int(match.group(2))
        prefix = f"{major}.{minor}-IV"
        known = [v for v in METADATA_VERSIONS if v.startswith(prefix)]
        if match.group(3) is not None:
            iv = int(match.group(3))
            if (major, minor) >= (3, 0) and f"{prefix}{iv}" not in METADATA_VERSIONS:
                raise VersionError(f"Version {text} is not a valid version")
            return MetadataVersion(major, minor, iv)
        if known:
            return MetadataVersion(major, minor, int(known[-1].rsplit("IV", 1)[1]))
        if (major, minor) >= (3, 0):
            raise VersionError(f"Version {text} is not a valid version")
        return MetadataVersion(major, minor, 0)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}-IV{self.iv}"

    def migration_supported(self) -> bool:
        return self >= MetadataVersion(3, 4, 0)

    def directory_assignment_supported(self) -> bool:
        return self >= MetadataVersion(3, 7, 2)


# --- logging: Kafka's default log4j configuration, marked as the emulator --------------------------

LAYOUT_MARKER = "[KafkaEmulator]"
# Stands where log4j prints an exception's stack frames (`\tat ...`): the emulator has no Java stack.
THROWABLE_FRAME = "\tat [KafkaEmulator] (no Java stack frames: Kafka node emulator)"
EMULATOR_LOGGER = "kafka.emulator"
# config/log4j.properties of the release: logger prefix -> file; additivity off for each, so a line goes
# to exactly one file. Everything else goes to the root logger (server.log and stdout).
ROUTES = (
    ("kafka.request.logger", "kafka-request.log"),
    ("kafka.network.RequestChannel$", "kafka-request.log"),
    ("org.apache.kafka.controller", "controller.log"),
    ("kafka.controller", "controller.log"),
    ("kafka.log.LogCleaner", "log-cleaner.log"),
    ("state.change.logger", "state-change.log"),
    ("kafka.authorizer.logger", "kafka-authorizer.log"),
)
SERVER_LOG = "server.log"
ALL_LOG_FILES = (SERVER_LOG, "state-change.log", "kafka-request.log", "log-cleaner.log", "controller.log",
                 "kafka-authorizer.log")


def log_file_for(logger: str) -> str:
    """The file Kafka's default log4j.properties sends a logger's events to."""
    for prefix, name in ROUTES:
        if logger == prefix or logger.startswith(prefix + "."):
            return name
    return SERVER_LOG


def hour_suffix(epoch_s: float) -> str:
    """DatePattern '.'yyyy-MM-dd-HH in the local time zone, like the JVM's default."""
    return _dt.datetime.fromtimestamp(epoch_s).strftime(".%Y-%m-%d-%H")


def next_hour(epoch_s: float) -> float:
    start = _dt.datetime.fromtimestamp(epoch_s).replace(minute=0, second=0, microsecond=0)
    return (start + _dt.timedelta(hours=1)).timestamp()


class HourlyRollingFile:
    """log4j 1.x DailyRollingFileAppender with DatePattern '.'yyyy-MM-dd-HH, append=true.

    * Opening appends to the file (creating it); the name the current file will be rolled to comes from
      the file's modification time, so a file left by an earlier run in an earlier hour is rolled away
      by the first event of this run.
    * The roll check runs on each event (never on a timer): the first event at or after the next hour
      boundary closes the file, deletes an existing target, renames the file to `<name>.<hour>` and
      reopens `<name>`. If the rename fails (someone moved the file away) log4j says so on stderr and
      just reopens `<name>`.
    * Between rolls every event goes to the open file descriptor: if the file was renamed meanwhile,
      the events follow it and no new file appears.
    """

    def __init__(self, path: Path, now_s: float) -> None:
        self.path = path
        self._file: TextIO | None = open(path, "a", encoding="utf-8", buffering=1)
        self._scheduled = str(path) + hour_suffix(path.stat().st_mtime)
        self._next_check = now_s - 0.001

    def write(self, line: str, now_s: float) -> None:
        if now_s >= self._next_check:
            self._next_check = next_hour(now_s)
            self._roll(now_s)
        if self._file is not None:
            self._file.write(line)

    def _roll(self, now_s: float) -> None:
        dated = str(self.path) + hour_suffix(now_s)
        if self._scheduled == dated:
            return
        self.close()
        target = Path(self._scheduled)
        try:
            if target.exists():
                target.unlink()
            os.rename(self.path, target)
        except OSError:
            print(f"log4j:ERROR Failed to rename [{self.path}] to [{target}].", file=sys.stderr)
        self._file = open(self.path, "a", encoding="utf-8", buffering=1)
        self._scheduled = dated

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class Logger:
    """A named logger with Kafka's log prefix (LogContext / logIdent), e.g. `[QuorumController id=1] `."""

    def __init__(self, sink: EmuLog, name: str, prefix: str = "") -> None:
        self.sink, self.name, self.prefix = sink, name, prefix

    def log(self, level: str, message: str) -> None:
        self.sink.log(level, self.prefix + message, self.name)

    def info(self, message: str) -> None:
        self.log("INFO", message)

    def warn(self, message: str) -> None:
        self.log("WARN", message)

    def error(self, message: str) -> None:
        self.log("ERROR", message)


class EmuLog:
    """Kafka's log4j setup: `[yyyy-MM-dd HH:mm:ss,SSS] LEVEL [KafkaEmulator] <message> (<logger>)`.

    Routing and hourly rolling follow Kafka's default config/log4j.properties (see ROUTES); root logger
    lines are echoed to stdout like its ConsoleAppender. The `[KafkaEmulator]` marker stands between the
    level and Kafka's message, which follows unchanged. `clock_offset_s` shifts the node's clock (faults).
    """

    def __init__(self, directory: Path | None, echo: TextIO | None = sys.stdout, clock_offset_s: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._offset = clock_offset_s
        self._files: dict[str, HourlyRollingFile] = {}
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            now = self.now()
            for name in ALL_LOG_FILES:  # log4j opens every appender's file at configuration time
                self._files[name] = HourlyRollingFile(directory / name, now)
        self._echo = echo

    def now(self) -> float:
        return time.time() + self._offset

    @staticmethod
    def format_time(epoch_s: float) -> str:
        moment = _dt.datetime.fromtimestamp(epoch_s)
        return moment.strftime("%Y-%m-%d %H:%M:%S") + f",{moment.microsecond // 1000:03d}"

    def stamp(self) -> str:
        return self.format_time(self.now())

    def logger(self, name: str, prefix: str = "") -> Logger:
        return Logger(self, name, prefix)

    def log(self, level: str, message: str, logger: str = EMULATOR_LOGGER, throwable: str | None = None) -> None:
        """One event. `throwable` is the exception line log4j prints after the event's line (`Class: message`);
        where Kafka's stack frames follow it, one marked frame line says there is no Java stack."""
        target = log_file_for(logger)
        with self._lock:
            now = self.now()
            line = f"[{self.format_time(now)}] {level} {LAYOUT_MARKER} {message} ({logger})\n"
            if throwable is not None:
                line += f"{throwable}\n{THROWABLE_FRAME}\n"
            appender = self._files.get(target)
            if appender is not None:
                appender.write(line, now)
            if self._echo is not None and target == SERVER_LOG:
                try:
                    self._echo.write(line)
                    self._echo.flush()
                except (OSError, ValueError):
                    pass

    def info(self, message: str, logger: str = EMULATOR_LOGGER) -> None:
        self.log("INFO", message, logger)

    def warn(self, message: str, logger: str = EMULATOR_LOGGER) -> None:
        self.log("WARN", message, logger)

    def error(self, message: str, logger: str = EMULATOR_LOGGER, throwable: str | None = None) -> None:
        self.log("ERROR", message, logger, throwable)

    def close(self) -> None:
        with self._lock:
            for appender in self._files.values():
                appender.close()


def java_set(ids: list[int] | set[int], capacity: int | None = None) -> str:
    """How Kafka prints a java.util.HashSet<Integer>: `[a, b]` in hash-bucket order.

    Integer.hashCode is the value; HashMap spreads it with h ^ (h >>> 16) and picks bucket hash & (n - 1).
    `capacity` is the table size (default: what adding the ids one by one to `new HashSet<>()` gives).
    Within a bucket the ids keep ascending (insertion) order.
    """
    values = sorted(set(ids))
    if capacity is None:
        capacity = java_grown_set_capacity(len(values))

    def bucket(v: int) -> int:
        h = v & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (capacity - 1)
    ordered = sorted(values, key=lambda v: (bucket(v), values.index(v)))
    return "[" + ", ".join(str(v) for v in ordered) + "]"


def java_grown_set_capacity(size: int) -> int:
    """Table size of `new HashSet<>()` after `size` distinct adds (resize once size exceeds 0.75 * n)."""
    capacity = 16
    while size > capacity * 0.75:
        capacity *= 2
    return capacity


def java_copy_set_capacity(size: int) -> int:
    """Table size of `new HashSet<>(collection)` for a collection of `size` elements."""
    wanted = max(int(size / 0.75) + 1, 16)
    capacity = 1
    while capacity < wanted:
        capacity *= 2
    return capacity


# --- fault injection -----------------------------------------------------------------------------


@dataclass
class Faults:
    refuse_start: str | None = None
    crash_after_s: float | None = None
    start_delay_s: float | None = None
    never_register: bool = False
    catchup_ms: int = 1500
    clock_offset_s: float = 0.0

    @staticmethod
    def load() -> Faults:
        path = Path(os.environ.get(FAULTS_ENV, DEFAULT_FAULTS_FILE))
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return Faults()
        if not isinstance(data, dict):
            return Faults()
        faults = Faults()
        if data.get("refuse_start"):
            faults.refuse_start = str(data["refuse_start"])
        if data.get("crash_after_s") is not None:
            faults.crash_after_s = float(data["crash_after_s"])
        if data.get("start_delay_s") is not None:
            faults.start_delay_s = float(data["start_delay_s"])
        faults.never_register = bool(data.get("never_register", False))
        if data.get("catchup_ms") is not None:
            faults.catchup_ms = int(data["catchup_ms"])
        if data.get("clock_offset_s") is not None:
            faults.clock_offset_s = float(data["clock_offset_s"])
        return faults


class StartupError(Exception):
    """A fatal startup condition; `kafka_text` is the exception line Kafka would log."""

    def __init__(self, message: str, kafka_text: str | None = None, log_ident: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.kafka_text = kafka_text or message
        # ZK mode: KafkaServer sets its `[KafkaServer id=N] ` log prefix only once meta.properties is verified;
        # failures before that (ZooKeeper connection, meta.properties) are logged without it
        self.log_ident = log_ident


BOOTSTRAP_FILE = "bootstrap.checkpoint"
