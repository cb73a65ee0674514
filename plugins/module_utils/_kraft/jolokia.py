# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Jolokia, the JMX-over-HTTP agent on a Kafka node: metric names, reads and their answers (stdlib only).

Runs on the managed Kafka hosts, so it imports nothing outside the standard library.
"""

from __future__ import annotations

import base64
import functools
import http.client
import json
import ssl
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ProbeError, ProbeUsageError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import parse_version

Number = Union[int, float]

# The roll guard's agent reads in flight at once (3 per broker and 1 per voter: 12 brokers in one round): each
# waits on a node's agent, not on the reading host's CPU, and the guard's time is spent before the broker's stop.
READ_THREADS = 48

MIGRATION_STATES = ("NONE", "MIGRATION", "PRE_MIGRATION", "POST_MIGRATION", "ZK")
# 3.5 renumbered the states; 3.4 had PRE_MIGRATION=1 and MIGRATION=2 (facts sheet section 4).
_STATE_NUMBERS = {0: "NONE", 1: "MIGRATION", 2: "PRE_MIGRATION", 3: "POST_MIGRATION", 4: "ZK"}
_STATE_NUMBERS_3_4 = {0: "NONE", 1: "PRE_MIGRATION", 2: "MIGRATION", 3: "POST_MIGRATION"}


def decode_migration_state(value: Number, kafka_version: str) -> str:
    """Name of a ``ZkMigrationState`` metric value for the given Kafka version."""
    table = _STATE_NUMBERS_3_4 if parse_version(kafka_version).line <= (3, 4) else _STATE_NUMBERS
    number = int(value)
    if number != value or number not in table:
        raise ProbeError(f"ZkMigrationState {value!r} is not a known state on Kafka {kafka_version}")
    return table[number]


MBEAN_ZK_MIGRATION_STATE = "kafka.controller:type=KafkaController,name=ZkMigrationState"
MBEAN_MIGRATING_ZK_BROKER_COUNT = "kafka.controller:type=KafkaController,name=MigratingZkBrokerCount"
MBEAN_ACTIVE_CONTROLLER_COUNT = "kafka.controller:type=KafkaController,name=ActiveControllerCount"
MBEAN_UNDER_REPLICATED = "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions"
# The metadata quorum's client on every KRaft node and on a broker in migration mode (Kafka's JMX reporter
# names it after its metric group): current-state (leader, follower, observer, ...), current-leader,
# log-end-offset. A ZooKeeper broker without migration has none.
MBEAN_RAFT_METRICS = "kafka.server:type=raft-metrics"
MBEAN_BROKER_STATE = "kafka.server:type=KafkaServer,name=BrokerState"
BROKER_STATE_RUNNING = 3


def jolokia_read_url(base_url: str, mbean: str) -> str:
    """``GET`` URL of a Jolokia read; ``!`` and ``/`` are escaped the way Jolokia's GET syntax wants."""
    escaped = mbean.replace("!", "!!").replace("/", "!/").replace('"', '!"')
    return "{}/read/{}".format(base_url.rstrip("/"), urllib.parse.quote(escaped, safe=":=,!/"))


