"""Bring the multi-host Kafka sandbox up, take it down, or report its status.

    .venv/bin/python tests/sandbox/sandbox.py up [--topology default|bench|zk3] [--kafka-archive PATH]
    .venv/bin/python tests/sandbox/sandbox.py down
    .venv/bin/python tests/sandbox/sandbox.py status

See tests/sandbox/README.md for how the hosts are built.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tls  # noqa: E402
from kafka_dist import build as kafka_dist_builder  # noqa: E402
from lib import (  # noqa: E402
    HOST_ENV,
    HOSTS_DIR,
    INVENTORY_FILE,
    INVENTORY_JSON,
    LAYOUTS,
    REPO_DIR,
    SANDBOX_DIR,
    SSH_DIR,
    STATE_DIR,
    Layout,
    SandboxError,
    State,
    cmdline,
    current_layout,
    exec_on_host,
    host_dir,
    load_state,
    mount_namespace,
    pid_alive,
    processes_in_namespace,
    read_pid,
    service_state,
    sshd_pid,
    sshd_pid_file,
    wait_until,
    zookeeper_dir,
    zookeeper_pid_file,
)
from topology import (  # noqa: E402
    BROKER_INTERNAL_PORT,
    DEFAULT_NET,
    JOLOKIA_PORT,
    TOPOLOGY_NAMES,
    ZOOKEEPER_CHROOT,
    ZOOKEEPER_CLIENT_PORT,
    Host,
    Topology,
    build,
)

SSHD = "/usr/sbin/sshd"
ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar"
ZOOKEEPER_CONF_DIR = "/etc/zookeeper/conf"
EMULATOR_INSTALLER = SANDBOX_DIR / "kafka_emulator" / "install.py"
INVENTORY_VARS_TEMPLATE = SANDBOX_DIR / "inventory_vars.yml"
CLIENT_KEY = SSH_DIR / "id_ed25519"
KNOWN_HOSTS = SSH_DIR / "known_hosts"
AUTHORIZED_KEYS = SSH_DIR / "authorized_keys"
DEFAULT_KAFKA_VERSION = "3.9.2"
EMULATED_KAFKA_VERSION = "3.9.0"
# Real JVMs on a small machine: about ten of them at once, so small heaps.
REAL_HEAP_OPTS = "-Xmx512M -Xms256M"
ADMIN_CLIENT_CONFIG = "/etc/kafka/sandbox-admin.properties"
# SASL to ZooKeeper (--zk-sasl on): one DIGEST-MD5 user for the brokers, the controllers and the collection,
# because zookeeper.set.acl makes every znode its creator's.
ZK_SASL_USER = "kafka"
ZK_SASL_PASSWORD = "kafka-zk-secret"
BROKER_ZK_JAAS = "/etc/kafka/zookeeper_jaas.conf"
# --jolokia auth: every agent requires this login (the agent's user= and password= options).
JOLOKIA_USER = "monitor"
JOLOKIA_PASSWORD = "jolokia-secret"
JOLOKIA_AUTH_OPTIONS = f",user={JOLOKIA_USER},password={JOLOKIA_PASSWORD}"
# --jolokia tls: the same login over HTTPS, served with the node's own keystore (CN and SAN of the host),
# so clients verify the agent against the sandbox CA (tls.CA_PEM on every host).
JOLOKIA_TLS_OPTIONS = (f",protocol=https,keystore={tls.NODE_KEYSTORE},keystorePassword={tls.KEYSTORE_PASSWORD},"
                       "keyStoreType=PKCS12")
# --jolokia mtls: HTTPS as above, and the agent takes only clients whose certificate the sandbox CA signed
# (tls.JOLOKIA_CLIENT_CERT); no login, so the certificate alone lets a client in (a login would be an
# alternative to it on this agent, and would hide a client that sends no certificate).
JOLOKIA_MTLS_OPTIONS = JOLOKIA_TLS_OPTIONS + f",useSslClientAuthentication=true,caCert={tls.CA_PEM}"
KAFKA_TOOL_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
DOWN_STOP_TIMEOUT = 20.0

# Per-host directory -> where the host sees it. Order matters: /run and /var/log first,
# so the later /var/log/kafka bind lands inside the host's own /var/log.
# The whole /run is per host because the systemctl replacement keeps unit status files
# directly in /run (/run/kafka.service.status) and its journal in /var/log/journal.
HOST_BINDS: tuple[tuple[str, str], ...] = (
    ("run", "/run"),
    ("var-log", "/var/log"),
    ("var-log-kafka", "/var/log/kafka"),
    ("etc-kafka", "/etc/kafka"),
    ("var-lib-kafka", "/var/lib/kafka"),
    ("opt-kafka", "/opt/kafka"),
    ("opt-jolokia", "/opt/jolokia"),
    ("etc-systemd-system", "/etc/systemd/system"),
    ("lib-systemd-system", "/lib/systemd/system"),
    ("etc-init-d", "/etc/init.d"),
)
# Directories that must exist inside each host dir (beyond the bind sources).
HOST_SUBDIRS = ("run/sshd", "run/systemd/system", "run/lock", "var-log/kafka", "var-log/journal")

# Runs as ``sh -c SCRIPT sh CONFIG LOG SRC DST [SRC DST ...]`` inside the fresh mount namespace:
# a fixed script, every path passed as an argument.
# sshd stays in the foreground (-D): it is the PID 1 of the host's PID namespace, reaps the
# services' orphans, and takes the whole host down with it when it ends.
SSHD_LAUNCH_SCRIPT = (
    'set -e; cfg="$1"; log="$2"; shift 2; '
    'while [ "$#" -gt 0 ]; do mount --bind "$1" "$2"; shift 2; done; '
    'exec /usr/sbin/sshd -D -f "$cfg" -E "$log"'
)

log = logging.getLogger("sandbox")


# --------------------------------------------------------------------------- preconditions


def venv_python() -> str:
    candidate = REPO_DIR / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def systemctl_replacement() -> Path:
    bin_dir = Path(venv_python()).parent
    for name in ("systemctl", "systemctl3", "systemctl3.py"):
        if (bin_dir / name).is_file():
            return bin_dir / name
    raise SandboxError(
        f"no systemctl replacement in {bin_dir} (install docker-systemctl-replacement into the venv)"
    )


def journalctl_replacement() -> Path | None:
    bin_dir = Path(venv_python()).parent
    for name in ("journalctl", "journalctl3", "journalctl3.py"):
        if (bin_dir / name).is_file():
            return bin_dir / name
    return None


def check_preconditions(kafka_archive: Path | None, emulator_installer: Path) -> None:
    """What the machine must have; kafka_archive is None for the emulator."""
    problems = []
    if os.geteuid() != 0:
        problems.append("must run as root (mount namespaces and sshd need it)")
    if not os.access(SSHD, os.X_OK):
        problems.append(f"{SSHD} missing: apt-get install openssh-server")
    if not os.path.isfile(ZOOKEEPER_JAR):
        problems.append(f"{ZOOKEEPER_JAR} missing: apt-get install zookeeper")
    for tool in ("unshare", "nsenter", "mount", "java", "keytool", "ssh-keygen"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} not found on PATH")
    try:
        systemctl_replacement()
    except SandboxError as exc:
        problems.append(str(exc))
    if kafka_archive is not None and not kafka_archive.is_file():
        problems.append(f"Kafka archive {kafka_archive} not found")
    if kafka_archive is None and not emulator_installer.is_file():
        problems.append(f"emulator installer {emulator_installer} not found")
    if problems:
        raise SandboxError("preconditions not met:\n  - " + "\n  - ".join(problems))


# --------------------------------------------------------------------------- small helpers


def write_if_changed(path: Path, content: str, mode: int = 0o644) -> bool:
    if path.is_file() and path.read_text() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.chmod(mode)
    return True


def tcp_open(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def zookeeper_serving(address: str) -> bool:
    """True once the server answers ``srvr`` with a serving mode (standalone, leader or follower)."""
    try:
        with socket.create_connection((address, ZOOKEEPER_CLIENT_PORT), timeout=1.0) as sock:
            sock.sendall(b"srvr")
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
    except OSError:
        return False
    return b"Mode: " in reply


def ssh_keygen(path: Path, comment: str) -> None:
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )


# Sandboxes on other nets (SANDBOX_NET) may be up at once, and their hosts bind over the same machine
# paths. Removing such a path detaches it in every mount namespace, so the paths a sandbox created belong
# to all live sandboxes: the last one down removes them. Kept in /run, under a lock.
REGISTRY_DIR = Path("/run/zk2kraft-sandbox")


@contextlib.contextmanager
def machine_registry() -> Iterator[dict[str, Any]]:
    """The registry of live sandboxes and created mount points, locked; saved when the block ends."""
    REGISTRY_DIR.mkdir(mode=0o700, exist_ok=True)
    with open(REGISTRY_DIR / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = REGISTRY_DIR / "registry.json"
        registry = json.loads(path.read_text()) if path.is_file() else {"live": [], "mountpoints": []}
        # A sandbox whose state is gone (removed by hand, a lost tree) no longer holds anything.
        registry["live"] = [d for d in registry["live"] if (Path(d) / "state.json").is_file() or d == str(STATE_DIR)]
        yield registry
        if registry["live"] or registry["mountpoints"]:
            REGISTRY_DIR.mkdir(mode=0o700, exist_ok=True)  # another process may have just removed it
            path.write_text(json.dumps(registry, indent=2) + "\n")
        else:  # nothing left: leave nothing behind
            shutil.rmtree(REGISTRY_DIR, ignore_errors=True)


def register_sandbox() -> None:
    with machine_registry() as registry:
        if str(STATE_DIR) not in registry["live"]:
            registry["live"].append(str(STATE_DIR))


def ensure_mountpoint(path: str, state: State) -> None:
    """Bind targets must exist; create missing ones (empty) and remember them for the last ``down``."""
    with machine_registry() as registry:
        if os.path.lexists(path):
            return
        os.makedirs(path)
        registry["mountpoints"].append(path)


def release_mountpoints(state: State | None) -> None:
    """Leave the registry; the last sandbox out removes the mount points (only if still empty)."""
    with machine_registry() as registry:
        registry["live"] = [d for d in registry["live"] if d != str(STATE_DIR)]
        if registry["live"]:
            return
        for path in reversed(registry["mountpoints"] + (state.created_mountpoints if state else [])):
            try:
                os.rmdir(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("left %s in place: %s", path, exc)
        registry["mountpoints"] = []


def terminate(pids: list[int], timeout: float, what: str) -> None:
    """SIGTERM the given processes, poll until gone, SIGKILL what is left."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        wait_until(lambda: not any(pid_alive(p) for p in pids), timeout, what)
    except SandboxError:
        for pid in pids:
            if pid_alive(pid):
                log.warning("%s: pid %d ignored SIGTERM, killing it", what, pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        wait_until(lambda: not any(pid_alive(p) for p in pids), 10.0, f"{what} (after SIGKILL)")


# --------------------------------------------------------------------------- hosts


def sshd_config(host: Host) -> str:
    hd = host_dir(host.name)
    return "\n".join(
        [
            f"# sshd of sandbox host {host.name}",
            f"ListenAddress {host.address}:22",
            f"HostKey {hd / 'ssh_host_ed25519_key'}",
            # The sandbox records the PID as the machine sees it (inside, sshd is PID 1).
            "PidFile none",
            "UsePAM no",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            f"AuthorizedKeysFile {AUTHORIZED_KEYS}",
            # The repository checkout may sit below group-writable directories.
            "StrictModes no",
            "Subsystem sftp internal-sftp",
            # Ansible pipelines many sessions over one connection.
            "MaxSessions 50",
            "MaxStartups 100:30:200",
            "UseDNS no",
            "PrintMotd no",
            "AcceptEnv LANG LC_*",
            "",
        ]
    )


def prepare_host(host: Host, state: State) -> None:
    hd = host_dir(host.name)
    for source, _dummy in HOST_BINDS:
        (hd / source).mkdir(parents=True, exist_ok=True)
    for sub in HOST_SUBDIRS:
        (hd / sub).mkdir(parents=True, exist_ok=True)
    # sshd insists on a root-owned, not group/world-writable privilege separation dir.
    (hd / "run" / "sshd").chmod(0o755)
    ssh_keygen(hd / "ssh_host_ed25519_key", f"root@{host.name}")
    write_if_changed(hd / "sshd_config", sshd_config(host), 0o600)
    for _dummy, target in HOST_BINDS:
        if target != "/var/log/kafka":  # lives inside the host's own /var/log
            ensure_mountpoint(target, state)


def host_binds(host: Host) -> list[tuple[str, str]]:
    hd = host_dir(host.name)
    binds = [(str(hd / source), target) for source, target in HOST_BINDS]
    binds.append((str(systemctl_replacement()), "/usr/bin/systemctl"))
    journalctl = journalctl_replacement()
    if journalctl is not None and os.path.isfile("/usr/bin/journalctl"):
        binds.append((str(journalctl), "/usr/bin/journalctl"))
    return binds


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def lines_since(path: Path, offset: int) -> list[str]:
    """The lines a log gained after it was ``offset`` bytes long (both logs are appended to)."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace").strip().splitlines()
    except OSError:
        return []


def namespace_init(launcher: int) -> int | None:
    """The host's PID 1 (our sshd) as the machine sees it: the child ``unshare --fork`` made."""
    try:
        children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def start_sshd(host: Host) -> bool:
    """Start the host's sshd in new mount and PID namespaces unless it already runs; True if started.

    Each host sees only its own processes, so Kafka's own ``kafka-server-stop.sh`` (which signals
    every Kafka JVM it can see) behaves per host, as on separate machines.
    """
    if sshd_pid(host.name) is not None:
        return False
    if tcp_open(host.address, 22):
        raise SandboxError(f"{host.address}:22 is already taken by a process that is not the sandbox's {host.name}")
    hd = host_dir(host.name)
    sshd_pid_file(host.name).unlink(missing_ok=True)
    argv = ["unshare", "--mount", "--pid", "--fork", "--mount-proc", "--kill-child", "--propagation", "private",
            "--", "sh", "-c", SSHD_LAUNCH_SCRIPT, "sh"]
    argv += [str(hd / "sshd_config"), str(hd / "sshd.log")]
    for source, target in host_binds(host):
        argv += [source, target]
    log_sizes = {name: file_size(hd / name) for name in ("launch.log", "sshd.log")}
    with open(hd / "launch.log", "ab") as launch_log:
        launcher = subprocess.Popen(argv, env=HOST_ENV, cwd="/", stdin=subprocess.DEVNULL, stdout=launch_log,
                                    stderr=launch_log, start_new_session=True)

    def sshd_running() -> int | None:
        if launcher.poll() is not None:
            # The launcher's own errors (a failed bind mount) and sshd's (-E), whichever said something.
            detail = [line for name in ("launch.log", "sshd.log")
                      for line in lines_since(hd / name, log_sizes[name])[-3:]]
            raise SandboxError(f"{host.name}: starting sshd failed ({launcher.returncode}): "
                               f"{' / '.join(detail) or 'no message in launch.log or sshd.log'}")
        pid = namespace_init(launcher.pid)
        if pid is not None and str(hd / "sshd_config") in " ".join(cmdline(pid)):
            return pid
        return None

    pid = wait_until(sshd_running, 10.0, f"{host.name} sshd started")
    sshd_pid_file(host.name).write_text(f"{pid}\n")
    wait_until(lambda: tcp_open(host.address, 22), 10.0, f"{host.name} sshd listening on {host.address}:22")
    # Remember the namespace: a service may outlive a crashed sshd, and down must still find it.
    namespace = mount_namespace(pid)
    if namespace is not None:
        with open(namespaces_file(host.name), "a") as f:
            f.write(namespace + "\n")
    return True


def sees_host_files(pid: int, name: str) -> bool:
    """True if the process's /run is this host's bind-mounted run dir (same device and inode).

    A mount namespace id names a live namespace only: the kernel hands a freed id to the next new
    namespace, which may be another sandbox's host starting meanwhile.
    """
    source, target = HOST_BINDS[0]
    try:
        theirs = os.stat(f"/proc/{pid}/root{target}")
        ours = os.stat(host_dir(name) / source)
    except OSError:
        return False
    return (theirs.st_dev, theirs.st_ino) == (ours.st_dev, ours.st_ino)


def namespaces_file(name: str) -> Path:
    return host_dir(name) / "mount-namespaces"


def recorded_namespaces(name: str) -> set[str]:
    try:
        return {line for line in namespaces_file(name).read_text().splitlines() if line}
    except OSError:
        return set()


def known_hosts_line(host: Host) -> str:
    key = (host_dir(host.name) / "ssh_host_ed25519_key.pub").read_text().split()
    return f"{host.address} {key[0]} {key[1]}"


# --------------------------------------------------------------------------- ZooKeeper


def zoo_cfg(host: Host, topology: Topology, zk_sasl: bool = False) -> str:
    zd = zookeeper_dir(host.name)
    lines = [
        f"# ZooKeeper of sandbox host {host.name}",
        "tickTime=2000",
        "initLimit=10",
        "syncLimit=5",
        f"dataDir={zd / 'data'}",
        f"clientPort={ZOOKEEPER_CLIENT_PORT}",
        f"clientPortAddress={host.address}",
        "maxClientCnxns=0",
        "admin.enableServer=false",
        "4lw.commands.whitelist=srvr,ruok,stat,mntr",
    ]
    if zk_sasl:
        # SASL logins (the server JAAS section below), and no session without one (ZooKeeper 3.7+'s
        # enforce.auth; requireClientAuthScheme is the older spelling operators still write).
        lines += [
            "authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
            "requireClientAuthScheme=sasl",
            "enforce.auth.enabled=true",
            "enforce.auth.schemes=sasl",
        ]
    if len(topology.zookeepers) > 1:
        for zk in topology.zookeepers:
            lines.append(f"server.{zk.node_id}={zk.address}:2888:3888")
    return "\n".join(lines) + "\n"


def zookeeper_server_jaas() -> str:
    return ("Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
            f'  user_{ZK_SASL_USER}="{ZK_SASL_PASSWORD}";\n}};\n')


def zookeeper_client_jaas() -> str:
    """The brokers' JAAS Client section: what Kafka's ZooKeeper client logs in with."""
    return ("Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
            f'  username="{ZK_SASL_USER}"\n  password="{ZK_SASL_PASSWORD}";\n}};\n')


def zookeeper_pid(host: Host) -> int | None:
    pid = read_pid(zookeeper_pid_file(host.name))
    if pid is None or not pid_alive(pid):
        return None
    if str(zookeeper_dir(host.name) / "zoo.cfg") not in cmdline(pid):
        return None
    return pid


def start_zookeeper(host: Host, topology: Topology, zk_sasl: bool = False) -> bool:
    if zookeeper_pid(host) is not None:
        return False
    if tcp_open(host.address, ZOOKEEPER_CLIENT_PORT):
        raise SandboxError(f"{host.address}:{ZOOKEEPER_CLIENT_PORT} is already taken by another process")
    zd = zookeeper_dir(host.name)
    (zd / "data").mkdir(parents=True, exist_ok=True)
    ensemble = len(topology.zookeepers) > 1
    if ensemble:
        write_if_changed(zd / "data" / "myid", f"{host.node_id}\n")
    write_if_changed(zd / "zoo.cfg", zoo_cfg(host, topology, zk_sasl))
    jaas = zd / "jaas.conf"
    if zk_sasl:
        write_if_changed(jaas, zookeeper_server_jaas(), 0o600)
    main = (
        "org.apache.zookeeper.server.quorum.QuorumPeerMain"
        if ensemble
        else "org.apache.zookeeper.server.ZooKeeperServerMain"
    )
    argv = [
        shutil.which("java") or "java",
        "-Xmx256m",
        "-XX:+UseSerialGC",
        f"-Dzookeeper.log.dir={zd}",
        *([f"-Djava.security.auth.login.config={jaas}"] if zk_sasl else []),
        "-Dzookeeper.root.logger=INFO,ROLLINGFILE",
        "-cp",
        f"{ZOOKEEPER_CONF_DIR}:{ZOOKEEPER_JAR}",
        main,
        str(zd / "zoo.cfg"),
    ]
    with open(zd / "console.log", "ab") as console:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            cwd=zd,
            env=HOST_ENV,
            start_new_session=True,  # detached: survives this command, not tied to its terminal
        )
    zookeeper_pid_file(host.name).write_text(f"{process.pid}\n")
    return True


