# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Kafka's own log files, as its default log4j configuration writes them.

Kafka rolls ``server.log`` and ``controller.log`` every hour (DailyRollingFileAppender,
DatePattern ``'.'yyyy-MM-dd-HH``): the file is renamed to ``server.log.2026-12-01-21`` and a
new one is started. A reader that wants what happened since some moment therefore reads the
rolled files of the hours since then, then the current file, and keeps following it across the
next roll. Lines carry the writer's local time: ``[2026-12-01 21:59:12,345] INFO ...``.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError

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


def _boot_time(proc: str) -> float:
    with open(os.path.join(proc, "stat")) as handle:
        for line in handle:
            if line.startswith("btime "):
                return float(line.split()[1])
    raise LogReadError(f"no btime in {proc}/stat")


def find_kafka_process(config_path: str | None = None, proc: str = "/proc",
                       ticks: Callable[[], int] | None = None) -> KafkaProcess | None:
    """The running Kafka node (a ``kafka.Kafka`` JVM) of this host, on ``config_path`` if given.

    Its start time is the moment after which the node's own log lines count.
    """
    clock_ticks = ticks() if ticks is not None else os.sysconf("SC_CLK_TCK")
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
        started = _boot_time(proc) + int(fields[19]) / float(clock_ticks)
        candidate = KafkaProcess(int(entry), started, config)
        if best is None or candidate.started > best.started:
            best = candidate
    return best
