"""Injecting faults into the sandbox and checking how a run halts and how the re-run finishes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml
from lib import (  # noqa: E402
    exec_on_host,
    read_host_file,
    read_pid,
    require_state,
    service_state,
    wait_until,
    zookeeper_pid_file,
)
from playbook_runs import INVENTORY, REPO, REPORTS, ansible_env, playbook, run_playbook  # noqa: E402
from sandbox import controller_znode, kazoo_client  # noqa: E402

BROKERS = ("broker1", "broker2", "broker3")
CONTROLLERS = ("ctrl1", "ctrl2", "ctrl3")
SANDBOX = [str(REPO / ".venv" / "bin" / "python"), str(REPO / "tests" / "sandbox" / "sandbox.py")]


@dataclass
class Run:
    """A playbook run, possibly killed: its output, exit code, how long it took, the task it was in."""

    rc: int | None
    output: str
    seconds: float
    killed_in: str | None = None
    tasks: list = field(default_factory=list)
    ended: float = 0.0          # time.monotonic() when it ended

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def run_until(name: str, *extra: str, kill: Callable[[list, str], bool] | None = None,
              timeout: float = 1500, kill_when: Callable[[], bool] | None = None) -> Run:
    """Run a playbook; SIGKILL it (a lost terminal) when ``kill(tasks_so_far, line)`` says so.

    ``tasks_so_far`` lists the ``TASK [...]`` headers printed so far: a new header is a task
    boundary (every host finished the task before). ``kill_when()`` is asked every 0.1 s meanwhile,
    for a kill in the middle of a task (a module call under way on a host, which prints nothing).
    """
    started = time.monotonic()
    proc = subprocess.Popen(playbook(name, *extra), cwd=REPO, env=ansible_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen: list = []
    tasks: list = []
    killed_in = None
    watched: list = []

    def watch() -> None:
        while proc.poll() is None:
            if kill_when is not None and kill_when():
                watched.append(tasks[-1] if tasks else "(start)")
                os.killpg(proc.pid, signal.SIGKILL)
                return
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    if kill_when is not None:
        watcher.start()
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("TASK ["):
                tasks.append(line.split("[", 1)[1].rsplit("]", 1)[0])
            if kill is not None and killed_in is None and kill(tasks, line):
                os.killpg(proc.pid, signal.SIGKILL)
                killed_in = tasks[-1] if tasks else "(start)"
                break
            if time.monotonic() - started > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                raise AssertionError(f"{name} ran over {timeout}s:\n{''.join(seen[-60:])}")
    finally:
        proc.wait(timeout=120)
        if watcher.is_alive():
            watcher.join(timeout=30)
    killed_in = killed_in or (watched[0] if watched else None)
    ended = time.monotonic()
    return Run(None if killed_in else proc.returncode, "".join(seen), ended - started, killed_in, tasks, ended)


def kill_at_boundary(index: int) -> Callable[[list, str], bool]:
    """Kill when the ``index``-th task header (0-based) is printed: just after the task before it ended."""
    return lambda tasks, line: line.startswith("TASK [") and len(tasks) == index + 1


def kill_after(task_suffix: str, host: str, nth: int = 1) -> Callable[[list, str], bool]:
    """Kill right after ``host`` finished (changed/ok) the ``nth`` task whose name ends with ``task_suffix``."""
    def check(tasks: list, line: str) -> bool:
        if not tasks or not tasks[-1].endswith(task_suffix):
            return False
        if not (line.startswith(f"changed: [{host}]") or line.startswith(f"ok: [{host}]")):
            return False
        return sum(1 for t in tasks if t.endswith(task_suffix)) >= nth
    return check


def brokers_down() -> list:
    return [b for b in BROKERS if service_state(b) != "active" or kafka_pid(b) is None]


def kafka_pid(host: str) -> int | None:
    out = exec_on_host(host, ["systemctl", "show", "-p", "MainPID", "kafka"], check=False, timeout=30).stdout
    pid = out.strip().partition("=")[2]
    if not pid.isdigit() or pid == "0":
        return None
    alive = exec_on_host(host, ["kill", "-0", pid], check=False, timeout=30).returncode == 0
    return int(pid) if alive else None


def kill_kafka(host: str) -> None:
    """SIGKILL the host's Kafka process (a crash): its service manager does not restart it."""
    pid = kafka_pid(host)
    assert pid is not None, f"{host} runs no Kafka process"
    exec_on_host(host, ["kill", "-9", str(pid)])
    deadline = time.monotonic() + 30
    while kafka_pid(host) is not None:
        assert time.monotonic() < deadline, f"{host}'s Kafka process {pid} survived SIGKILL"
        time.sleep(0.2)


def start_kafka(host: str) -> None:
    exec_on_host(host, ["systemctl", "restart", "kafka"], timeout=120)