def wait_zookeeper(topology: Topology) -> None:
    for zk in topology.zookeepers:
        def serving(zk: Host = zk) -> bool:
            # Only a dead process means it exited: right after the fork, /proc may not show the
            # java command line yet, which zookeeper_pid() would take for "not ours".
            pid = read_pid(zookeeper_pid_file(zk.name))
            if pid is None or not pid_alive(pid):
                raise SandboxError(
                    f"ZooKeeper on {zk.name} exited; see {zookeeper_dir(zk.name) / 'zookeeper.log'}"
                )
            return zookeeper_serving(zk.address)

        wait_until(serving, 60.0, f"ZooKeeper on {zk.name} ({zk.address}:{ZOOKEEPER_CLIENT_PORT})", 0.2)


def kazoo_client(topology: Topology, zk_sasl: bool = False) -> KazooClient:
    # Connection retries are this tool's business; kazoo's own warnings would only be noise.
    logging.getLogger("kazoo").setLevel(logging.ERROR)
    auth = ({"sasl_options": {"mechanism": "DIGEST-MD5", "username": ZK_SASL_USER, "password": ZK_SASL_PASSWORD}}
            if zk_sasl else {})
    client = KazooClient(hosts=topology.zookeeper_hosts, timeout=5.0, **auth)
    client.start(timeout=15.0)
    return client


