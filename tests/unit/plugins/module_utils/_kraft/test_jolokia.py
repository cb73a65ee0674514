# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Jolokia reads: URLs, answers, the HTTP GET and migration-state numbers."""

from __future__ import annotations

import contextlib
import http.server
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import jolokia as jo
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ProbeError, ProbeUsageError


@pytest.mark.parametrize("value,version,state", [
    (0, "3.9.0", "NONE"), (1, "3.9.0", "MIGRATION"), (2, "3.9.0", "PRE_MIGRATION"),
    (3, "3.9.0", "POST_MIGRATION"), (4, "3.6.2", "ZK"), (2.0, "3.5.1", "PRE_MIGRATION"), (2, "3.9", "PRE_MIGRATION"),
    # 3.4 numbered them the other way round.
    (1, "3.4.1", "PRE_MIGRATION"), (2, "3.4.0", "MIGRATION"), (3, "3.4.1", "POST_MIGRATION"),
])
def test_decode_migration_state(value: float, version: str, state: str) -> None:
    assert jo.decode_migration_state(value, version) == state


@pytest.mark.parametrize("value,version", [(4, "3.4.1"), (5, "3.9.0"), (1.5, "3.9.0"), (-1, "3.9.0")])
def test_decode_migration_state_rejects_unknown(value: float, version: str) -> None:
    with pytest.raises(ProbeError):
        jo.decode_migration_state(value, version)


# ------------------------------------------------------------------ Jolokia


def test_jolokia_url() -> None:
    assert jo.jolokia_read_url("http://127.0.1.21:8778/jolokia/", jo.MBEAN_ZK_MIGRATION_STATE) == (
        "http://127.0.1.21:8778/jolokia/read/kafka.controller:type=KafkaController,name=ZkMigrationState")
    assert jo.jolokia_read_url("http://h:1/jolokia", "d:name=a/b c").endswith("/read/d:name=a!/b%20c")


@pytest.mark.parametrize("body,value", [
    ('{"request":{"mbean":"x","type":"read"},"value":2,"timestamp":1,"status":200}', 2),
    ('{"request":{"mbean":"x","type":"read"},"value":{"Value":3},"timestamp":1,"status":200}', 3),
    (b'{"value":0.0,"status":200}', 0.0),
])
def test_parse_jolokia_response(body: Any, value: float) -> None:
    assert jo.parse_jolokia_response(body, "x") == value


@pytest.mark.parametrize("body", [
    '{"error_type":"javax.management.InstanceNotFoundException","error":"not found","status":404}',
    '{"value":{"Count":3},"status":200}', '{"value":"2","status":200}', '{"value":true,"status":200}',
    "<html>", "[1]",
])
def test_parse_jolokia_response_errors(body: str) -> None:
    with pytest.raises(ProbeError):
        jo.parse_jolokia_response(body, "x")


def test_jolokia_read_unreachable_is_retryable() -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused.
    with pytest.raises(ProbeError, match="unreachable"):
        jo.jolokia_read("http://127.0.0.1:9/jolokia", jo.MBEAN_ZK_MIGRATION_STATE, timeout=2)


@contextlib.contextmanager
def http_answers(answers: dict[str, tuple[int, bytes]]) -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server answering each path with a fixed (status, body); yields its base URL and the
    request paths it saw."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            seen.append(self.path)
            status, body = answers.get(self.path, (404, b""))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


READ_STATE = "/jolokia/read/" + jo.MBEAN_ZK_MIGRATION_STATE


def test_http_get_returns_bodies_also_of_error_statuses() -> None:
    not_found = b'{"error_type":"javax.management.InstanceNotFoundException","error":"no such MBean","status":404}'
    with http_answers({"/ok?x=1": (200, b'{"value":1}'), "/missing": (404, not_found)}) as (base, seen):
        assert jo.http_get(base + "/ok?x=1", 2) == b'{"value":1}'
        assert jo.http_get(base + "/missing", 2) == not_found
        with pytest.raises(jo.FetchError) as empty:
            jo.http_get(base + "/empty", 2)
    assert empty.value.status == 404 and "HTTP 404" in str(empty.value)
    assert seen == ["/ok?x=1", "/missing", "/empty"]


def test_http_get_unreachable_and_bad_urls() -> None:
    with pytest.raises(jo.FetchError) as refused:
        jo.http_get("http://127.0.0.1:9/jolokia", 2)
    assert refused.value.status is None
    for url in ("ftp://127.0.0.1/x", "http:///nohost", "127.0.0.1:8778/jolokia"):
        with pytest.raises(ProbeUsageError):
            jo.http_get(url, 2)


