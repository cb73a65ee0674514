# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""ZooKeeper's text formats (private helper; stdlib only): Kafka's ``zookeeper.connect`` and the JAAS
file whose ``Client`` section logs ZooKeeper's Java client in with SASL.

Pure text, no kazoo: the cluster model, the planner and the modules on the Kafka hosts read them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ZooKeeperError

DEFAULT_PORT = 2181


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