def preset_cluster_id(topology: Topology, zk_sasl: bool) -> None:
    """SANDBOX_CLUSTER_ID: the id the brokers will find in /cluster/id (Kafka keeps an existing one).

    ZooKeeper-mode Kafka draws a new cluster's id from any UUID, so 1 in 64 starts with '-'; this pins such a
    cluster on purpose. Only a fresh cluster gets it: an id already there is the cluster's and stays.
    """
    wanted = os.environ.get("SANDBOX_CLUSTER_ID", "").strip()
    if not wanted:
        return
    client = kazoo_client(topology, zk_sasl)
    try:
        path = f"{ZOOKEEPER_CHROOT}/cluster/id"
        if client.exists(path) is None:
            client.create(path, json.dumps({"version": "1", "id": wanted}).encode(), makepath=True)
    finally:
        client.stop()
        client.close()


# --------------------------------------------------------------------------- Kafka hosts


def install_kafka(host: Host, kafka_archive: Path | None, emulator_installer: Path) -> None:
    dest = host_dir(host.name) / "opt-kafka"
    if kafka_archive is None:
        subprocess.run(
            [venv_python(), str(emulator_installer), str(dest), "--python", venv_python()],
            check=True,
            capture_output=True,
            text=True,
        )
        return
    if (dest / "bin" / "kafka-server-start.sh").is_file():
        return
    with tarfile.open(kafka_archive) as archive:
        members = []
        for member in archive.getmembers():
            # Strip the archive's top directory (kafka_2.13-3.9.0/...).
            parts = Path(member.name).parts
            if len(parts) < 2:
                continue
            member.name = str(Path(*parts[1:]))
            members.append(member)
        archive.extractall(dest, members=members, filter="data")


