"""An interrupted rollback finishes when started again.

The cluster is migrated to dual-write; the rollback is killed (SIGKILL) right after its first
roll restarted broker2 back into ZooKeeper mode. The next run must work out what is left
(roll broker3 back, deprovision the controllers, clean ZooKeeper, the last roll) and leave the
cluster in plain ZooKeeper mode.
"""

from __future__ import annotations

from lib import read_host_file, service_state  # noqa: E402  (conftest puts tests/sandbox on sys.path)
from playbook_runs import kill_after_restart, newest_report, run_playbook  # noqa: E402


def test_a_rollback_killed_in_its_first_roll_completes_when_started_again(sandbox):
    migrate = run_playbook("migrate.yml", "-e", "zk2kraft_stop_after=dual_write")
    assert migrate.returncode == 0, migrate.stdout[-5000:]

    killed, seen = kill_after_restart("rollback.yml", "broker2")
    assert killed, "the rollback ended before broker2 was rolled back:\n" + "".join(seen[-40:])
    assert "process.roles=broker" in read_host_file("broker3", "/etc/kafka/server.properties")

    again = run_playbook("rollback.yml")
    assert again.returncode == 0, again.stdout[-6000:] + again.stderr[-3000:]
    assert "Rolling back from dual_write: roll 1 (keep the migration flag) on broker3;" in " ".join(again.stdout.split())

    for broker in ("broker1", "broker2", "broker3"):
        text = read_host_file(broker, "/etc/kafka/server.properties")
        assert "zookeeper.connect=" in text and "process.roles" not in text
        assert "zookeeper.metadata.migration.enable" not in text and "controller.quorum.voters" not in text
    for controller in ("ctrl1", "ctrl2", "ctrl3"):
        assert service_state(controller) != "active"
    assert newest_report("rollback")["phase_before"] == "dual_write"

    # Nothing is left to do: a third run changes nothing.
    third = run_playbook("rollback.yml")
    assert third.returncode == 0 and "changed=0" in third.stdout and "changed=1" not in third.stdout, third.stdout[-4000:]