def test_http_get_makes_one_tls_context_per_access(monkeypatch: pytest.MonkeyPatch) -> None:
    # A context loads every system CA certificate: once per access and run, and never for plain http.
    made: list[Any] = []
    real = ssl.create_default_context

    def create_default_context(**kw: Any) -> ssl.SSLContext:
        made.append(kw)
        return real(**kw)
    monkeypatch.setattr(ssl, "create_default_context", create_default_context)
    jo.tls_context.cache_clear()
    with http_answers({"/ok": (200, b'{"value":1}')}) as (base, seen):
        assert [jo.http_get(base + "/ok", 2) for _dummy in range(3)] == [b'{"value":1}'] * 3
    assert made == [] and seen == ["/ok"] * 3
    unchecked = jo.JolokiaAccess(tls=True, validate_certs=False)
    contexts = {id(jo.tls_context(unchecked)) for _dummy in range(3)}
    assert len(contexts) == 1 and len(made) == 1
    assert jo.tls_context(unchecked).verify_mode == ssl.CERT_NONE and not jo.tls_context(unchecked).check_hostname


def test_a_refused_login_is_its_status_even_with_a_body() -> None:
    with http_answers({"/x": (401, b"<html>login</html>")}) as (base, _seen):
        with pytest.raises(jo.FetchError) as refused:
            jo.http_get(base + "/x", 2, jo.JolokiaAccess(user="u", password="p"))
    assert refused.value.status == 401


def test_jolokia_read_over_http() -> None:
    answers = {
        READ_STATE: (200, b'{"request":{"type":"read"},"value":{"Value":2},"status":200}'),
        "/jolokia/read/" + jo.MBEAN_ACTIVE_CONTROLLER_COUNT: (
            404, b'{"error_type":"javax.management.InstanceNotFoundException","error":"gone","status":404}'),
    }
    with http_answers(answers) as (base, seen):
        assert jo.jolokia_read(base + "/jolokia", jo.MBEAN_ZK_MIGRATION_STATE, timeout=2) == 2
        with pytest.raises(ProbeError, match=r"failed \(404\): gone"):
            jo.jolokia_read(base + "/jolokia", jo.MBEAN_ACTIVE_CONTROLLER_COUNT, timeout=2)
        with pytest.raises(ProbeError, match="HTTP 404"):
            jo.jolokia_read(base + "/jolokia", jo.MBEAN_UNDER_REPLICATED, timeout=2)
    assert seen[0] == READ_STATE


def test_jolokia_read_uses_the_given_fetch() -> None:
    calls: list[tuple[str, float]] = []

    def fetch(url: str, timeout: float) -> bytes:
        calls.append((url, timeout))
        return b'{"value":3,"status":200}'

    assert jo.jolokia_read("http://h:1/jolokia", jo.MBEAN_ZK_MIGRATION_STATE, 7.5, fetch=fetch) == 3
    assert calls == [("http://h:1/jolokia" + READ_STATE[len("/jolokia"):], 7.5)]

    def failing(url: str, timeout: float) -> bytes:
        raise jo.FetchError("connection refused")

    with pytest.raises(ProbeError, match="Jolokia at http://h:1/jolokia unreachable: connection refused"):
        jo.jolokia_read("http://h:1/jolokia", jo.MBEAN_ZK_MIGRATION_STATE, 1, fetch=failing)


def test_jolokia_read_mbean_gives_every_attribute_or_none_for_a_missing_mbean() -> None:
    raft = b'{"value":{"current-state":"leader","current-leader":3000.0,"log-end-offset":42.0},"status":200}'
    answers = {
        "/jolokia/read/" + jo.MBEAN_RAFT_METRICS: (200, raft),
        "/jolokia/read/" + jo.MBEAN_BROKER_STATE: (
            404, b'{"error_type":"javax.management.InstanceNotFoundException","error":"gone","status":404}'),
        "/jolokia/read/" + jo.MBEAN_UNDER_REPLICATED: (
            500, b'{"error_type":"java.lang.IllegalStateException","error":"broken","status":500}'),
    }
    with http_answers(answers) as (base, _seen):
        assert jo.jolokia_read_mbean(base + "/jolokia", jo.MBEAN_RAFT_METRICS, timeout=2) == {
            "current-state": "leader", "current-leader": 3000.0, "log-end-offset": 42.0}
        # A node without the MBean (a ZooKeeper broker has no raft client) is an answer, not an error.
        assert jo.jolokia_read_mbean(base + "/jolokia", jo.MBEAN_BROKER_STATE, timeout=2) is None
        with pytest.raises(ProbeError, match=r"failed \(500\): broken"):
            jo.jolokia_read_mbean(base + "/jolokia", jo.MBEAN_UNDER_REPLICATED, timeout=2)
    with pytest.raises(ProbeError, match="gave no answer"):
        jo.jolokia_read_mbean("http://127.0.0.1:9/jolokia", jo.MBEAN_RAFT_METRICS, timeout=2)