def inter_broker_protocol(kafka_version: str) -> str:
    """The IBP (= metadata.version) a sandbox cluster of this release pins; 3.7 needs IV2 for JBOD.

    SANDBOX_IBP pins an older one (e.g. 3.8 on 3.9 software: a cluster midway through an upgrade).
    """
    if os.environ.get("SANDBOX_IBP"):
        return os.environ["SANDBOX_IBP"]
    major_minor = ".".join(kafka_version.split(".")[:2])
    return "3.7-IV2" if major_minor == "3.7" else major_minor


def jbod(host: Host, kafka_version: str) -> bool:
    """On 3.7 the first broker runs two log dirs (JBOD), the case 3.7-IV2 exists for."""
    return kafka_version.startswith("3.7.") and host.node_id == 1


def kafka_version_of(state: State) -> str:
    return state.kafka_version if state.kafka == "real" else EMULATED_KAFKA_VERSION


def broker_properties(host: Host, topology: Topology, kafka_version: str = EMULATED_KAFKA_VERSION,
                      zk_sasl: bool = False) -> str:
    internal, external = host.listeners
    log_dirs = "/var/lib/kafka/data,/var/lib/kafka/data2" if jbod(host, kafka_version) else "/var/lib/kafka/data"
    # With SASL to ZooKeeper (the JAAS Client section in KAFKA_OPTS), znodes are the brokers' user's only.
    zk_acl = "zookeeper.set.acl=true\n" if zk_sasl else ""
    return f"""# Kafka broker configuration for {host.name}
# Managed by the platform team; ZooKeeper mode.

############################# Server Basics #############################

# The id of the broker. This must be set to a unique integer for each broker.
broker.id={host.node_id}
broker.rack={host.rack}

############################# Socket Server Settings #############################

listeners={internal},{external}
advertised.listeners={internal},{external}
listener.security.protocol.map=INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL
inter.broker.listener.name=INTERNAL

sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.internal.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    username="admin" \\
    password="admin-secret" \\
    user_admin="admin-secret" \\
    user_controller="controller-secret";
listener.name.external.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    user_admin="admin-secret" \\
    user_orders-service="orders-secret" \\
    user_payments-service="payments-secret";

ssl.keystore.type=PKCS12
ssl.keystore.location={tls.NODE_KEYSTORE}
ssl.keystore.password={tls.KEYSTORE_PASSWORD}
ssl.key.password={tls.KEYSTORE_PASSWORD}
ssl.truststore.type=PKCS12
ssl.truststore.location={tls.TRUSTSTORE}
ssl.truststore.password={tls.TRUSTSTORE_PASSWORD}
ssl.endpoint.identification.algorithm=https

num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600

############################# Authorization #############################

authorizer.class.name=kafka.security.authorizer.AclAuthorizer
super.users=User:admin;User:controller
allow.everyone.if.no.acl.found=false

############################# Log Basics #############################

log.dirs={log_dirs}
num.partitions=3
default.replication.factor=3
min.insync.replicas=2
num.recovery.threads.per.data.dir=1
auto.create.topics.enable=false

############################# Internal Topic Settings #############################

offsets.topic.replication.factor=3
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2

############################# Log Retention Policy #############################

log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000

############################# Zookeeper #############################

zookeeper.connect={topology.zookeeper_connect}
zookeeper.connection.timeout.ms=18000
zookeeper.session.timeout.ms=18000
{zk_acl}
############################# Versions #############################

# Pinned during rolling upgrades; bumped after every broker runs the new release.
inter.broker.protocol.version={inter_broker_protocol(kafka_version)}

############################# Group Coordinator Settings #############################

group.initial.rebalance.delay.ms=3000
"""


def kafka_unit(host: Host, with_jolokia: bool, heap_opts: str = "-Xmx1G -Xms1G",
               layout: Layout = LAYOUTS["packaged"], zk_sasl: bool = False, jolokia_auth: bool = False,
               jolokia_tls: bool = False, jolokia_mtls: bool = False) -> str:
    lines = [
        "[Unit]",
        "Description=Apache Kafka",
        "Documentation=https://kafka.apache.org/documentation/",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        f"Environment=LOG_DIR={layout.log_dir}",
    ]
    opts = []
    if with_jolokia:
        opts.append(f"-javaagent:/opt/jolokia/jolokia-jvm-agent.jar=port={JOLOKIA_PORT},host={host.address}"
                    + (JOLOKIA_AUTH_OPTIONS if jolokia_auth else "") + jolokia_tls_options(jolokia_tls, jolokia_mtls))
    if zk_sasl:
        opts.append(f"-Djava.security.auth.login.config={BROKER_ZK_JAAS}")
    if opts:
        lines.append(f'Environment="KAFKA_OPTS={" ".join(opts)}"')
    lines += [
        f'Environment="KAFKA_HEAP_OPTS={heap_opts}"',
        f"ExecStart=/opt/kafka/bin/kafka-server-start.sh {layout.config}",
        "ExecStop=/opt/kafka/bin/kafka-server-stop.sh",
        "SuccessExitStatus=143",
        "TimeoutStopSec=180",
        "LimitNOFILE=100000",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ]
    return "\n".join(lines)


