"""Node-to-node and tool-to-node calls: one JSON object per line over TCP on the listener ports."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from typing import Any, Callable

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class RpcError(Exception):
    """The peer could not be reached or answered garbage."""


class _RequestHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        while True:
            try:
                line = self.rfile.readline()
            except OSError:
                return
            if not line:
                return
            try:
                request = json.loads(line)
                response = server.dispatch(request)
            except Exception as exc:  # a bad request must not kill the listener thread
                response = {"error": "UNKNOWN_SERVER_ERROR", "message": f"{type(exc).__name__}: {exc}"}
            try:
                self.wfile.write((json.dumps(response) + "\n").encode("utf-8"))
                self.wfile.flush()
            except OSError:
                return


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address: tuple[str, int], dispatch: Handler) -> None:
        self.dispatch = dispatch
        super().__init__(address, _RequestHandler)


class RpcServer:
    """Serves one listener endpoint in a background thread."""

    def __init__(self, host: str, port: int, dispatch: Handler) -> None:
        bind_host = host or "127.0.0.1"
        self._server = _Server((bind_host, port), dispatch)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def call(host: str, port: int, request: dict[str, Any], timeout: float = 2.0) -> dict[str, Any]:
    try:
        with socket.create_connection((host or "127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall((json.dumps(request) + "\n").encode("utf-8"))
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
    except OSError as exc:
        raise RpcError(f"{host}:{port}: {exc}") from exc
    if not buf:
        raise RpcError(f"{host}:{port}: connection closed without a response")
    try:
        response: dict[str, Any] = json.loads(buf)
    except ValueError as exc:
        raise RpcError(f"{host}:{port}: bad response") from exc
    return response