def _answer(body: str | bytes, mbean: str) -> dict[str, Any]:
    """A Jolokia answer's JSON object (its ``status``, ``value`` or ``error``)."""
    try:
        obj = json.loads(body)
    except ValueError as exc:
        raise ProbeError(f"Jolokia answered {mbean} with non-JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ProbeError(f"Jolokia answered {mbean} with {obj!r}")
    return obj


def parse_jolokia_response(body: str | bytes, mbean: str = "") -> Number:
    """The numeric value of a Jolokia read: ``value`` is a number, or ``{"Value": n}``
    when the whole MBean (no attribute) was read."""
    obj = _answer(body, mbean)
    status = obj.get("status", 200)
    if status != 200:
        raise ProbeError("Jolokia read of {} failed ({}): {}".format(mbean, status, obj.get("error", "no error text")))
    value = obj.get("value")
    if isinstance(value, dict) and "Value" in value:
        value = value["Value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProbeError(f"Jolokia value of {mbean} is not a number: {value!r}")
    return value


class FetchError(ProbeError):
    """An HTTP GET got no usable answer: no connection (``status`` None), or an error status without a body."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


# GET a URL within a time limit and return the body, also for an error status when it has one (Jolokia
# reports its errors in a JSON body); raise FetchError otherwise. The modules pass http_get with their access.
Fetch = Callable[[str, float], bytes]


@functools.lru_cache(maxsize=8)
def tls_context(access: JolokiaAccess) -> ssl.SSLContext:
    """One TLS context per access and run: loading the system's CA certificates costs CPU, and the roll guard
    reads ~40 MBeans per observation."""
    context = ssl.create_default_context(cafile=access.ca_file)
    if not access.validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if access.client_cert:
        context.load_cert_chain(access.client_cert, access.client_key)
    return context


def http_get(url: str, timeout: float, access: JolokiaAccess | None = None) -> bytes:
    """HTTP(S) GET with the access's login and certificate checks. No proxy and no redirects: a Jolokia agent
    answers directly, on its own node's address. A refused login (401, 403) is the agent's HTTP server
    speaking, not Jolokia: its status says more than any body."""
    access = access or JolokiaAccess()
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname or parts.scheme not in ("http", "https"):
        raise ProbeUsageError(f"not an http(s) URL: {url}")
    connection: http.client.HTTPConnection
    try:
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                     context=tls_context(access))
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    except OSError as exc:   # an unreadable CA file or client certificate (ssl.SSLError is an OSError)
        raise FetchError(f"TLS settings: {exc}") from exc
    headers = {"Accept": "application/json"}
    if access.user:
        login = f"{access.user}:{access.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(login).decode("ascii")
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    try:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status >= 400 and (not body or response.status in (401, 403)):
            raise FetchError(f"HTTP {response.status} {response.reason}", response.status)
        return body
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(str(exc) or type(exc).__name__) from exc
    finally:
        connection.close()


# The Jolokia access options of every module in the kafka_tools action group (module_defaults from
# zk2kraft_kafka_client): an agent started with user=/password= (basic auth) and protocol=https.
JOLOKIA_ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    jolokia_user=dict(type="str"),
    jolokia_password=dict(type="str", no_log=True),
    jolokia_tls=dict(type="bool", default=False),
    jolokia_ca_file=dict(type="path"),
    jolokia_client_cert=dict(type="path"),
    jolokia_client_key=dict(type="path"),
    jolokia_validate_certs=dict(type="bool", default=True),
)


@dataclass(frozen=True)
class JolokiaAccess:
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    ca_file: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    validate_certs: bool = True

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> JolokiaAccess:
        return cls(user=params.get("jolokia_user"), password=params.get("jolokia_password"),
                   tls=bool(params.get("jolokia_tls")), ca_file=params.get("jolokia_ca_file"),
                   client_cert=params.get("jolokia_client_cert"), client_key=params.get("jolokia_client_key"),
                   validate_certs=params.get("jolokia_validate_certs") is not False)

    def problems(self) -> list[str]:
        found = []
        if bool(self.user) != bool(self.password):
            found.append("jolokia_user and jolokia_password go together (the agent's user= and password=)")
        if self.client_key and not self.client_cert:
            found.append("jolokia_client_key needs jolokia_client_cert")
        if not self.tls and (self.ca_file or self.client_cert):
            found.append("jolokia_ca_file and jolokia_client_cert need jolokia_tls: true (the agent's protocol=https)")
        return found

    def url(self, base_url: str) -> str:
        """The plan gives https URLs when jolokia_tls is set; a hand-written http:// URL for an https agent is mended here."""
        if self.tls and base_url.startswith("http://"):
            return "https://" + base_url[len("http://"):]
        return base_url


def jolokia_read(base_url: str, mbean: str, timeout: float, fetch: Fetch = http_get) -> Number:
    url = jolokia_read_url(base_url, mbean)
    try:
        body = fetch(url, timeout)
    except FetchError as exc:
        if exc.status in (401, 403):
            raise ProbeError(f"Jolokia at {base_url} refused the request (HTTP {exc.status}): the agent requires a user and "
                             "password; set jolokia_user and jolokia_password in zk2kraft_kafka_client") from exc
        if exc.status is not None:
            raise ProbeError(f"Jolokia read {url} failed: HTTP {exc.status}") from exc
        raise ProbeError(f"Jolokia at {base_url} unreachable: {exc}") from exc
    return parse_jolokia_response(body, mbean)


def jolokia_read_mbean(base_url: str, mbean: str, timeout: float, fetch: Fetch = http_get) -> dict[str, Any] | None:
    """Every attribute of an MBean, or None when the node has no such MBean (Jolokia's 404 in its JSON body)."""
    url = jolokia_read_url(base_url, mbean)
    try:
        body = fetch(url, timeout)
    except FetchError as exc:
        raise ProbeError(f"Jolokia at {base_url} gave no answer for {mbean}: {exc}") from exc
    obj = _answer(body, mbean)
    status = obj.get("status", 200)
    if status == 404 and "InstanceNotFound" in str(obj.get("error_type", "")):
        return None
    value = obj.get("value")
    if status != 200 or not isinstance(value, dict):
        raise ProbeError("Jolokia read of {} failed ({}): {}".format(mbean, status, obj.get("error", value)))
    return value