def jolokia_tls_options(jolokia_tls: bool, jolokia_mtls: bool) -> str:
    """The agent options of --jolokia tls or mtls (none for the others)."""
    return JOLOKIA_MTLS_OPTIONS if jolokia_mtls else JOLOKIA_TLS_OPTIONS if jolokia_tls else ""


def admin_client_properties() -> str:
    """The seed tools' client settings for the brokers' INTERNAL (SASL_SSL, PLAIN) listener."""
    return "\n".join([
        "security.protocol=SASL_SSL",
        "sasl.mechanism=PLAIN",
        'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required '
        'username="admin" password="admin-secret";',
        "ssl.truststore.type=PKCS12",
        f"ssl.truststore.location={tls.TRUSTSTORE}",
        f"ssl.truststore.password={tls.TRUSTSTORE_PASSWORD}",
        "",
    ])


def host_path(host: Host, path: str) -> Path:
    """Where a path of the host (under one of its bound directories) lives on the machine."""
    for source, target in sorted(HOST_BINDS, key=lambda bind: -len(bind[1])):
        if path == target or path.startswith(target + "/"):
            return host_dir(host.name) / source / path[len(target):].lstrip("/")
    raise SandboxError(f"{path} is not inside a directory of its own on {host.name}")


def configure_broker(host: Host, topology: Topology, state: State) -> None:
    """Write the broker's config and unit once; later runs keep what the collection changed."""
    hd = host_dir(host.name)
    version = kafka_version_of(state)
    layout = LAYOUTS[state.layout]
    (hd / "var-lib-kafka" / "data").mkdir(parents=True, exist_ok=True)
    if jbod(host, version):
        (hd / "var-lib-kafka" / "data2").mkdir(parents=True, exist_ok=True)
    config = host_path(host, layout.config)
    config.parent.mkdir(parents=True, exist_ok=True)
    host_path(host, layout.log_dir).mkdir(parents=True, exist_ok=True)
    if not config.exists():
        write_if_changed(config, broker_properties(host, topology, version, state.zk_sasl), 0o640)
    if state.zk_sasl:
        write_if_changed(host_path(host, BROKER_ZK_JAAS), zookeeper_client_jaas(), 0o600)
    write_if_changed(hd / "etc-kafka" / "sandbox-admin.properties", admin_client_properties(), 0o600)
    unit = hd / "etc-systemd-system" / f"{layout.unit}.service"
    if not unit.exists():
        heap = REAL_HEAP_OPTS if state.kafka == "real" else "-Xmx1G -Xms1G"
        unit_text = kafka_unit(host, state.jolokia, heap, layout, state.zk_sasl, state.jolokia_auth, state.jolokia_tls,
                               state.jolokia_mtls)
        write_if_changed(unit, unit_text)


def start_broker(host: Host) -> bool:
    unit = current_layout().unit
    if service_state(host.name) == "active":
        return False
    exec_on_host(host.name, ["systemctl", "daemon-reload"])
    exec_on_host(host.name, ["systemctl", "enable", unit])
    exec_on_host(host.name, ["systemctl", "start", unit])
    return True


def registered_broker_ids(client: KazooClient) -> set[int]:
    try:
        return {int(child) for child in client.get_children(f"{ZOOKEEPER_CHROOT}/brokers/ids")}
    except NoNodeError:
        return set()


def controller_znode(client: KazooClient) -> str | None:
    try:
        data, dummy = client.get(f"{ZOOKEEPER_CHROOT}/controller")
    except NoNodeError:
        return None
    return data.decode()


def wait_brokers(topology: Topology, timeout: float, zk_sasl: bool = False) -> None:
    expected = {b.node_id for b in topology.brokers if b.node_id is not None}
    client = kazoo_client(topology, zk_sasl)
    try:
        def registered() -> bool:
            for broker in topology.brokers:
                if service_state(broker.name) not in ("active", "activating"):
                    logfile = host_path(broker, current_layout().log_dir + "/server.log")
                    raise SandboxError(f"kafka on {broker.name} is not running; see {logfile}")
            return expected <= registered_broker_ids(client) and controller_znode(client) is not None

        wait_until(registered, timeout, f"brokers {sorted(expected)} registered and a controller elected", 0.25)
    finally:
        client.stop()
        client.close()


def kafka_tool(broker: Host, tool: str, args: list[str]) -> str:
    bootstrap = f"{broker.address}:{BROKER_INTERNAL_PORT}"
    result = exec_on_host(
        broker.name,
        [f"/opt/kafka/bin/{tool}", "--bootstrap-server", bootstrap, "--command-config", ADMIN_CLIENT_CONFIG, *args],
        timeout=KAFKA_TOOL_TIMEOUT,
    )
    return result.stdout


SEED_TOPICS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("orders", 6, ("retention.ms=604800000", "cleanup.policy=delete")),
    ("payments", 3, ("min.insync.replicas=2",)),
    ("audit-log", 3, ("cleanup.policy=compact",)),
)
SEED_ACLS: tuple[tuple[str, ...], ...] = (
    ("--allow-principal", "User:orders-service", "--operation", "Read", "--operation", "Write",
     "--operation", "Describe", "--topic", "orders"),
    ("--allow-principal", "User:orders-service", "--operation", "Read", "--group", "orders-processor"),
    ("--allow-principal", "User:payments-service", "--operation", "Write", "--operation", "Describe",
     "--topic", "payments"),
    ("--allow-principal", "User:payments-service", "--operation", "Read", "--topic", "orders"),
)


def seed(topology: Topology, state: State) -> None:
    if state.seeded:
        return
    broker = topology.brokers[0]
    calls = []
    for name, partitions, configs in SEED_TOPICS:
        args = ["--create", "--if-not-exists", "--topic", name, "--partitions", str(partitions),
                "--replication-factor", "3"]
        for config in configs:
            args += ["--config", config]
        calls.append(("kafka-topics.sh", args))
    calls += [("kafka-acls.sh", ["--add", "--force", *acl]) for acl in SEED_ACLS]
    # Independent calls, each a JVM that mostly waits on its start and the broker: side by side.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda call: kafka_tool(broker, *call), calls))
    wait_until(
        lambda: kafka_tool(broker, "kafka-topics.sh", ["--describe", "--under-replicated-partitions"]).strip() == "",
        60.0,
        "no under-replicated partitions",
        0.5,
    )
    state.seeded = True
    state.save()


