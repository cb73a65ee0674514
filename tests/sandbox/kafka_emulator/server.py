"""kafka-server-start.sh: validate the configuration, then run the node the config selects."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable

from .broker import BrokerNode
from .common import PID_FILE_NAME, EmuLog, Faults, StartupError, kafka_version, log_dir
from .config import ConfigError, KafkaConfig, load_properties, parse_config
from .controller import ControllerNode
from .jolokia import JolokiaServer, MetricValue, agent_options, parse_agent
from .metaprops import read_meta
from .rpc import RpcServer

USAGE = "USAGE: kafka-server-start.sh [-daemon] server.properties [--override property=value]*"


MAIN_CLASS = "kafka.Kafka"


def _fatal_exit(elog: EmuLog, kafka_text: str) -> int:
    # Kafka logs the exception with the event (log4j: stdout and server.log); nothing goes to stderr.
    elog.error("Exiting Kafka due to fatal exception", "kafka.Kafka$", throwable=kafka_text)
    return 1


def _live_pid(pid_file: Path) -> int | None:
    from .tools import _is_emulator  # the stop tool's notion of "this host's node"
    try:
        pid = int(pid_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    return pid if pid != os.getpid() and _is_emulator(pid) else None


def _kraft_ensemble_error(cfg: KafkaConfig) -> str | None:
    """KafkaRaftServer.initializeLogDirs (3.7+), run while the server is built: no meta.properties anywhere,
    then one directory without it. Kafka logs it as `Exiting Kafka due to fatal exception` (not `during
    startup`)."""
    dirs = list(dict.fromkeys([cfg.metadata_log_dir] + cfg.log_dirs))
    metas = {d: read_meta(d) for d in dirs}
    if all(m is None for m in metas.values()):
        return "No readable meta.properties files found."
    for directory, meta in metas.items():
        if meta is None:
            return (f"No `meta.properties` found in {directory} (have you run `kafka-storage.sh` to format the "
                    "directory?)")
    return None


def _controller_cluster_id(cfg: KafkaConfig) -> str:
    meta = read_meta(cfg.metadata_log_dir)
    if meta is None:
        text = (f"No `meta.properties` found in {cfg.metadata_log_dir} (have you run `kafka-storage.sh` to format "
                "the directory?)")
        raise StartupError(text, f"java.lang.RuntimeException: {text}")
    if meta.get("version") != "1":
        text = (f"Found unexpected version in {cfg.metadata_log_dir}/meta.properties. ZK-based brokers that are not "
                "migrating only support version 0 (which is implicit when the `version` field is missing).")
        raise StartupError(text, f"java.lang.RuntimeException: {text}")
    if meta.get("node.id") is not None and int(meta["node.id"]) != cfg.node_id:
        text = f"Stored node id {meta['node.id']} doesn't match previous node id {cfg.node_id}"
        raise StartupError(text, f"java.lang.RuntimeException: {text}")
    return meta.get("cluster.id", "")


def _bind(endpoints: list[Any], dispatch: Callable[[dict[str, Any]], dict[str, Any]]) -> list[RpcServer]:
    servers: list[RpcServer] = []
    for ep in endpoints:
        try:
            server = RpcServer(ep.host, ep.port, dispatch)
        except OSError as exc:
            for s in servers:
                s.stop()
            text = f"Socket server failed to bind to {ep.host}:{ep.port}: {exc.strerror}."
            raise StartupError(text, f"org.apache.kafka.common.KafkaException: {text}") from exc
        server.start()
        servers.append(server)
    return servers


def ensure_process_identity(argv: list[str]) -> None:
    """Become `PYEXE -m kafka_emulator kafka.Kafka <args>`: like `java ... kafka.Kafka server.properties`,
    the command line names the main class followed by the arguments (the config path last, unless
    --override pairs follow). Tools find a Kafka node by that (`ps ax | grep ' kafka\\.Kafka '`)."""
    wanted = [sys.executable, "-m", "kafka_emulator", MAIN_CLASS, *argv]
    if sys.argv[1:2] == [MAIN_CLASS] and sys.argv[2:] == argv:
        return
    try:
        os.execv(sys.executable, wanted)  # keeps the pid, so whoever started us still holds the node
    except OSError:
        pass


def main(argv: list[str]) -> int:
    if argv and argv[0] == "-daemon":
        # kafka-server-start.sh -daemon: detach and return like the real script
        log = log_dir()
        log.mkdir(parents=True, exist_ok=True)
        with open(log / "kafkaServer.out", "ab") as out:
            subprocess.Popen([sys.executable, "-m", "kafka_emulator", MAIN_CLASS, *argv[1:]],
                             stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True)
        return 0
    if not argv:
        print(USAGE, file=sys.stderr)
        return 1
    config_path = argv[0]
    overrides: dict[str, str] = {}
    rest = argv[1:]
    while rest:
        if rest[0] == "--override" and len(rest) > 1:
            key, dummy, value = rest[1].partition("=")
            overrides[key] = value
            rest = rest[2:]
        else:
            print(USAGE, file=sys.stderr)
            return 1
    ensure_process_identity(argv)
    faults = Faults.load()
    elog = EmuLog(log_dir(), clock_offset_s=faults.clock_offset_s)
    elog.info("Kafka node emulator (test infrastructure, not Apache Kafka) imitating Kafka version "
              f"{'.'.join(map(str, kafka_version()))}, pid {os.getpid()}")
    if faults.refuse_start:
        return _fatal_exit(elog, f"java.lang.RuntimeException: {faults.refuse_start}")
    try:
        props = load_properties(config_path)
    except OSError:
        return _fatal_exit(elog, f"java.nio.file.NoSuchFileException: {config_path}")
    props.update(overrides)
    try:
        cfg = parse_config(props)
    except ConfigError as exc:
        return _fatal_exit(elog, exc.kafka_text())
    if not cfg.is_zk_mode:
        problem = _kraft_ensemble_error(cfg)
        if problem is not None:
            return _fatal_exit(elog, f"java.lang.RuntimeException: {problem}")

    stop = threading.Event()
    exit_code = [0]

    def fatal(message: str) -> None:
        exit_code[0] = 1
        stop.set()

    def on_signal(signum: int, frame: Any) -> None:
        # the JVM runs its shutdown hooks (Kafka's controlled shutdown) and then exits with 128 + the signal:
        # 143 after SIGTERM (kafka-server-stop.sh), 130 after SIGINT (measured on 3.9.2)
        if exit_code[0] == 0:
            exit_code[0] = 128 + signum
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # kill -3 prints every thread's stack on the console, as a JVM's thread dump does (stdout.log here)
    faulthandler.register(signal.SIGQUIT, file=sys.stderr, all_threads=True, chain=False)
    if faults.start_delay_s:
        elog.info(f"Fault injection: delaying startup by {faults.start_delay_s} s")
        if stop.wait(faults.start_delay_s):
            return exit_code[0]

    pid_file = log_dir() / PID_FILE_NAME
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    # keep the pid of a node already running on this host: this second one will fail to bind its ports
    if _live_pid(pid_file) is None:
        pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")

    controller: ControllerNode | None = None
    broker: BrokerNode | None = None
    servers: list[RpcServer] = []
    jolokia: JolokiaServer | None = None
    try:
        # A -javaagent starts with the JVM, before Kafka itself: metrics answer from the first moment.
        agent = parse_agent(os.environ.get("KAFKA_OPTS", ""))
        options = agent_options(os.environ.get("KAFKA_OPTS", "")) or {}
        # user=/password= as the real agent takes them (its HTTPS options are not emulated).
        credentials = (options["user"], options.get("password", "")) if options.get("user") else None
        if agent is not None:
            def metrics() -> dict[str, MetricValue]:
                values: dict[str, MetricValue] = {}
                if broker is not None:
                    values.update(broker.metrics())
                if controller is not None:
                    values.update(controller.metrics())
                return values
            try:
                jolokia = JolokiaServer(agent[0], agent[1], metrics, credentials)
                jolokia.start()
            except OSError as exc:
                elog.error(f"Jolokia agent could not bind {agent[0]}:{agent[1]}: {exc.strerror}")
        try:
            if cfg.is_controller:
                controller = ControllerNode(cfg, elog, faults, _controller_cluster_id(cfg), fatal)
                servers += _bind(cfg.controller_endpoints(), controller.dispatch)
                controller.start()
            if not cfg.is_controller or cfg.is_kraft_broker:
                broker = BrokerNode(cfg, elog, faults, fatal)
                broker.start()
                servers += _bind(cfg.broker_endpoints(), broker.dispatch)
                broker.after_listeners()
        except StartupError as exc:
            if broker is None and controller is None:
                pass
            if cfg.is_zk_mode:
                ident = f"[KafkaServer id={cfg.node_id}] " if exc.log_ident else ""
                elog.error(f"{ident}Fatal error during KafkaServer startup. Prepare to shutdown",
                           "kafka.server.KafkaServer", throwable=exc.kafka_text)
            elog.error("Exiting Kafka due to fatal exception during startup.", "kafka.Kafka$",
                       throwable=exc.kafka_text)
            exit_code[0] = 1
            return 1

        if cfg.is_controller and not cfg.is_kraft_broker:
            # with the broker role, KafkaRaftServer says so once the broker is STARTED (BrokerNode)
            elog.info(f"[KafkaRaftServer nodeId={cfg.node_id}] Kafka Server started", "kafka.server.KafkaRaftServer")
        if faults.crash_after_s is not None:
            def crash() -> None:
                if not stop.wait(faults.crash_after_s):
                    elog.error("Fault injection: the node crashes now (no controlled shutdown)")
                    os._exit(1)
            threading.Thread(target=crash, daemon=True).start()
        while not stop.wait(0.5):
            pass
    finally:
        if broker is not None:
            broker.stop()
        if controller is not None:
            controller.stop()
            elog.info(f"[KafkaRaftServer nodeId={cfg.node_id}] Kafka Server shut down completed",
                      "kafka.server.KafkaRaftServer")
        for server in servers:
            server.stop()
        if jolokia is not None:
            jolokia.stop()
        try:
            if pid_file.read_text(encoding="utf-8").strip() == str(os.getpid()):
                pid_file.unlink()
        except OSError:
            pass
        elog.close()
    return exit_code[0]
