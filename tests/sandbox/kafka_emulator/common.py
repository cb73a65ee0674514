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


def random_uuid() -> str:
    """Kafka's Uuid.randomUuid().toString(): 22 chars of url-safe base64, never starting with '-'."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
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
    def parse(text: str) -> "MetadataVersion":
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


# --- logging in Kafka's layout, marked as the emulator -------------------------------------------


class EmuLog:
    """server.log writer: '[ts] LEVEL [KafkaEmulator] <Kafka's message> (kafka.emulator)'."""

    def __init__(self, path: Path | None, echo: TextIO | None = sys.stdout) -> None:
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "a", encoding="utf-8", buffering=1)
        self._echo = echo

    @staticmethod
    def stamp() -> str:
        now = _dt.datetime.now()
        return now.strftime("%Y-%m-%d %H:%M:%S") + f",{now.microsecond // 1000:03d}"

    def log(self, level: str, message: str) -> None:
        line = f"[{self.stamp()}] {level} [KafkaEmulator] {message} (kafka.emulator)\n"
        with self._lock:
            if self._file is not None:
                self._file.write(line)
            if self._echo is not None:
                try:
                    self._echo.write(line)
                    self._echo.flush()
                except (OSError, ValueError):
                    pass

    def info(self, message: str) -> None:
        self.log("INFO", message)

    def warn(self, message: str) -> None:
        self.log("WARN", message)

    def error(self, message: str) -> None:
        self.log("ERROR", message)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


# --- fault injection -----------------------------------------------------------------------------


@dataclass
class Faults:
    refuse_start: str | None = None
    crash_after_s: float | None = None
    start_delay_s: float | None = None
    never_register: bool = False
    catchup_ms: int = 1500

    @staticmethod
    def load() -> "Faults":
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
        return faults


class StartupError(Exception):
    """A fatal startup condition; `kafka_text` is the exception line Kafka would log."""

    def __init__(self, message: str, kafka_text: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kafka_text = kafka_text or message


BOOTSTRAP_FILE = "bootstrap.checkpoint"
