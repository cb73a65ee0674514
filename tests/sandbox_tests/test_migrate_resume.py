"""An interrupted migration finishes when started again, with no manual step.

The run is killed (SIGKILL, like a lost terminal) right after the second broker was restarted
into migration mode and registered (one call on the host), while its replicas catch up, which the
next broker's guard would have waited for; the next run must detect the phase from the cluster,
wait out that catch-up in its first guard, skip what is done, and take every broker to KRaft.
"""

from __future__ import annotations

from lib import read_host_file  # noqa: E402  (conftest puts tests/sandbox on sys.path)
from playbook_runs import kill_after_restart, newest_report, run_playbook  # noqa: E402


def test_a_run_killed_in_the_broker_roll_completes_when_started_again(sandbox):
    killed, seen = kill_after_restart("migrate.yml", "broker2")
    assert killed, "the run ended before broker2 was restarted:\n" + "".join(seen[-40:])

    # Mid-roll: the roll wrote every broker's file before its first restart, so broker3's carries the
    # migration flag too, while its process still runs the file before (the re-run sees that restart pending).
    flags = {b: "zookeeper.metadata.migration.enable=true" in read_host_file(b, "/etc/kafka/server.properties")
             for b in ("broker1", "broker2", "broker3")}
    assert flags == {"broker1": True, "broker2": True, "broker3": True}

    again = run_playbook("migrate.yml")
    assert again.returncode == 0, again.stdout[-6000:] + again.stderr[-3000:]
    assert "Phase reached: controllers, under way: migration" in again.stdout

    for broker in ("broker1", "broker2", "broker3"):
        text = read_host_file(broker, "/etc/kafka/server.properties")
        assert "process.roles=broker" in text and "zookeeper.connect" not in text

    # The resumed run did not roll broker1 into migration mode a second time.
    report = newest_report()
    assert report["phase_before"] == "controllers"
    assert report["hosts"]["broker1"]["restarts"] == 1, report["hosts"]["broker1"]
    assert [w["phase"] for w in report["hosts"]["broker1"]["waits"]] == ["migration", "dual_write"]
