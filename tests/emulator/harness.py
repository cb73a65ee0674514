"""Test harness: a real ZooKeeper and emulator nodes as plain subprocesses (no sandbox namespaces)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, TypeVar

REPO = Path(__file__).resolve().parents[2]
SANDBOX = REPO / "tests" / "sandbox"
ZK_JAR = "/usr/share/java/zookeeper.jar"
T = TypeVar("T")


def wait_until(cond: Callable[[], T], timeout: float, interval: float = 0.05, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = cond()
        except Exception as exc:  # a probe may fail while the system converges
            last = exc
        if last and not isinstance(last, Exception):
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class ZooKeeper:
    def __init__(self, workdir: Path, host: str, port: int = 2181) -> None:
        self.workdir, self.host, self.port = workdir, host, port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def connect(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        cfg = self.workdir / "zoo.cfg"
        cfg.write_text(f"tickTime=500\ndataDir={data}\nclientPort={self.port}\nclientPortAddress={self.host}\n"
                       "admin.enableServer=false\nmaxClientCnxns=0\n4lw.commands.whitelist=ruok\n")
        out = open(self.workdir / "zk.out", "wb")
        self.proc = subprocess.Popen(
            ["java", "-cp", f"/etc/zookeeper/conf:{ZK_JAR}", "org.apache.zookeeper.server.ZooKeeperServerMain",
             str(cfg)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: port_open(self.host, self.port), 60, 0.1, "ZooKeeper to listen")
        probe = self.client()
        probe.stop()
        probe.close()

    def client(self) -> Any:
        from kazoo.client import KazooClient
        zk = KazooClient(hosts=self.connect)
        zk.start(timeout=60)
        return zk

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def python_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SANDBOX)
    env.update(extra or {})
    return env


class Node:
    """One emulator host: its own config, LOG_DIR, data dirs, faults file and loopback address."""

    def __init__(self, root: Path, name: str, ip: str, jolokia_port: int | None = 8778) -> None:
        self.name, self.ip = name, ip
        self.dir = root / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = self.dir / "server.properties"
        self.log_dir = self.dir / "logs"
        self.faults = self.dir / "faults.json"
        self.jolokia_port = jolokia_port
        self.proc: subprocess.Popen[bytes] | None = None
        self.kafka_version: str | None = None

    @property
    def server_log(self) -> Path:
        return self.log_dir / "server.log"

    def env(self) -> dict[str, str]:
        extra = {"LOG_DIR": str(self.log_dir), "KAFKA_EMULATOR_FAULTS": str(self.faults)}
        if self.kafka_version:
            extra["KAFKA_EMULATOR_VERSION"] = self.kafka_version
        if self.jolokia_port:
            extra["KAFKA_OPTS"] = f"-javaagent:/opt/jolokia/jolokia-jvm-agent.jar=port={self.jolokia_port},host={self.ip}"
        return python_env(extra)

    def write_config(self, props: dict[str, Any]) -> None:
        lines = ["# written by the emulator tests"] + [f"{k}={v}" for k, v in props.items()]
        self.config.write_text("\n".join(lines) + "\n")

    def set_faults(self, faults: dict[str, Any] | None) -> None:
        if faults is None:
            self.faults.unlink(missing_ok=True)
        else:
            self.faults.write_text(json.dumps(faults))

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} already running"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.dir / "stdout.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kafka_emulator", "kafka.Kafka", str(self.config)],
            stdout=out, stderr=out, env=self.env(), start_new_session=True)

    def run_foreground(self, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return subprocess.run([sys.executable, "-m", "kafka_emulator", "kafka.Kafka", str(self.config)],
                              capture_output=True, text=True, env=self.env(), timeout=timeout, check=False)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20) -> int | None:
        """Graceful stop: the SIGTERM kafka-server-stop.sh sends.

        The script itself signals every node of the host, and here all nodes share one host, so only the
        tests of the script run it (see test_logs_and_process.py)."""
        if not self.running():
            return None if self.proc is None else self.proc.returncode
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.running():
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def tool(self, tool: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kafka_emulator", tool, *args], capture_output=True, text=True,
                              env=self.env(), timeout=timeout, check=False)

    @property
    def controller_log(self) -> Path:
        return self.log_dir / "controller.log"

    def log_text(self, name: str = "server.log") -> str:
        try:
            return (self.log_dir / name).read_text()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern: str, timeout: float = 20, name: str = "server.log") -> re.Match[str]:
        regex = re.compile(pattern)
        return wait_until(lambda: regex.search(self.log_text(name)), timeout, 0.05, f"{self.name} {name} /{pattern}/")

    def jolokia(self, mbean: str, attribute: str = "") -> dict[str, Any]:
        url = f"http://{self.ip}:{self.jolokia_port}/jolokia/read/{mbean}" + (f"/{attribute}" if attribute else "")
        with urllib.request.urlopen(url, timeout=2) as resp:
            return dict(json.loads(resp.read()))

    def gauge(self, name: str) -> Any:
        mbean = (f"kafka.controller:type=KafkaController,name={name}" if name != "UnderReplicatedPartitions"
                 else "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions")
        return self.jolokia(mbean, "Value").get("value")


def zk_broker_props(node: Node, broker_id: int, zk_connect: str, rack: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "broker.id": broker_id,
        "listeners": f"INTERNAL://{node.ip}:9092,EXTERNAL://{node.ip}:9094",
        "advertised.listeners": f"INTERNAL://{node.ip}:9092,EXTERNAL://{node.ip}:9094",
        "listener.security.protocol.map": "INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL",
        "inter.broker.listener.name": "INTERNAL",
        "inter.broker.protocol.version": "3.9",
        "log.dirs": str(node.dir / "data"),
        "zookeeper.connect": zk_connect,
        "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
    }
    if rack:
        props["broker.rack"] = rack
    return props


def voters_string(controllers: list[tuple[int, Node]]) -> str:
    return ",".join(f"{cid}@{n.ip}:9093" for cid, n in controllers)


def migrating_props(base: dict[str, Any], voters: str) -> dict[str, Any]:
    props = dict(base)
    props["zookeeper.metadata.migration.enable"] = "true"
    props["controller.quorum.voters"] = voters
    props["controller.listener.names"] = "CONTROLLER"
    props["listener.security.protocol.map"] = "INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL,CONTROLLER:SASL_SSL"
    return props


def kraft_broker_props(migrating: dict[str, Any]) -> dict[str, Any]:
    props = {k: v for k, v in migrating.items()
             if not k.startswith("zookeeper.") and k not in ("inter.broker.protocol.version", "broker.id")}
    props["node.id"] = migrating["broker.id"]
    props["process.roles"] = "broker"
    props["authorizer.class.name"] = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    return props


def controller_props(node: Node, node_id: int, voters: str, zk_connect: str | None,
                     migration: bool = True) -> dict[str, Any]:
    props: dict[str, Any] = {
        "process.roles": "controller",
        "node.id": node_id,
        "controller.quorum.voters": voters,
        "controller.listener.names": "CONTROLLER",
        "listeners": f"CONTROLLER://{node.ip}:9093",
        "listener.security.protocol.map": "CONTROLLER:SASL_SSL,INTERNAL:SASL_SSL",
        "inter.broker.listener.name": "INTERNAL",
        "log.dirs": str(node.dir / "metadata"),
    }
    if migration:
        props["zookeeper.metadata.migration.enable"] = "true"
    if zk_connect:
        props["zookeeper.connect"] = zk_connect
    return props