def check_jolokia_mtls(broker: Host) -> None:
    """--jolokia mtls really requires the client certificate: the broker's agent refuses a client without one
    and answers one with it (else the collection's reads would pass whether or not it sends the certificate)."""
    pki = STATE_DIR / "pki"
    url = f"https://{broker.address}:{JOLOKIA_PORT}/jolokia/version"

    def status(context: ssl.SSLContext) -> int:
        try:
            with urllib.request.urlopen(url, timeout=10, context=context) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    anonymous = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    with_cert = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    with_cert.load_cert_chain(str(pki / f"{tls.JOLOKIA_CLIENT}.pem"), str(pki / f"{tls.JOLOKIA_CLIENT}.key"))
    try:
        refused, answered = status(anonymous), status(with_cert)
    except (OSError, ssl.SSLError) as exc:
        raise SandboxError(f"Jolokia on {broker.name} ({url}) is not reachable over HTTPS: {exc}") from exc
    if refused not in (401, 403) or answered != 200:
        raise SandboxError(f"Jolokia on {broker.name} ({url}) answered {refused} without a client certificate and "
                           f"{answered} with one (wanted 401/403 and 200): check JOLOKIA_MTLS_OPTIONS")


# --------------------------------------------------------------------------- inventory


def render_template(value: Any, fields: dict[str, Any]) -> Any:
    """Fill ``{field}`` references; a string that is exactly one reference keeps the field's type."""
    if isinstance(value, str):
        for key, field_value in fields.items():
            if value == "{" + key + "}":
                return field_value
        return value.format(**fields)
    if isinstance(value, list):
        return [render_template(item, fields) for item in value]
    if isinstance(value, dict):
        return {key: render_template(item, fields) for key, item in value.items()}
    return value


def inventory(topology: Topology, state: State | None = None, kafka_archive: Path | None = None) -> dict[str, Any]:
    state = state or State(topology=topology.name)
    template = yaml.safe_load(INVENTORY_VARS_TEMPLATE.read_text())
    version = kafka_version_of(state)
    cluster_fields: dict[str, Any] = {
        "zookeeper_connect": topology.zookeeper_connect,
        "zookeeper_hosts": topology.zookeeper_hosts,
        "kafka_version": version,
        "metadata_version": inter_broker_protocol(version),
        "kafka_archive": str(kafka_archive or ""),
        "heap_opts": REAL_HEAP_OPTS if state.kafka == "real" else "-Xmx1G -Xms1G",
    }
    if kafka_archive is None:
        template["cluster"].pop("zk2kraft_kafka_archive", None)
    layout = LAYOUTS[state.layout]
    if layout != LAYOUTS["packaged"]:
        template["cluster"].update({"zk2kraft_config_file": layout.config, "zk2kraft_log_dir": layout.log_dir,
                                    "zk2kraft_service_name": layout.unit, "zk2kraft_kafka_home": "/opt/kafka"})
    if state.zk_sasl:
        # The collection's own ZooKeeper login (also the controllers' JAAS Client section).
        template["cluster"]["zk2kraft_zookeeper_client"] = {
            "zookeeper_auth": "sasl_digest", "zookeeper_username": ZK_SASL_USER, "zookeeper_password": ZK_SASL_PASSWORD}
    if state.jolokia and state.jolokia_auth:
        template["kafka_controllers"]["zk2kraft_kafka_opts"] += JOLOKIA_AUTH_OPTIONS
        template["cluster"]["zk2kraft_kafka_client"].update(jolokia_user=JOLOKIA_USER, jolokia_password=JOLOKIA_PASSWORD)
    if state.jolokia and state.jolokia_tls:
        template["kafka_controllers"]["zk2kraft_kafka_opts"] += jolokia_tls_options(True, state.jolokia_mtls)
        template["cluster"]["zk2kraft_kafka_client"].update(jolokia_tls=True, jolokia_ca_file=tls.CA_PEM)
    if state.jolokia and state.jolokia_mtls:
        template["cluster"]["zk2kraft_kafka_client"].update(jolokia_client_cert=tls.JOLOKIA_CLIENT_CERT,
                                                            jolokia_client_key=tls.JOLOKIA_CLIENT_KEY)
    if not state.jolokia:
        template["cluster"].pop("zk2kraft_jolokia_port", None)
        template["kafka_controllers"].pop("zk2kraft_kafka_opts", None)
    ssh_args = f"-o UserKnownHostsFile={KNOWN_HOSTS} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes"

    def host_vars(host: Host, group: str) -> dict[str, Any]:
        fields = dict(cluster_fields, name=host.name, address=host.address, node_id=host.node_id, rack=host.rack)
        entry: dict[str, Any] = {
            "ansible_host": host.address,
            "ansible_user": "root",
            "ansible_ssh_private_key_file": str(CLIENT_KEY),
            "ansible_ssh_common_args": ssh_args,
            "ansible_python_interpreter": "/usr/bin/python3",
        }
        entry.update(render_template(template.get(group) or {}, fields))
        return entry

    groups = {
        "zookeeper": topology.zookeepers,
        "kafka_controllers": topology.controllers,
        "kafka_brokers": topology.brokers,
    }
    rendered = {
        group: {"hosts": {h.name: host_vars(h, group) for h in hosts}} for group, hosts in groups.items()
    }
    cluster_vars = render_template(template.get("cluster") or {}, cluster_fields)
    if os.environ.get("SANDBOX_STATE_DIR"):
        # A lane (its own state dir) keeps its reports beside its state, apart from other lanes'.
        cluster_vars["zk2kraft_report_dir"] = str(STATE_DIR / "reports")
    return {
        "all": {
            "vars": cluster_vars,
            "hosts": {
                # ZooKeeper modules run on the Ansible controller, with the venv's kazoo.
                "localhost": {"ansible_connection": "local", "ansible_python_interpreter": venv_python()},
            },
            "children": {
                "zookeeper": rendered["zookeeper"],
                "kafka": {
                    "children": {
                        "kafka_controllers": rendered["kafka_controllers"],
                        "kafka_brokers": rendered["kafka_brokers"],
                    }
                },
            },
        }
    }


def script_inventory(tree: dict[str, Any]) -> dict[str, Any]:
    """The same inventory in the JSON form inventory scripts print (for tests/sandbox/inventory.py)."""
    result: dict[str, Any] = {"_meta": {"hostvars": {}}}

    def walk(name: str, group: dict[str, Any]) -> None:
        entry: dict[str, Any] = {}
        hosts = group.get("hosts") or {}
        if hosts:
            entry["hosts"] = list(hosts)
            for host, hostvars in hosts.items():
                result["_meta"]["hostvars"].setdefault(host, {}).update(hostvars or {})
        if group.get("vars"):
            entry["vars"] = group["vars"]
        children = group.get("children") or {}
        if children:
            entry["children"] = list(children)
            for child, child_group in children.items():
                walk(child, child_group)
        result[name] = entry

    for name, group in tree.items():
        walk(name, group)
    return result


def write_inventory(topology: Topology, state: State, kafka_archive: Path | None) -> None:
    tree = inventory(topology, state, kafka_archive)
    header = "# Generated by tests/sandbox/sandbox.py up; rewritten on every up.\n"
    write_if_changed(INVENTORY_FILE, header + yaml.safe_dump(tree, sort_keys=False))
    write_if_changed(INVENTORY_JSON, json.dumps(script_inventory(tree), indent=1) + "\n")


# --------------------------------------------------------------------------- commands


def kafka_dist(version: str) -> tuple[Path, Path]:
    """The release-shaped archive of a real Kafka version and the Jolokia agent jar (built once, cached)."""
    try:
        return kafka_dist_builder.build(version), kafka_dist_builder.jolokia_path()
    except kafka_dist_builder.BuildError as exc:
        raise SandboxError(f"building Kafka {version} failed: {exc}") from exc


