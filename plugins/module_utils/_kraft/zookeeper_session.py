# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The kazoo session to ZooKeeper (private helper; runs on the Ansible controller): the TLS and SASL
settings the brokers use, the client they make, and the connection options every ZooKeeper module takes.

kazoo is optional at import time: ``HAS_KAZOO`` says whether it is there, and stand-ins for its
exceptions let the other ZooKeeper parts import and catch them either way.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ZkConnectError, ZooKeeperError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_syntax import ZkConnectString, parse_connect_string

# kazoo's exceptions are listed too: the other ZooKeeper parts and the modules catch them through this guard.
__all__ = [
    "AUTH_MECHANISMS",
    "HAS_KAZOO",
    "KAZOO_IMPORT_ERROR",
    "ZK_ARGUMENT_SPEC",
    "BadVersionError",
    "KazooException",
    "KazooTimeoutError",
    "NoNodeError",
    "ZkAuth",
    "ZkSettings",
    "ZkTls",
    "client_kwargs",
    "session",
    "settings_from_params",
]

try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import BadVersionError, KazooException, NoNodeError
    from kazoo.handlers.threading import KazooTimeoutError

    HAS_KAZOO = True
    KAZOO_IMPORT_ERROR: str | None = None
except ImportError:
    HAS_KAZOO = False
    KAZOO_IMPORT_ERROR = traceback.format_exc()
    KazooClient = None

    # Stand-ins so this module imports without kazoo; callers check HAS_KAZOO first.
    class KazooException(Exception):  # type: ignore[no-redef]
        pass

    class NoNodeError(KazooException):  # type: ignore[no-redef,misc,unused-ignore]
        pass

    class BadVersionError(KazooException):  # type: ignore[no-redef,misc,unused-ignore]
        pass

    class KazooTimeoutError(Exception):  # type: ignore[no-redef]
        pass


AUTH_MECHANISMS = ("none", "sasl_digest", "digest")


@dataclass(frozen=True)
class ZkTls:
    enabled: bool = False
    ca: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    keyfile_password: str | None = field(default=None, repr=False)
    verify: bool = True
    check_hostname: bool = False


@dataclass(frozen=True)
class ZkAuth:
    """``sasl_digest`` is what Kafka's JAAS ``Client`` section with DigestLoginModule does;
    ``digest`` is ZooKeeper's ``addauth digest user:password`` scheme."""

    mechanism: str = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ZkSettings:
    connect: ZkConnectString
    tls: ZkTls = ZkTls()
    auth: ZkAuth = ZkAuth()
    timeout: float = 10.0


def _has_pure_sasl() -> bool:
    try:
        import puresasl  # noqa: F401  pylint: disable=unused-import
    except ImportError:
        return False
    return True


def client_kwargs(settings: ZkSettings) -> dict[str, Any]:
    """Keyword arguments for ``KazooClient`` that reproduce the brokers' ZooKeeper client settings."""
    kwargs: dict[str, Any] = {
        "hosts": settings.connect.kazoo_hosts,
        "timeout": settings.timeout,
        # One connection attempt round per start(); the caller's timeout bounds it.
        "connection_retry": {"max_tries": 3, "delay": 0.1, "max_delay": 1.0},
        "command_retry": {"max_tries": 3, "delay": 0.1, "max_delay": 1.0},
    }
    tls = settings.tls
    if tls.enabled:
        kwargs.update(
            use_ssl=True,
            ca=tls.ca,
            certfile=tls.certfile,
            keyfile=tls.keyfile,
            keyfile_password=tls.keyfile_password,
            verify_certs=tls.verify,
            check_hostname=tls.check_hostname,
        )
    elif any((tls.ca, tls.certfile, tls.keyfile)):
        raise ZooKeeperError("TLS files are set but TLS is not enabled")
    auth = settings.auth
    if auth.mechanism not in AUTH_MECHANISMS:
        raise ZooKeeperError(f"unknown ZooKeeper auth mechanism {auth.mechanism!r}")
    if auth.mechanism != "none":
        if not auth.username or auth.password is None:
            raise ZooKeeperError(f"ZooKeeper auth {auth.mechanism} needs a username and a password")
        if ":" in auth.username:
            raise ZooKeeperError("a ZooKeeper user name must not contain ':'")
    if auth.mechanism == "sasl_digest":
        if not _has_pure_sasl():
            raise ZooKeeperError("SASL authentication to ZooKeeper needs the pure-sasl Python package")
        kwargs["sasl_options"] = {"mechanism": "DIGEST-MD5", "username": auth.username, "password": auth.password}
    elif auth.mechanism == "digest":
        kwargs["auth_data"] = [("digest", f"{auth.username}:{auth.password}")]
    return kwargs


@contextlib.contextmanager
def session(settings: ZkSettings, factory: Callable[..., Any] | None = None) -> Iterator[Any]:
    """A started client, stopped and closed on exit."""
    make = factory or KazooClient
    if make is None:
        raise ZooKeeperError("the kazoo Python package is required")
    client = make(**client_kwargs(settings))
    try:
        client.start(timeout=settings.timeout)
    except (KazooTimeoutError, KazooException) as exc:
        client.close()
        raise ZkConnectError(
            f"cannot open a ZooKeeper session to {settings.connect.kazoo_hosts} within {settings.timeout}s: {exc}"
        ) from exc
    try:
        yield client
    finally:
        client.stop()
        client.close()


# --------------------------------------------------------------------------- module options

# The connection options every ZooKeeper module accepts (AnsibleModule argument_spec form).
ZK_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "zookeeper_connect": {"type": "str", "required": True},
    "zookeeper_timeout": {"type": "float", "default": 10.0},
    "zookeeper_tls": {"type": "bool", "default": False},
    "zookeeper_tls_ca": {"type": "path"},
    "zookeeper_tls_certfile": {"type": "path"},
    "zookeeper_tls_keyfile": {"type": "path"},
    "zookeeper_tls_keyfile_password": {"type": "str", "no_log": True},
    "zookeeper_tls_verify": {"type": "bool", "default": True},
    "zookeeper_tls_check_hostname": {"type": "bool", "default": False},
    "zookeeper_auth": {"type": "str", "default": "none", "choices": list(AUTH_MECHANISMS)},
    "zookeeper_username": {"type": "str"},
    "zookeeper_password": {"type": "str", "no_log": True},
}


def settings_from_params(params: Mapping[str, Any]) -> ZkSettings:
    """Build connection settings from module parameters named as in ``ZK_ARGUMENT_SPEC``."""
    return ZkSettings(
        connect=parse_connect_string(params["zookeeper_connect"]),
        tls=ZkTls(
            enabled=bool(params.get("zookeeper_tls")),
            ca=params.get("zookeeper_tls_ca"),
            certfile=params.get("zookeeper_tls_certfile"),
            keyfile=params.get("zookeeper_tls_keyfile"),
            keyfile_password=params.get("zookeeper_tls_keyfile_password"),
            verify=params.get("zookeeper_tls_verify", True) is not False,
            check_hostname=bool(params.get("zookeeper_tls_check_hostname")),
        ),
        auth=ZkAuth(
            mechanism=params.get("zookeeper_auth") or "none",
            username=params.get("zookeeper_username"),
            password=params.get("zookeeper_password"),
        ),
        timeout=float(params.get("zookeeper_timeout") or 10.0),
    )
