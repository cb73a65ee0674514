"""Helpers shared by the sandbox command, its tests and molecule verify steps.

Importable with ``tests/sandbox`` on ``sys.path``; stdlib only, so verify steps
may load it from any Python.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

from topology import DEFAULT_NET, Topology, build

SANDBOX_DIR = Path(__file__).resolve().parent
REPO_DIR = SANDBOX_DIR.parent.parent
# SANDBOX_STATE_DIR moves the state (and with it the hosts' trees and the reports of a lane) out of the
# work tree, so that sandboxes on other nets (SANDBOX_NET) can run from the same tree at once.
STATE_DIR = Path(os.environ.get("SANDBOX_STATE_DIR") or SANDBOX_DIR / ".state").resolve()
STATE_FILE = STATE_DIR / "state.json"
HOSTS_DIR = STATE_DIR / "hosts"
SSH_DIR = STATE_DIR / "ssh"
INVENTORY_FILE = STATE_DIR / "inventory.yml"
INVENTORY_JSON = STATE_DIR / "inventory.json"  # read by inventory.py

# Processes started inside a host get this environment, not the caller's (no venv leaks).
HOST_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
}

T = TypeVar("T")


@dataclass(frozen=True)
class Layout:
    """Where a Kafka install keeps its config and logs, and what its service is called."""

    config: str
    log_dir: str
    unit: str


# packaged: the paths distribution packages use; release: the Apache release archive unpacked
# in /opt/kafka (config/ and logs/ under the Kafka home), with its own unit name.
LAYOUTS = {
    "packaged": Layout("/etc/kafka/server.properties", "/var/log/kafka", "kafka"),
    "release": Layout("/opt/kafka/config/server.properties", "/opt/kafka/logs", "apache-kafka"),
}


def current_layout() -> Layout:
    state = load_state()
    return LAYOUTS[state.layout if state else "packaged"]


class SandboxError(Exception):
    """A sandbox operation could not be carried out; the message says why."""


@dataclass
class State:
    """What ``up`` recorded: enough for ``down`` and ``status`` to find everything again."""

    topology: str
    created_mountpoints: list[str] = field(default_factory=list)
    seeded: bool = False
    kafka: str = "emulator"          # emulator | real
    kafka_version: str = ""          # the real Kafka release, e.g. 3.9.2
    jolokia: bool = True             # a Jolokia JVM agent on every Kafka node
    layout: str = "packaged"         # packaged | release (see LAYOUTS)
    net: str = DEFAULT_NET           # host addresses are <net>.N
    zk_sasl: bool = False            # ZooKeeper requires SASL (DIGEST-MD5); brokers log in through JAAS Client
    jolokia_auth: bool = False       # the Jolokia agents require a user and password (basic auth)
    jolokia_tls: bool = False        # ... and serve HTTPS with the node's certificate (protocol=https)
    jolokia_mtls: bool = False       # HTTPS that requires a client certificate signed by the sandbox CA (no login)

    def save(self) -> None:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = STATE_FILE.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=2) + "\n")
        tmp.replace(STATE_FILE)


def load_state() -> State | None:
    if not STATE_FILE.is_file():
        return None
    data = json.loads(STATE_FILE.read_text())
    return State(
        topology=data["topology"],
        created_mountpoints=list(data.get("created_mountpoints", [])),
        seeded=bool(data.get("seeded", False)),
        kafka=str(data.get("kafka", "emulator")),
        kafka_version=str(data.get("kafka_version", "")),
        jolokia=bool(data.get("jolokia", True)),
        layout=str(data.get("layout", "packaged")),
        net=str(data.get("net", DEFAULT_NET)),
        zk_sasl=bool(data.get("zk_sasl", False)),
        jolokia_auth=bool(data.get("jolokia_auth", False)),
        jolokia_tls=bool(data.get("jolokia_tls", False)),
        jolokia_mtls=bool(data.get("jolokia_mtls", False)),
    )


def require_state() -> tuple[State, Topology]:
    state = load_state()
    if state is None:
        raise SandboxError(f"the sandbox is not up (no {STATE_FILE})")
    return state, build(state.topology, state.net)


def host_dir(name: str) -> Path:
    return HOSTS_DIR / name


def sshd_pid_file(name: str) -> Path:
    return host_dir(name) / "sshd.pid"


def zookeeper_dir(name: str) -> Path:
    return host_dir(name) / "zookeeper"


def zookeeper_pid_file(name: str) -> Path:
    return zookeeper_dir(name) / "zookeeper.pid"


def wait_until(predicate: Callable[[], T | None], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll ``predicate`` until it returns a truthy value; raise SandboxError naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise SandboxError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            # The state letter follows the parenthesised command name.
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def mount_namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


def sshd_pid(name: str) -> int | None:
    """PID of the host's sshd, only if it is alive and really is our sshd for that host."""
    pid = read_pid(sshd_pid_file(name))
    if pid is None or not pid_alive(pid):
        return None
    # sshd rewrites its title ("sshd: /usr/sbin/sshd -f CONFIG ... [listener]"), so match text.
    if str(host_dir(name) / "sshd_config") not in " ".join(cmdline(pid)):
        return None
    # A host's sshd always runs in a namespace of its own; anything else is a reused PID.
    if mount_namespace(pid) == mount_namespace(os.getpid()):
        return None
    return pid


def processes_in_namespace(namespace: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and mount_namespace(int(entry)) == namespace:
            pids.append(int(entry))
    return pids


def exec_on_host(
    name: str,
    argv: Sequence[str],
    *,
    check: bool = True,
    timeout: float = 120.0,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` inside host ``name``'s mount and PID namespaces (as a session on that host would)."""
    pid = sshd_pid(name)
    if pid is None:
        raise SandboxError(f"host {name} is not running (no live sshd)")
    result = subprocess.run(
        ["nsenter", "-t", str(pid), "-m", "-p", "--", *argv],
        env=HOST_ENV,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
        check=False,
    )
    if check and result.returncode != 0:
        raise SandboxError(
            f"{name}: {' '.join(argv)} exited {result.returncode}\n{result.stdout}{result.stderr}".rstrip()
        )
    return result


def read_host_file(name: str, path: str) -> str:
    """Read a file as host ``name`` sees it."""
    return exec_on_host(name, ["cat", "--", path]).stdout


def service_state(name: str, unit: str | None = None) -> str:
    """``systemctl is-active`` inside the host: active, inactive, failed, unknown, ..."""
    result = exec_on_host(name, ["systemctl", "is-active", unit or current_layout().unit], check=False, timeout=30)
    return result.stdout.strip() or "unknown"