def up(topology_name: str, kafka: str, kafka_version: str, kafka_archive: Path | None,
       emulator_installer: Path, jolokia: bool, jolokia_agent: Path | None = None, layout: str = "packaged",
       zk_sasl: bool = False, jolokia_auth: bool = False, jolokia_tls: bool = False,
       jolokia_mtls: bool = False) -> None:
    started = time.monotonic()
    if kafka_archive is not None:
        kafka = "real"
    if kafka == "real" and kafka_archive is None:
        kafka_archive, built_agent = kafka_dist(kafka_version)
        jolokia_agent = jolokia_agent or built_agent
    if kafka == "real" and jolokia and jolokia_agent is None:
        raise SandboxError("real Kafka with Jolokia needs --jolokia-agent (or leave --kafka-archive out)")
    if jolokia_tls and kafka != "real":
        raise SandboxError("--jolokia tls needs --kafka real: the emulator's Jolokia lookalike serves plain HTTP only")
    if jolokia_mtls and kafka != "real":
        raise SandboxError("--jolokia mtls needs --kafka real: the emulator's Jolokia lookalike serves plain HTTP only, "
                           "so it cannot ask for a client certificate")
    # mtls is HTTPS with client certificates: the tls settings plus one.
    jolokia_tls = jolokia_tls or jolokia_mtls
    check_preconditions(kafka_archive, emulator_installer)
    net = os.environ.get("SANDBOX_NET") or DEFAULT_NET
    topology = build(topology_name, net)
    state = load_state()
    wanted = (topology_name, kafka, kafka_version if kafka == "real" else "", jolokia, layout, net, zk_sasl,
              jolokia and jolokia_auth, jolokia and jolokia_tls, jolokia and jolokia_mtls)
    if state is not None and (state.topology, state.kafka, state.kafka_version, state.jolokia, state.layout,
                              state.net, state.zk_sasl, state.jolokia_auth, state.jolokia_tls,
                              state.jolokia_mtls) != wanted:
        raise SandboxError(f"the sandbox is up with topology {state.topology!r}, kafka {state.kafka} "
                           f"{state.kafka_version}, jolokia {state.jolokia}, layout {state.layout}, "
                           f"net {state.net}, zk-sasl {state.zk_sasl}, jolokia auth {state.jolokia_auth}, "
                           f"jolokia tls {state.jolokia_tls}, jolokia mtls {state.jolokia_mtls}; run 'down' first")
    if state is None:
        state = State(topology=topology_name, kafka=kafka, kafka_version=wanted[2], jolokia=jolokia, layout=layout,
                      net=net, zk_sasl=zk_sasl, jolokia_auth=wanted[7], jolokia_tls=wanted[8], jolokia_mtls=wanted[9])
        state.save()
    register_sandbox()

    ssh_keygen(CLIENT_KEY, "zk2kraft-sandbox")
    write_if_changed(AUTHORIZED_KEYS, Path(str(CLIENT_KEY) + ".pub").read_text(), 0o600)

    started_hosts = []
    for host in topology.hosts:
        prepare_host(host, state)
        if start_sshd(host):
            started_hosts.append(host.name)
    write_if_changed(KNOWN_HOSTS, "".join(known_hosts_line(h) + "\n" for h in topology.hosts))

    started_zk = [zk.name for zk in topology.zookeepers if start_zookeeper(zk, topology, state.zk_sasl)]
    # Every Kafka host, controllers included, holds its certificates before anything runs there.
    kafka_hosts = [h for h in topology.hosts if h.is_kafka]
    tls.make_pki(STATE_DIR / "pki", [(h.name, h.address) for h in kafka_hosts], state.jolokia_mtls)
    for host in kafka_hosts:
        tls.install(STATE_DIR / "pki", host_dir(host.name) / "etc-kafka", host.name, state.jolokia_mtls)
    wait_zookeeper(topology)
    preset_cluster_id(topology, state.zk_sasl)

    for host in kafka_hosts:
        # Controllers get their Kafka from the collection (zk2kraft_kafka_archive); brokers run it already.
        if host.role == "broker" or kafka_archive is None:
            install_kafka(host, kafka_archive, emulator_installer)
        if jolokia_agent is not None and jolokia:
            shutil.copyfile(jolokia_agent, host_dir(host.name) / "opt-jolokia" / "jolokia-jvm-agent.jar")
    for broker in topology.brokers:
        configure_broker(broker, topology, state)
    # Hosts are independent machines: start them together, as a fleet would boot.
    with ThreadPoolExecutor(max_workers=len(topology.brokers)) as pool:
        started_flags = list(pool.map(start_broker, topology.brokers))
    started_brokers = [b.name for b, started_now in zip(topology.brokers, started_flags) if started_now]
    wait_brokers(topology, 180.0 if kafka == "real" else 60.0, state.zk_sasl)
    seed(topology, state)
    if state.jolokia and state.jolokia_mtls:
        check_jolokia_mtls(topology.brokers[0])
    write_inventory(topology, state, kafka_archive)

    elapsed = time.monotonic() - started
    flavour = f"Apache Kafka {state.kafka_version}" if kafka == "real" else "the Kafka node emulator"
    shown_jolokia = ("mtls" if state.jolokia_mtls else "tls" if state.jolokia_tls else "auth" if state.jolokia_auth
                     else "on") if jolokia else "off"
    print(f"sandbox up (topology {topology.name}, {flavour}, jolokia {shown_jolokia}, "
          f"zk-sasl {'on' if zk_sasl else 'off'}, {layout} layout) in {elapsed:.1f}s")
    print(f"  hosts: {', '.join(f'{h.name}={h.address}' for h in topology.hosts)}")
    print(f"  started: sshd {started_hosts or 'none'}, zookeeper {started_zk or 'none'}, "
          f"kafka {started_brokers or 'none'}")
    print(f"  zookeeper.connect={topology.zookeeper_connect}")
    print(f"  inventory: {INVENTORY_FILE}")
    # A lane's state dir may lie outside the work tree.
    shown = INVENTORY_FILE.relative_to(REPO_DIR) if INVENTORY_FILE.is_relative_to(REPO_DIR) else INVENTORY_FILE
    print(f"  try: .venv/bin/ansible -i {shown} all -m ping")


def sandbox_pid_files() -> list[tuple[str, Path]]:
    """Every sshd/ZooKeeper pid file under the state dir, whatever state.json says."""
    found = []
    if HOSTS_DIR.is_dir():
        for hd in sorted(HOSTS_DIR.iterdir()):
            found.append((hd.name, hd / "sshd.pid"))
    return found


