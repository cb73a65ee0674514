# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""kafka_wait end to end: the module runs stand-in tool scripts and a loopback Jolokia endpoint."""
from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.modules import kafka_wait
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_jolokia import http_answers
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_kafka_logs import log_line
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_kafka_tools import STATUS_39, URP_OUTPUT

TOOL = """#!/bin/sh
# Stand-in for a Kafka tool: records its arguments, prints the prepared output or fails.
echo "$@" >> "$(dirname "$0")/../calls.txt"
out="$(dirname "$0")/../{name}.out"
if [ -f "$out" ]; then cat "$out"; else echo "org.apache.kafka.common.errors.TimeoutException: timed out" >&2; exit 1; fi
"""


@pytest.fixture
def kafka_home(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "kafka" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("kafka-metadata-quorum.sh", "kafka-topics.sh"):
        script = bin_dir / name
        script.write_text(TOOL.format(name=name))
        script.chmod(0o755)
    return tmp_path / "kafka"


def calls(home: Path) -> list[str]:
    path = home / "calls.txt"
    return path.read_text().splitlines() if path.exists() else []


def run(args: dict[str, Any], capsys: Any) -> dict[str, Any]:
    with patch_module_args(dict({"interval": 0.01}, **args)), pytest.raises(SystemExit):
        kafka_wait.main()
    return json.loads(capsys.readouterr().out)


def test_quorum_leader(kafka_home: Path, capsys: Any) -> None:
    (kafka_home / "kafka-metadata-quorum.sh.out").write_text(STATUS_39)
    out = run({"condition": "quorum_leader", "kafka_home": str(kafka_home), "bootstrap_controller": "127.0.1.21:9093"},
              capsys)
    assert "failed" not in out and not out["changed"] and out["observed"]["leader_id"] == 3000
    assert calls(kafka_home) == ["--bootstrap-controller 127.0.1.21:9093 describe --status"]


def test_broker_registered_times_out_with_last_observation(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "server.log").write_text("")
    out = run({"condition": "broker_registered_kraft", "broker_id": 7, "log_dir": str(tmp_path),
               "config_file": str(tmp_path / "server.properties"), "timeout": 0.2}, capsys)
    # No Kafka process on that config here: the wait says so instead of sitting out its timeout.
    assert out["failed"] and "broker 7" in out["msg"] and "kafka.Kafka process" in out["msg"]


def test_client_properties_reach_the_tools_in_a_private_file_that_is_removed(kafka_home: Path, capsys: Any) -> None:
    (kafka_home / "kafka-metadata-quorum.sh.out").write_text(STATUS_39)
    out = run({"condition": "quorum_leader", "kafka_home": str(kafka_home), "bootstrap_controller": "127.0.1.21:9093",
               "controller_properties": {"security.protocol": "SSL", "ssl.keystore.password": "s3cret"},
               "broker_properties": {"security.protocol": "SASL_SSL"}}, capsys)
    assert "failed" not in out and "s3cret" not in json.dumps(out)
    argv = calls(kafka_home)[0].split()
    config = argv[argv.index("--command-config") + 1]
    assert "zk2kraft-client-" in config and not Path(config).exists()


def test_tool_errors_are_retried_and_reported(kafka_home: Path, capsys: Any) -> None:
    out = run({"condition": "quorum_leader", "kafka_home": str(kafka_home), "bootstrap_controller": "127.0.1.21:9093",
               "timeout": 0.2}, capsys)
    assert out["failed"] and "TimeoutException: timed out" in out["msg"] and out["observed"] is None


def test_under_replicated_zero(kafka_home: Path, capsys: Any) -> None:
    (kafka_home / "kafka-topics.sh.out").write_text(URP_OUTPUT)
    args = {"condition": "under_replicated_zero", "kafka_home": str(kafka_home), "bootstrap_server": "127.0.1.11:9092",
            "command_config": "/etc/kafka/admin.properties", "timeout": 0.1}
    out = run(args, capsys)
    assert out["failed"] and out["observed"]["under_replicated"] == ["orders-0", "orders-2"]
    assert calls(kafka_home)[0] == ("--bootstrap-server 127.0.1.11:9092 --command-config /etc/kafka/admin.properties "
                                    "--describe --under-replicated-partitions")
    (kafka_home / "kafka-topics.sh.out").write_text("")
    out = run(args, capsys)
    assert "failed" not in out and out["observed"]["count"] == 0


@pytest.fixture
def jolokia() -> Iterator[dict[str, Any]]:
    values: dict[str, Any] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            mbean = self.path.split("/read/", 1)[1]
            body = json.dumps({"request": {"mbean": mbean, "type": "read"}, "value": {"Value": values.get(mbean, 0)},
                               "timestamp": 1, "status": 200}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    values["_url"] = f"http://127.0.0.1:{server.server_address[1]}/jolokia"
    yield values
    server.shutdown()
    server.server_close()


def test_migration_state_from_jolokia(jolokia: dict[str, Any], capsys: Any) -> None:
    jolokia["kafka.controller:type=KafkaController,name=ZkMigrationState"] = 1
    out = run({"condition": "migration_state", "expected": "MIGRATION", "jolokia_url": jolokia["_url"]}, capsys)
    assert "failed" not in out and out["observed"] == {"source": "jolokia", "value": 1, "state": "MIGRATION"}
    # The same number means PRE_MIGRATION on 3.4.
    out = run({"condition": "migration_state", "expected": "MIGRATION", "jolokia_url": jolokia["_url"],
               "kafka_version": "3.4.1", "timeout": 0.05}, capsys)
    assert out["failed"] and out["observed"]["state"] == "PRE_MIGRATION"


def test_migrating_zk_broker_count(jolokia: dict[str, Any], capsys: Any) -> None:
    jolokia["kafka.controller:type=KafkaController,name=MigratingZkBrokerCount"] = 3
    out = run({"condition": "migrating_zk_broker_count", "expected": "3", "jolokia_url": jolokia["_url"]}, capsys)
    assert "failed" not in out and out["observed"]["value"] == 3


def test_fetch_never_imports_ansibles_url_helper() -> None:
    # It imports the cryptography package: 0.05 to 0.1 s on every module start, before each broker's stop.
    code = ("import sys; from ansible_collections.zk2kraft.migration.plugins.modules import kafka_restart, kafka_wait; "
            "print('ansible.module_utils.urls' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))   # the collection as pytest finds it
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"


def test_jolokia_error_status_is_retried_then_reported(capsys: Any) -> None:
    with http_answers({}) as (base, seen):
        # Long enough for two polls on a loaded machine.
        out = run({"condition": "migration_state", "expected": "MIGRATION", "jolokia_url": base + "/jolokia",
                   "timeout": 1.5}, capsys)
    assert out["failed"] and "HTTP 404" in out["msg"] and out["attempts"] >= 2 and len(seen) == out["attempts"]


def test_migrating_zk_broker_count_without_jolokia_is_a_usage_error(capsys: Any) -> None:
    out = run({"condition": "migrating_zk_broker_count", "expected": "0", "log_file": "/var/log/kafka/server.log"}, capsys)
    assert out["failed"] and "zk_broker_count" in out["msg"] and "attempts" not in out


def test_migration_state_from_server_log(tmp_path: Path, capsys: Any) -> None:
    log = tmp_path / "server.log"
    log.write_text("\n".join([
        log_line("Still waiting for ZK brokers [1, 2] to register with KRaft."),
        log_line("Completed migration of metadata from ZooKeeper to KRaft. 7 records were generated."),
    ]) + "\n")
    out = run({"condition": "migration_state", "expected": "MIGRATION", "log_dir": str(tmp_path)}, capsys)
    assert "failed" not in out and out["observed"]["source"] == "kafka_logs"


def test_service_log_after_offset(tmp_path: Path, capsys: Any) -> None:
    log = tmp_path / "server.log"
    log.write_text("[t] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n")
    args = {"condition": "service_log", "pattern": r"\] started \(", "log_file": str(log),
            "log_offset": log.stat().st_size, "timeout": 0.05}
    out = run(args, capsys)
    assert out["failed"] and "a server.log line matching" in out["msg"]
    with open(log, "a") as handle:
        handle.write("[t] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n")
    out = run(args, capsys)
    assert "failed" not in out and "started" in out["observed"]["matched"]


@pytest.mark.parametrize("args,message", [
    ({"condition": "migration_state"}, "expected"),
    ({"condition": "migrating_zk_broker_count", "expected": "many", "jolokia_url": "http://127.0.0.1:9/j"}, "count"),
    ({"condition": "quorum_leader"}, "bootstrap_controller"),
])
def test_usage_errors(args: dict[str, Any], message: str, capsys: Any) -> None:
    out = run(args, capsys)
    assert out["failed"] and message in out["msg"]


# --- Jolokia behind basic auth and TLS ---------------------------------------------------------

@contextlib.contextmanager
def jolokia_agent(tmp_path: Path, user: str = "", password: str = "", tls: bool = False) -> Iterator[str]:
    """A loopback Jolokia stand-in that requires basic auth (user=/password=) and/or serves HTTPS."""
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode() if user else None
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            seen.append(self.headers.get("Authorization") or "")
            if expected and self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="jolokia"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = json.dumps({"request": {"type": "read"}, "value": {"Value": 1}, "status": 200}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tmp_path / "agent.pem"), str(tmp_path / "agent.key"))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jolokia"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def agent_cert(tmp_path: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (its own CA)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=agent",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(tmp_path / "agent.key"),
                    "-out", str(tmp_path / "agent.pem")], check=True, capture_output=True)
    return tmp_path / "agent.pem"


