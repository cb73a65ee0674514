# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ZkConnectError, ZooKeeperError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_session import (
    KazooTimeoutError,
    ZkAuth,
    ZkSettings,
    ZkTls,
    client_kwargs,
    session,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_syntax import parse_connect_string

# ------------------------------------------------------------------ client settings


def settings(**kwargs: Any) -> ZkSettings:
    return ZkSettings(parse_connect_string("127.0.1.2:2181/k"), **kwargs)


def test_client_kwargs_plain() -> None:
    kwargs = client_kwargs(settings(timeout=3.0))
    assert kwargs["hosts"] == "127.0.1.2:2181/k" and kwargs["timeout"] == 3.0
    assert "use_ssl" not in kwargs and "sasl_options" not in kwargs and "auth_data" not in kwargs


def test_client_kwargs_tls() -> None:
    tls = ZkTls(enabled=True, ca="/ca.pem", certfile="/c.pem", keyfile="/k.pem", keyfile_password="pw", verify=False)
    kwargs = client_kwargs(settings(tls=tls))
    assert kwargs["use_ssl"] and kwargs["ca"] == "/ca.pem" and kwargs["certfile"] == "/c.pem"
    assert kwargs["keyfile_password"] == "pw" and kwargs["verify_certs"] is False
    assert "pw" not in repr(tls)


def test_client_kwargs_tls_files_without_tls_is_an_error() -> None:
    with pytest.raises(ZooKeeperError, match="TLS is not enabled"):
        client_kwargs(settings(tls=ZkTls(ca="/ca.pem")))


def test_client_kwargs_sasl_digest() -> None:
    kwargs = client_kwargs(settings(auth=ZkAuth("sasl_digest", "kafka", "s3cret")))
    assert kwargs["sasl_options"] == {"mechanism": "DIGEST-MD5", "username": "kafka", "password": "s3cret"}


def test_client_kwargs_digest_scheme() -> None:
    kwargs = client_kwargs(settings(auth=ZkAuth("digest", "kafka", "s3cret")))
    assert kwargs["auth_data"] == [("digest", "kafka:s3cret")]


@pytest.mark.parametrize("auth", [ZkAuth("digest", None, "x"), ZkAuth("sasl_digest", "u", None),
                                  ZkAuth("digest", "a:b", "x"), ZkAuth("kerberos", "u", "p")])
def test_client_kwargs_rejects_incomplete_auth(auth: ZkAuth) -> None:
    with pytest.raises(ZooKeeperError):
        client_kwargs(settings(auth=auth))


class FakeKazooFactory:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[str] = []
        self.kwargs: dict[str, Any] = {}

    def __call__(self, **kwargs: Any) -> FakeKazooFactory:
        self.kwargs = kwargs
        return self

    def start(self, timeout: float) -> None:
        self.calls.append("start")
        if self.fail:
            raise KazooTimeoutError("Connection time-out")

    def stop(self) -> None:
        self.calls.append("stop")

    def close(self) -> None:
        self.calls.append("close")


def test_session_starts_and_closes() -> None:
    factory = FakeKazooFactory()
    with session(settings(), factory=factory) as client:
        assert client is factory
    assert factory.calls == ["start", "stop", "close"]


def test_session_connect_failure_is_a_library_error() -> None:
    factory = FakeKazooFactory(fail=True)
    with pytest.raises(ZkConnectError, match="127.0.1.2:2181/k"):
        with session(settings(), factory=factory):
            pass
    assert factory.calls == ["start", "close"]