def down() -> None:
    started = time.monotonic()
    state = load_state()
    host_names = [name for name, dummy in sandbox_pid_files()]

    # 1. Stop Kafka cleanly where a unit exists, so nodes shut down as they would on a real host:
    #    brokers first, while the controllers can still acknowledge their controlled shutdown.
    unit_name = LAYOUTS[state.layout if state else "packaged"].unit

    def stop_kafka(name: str) -> None:
        unit = host_dir(name) / "etc-systemd-system" / f"{unit_name}.service"
        if unit.is_file() and sshd_pid(name) is not None:
            try:
                result = exec_on_host(name, ["systemctl", "stop", unit_name], check=False, timeout=DOWN_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                # A broker whose controllers are gone retries its controlled shutdown; the host's end stops it.
                log.info("%s: kafka still stopping after %.0fs; ending it with the host", name, DOWN_STOP_TIMEOUT)
                return
            if result.returncode != 0:
                log.warning("%s: systemctl stop kafka exited %d: %s", name, result.returncode, result.stderr.strip())

    controllers = {h.name for h in build(state.topology, state.net).controllers} if state else set()
    for group in ([n for n in host_names if n not in controllers], [n for n in host_names if n in controllers]):
        if group:
            with ThreadPoolExecutor(max_workers=len(group)) as pool:
                list(pool.map(stop_kafka, group))

    # 2. Everything else living in a host's mount namespace, then the sshd itself.
    own_namespace = mount_namespace(os.getpid())
    for name in host_names:
        pid = sshd_pid(name)
        namespaces = recorded_namespaces(name)
        if pid is not None:
            namespaces.add(mount_namespace(pid) or "")
        namespaces.discard("")
        namespaces.discard(own_namespace or "")  # never touch the machine's own processes
        # sshd is the PID 1 of the host's PID namespace: when it ends, the kernel ends every process
        # of the host, and the unshare that launched it returns.
        if pid is not None:
            terminate([pid], STOP_TIMEOUT, f"sshd of {name}")
        for namespace in namespaces:
            # A namespace's id is reused once it is gone: sweep only processes that see this host's files.
            others = [p for p in processes_in_namespace(namespace) if p != pid and sees_host_files(p, name)]
            if others:
                terminate(others, STOP_TIMEOUT, f"processes on {name}")

    # 3. Live traffic (a client process on the machine itself), by its recorded PID.
    traffic_pid = read_pid(STATE_DIR / "traffic" / "pid")
    if traffic_pid is not None and pid_alive(traffic_pid) and any("traffic.py" in a for a in cmdline(traffic_pid)):
        terminate([traffic_pid], STOP_TIMEOUT, "live traffic")

    # 4. ZooKeeper, by its recorded PID.
    for name in host_names:
        pid = read_pid(zookeeper_pid_file(name))
        if pid is not None and pid_alive(pid) and str(zookeeper_dir(name) / "zoo.cfg") in cmdline(pid):
            terminate([pid], STOP_TIMEOUT, f"ZooKeeper on {name}")

    # 5. Mount points created on the machine, only if still empty and no other sandbox is up.
    release_mountpoints(state)

    if STATE_DIR.exists():
        shutil.rmtree(STATE_DIR)
    print(f"sandbox down in {time.monotonic() - started:.1f}s")


def status() -> int:
    state = load_state()
    if state is None:
        print("sandbox: down")
        return 1
    topology = build(state.topology, state.net)
    print(f"sandbox: topology {topology.name} on {state.net}.N")
    healthy = True
    for host in topology.hosts:
        pid = sshd_pid(host.name)
        sshd_state = f"up (pid {pid})" if pid else "DOWN"
        line = f"  {host.name:<9} {host.address:<11} sshd {sshd_state}"
        healthy = healthy and pid is not None
        if host.is_kafka and pid is not None:
            unit = LAYOUTS[state.layout].unit
            if (host_dir(host.name) / "etc-systemd-system" / f"{unit}.service").is_file():
                line += f"  {unit}.service {service_state(host.name, unit)}"
            else:
                line += f"  {unit}.service not installed"
        if host in topology.zookeepers:
            zk_pid = zookeeper_pid(host)
            serving = zk_pid is not None and zookeeper_serving(host.address)
            healthy = healthy and serving
            zk_state = f"serving (pid {zk_pid})" if serving else "DOWN"
            line += f"  zookeeper {zk_state}"
        print(line)
    if not healthy:
        return 1
    client = kazoo_client(topology, state.zk_sasl)
    try:
        print(f"  {ZOOKEEPER_CHROOT}/brokers/ids: {sorted(registered_broker_ids(client))}")
        print(f"  {ZOOKEEPER_CHROOT}/controller: {controller_znode(client)}")
    finally:
        client.stop()
        client.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="create or complete the sandbox (idempotent)")
    up_parser.add_argument("--topology", choices=TOPOLOGY_NAMES,
                           default=os.environ.get("SANDBOX_TOPOLOGY") or "default")
    up_parser.add_argument("--kafka", choices=("real", "emulator"), default=os.environ.get("SANDBOX_KAFKA") or "emulator",
                           help="real Apache Kafka (built from Maven jars) or the Kafka node emulator")
    up_parser.add_argument("--kafka-version", default=os.environ.get("SANDBOX_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION,
                           help="the real Kafka release (3.9.2, 3.8.1, 3.7.2)")
    up_parser.add_argument("--jolokia", choices=("on", "off", "auth", "tls", "mtls"),
                           default=os.environ.get("SANDBOX_JOLOKIA") or "on",
                           help="run a Jolokia JVM agent on every Kafka node (auth: one that requires a user and "
                                "password; tls: the same over HTTPS; mtls: HTTPS that requires a client certificate "
                                "signed by the sandbox CA instead of a login; tls and mtls: real Kafka only)")
    up_parser.add_argument("--layout", choices=sorted(LAYOUTS), default=os.environ.get("SANDBOX_LAYOUT") or "packaged",
                           help="where config, logs and the unit live: packaged (/etc/kafka, /var/log/kafka, unit "
                                "kafka) or release (/opt/kafka/config, /opt/kafka/logs, unit apache-kafka)")
    up_parser.add_argument("--zk-sasl", choices=("on", "off"), default=os.environ.get("SANDBOX_ZK_SASL") or "off",
                           help="ZooKeeper requires SASL (DIGEST-MD5); brokers log in with a JAAS Client section "
                                "and set zookeeper.set.acl=true")
    up_parser.add_argument("--kafka-archive", type=Path, help="install this Apache Kafka 3.x .tgz (implies --kafka real)")
    up_parser.add_argument("--jolokia-agent", type=Path, help="Jolokia JVM agent jar to put in /opt/jolokia")
    # For working on an emulator outside the tree; the environment form reaches molecule's create step.
    up_parser.add_argument(
        "--emulator-installer",
        type=Path,
        default=Path(os.environ.get("SANDBOX_EMULATOR_INSTALLER") or EMULATOR_INSTALLER),
        help=argparse.SUPPRESS,
    )
    sub.add_parser("down", help="stop everything and remove the state (idempotent)")
    sub.add_parser("status", help="report hosts, services and ZooKeeper registrations")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="sandbox: %(message)s")
    try:
        if args.command == "up":
            up(args.topology, args.kafka, args.kafka_version, args.kafka_archive, args.emulator_installer.resolve(),
               args.jolokia != "off", args.jolokia_agent, args.layout, args.zk_sasl == "on",
               args.jolokia in ("auth", "tls"), args.jolokia == "tls", args.jolokia == "mtls")
            return 0
        if args.command == "down":
            down()
            return 0
        return status()
    except SandboxError as exc:
        print(f"sandbox {args.command} failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
