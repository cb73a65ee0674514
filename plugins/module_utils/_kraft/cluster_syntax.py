# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The text forms of a cluster's settings: listeners, listener protocol maps, quorum voters, ports
and ZooKeeper connect strings, parsed and written the way Kafka does (private helper library).

The cluster model (cluster.py) and the rules (invariants.py) read these values typed, never as text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError, ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_syntax import parse_connect_string

MIN_PORT, MAX_PORT = 1, 65535

_LISTENER_RE = re.compile(r"^([A-Za-z0-9_.-]+)://(\[[0-9a-fA-F:]+\]|[^:/\s]*):(\d+)$")
LISTENER_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


def port_problem(port: int) -> str | None:
    """Why ``port`` cannot be a TCP port, or None."""
    if not MIN_PORT <= port <= MAX_PORT:
        return f"port {port} is outside {MIN_PORT}..{MAX_PORT}"
    return None


@dataclass(frozen=True)
class Listener:
    name: str
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.name}://{self.host}:{self.port}"


def parse_listeners(text: str | None) -> tuple[Listener, ...]:
    """Parse Kafka's ``NAME://host:port,...`` form."""
    if text is None or not str(text).strip():
        return ()
    return _parse_listeners(str(text))


# A plan parses each node's listeners in every phase and every check: parse each text once.
@functools.lru_cache(maxsize=16384)
def _parse_listeners(text: str) -> tuple[Listener, ...]:
    result = []
    for item in text.split(","):
        item = item.strip()
        match = _LISTENER_RE.match(item)
        if not match:
            raise ModelError(f"'{item}' is not a listener (expected NAME://host:port)")
        listener = Listener(match.group(1).upper(), match.group(2), int(match.group(3)))
        problem = port_problem(listener.port)
        if problem:
            raise ModelError(f"listener '{item}': {problem}")
        result.append(listener)
    return tuple(result)


def format_listeners(listeners: tuple[Listener, ...]) -> str:
    return ",".join(str(item) for item in listeners)


def parse_protocol_map(text: str | None) -> dict[str, str]:
    """Parse ``listener.security.protocol.map`` (``NAME:PROTOCOL,...``), keeping order."""
    if text is None or not str(text).strip():
        return {}
    # A fresh dict each time: callers edit it.
    return dict(_parse_protocol_pairs(str(text)))


# Every node of a plan carries the same few maps, checked in every phase: parse each text once.
@functools.lru_cache(maxsize=1024)
def _parse_protocol_pairs(text: str) -> tuple[tuple[str, str], ...]:
    result: dict[str, str] = {}
    for item in text.split(","):
        name, sep, proto = item.strip().partition(":")
        if not sep or not name.strip() or not proto.strip():
            raise ModelError(f"'{item.strip()}' is not a NAME:PROTOCOL pair")
        if not LISTENER_NAME_RE.match(name.strip()):
            raise ModelError(f"'{name.strip()}' is not a listener name (letters, digits, '_', '.', '-')")
        result[name.strip().upper()] = proto.strip().upper()
    return tuple(result.items())


def format_protocol_map(mapping: Mapping[str, str]) -> str:
    return ",".join(f"{name}:{proto}" for name, proto in mapping.items())


@dataclass(frozen=True)
class Voter:
    node_id: int
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.node_id}@{self.host}:{self.port}"


_VOTER_RE = re.compile(r"^(-?\d+)@(\[[0-9a-fA-F:]+\]|[^:@\s]+):(\d+)$")


def parse_voters(text: str) -> tuple[Voter, ...]:
    """Parse ``controller.quorum.voters`` the way Kafka's QuorumConfig does."""
    return _parse_voters(str(text))


# Every node of a plan gets the same voters, checked in each phase: parse the text once.
@functools.lru_cache(maxsize=256)
def _parse_voters(text: str) -> tuple[Voter, ...]:
    voters = []
    for item in text.split(","):
        item = item.strip()
        match = _VOTER_RE.match(item)
        if not match:
            raise ModelError(
                f"Failed to parse controller.quorum.voters entry '{item}': expected {{id}}@{{host}}:{{port}}"
            )
        voters.append(Voter(int(match.group(1)), match.group(2), int(match.group(3))))
    return tuple(voters)


def format_voters(voters: tuple[Voter, ...]) -> str:
    return ",".join(str(v) for v in voters)


ZK_CONNECT_FIX = ("write host:port[,host:port][/chroot]: ports in 1..65535, the chroot after the last port, starting "
                  "with '/' and not ending with one (e.g. zk1:2181,zk2:2181/kafka)")


def zookeeper_connect_problem(text: str) -> str | None:
    """Why ``text`` is not a usable ``zookeeper.connect``, or None."""
    try:
        parse_connect_string(str(text))
    except KraftError as exc:
        return "'{}' is not a ZooKeeper connect string ({})".format(text, str(exc).replace(f"{str(text)!r}", "it"))
    return None


def zookeeper_connect_identity(text: str) -> tuple[tuple[tuple[str, int], ...], str] | None:
    """The ensemble (sorted host:port pairs) and chroot ``text`` names; None when it does not parse."""
    try:
        parsed = parse_connect_string(str(text))
    except KraftError:
        return None
    return tuple(sorted(parsed.hosts)), parsed.chroot or "/"
