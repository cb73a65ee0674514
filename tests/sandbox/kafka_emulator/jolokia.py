"""A Jolokia-agent lookalike: GET /jolokia/read/<mbean>[/<attribute>] answered from the node's gauges."""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Union

# MBean -> a gauge's value, or a metric group's attributes (None: not registered on this node).
MetricValue = Union[int, str, dict[str, Union[int, str]], Callable[[], int], None]
Metrics = Callable[[], dict[str, MetricValue]]


def agent_options(kafka_opts: str) -> dict[str, str] | None:
    """The agent's options from -javaagent:<path with jolokia>=port=P[,host=H][,user=U,password=W]."""
    match = re.search(r"-javaagent:\S*jolokia\S*?=(\S+)", kafka_opts)
    if not match:
        return None
    options = dict(item.partition("=")[::2] for item in match.group(1).split(","))
    return options if "port" in options else None


def parse_agent(kafka_opts: str) -> tuple[str, int] | None:
    """(host, port) of the agent."""
    options = agent_options(kafka_opts)
    if options is None:
        return None
    return options.get("host", "127.0.0.1"), int(options["port"])


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep the node's stdout for server.log lines
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.server.credentials and not self._authorized():
            # The agent's HTTP server (user=/password=) answers a missing or wrong login with a bare 401.
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="jolokia"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        path = urllib.parse.unquote(self.path.split("?", 1)[0])
        if path.rstrip("/") in ("/jolokia", "/jolokia/version"):
            body = {"request": {"type": "version"}, "value": {"agent": "2.0.0-kafka-emulator", "protocol": "8.0"},
                    "timestamp": int(time.time()), "status": 200}
            return self._send(body)
        match = re.fullmatch(r"/jolokia/read/([^/]+)(?:/([^/]+))?/?", path)
        if not match:
            return self._send({"error_type": "java.lang.IllegalArgumentException",
                               "error": f"Invalid request path {path}", "status": 400})
        mbean, attribute = canonical_name(match.group(1)), match.group(2)
        request: dict[str, object] = {"mbean": mbean, "type": "read"}
        if attribute:
            request["attribute"] = attribute
        value = {canonical_name(k): v for k, v in self.server.metrics().items()}.get(mbean)
        if callable(value):   # computed only when read: a broker's UnderReplicatedPartitions reads its whole image
            value = value()
        # A gauge has the one attribute Value; a Kafka metric group (raft-metrics) one attribute per metric.
        attributes = value if isinstance(value, dict) else {"Value": value}
        if value is None or (attribute and attribute not in attributes):
            error_type = ("javax.management.InstanceNotFoundException" if value is None
                          else "javax.management.AttributeNotFoundException")
            return self._send({"request": request, "error_type": error_type,
                               "error": f"{error_type} : {mbean}", "status": 404})
        self._send({"request": request, "value": attributes[attribute] if attribute else attributes,
                    "timestamp": int(time.time()), "status": 200})

    def _authorized(self) -> bool:
        user, password = self.server.credentials or ("", "")
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return hmac.compare_digest(self.headers.get("Authorization", ""), expected)

    def _send(self, body: dict[str, object]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def canonical_name(mbean: str) -> str:
    """ObjectName.getCanonicalName: the key properties sorted by key (Jolokia echoes the name in this form)."""
    domain, sep, props = mbean.partition(":")
    if not sep:
        return mbean
    return domain + ":" + ",".join(sorted(props.split(","), key=lambda kv: kv.partition("=")[0]))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], metrics: Metrics,
                 credentials: tuple[str, str] | None = None) -> None:
        self.metrics = metrics
        self.credentials = credentials
        super().__init__(address, _Handler)


class JolokiaServer:
    def __init__(self, host: str, port: int, metrics: Metrics, credentials: tuple[str, str] | None = None) -> None:
        self._server = _Server((host, port), metrics, credentials)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