MIGRATION = {"condition": "migration_state", "expected": "MIGRATION"}


def test_jolokia_basic_auth_is_sent_and_the_password_never_shown(tmp_path: Path, capsys: Any) -> None:
    with jolokia_agent(tmp_path, "monitor", "jolokia-secret") as url:
        out = run(dict(MIGRATION, jolokia_url=url, jolokia_user="monitor", jolokia_password="jolokia-secret"), capsys)
        assert "failed" not in out and out["observed"]["state"] == "MIGRATION"
        refused = run(dict(MIGRATION, jolokia_url=url, jolokia_user="monitor", jolokia_password="wrong",
                           timeout=0.05), capsys)
        missing = run(dict(MIGRATION, jolokia_url=url, timeout=0.05), capsys)
    for failed in (refused, missing):
        assert failed["failed"] and "HTTP 401" in failed["msg"] and "zk2kraft_kafka_client" in failed["msg"]
    assert "jolokia-secret" not in json.dumps([out, refused, missing])


def test_jolokia_over_tls_with_the_agents_ca(tmp_path: Path, agent_cert: Path, capsys: Any) -> None:
    with jolokia_agent(tmp_path, "monitor", "s", tls=True) as url:
        # The playbooks' http:// URL is read over https when jolokia_tls is set.
        args = dict(MIGRATION, jolokia_url=url, jolokia_user="monitor", jolokia_password="s", jolokia_tls=True)
        out = run(dict(args, jolokia_ca_file=str(agent_cert)), capsys)
        assert "failed" not in out and out["observed"]["source"] == "jolokia"
        # Without the agent's CA the certificate is not trusted; with checks off it is read anyway.
        untrusted = run(dict(args, timeout=0.05), capsys)
        assert untrusted["failed"] and "unreachable" in untrusted["msg"]
        unchecked = run(dict(args, jolokia_validate_certs=False), capsys)
        assert "failed" not in unchecked


@pytest.mark.parametrize("args,message", [
    ({"jolokia_user": "monitor"}, "jolokia_user and jolokia_password go together"),
    ({"jolokia_password": "x"}, "jolokia_user and jolokia_password go together"),
    ({"jolokia_client_key": "/k.pem", "jolokia_tls": True}, "jolokia_client_key needs jolokia_client_cert"),
    ({"jolokia_ca_file": "/ca.pem"}, "need jolokia_tls: true"),
])
def test_jolokia_access_usage_errors(args: dict[str, Any], message: str, capsys: Any) -> None:
    out = run(dict(MIGRATION, jolokia_url="http://127.0.0.1:9/jolokia", **args), capsys)
    assert out["failed"] and message in out["msg"]
