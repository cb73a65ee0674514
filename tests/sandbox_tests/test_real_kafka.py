"""What only real Apache Kafka can show: its registration errors and its own log files.

Runs on a real 3.9 sandbox without Jolokia (every probe must then read Kafka's logs and tools):
- a ZooKeeper broker whose inter.broker.protocol.version does not match the controllers'
  metadata.version is rejected by the controller (UNSUPPORTED_VERSION); the registration wait
  fails at once, quoting the broker's log line, instead of sitting out its timeout;
- a rollback from dual-write whose KRaft controller epoch outran ZooKeeper's controller epoch
  (KAFKA-20488) still moves every leader in its rolls: the rollback raises /controller_epoch with
  the delete of /controller, so no ZooKeeper controller refuses partition states the KRaft
  controller stamped with its epoch.

(Finalizing after the controllers' logs rolled over, as log4j rolls them every hour, is part of
the soak scenario, which make test runs without Jolokia.)

Skipped unless SANDBOX_KAFKA=real (make test sets it for this module).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_sandbox
from lib import exec_on_host, host_dir, load_state, read_host_file, service_state, wait_until  # noqa: E402
from playbook_runs import INVENTORY, REPO, STATE_DIR, ansible_env, run_playbook  # noqa: E402

pytestmark = pytest.mark.skipif(os.environ.get("SANDBOX_KAFKA") != "real", reason="needs SANDBOX_KAFKA=real")

BROKER_CONFIG = "/etc/kafka/server.properties"


@pytest.fixture(scope="module")
def real_sandbox() -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("the sandbox needs root")
    if STATE_DIR.exists():
        pytest.fail("a sandbox is already up; run 'sandbox.py down' first")
    try:
        run_sandbox("up", "--kafka", "real", "--kafka-version", "3.9.2", "--jolokia", "off")
        yield
    finally:
        run_sandbox("down", check=False)


def ansible(host: str, module: str, args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    argv = [str(Path(sys.executable).parent / "ansible"), "-i", str(INVENTORY), host, "-m", module, "-a", args]
    return subprocess.run(argv, cwd=REPO, env=ansible_env(), capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_controllers_come_up_without_jolokia(real_sandbox: None) -> None:
    run = run_playbook("migrate.yml", "-e", "zk2kraft_stop_after=controllers")
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    assert "jolokia" not in read_host_file("ctrl1", "/etc/systemd/system/kafka.service")


def test_a_broker_with_the_wrong_ibp_is_rejected_and_the_wait_says_why_at_once(real_sandbox: None) -> None:
    original = read_host_file("broker1", BROKER_CONFIG)
    voters = re.search(r"^controller\.quorum\.voters=(.*)$", read_host_file("ctrl1", BROKER_CONFIG), re.M)
    assert voters, "the controllers carry no quorum"
    # The migration settings the product would write, but with an IBP the controllers do not run.
    broken = re.sub(r"^inter\.broker\.protocol\.version=.*$", "inter.broker.protocol.version=3.8", original,
                    flags=re.M)
    broken = re.sub(r"^listener\.security\.protocol\.map=(.*)$", r"listener.security.protocol.map=\1,CONTROLLER:SSL",
                    broken, flags=re.M)
    broken += ("\nzookeeper.metadata.migration.enable=true\ncontroller.listener.names=CONTROLLER\n"
               f"controller.quorum.voters={voters.group(1)}\n")
    config = host_dir("broker1") / "etc-kafka" / "server.properties"
    config.write_text(broken)
    try:
        exec_on_host("broker1", ["systemctl", "restart", "kafka"], timeout=120)
        began = time.monotonic()
        wait = ansible("broker1", "zk2kraft.migration.kafka_wait",
                       "condition=broker_registered_kraft broker_id=1 log_dir=/var/log/kafka "
                       f"config_file={BROKER_CONFIG} timeout=240")
        took = time.monotonic() - began
        assert wait.returncode != 0, wait.stdout
        assert "UNSUPPORTED_VERSION" in wait.stdout and "rejected broker 1's registration" in wait.stdout, wait.stdout
        assert took < 120, f"the wait took {took:.0f}s of its 240s: it should fail on the controller's answer"
    finally:
        config.write_text(original)
        exec_on_host("broker1", ["systemctl", "restart", "kafka"], timeout=120)


CONTROLLERS = ("ctrl1", "ctrl2", "ctrl3")
BROKERS = ("broker1", "broker2", "broker3")


def quorum_leader() -> tuple[int, int]:
    """(leader id, leader epoch) from the quorum-state file of the controller that says it leads; (-1, -1) if none."""
    best = (-1, -1)
    for index, controller in enumerate(CONTROLLERS):
        path = host_dir(controller) / "var-lib-kafka" / "metadata" / "__cluster_metadata-0" / "quorum-state"
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        # Only the leader's own file: a candidate's or a lagging follower's epoch is not the leader's.
        if int(state.get("leaderId", -1)) == 3000 + index and int(state.get("leaderEpoch", -1)) > best[1]:
            best = (3000 + index, int(state["leaderEpoch"]))
    return best


def zookeeper_epochs() -> tuple[int, int]:
    """(/controller_epoch, the kraftControllerEpoch in /controller or -1)."""
    import sandbox
    from topology import ZOOKEEPER_CHROOT, build

    state = load_state()
    assert state is not None
    client = sandbox.kazoo_client(build(state.topology, state.net), state.zk_sasl)
    try:
        epoch = int(client.get(ZOOKEEPER_CHROOT + "/controller_epoch")[0])
        controller = json.loads(client.get(ZOOKEEPER_CHROOT + "/controller")[0])
        return epoch, int(controller.get("kraftControllerEpoch", -1))
    finally:
        client.stop()


def outrun_the_zookeeper_epoch() -> None:
    """Restart the quorum leader until the KRaft epoch will exceed the ZooKeeper epoch the takeover writes + 1."""
    zk_epoch = zookeeper_epochs()[0]
    for _attempt in range(12):
        leader, epoch = quorum_leader()
        # The takeover writes /controller_epoch + 1 (more if the quorum leader moves meanwhile); the ZooKeeper
        # controller of a rollback takes one more. A margin of two over that.
        if epoch > zk_epoch + 4:
            return
        host = CONTROLLERS[leader - 3000] if leader >= 3000 else CONTROLLERS[0]
        exec_on_host(host, ["systemctl", "restart", "kafka"], timeout=120)

        def elected(host: str = host, epoch: int = epoch) -> bool:
            if service_state(host) != "active":
                raise AssertionError(f"{host} did not come back: {service_state(host)}")
            now = quorum_leader()
            return now[0] >= 0 and now[1] > epoch
        wait_until(elected, 180, f"a new quorum leader after restarting {host}", 0.5)
    raise AssertionError(f"the KRaft epoch stayed at {quorum_leader()[1]} against ZooKeeper's {zk_epoch}")


def test_a_rollback_whose_kraft_epoch_outran_zookeepers_still_moves_every_leader(real_sandbox: None) -> None:
    # Controllers phase: the controllers have not claimed ZooKeeper yet, so their epoch climbs alone.
    outrun_the_zookeeper_epoch()
    run = run_playbook("migrate.yml", "-e", "zk2kraft_stop_after=dual_write")
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    zk_epoch, kraft_epoch = zookeeper_epochs()
    assert kraft_epoch > zk_epoch + 1, (zk_epoch, kraft_epoch)   # KAFKA-20488's precondition
    back = run_playbook("rollback.yml")
    assert back.returncode == 0, back.stdout[-6000:] + back.stderr[-2000:]
    # The ZooKeeper controllers' own words when they refuse a partition state a later controller wrote.
    for broker in BROKERS:
        for log in (host_dir(broker) / "var-log-kafka").glob("*.log*"):
            text = log.read_text(errors="replace")
            assert "written by another controller" not in text, f"{broker} {log.name}"
    assert zookeeper_epochs()[0] > kraft_epoch