def stop_kafka(host: str) -> None:
    exec_on_host(host, ["systemctl", "stop", "kafka"], timeout=200)


def stop_zookeeper() -> int:
    pid = read_pid(zookeeper_pid_file("zk1"))
    assert pid is not None, "no ZooKeeper pid file"
    os.kill(pid, signal.SIGKILL)
    return pid


def start_zookeeper() -> None:
    # `up` completes a sandbox: it starts what is not running (ZooKeeper) and changes nothing else.
    done = subprocess.run(SANDBOX + ["up"], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def newest_report(kind: str = "migration") -> dict:
    reports = sorted(REPORTS.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(reports[-1].read_text())


def restarts(report: dict) -> dict:
    return {h: v.get("restarts", 0) for h, v in report["hosts"].items()}


def broker_states() -> dict:
    states = {}
    for broker in BROKERS:
        text = read_host_file(broker, "/etc/kafka/server.properties")
        states[broker] = ("kraft" if "process.roles=broker" in text else
                          "migrating" if "zookeeper.metadata.migration.enable=true" in text else "zk")
    return states


def to_zookeeper_mode() -> None:
    """Bring the cluster back to plain ZooKeeper mode (the start of every case)."""
    if set(broker_states().values()) == {"zk"} and all(service_state(c) != "active" for c in CONTROLLERS):
        return
    back = run_playbook("rollback.yml")
    assert back.returncode == 0, back.stdout[-5000:]


def at_dual_write() -> None:
    """Bring the cluster to dual-write (from wherever a migration can go on)."""
    if set(broker_states().values()) == {"kraft"}:
        return
    done = run_playbook("migrate.yml", "-e", "zk2kraft_stop_after=dual_write")
    assert done.returncode == 0, done.stdout[-5000:]


def active_controller() -> str:
    """The active KRaft controller (the quorum leader), by inventory name.

    In migration mode the leader owns ZooKeeper's /controller (brokerid = its node id, with a KRaft
    epoch). Read through the sandbox's own ZooKeeper session (SASL when the sandbox requires it), so it
    works whatever the Jolokia setting (plain, HTTPS, mTLS, or no agent at all).
    """
    state, topology = require_state()
    client = kazoo_client(topology, state.zk_sasl)
    try:
        def kraft_owned() -> dict[str, int] | None:
            text = controller_znode(client)
            data = json.loads(text) if text else {}
            return data if int(data.get("kraftControllerEpoch", -1)) >= 0 else None

        owner = wait_until(kraft_owned, 30.0, "a KRaft controller to own /controller (is the cluster migrating?)", 0.5)
    finally:
        client.stop()
        client.close()
    by_node_id = {hostvars.get("zk2kraft_node_id"): name for name, hostvars in _inventory_hosts().items()}
    leader = by_node_id.get(int(owner["brokerid"]))
    assert leader in CONTROLLERS, f"/controller names node {owner['brokerid']}, no controller in {INVENTORY}"
    return str(leader)


def _inventory_hosts() -> dict[str, dict[str, Any]]:
    """Every host of the sandbox's inventory with its variables."""
    hosts: dict[str, dict[str, Any]] = {}

    def walk(group: dict[str, Any]) -> None:
        for name, hostvars in (group.get("hosts") or {}).items():
            hosts[name] = dict(hostvars or {})
        for child in (group.get("children") or {}).values():
            walk(child or {})

    walk(yaml.safe_load(INVENTORY.read_text())["all"])
    return hosts


def assert_verified(phase: str) -> None:
    verify = run_playbook("verify.yml", "-e", f"zk2kraft_verify_phase={phase}")
    assert verify.returncode == 0, verify.stdout[-5000:]


def assert_halt(run: Run, host: str, cause: str, within: float, since: float | None = None,
                down_by_faults: tuple = ()) -> None:
    """The run failed (not killed) naming ``host`` and ``cause``, within ``within`` s of its start (or of
    ``since``, the fault's time.monotonic()), with at most one broker down; with ``down_by_faults`` (the
    brokers the case itself stopped), exactly those: the run stopped none and started none."""
    assert run.rc not in (0, None), run.tail()
    # The failure blocks (yaml results wrap long messages), up to the recap (which names every host).
    lines = run.output.split("PLAY RECAP")[0].splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith(("fatal:", "failed:"))), len(lines))
    text = " ".join(" ".join(lines[first:]).split())
    assert host in text and cause in text, f"halt message lacks {host!r}/{cause!r}:\n{run.tail()}"
    took = run.ended - since if since is not None else run.seconds
    assert took <= within, f"halted after {took:.0f}s (limit {within}s)"
    down = brokers_down()
    if down_by_faults:
        assert down == sorted(down_by_faults), f"brokers down at the halt: {down}; the faults stopped {down_by_faults}"
        return
    assert len(down) <= 1, f"more than one broker down at the halt: {down}"
