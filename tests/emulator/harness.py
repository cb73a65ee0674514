"""Test harness: a real ZooKeeper and Kafka nodes as plain subprocesses (no sandbox namespaces).

The nodes come from one of two backends, chosen once per session (``--backend`` or ``CONFORMANCE_BACKEND``):

* ``emulator`` (default): the Python Kafka node emulator of tests/sandbox/kafka_emulator;
* ``real``: Apache Kafka (``kafka.Kafka`` JVMs and the real tools) from the release-shaped archive that
  tests/sandbox/kafka_dist/build.py builds (``CONFORMANCE_KAFKA_VERSION``, default 3.9.2), extracted once per
  session. Listeners are plain PLAINTEXT on this backend (see ``Node.write_config``).

Tests use the same Node API on both; what only one backend can do is marked (see conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, TypeVar

REPO = Path(__file__).resolve().parents[2]
SANDBOX = REPO / "tests" / "sandbox"
ZK_JAR = "/usr/share/java/zookeeper.jar"
T = TypeVar("T")

BACKENDS = ("emulator", "real")
BACKEND = os.environ.get("CONFORMANCE_BACKEND", "emulator") or "emulator"
REAL_KAFKA_VERSION = os.environ.get("CONFORMANCE_KAFKA_VERSION", "3.9.2")
# What the emulator puts between a log line's level and Kafka's message; real Kafka has nothing there.
MARKER = "[KafkaEmulator] "
# Real JVMs start in 5-15 s on this machine: every wait scales by this factor on the real backend.
TIMEOUT_SCALE = 1.0
REAL_HEAP = "-Xmx256M -Xms128M"
# A Kafka node's exit status after the SIGTERM of kafka-server-stop.sh: the JVM runs the shutdown hook
# (controlled shutdown), then exits with 128 + 15.
STOPPED = 143
KAFKA_HOME: Path | None = None  # the extracted archive (real backend), set by prepare_real_kafka()
JOLOKIA_JAR: Path | None = None
_REAL_PROCS: list[subprocess.Popen[bytes]] = []  # every JVM a Node started, killed at session end


def configure_backend(name: str | None) -> str:
    """Select the backend for this session; module constants follow it (called from conftest)."""
    global BACKEND, MARKER, TIMEOUT_SCALE
    BACKEND = name or os.environ.get("CONFORMANCE_BACKEND") or "emulator"
    if BACKEND not in BACKENDS:
        raise ValueError(f"unknown conformance backend {BACKEND!r} (choose from {', '.join(BACKENDS)})")
    MARKER = "" if BACKEND == "real" else "[KafkaEmulator] "
    TIMEOUT_SCALE = float(os.environ.get("CONFORMANCE_TIMEOUT_SCALE", "4" if BACKEND == "real" else "1"))
    return BACKEND


def is_real() -> bool:
    return BACKEND == "real"


def prepare_real_kafka(workdir: Path) -> Path:
    """Build (or reuse the cached) release-shaped archive and extract it once into workdir."""
    global KAFKA_HOME, JOLOKIA_JAR
    if KAFKA_HOME is not None:
        return KAFKA_HOME
    built = subprocess.run([sys.executable, str(SANDBOX / "kafka_dist" / "build.py"), "--version", REAL_KAFKA_VERSION],
                           capture_output=True, text=True, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"building Kafka {REAL_KAFKA_VERSION} failed: {built.stdout}{built.stderr}")
    archive = Path(built.stdout.strip().splitlines()[-1])
    with tarfile.open(archive) as tar:
        tar.extractall(workdir)  # our own archive (kafka_dist/build.py), not untrusted input
    homes = [d for d in workdir.iterdir() if d.is_dir() and (d / "bin" / "kafka-server-start.sh").exists()]
    assert len(homes) == 1, f"no Kafka home in {archive}"
    KAFKA_HOME = homes[0]
    jars = sorted(archive.parent.glob("jolokia-agent-jvm-*-javaagent.jar"))
    JOLOKIA_JAR = jars[-1] if jars else None
    return KAFKA_HOME


def kill_real_processes() -> None:
    """Last line of defence: SIGKILL every JVM process group the harness started that still runs."""
    for proc in _REAL_PROCS:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def wait_until(cond: Callable[[], T], timeout: float, interval: float = 0.05, what: str = "condition") -> T:
    timeout *= TIMEOUT_SCALE
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
        # forceSync=no: a session's close is a transaction; on a busy CI disk its fsync can stall a node's stop
        cfg.write_text(f"tickTime=500\ndataDir={data}\nclientPort={self.port}\nclientPortAddress={self.host}\n"
                       "admin.enableServer=false\nmaxClientCnxns=0\n4lw.commands.whitelist=ruok\nforceSync=no\n")
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


# listener.security.protocol.map values the real backend replaces with PLAINTEXT (no certificates, no JAAS)
_SECURED = re.compile(r"(?<=:)(SASL_SSL|SASL_PLAINTEXT|SSL)\b")


def security(protocol: str) -> str:
    """The security protocol a node of this backend really runs for one written as `protocol`."""
    return "PLAINTEXT" if is_real() else protocol


class Node:
    """One Kafka host: its own config, LOG_DIR, data dirs, faults file and loopback address.

    On the emulator backend the node is `python -m kafka_emulator kafka.Kafka CONFIG`; on the real backend it is
    the archive's `bin/kafka-server-start.sh CONFIG` (which execs the `kafka.Kafka` JVM in place, so `proc.pid`
    is the JVM). Both run in their own process group, killed by `kill()`."""

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

    def env(self, node: bool = True) -> dict[str, str]:
        """The environment of the node (node=True) or of a tool run on its host."""
        if is_real():
            extra = {"LOG_DIR": str(self.log_dir)}
            if node:
                extra["KAFKA_HEAP_OPTS"] = REAL_HEAP
                if self.jolokia_port and JOLOKIA_JAR is not None:
                    extra["KAFKA_OPTS"] = f"-javaagent:{JOLOKIA_JAR}=port={self.jolokia_port},host={self.ip}"
            env = dict(os.environ)
            for var in ("KAFKA_OPTS", "KAFKA_HEAP_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_JMX_OPTS", "JMX_PORT"):
                env.pop(var, None)
            env.update(extra)
            return env
        extra = {"LOG_DIR": str(self.log_dir), "KAFKA_EMULATOR_FAULTS": str(self.faults)}
        if self.kafka_version:
            extra["KAFKA_EMULATOR_VERSION"] = self.kafka_version
        if self.jolokia_port:
            extra["KAFKA_OPTS"] = f"-javaagent:/opt/jolokia/jolokia-jvm-agent.jar=port={self.jolokia_port},host={self.ip}"
        return python_env(extra)

    def write_config(self, props: dict[str, Any]) -> None:
        """Write server.properties. The real backend runs every listener as PLAINTEXT (the protocol map's
        SSL/SASL values become PLAINTEXT) and, since every principal is then ANONYMOUS, makes it a super user
        where an authorizer is configured."""
        props = dict(props)
        if is_real():
            if "listener.security.protocol.map" in props:
                props["listener.security.protocol.map"] = _SECURED.sub(
                    "PLAINTEXT", str(props["listener.security.protocol.map"]))
            if props.get("authorizer.class.name") and "super.users" not in props:
                props["super.users"] = "User:ANONYMOUS"
        lines = ["# written by the conformance tests"] + [f"{k}={v}" for k, v in props.items()]
        self.config.write_text("\n".join(lines) + "\n")

    def set_faults(self, faults: dict[str, Any] | None) -> None:
        """The emulator's fault file; real Kafka never reads it (tests that need faults are emulator_only)."""
        if faults is None:
            self.faults.unlink(missing_ok=True)
        else:
            self.faults.write_text(json.dumps(faults))

    def _argv(self) -> list[str]:
        if is_real():
            assert KAFKA_HOME is not None, "real backend: prepare_real_kafka() has not run"
            return [str(KAFKA_HOME / "bin" / "kafka-server-start.sh"), str(self.config)]
        return [sys.executable, "-m", "kafka_emulator", "kafka.Kafka", str(self.config)]

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} already running"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "stdout.log", "ab") as out:
            self.proc = subprocess.Popen(self._argv(), stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                         env=self.env(), start_new_session=True)
        if is_real():
            _REAL_PROCS.append(self.proc)

    def run_foreground(self, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        """Run the node in the foreground until it exits (the configuration refusals); stdout is the console."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(self._argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                text=True, env=self.env(), start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout * TIMEOUT_SCALE)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            raise AssertionError(f"{self.name} still running after {timeout * TIMEOUT_SCALE}s; output:\n{out}{err}") from None
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20) -> int | None:
        """Graceful stop: the SIGTERM kafka-server-stop.sh sends.

        The script itself signals every node of the host, and here all nodes share one host, so only the
        tests of the script run it (see test_logs_and_process.py, emulator only)."""
        if not self.running():
            return None if self.proc is None else self.proc.returncode
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout * TIMEOUT_SCALE)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} still running {timeout * TIMEOUT_SCALE:g} s after SIGTERM; its "
                                 f"thread dump:\n{self._thread_dump()}") from None

    def _thread_dump(self) -> str:
        """SIGQUIT (kill -3) makes the JVM, and the emulator, print every thread's stack on the console; then kill."""
        assert self.proc is not None
        console = self.dir / "stdout.log"
        before = console.stat().st_size if console.exists() else 0
        self.proc.send_signal(signal.SIGQUIT)
        sizes = [before]

        def written() -> bool:  # the console grew, and stopped growing since the last poll
            sizes.append(console.stat().st_size if console.exists() else 0)
            return sizes[-1] > before and sizes[-1] == sizes[-2]
        try:
            wait_until(written, 5, 0.2, "the thread dump")
        except AssertionError:
            pass  # whatever it printed is still worth showing
        finally:
            self.kill()
        with open(console, "rb") as out:
            out.seek(before)
            return out.read().decode("utf-8", "replace")[-20000:]

    def kill(self) -> None:
        if self.running():
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def tool(self, tool: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        if is_real():
            assert KAFKA_HOME is not None, "real backend: prepare_real_kafka() has not run"
            # the real script signals every kafka.Kafka JVM on the machine, the sandbox's included
            assert tool != "kafka-server-stop.sh", "never run the real kafka-server-stop.sh from the harness"
            argv = [str(KAFKA_HOME / "bin" / tool), *args]
        else:
            argv = [sys.executable, "-m", "kafka_emulator", tool, *args]
        return subprocess.run(argv, capture_output=True, text=True, env=self.env(node=False),
                              timeout=timeout * TIMEOUT_SCALE, check=False)

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
        return wait_until(lambda: regex.search(self.log_text(name)), timeout, 0.1 if is_real() else 0.05,
                          f"{self.name} {name} /{pattern}/")

    def jolokia(self, mbean: str, attribute: str = "") -> dict[str, Any]:
        url = f"http://{self.ip}:{self.jolokia_port}/jolokia/read/{mbean}" + (f"/{attribute}" if attribute else "")
        with urllib.request.urlopen(url, timeout=2) as resp:
            return dict(json.loads(resp.read()))

    def raft_metrics(self) -> dict[str, Any] | None:
        """The node's raft client's metrics (state, leader, log end offset), or None when it has none (404)."""
        body = self.jolokia("kafka.server:type=raft-metrics")
        return None if body.get("status") == 404 else dict(body["value"])

    def broker_state(self) -> Any:
        return self.jolokia("kafka.server:type=KafkaServer,name=BrokerState", "Value").get("value")

    def gauge(self, name: str) -> Any:
        mbean = (f"kafka.controller:type=KafkaController,name={name}" if name != "UnderReplicatedPartitions"
                 else "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions")
        return self.jolokia(mbean, "Value").get("value")


STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"


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
    props["authorizer.class.name"] = STANDARD_AUTHORIZER
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


configure_backend(None)
