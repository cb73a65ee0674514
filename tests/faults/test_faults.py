"""Faults injected during a migration: each run halts naming the host and the cause, with at most
one broker down, and after the fault is removed the re-run exits 0 without extra restarts and
verify.yml passes (issue 10, part 2)."""

from __future__ import annotations

import re
import time

import pytest
from faults import (  # noqa: E402  (conftest puts tests/faults on sys.path)
    BROKERS,
    active_controller,
    assert_halt,
    assert_verified,
    at_dual_write,
    broker_states,
    brokers_down,
    kafka_pid,
    kill_after,
    kill_kafka,
    newest_report,
    restarts,
    run_until,
    start_kafka,
    start_zookeeper,
    stop_kafka,
    stop_zookeeper,
    to_zookeeper_mode,
)
from lib import SandboxError, wait_until  # noqa: E402

pytestmark = pytest.mark.usefixtures("cluster")
DUAL_WRITE = ("-e", "zk2kraft_stop_after=dual_write")


def test_resume_deadlock_the_last_brokers_file_written_but_not_restarted() -> None:
    to_zookeeper_mode()
    # The roll writes every broker's file before its first restart: killed once broker2 is done, broker3's
    # file is written and its restart still to come.
    killed = run_until("migrate.yml", *DUAL_WRITE, kill=kill_after("Restart the broker", "broker2"))
    assert killed.killed_in, killed.tail()
    assert broker_states() == {"broker1": "migrating", "broker2": "migrating", "broker3": "migrating"}

    again = run_until("migrate.yml", *DUAL_WRITE, timeout=900)
    assert again.rc == 0, again.tail()
    # broker3's pending restart is seen: the roll into migration mode is still under way.
    assert "Phase reached: controllers, under way: migration" in again.output
    report = newest_report()
    # broker1 and broker2 were done; broker3 is restarted once into migration and once to KRaft.
    assert restarts(report) == {"broker1": 1, "broker2": 1, "broker3": 2, "ctrl1": 0, "ctrl2": 0, "ctrl3": 0}
    assert_verified("dual_write")


def test_another_dead_broker_is_refused_by_name_before_anything_changes() -> None:
    # From dual-write (where the case before leaves the cluster). broker1 is not the broker the last
    # roll restarted last (broker3, whose file is the newest), so it is not the last run's to finish:
    # the run must refuse before it changes any host. (A stopped broker3 would be started as the last
    # run's: its file alone cannot tell a crash after the run from a run killed in its wait.)
    at_dual_write()
    before = broker_states()
    stop_kafka("broker1")
    try:
        refused = run_until("migrate.yml", *DUAL_WRITE)
        assert_halt(refused, "broker1", "is not running", within=300)
        assert broker_states() == before
        assert brokers_down() == ["broker1"]
    finally:
        start_kafka("broker1")
    again = run_until("migrate.yml", *DUAL_WRITE, timeout=900)
    assert again.rc == 0, again.tail()
    assert set(restarts(newest_report()).values()) == {0}
    assert_verified("dual_write")


def test_a_broker_killed_in_its_wait_is_started_by_the_rerun() -> None:
    to_zookeeper_mode()
    killed = run_until("migrate.yml", *DUAL_WRITE, kill=kill_after("Restart the broker", "broker2"))
    assert killed.killed_in, killed.tail()
    # The run is lost and the broker dies (its restart call waited for it: a crash just after, or a lost run
    # whose call on the host died with it): its file is the newest of the roll, its roll unfinished.
    kill_kafka("broker2")
    assert brokers_down() == ["broker2"]

    again = run_until("migrate.yml", *DUAL_WRITE, timeout=900)
    assert again.rc == 0, again.tail()
    assert "The last run left broker2 down mid-roll" in " ".join(again.output.split())
    counts = restarts(newest_report())
    # broker1 was done; broker2 is started into migration (its roll's restart), broker3 rolled; then dual-write.
    assert counts == {"broker1": 1, "broker2": 2, "broker3": 2, "ctrl1": 0, "ctrl2": 0, "ctrl3": 0}, counts
    assert_verified("dual_write")


def test_a_run_killed_inside_a_brokers_restart_call_completes_when_run_again() -> None:
    to_zookeeper_mode()
    before = kafka_pid("broker2")
    assert before is not None
    # Killed while broker2's restart call runs on its host: its process has just stopped (the call's stop
    # and start are one systemctl restart, so the kill lands between them or just after).
    killed = run_until("migrate.yml", *DUAL_WRITE, kill_when=lambda: kafka_pid("broker2") != before)
    assert killed.killed_in and killed.killed_in.endswith("Restart the broker"), killed.tail()
    assert set(brokers_down()) <= {"broker2"}   # at most the broker being restarted
    # The call on the host outlives the lost run (no terminal to hang up): give it the time of a start.
    try:
        wait_until(lambda: kafka_pid("broker2") is not None, 30, "broker2 started by the orphaned restart call")
        came_back = True
    except SandboxError:
        came_back = False

    again = run_until("migrate.yml", *DUAL_WRITE, timeout=900)
    assert again.rc == 0, again.tail()
    counts = restarts(newest_report())
    # broker2 is not restarted into migration mode again once the killed call did it (else the re-run starts it,
    # as the last run's); broker3 and every broker's KRaft roll follow. Nothing more.
    expected = {"broker1": 1, "broker2": 1 if came_back else 2, "broker3": 2, "ctrl1": 0, "ctrl2": 0, "ctrl3": 0}
    assert counts == expected, (came_back, counts)
    if not came_back:
        assert "The last run left broker2 down mid-roll" in " ".join(again.output.split()), again.tail()
    assert_verified("dual_write")


def test_zookeeper_down_during_the_roll_halts_before_the_next_stop() -> None:
    to_zookeeper_mode()
    broker1_done = kill_after("Keep the timings for the report", "broker1")
    killed_at: list = []

    def kill_zookeeper(tasks: list, line: str) -> bool:
        # ZooKeeper dies while the run goes on: the guard before broker2's stop must refuse.
        if not killed_at and broker1_done(tasks, line):
            stop_zookeeper()
            killed_at.append(time.monotonic())
        return False

    try:
        halted = run_until("migrate.yml", *DUAL_WRITE, kill=kill_zookeeper)
        assert killed_at, halted.tail()
        assert_halt(halted, "broker2", "ZooKeeper", within=120, since=killed_at[0])
        assert "not reachable" in " ".join(halted.output.split()), halted.tail()
        assert brokers_down() == []
    finally:
        start_zookeeper()
    again = run_until("migrate.yml", *DUAL_WRITE, timeout=900)
    assert again.rc == 0, again.tail()
    counts = restarts(newest_report())
    # broker1 was done; broker2's new file is restarted once now (no extra restart), broker3 rolled.
    assert counts == {"broker1": 1, "broker2": 2, "broker3": 2, "ctrl1": 0, "ctrl2": 0, "ctrl3": 0}, counts
    assert_verified("dual_write")


def rolled_back_for_good() -> None:
    """After a resumed rollback: one more run changes nothing, every broker runs in plain ZooKeeper
    mode, and the rolled-back cluster migrates again with verify.yml passing."""
    once_more = run_until("rollback.yml", timeout=900)
    assert once_more.rc == 0, once_more.tail()
    assert set(restarts(newest_report("rollback")).values()) <= {0}
    assert set(broker_states().values()) == {"zk"} and brokers_down() == []
    at_dual_write()
    assert_verified("dual_write")


def test_a_rollback_killed_in_a_brokers_wait_finishes_it_and_refuses_another_stopped_broker() -> None:
    at_dual_write()
    # Roll 1 (back to ZooKeeper mode, flag kept) restarts broker2 on its new file; the run is lost and
    # broker2 dies in its wait.
    killed = run_until("rollback.yml", kill=kill_after("Restart the broker", "broker2"))
    assert killed.killed_in, killed.tail()
    kill_kafka("broker2")
    before = broker_states()
    assert before == {"broker1": "migrating", "broker2": "migrating", "broker3": "kraft"}, before
    # broker1 was rolled back before broker2 (its file is older): not the rollback's to start.
    stop_kafka("broker1")
    try:
        refused = run_until("rollback.yml")
        assert_halt(refused, "broker1", "is not running", within=300, down_by_faults=("broker1", "broker2"))
        text = " ".join(refused.output.split())
        assert "broker2 is not running" not in text and "The last rollback was rolling broker2" in text, refused.tail()
        assert broker_states() == before
    finally:
        start_kafka("broker1")

    again = run_until("rollback.yml", timeout=900)
    assert again.rc == 0, again.tail()
    assert "The last run left broker2 down mid-roll" in " ".join(again.output.split())
    counts = restarts(newest_report("rollback"))
    # broker2 is started to finish roll 1 (first, before broker3's stop), then every broker rolls once to
    # plain ZooKeeper mode; broker1 was done in roll 1, broker3 is rolled back now.
    assert {b: counts[b] for b in ("broker1", "broker2", "broker3")} == {"broker1": 1, "broker2": 2, "broker3": 2}, counts
    rolled_back_for_good()


@pytest.mark.parametrize("nth,flagged_left", [
    pytest.param(1, 2, id="first"),
    # The last broker of roll 2: no broker carries the flag any more, so only the record beside its file
    # (written for rollback_zookeeper) shows the re-run whose roll it was.
    pytest.param(3, 0, id="last"),
])
def test_a_rollback_killed_in_roll_2_finishes_the_broker_it_left_down(nth: int, flagged_left: int) -> None:
    at_dual_write()
    # Roll 1 restarts the three brokers; roll 2 (plain ZooKeeper mode) restarts its nth broker on its new
    # file, the run is lost, and that broker dies in its wait. (Roll 2's order depends on which broker
    # ZooKeeper elects, so the victim is whichever comes nth.)
    victim: list = []

    def nth_of_roll_2(tasks: list, line: str) -> bool:
        restarts_so_far = sum(1 for t in tasks if t.endswith("Restart the broker"))
        match = re.match(r"changed: \[(broker\d)\]", line)
        if tasks and tasks[-1].endswith("Restart the broker") and restarts_so_far >= 3 + nth and match:
            victim.append(match.group(1))
            return True
        return False

    killed = run_until("rollback.yml", kill=nth_of_roll_2)
    assert killed.killed_in and victim, killed.tail()
    assert "Rollback roll 2" in killed.output, killed.tail()
    host = victim[0]
    kill_kafka(host)
    before = broker_states()
    # The victim is in plain ZooKeeper mode; the brokers after it still carry the flag roll 2 removes.
    left = sorted(b for b, state in before.items() if state == "migrating")
    assert before[host] == "zk" and len(left) == flagged_left, before

    again = run_until("rollback.yml", timeout=900)
    assert again.rc == 0, again.tail()
    assert f"The last run left {host} down mid-roll" in " ".join(again.output.split()), again.tail()
    counts = restarts(newest_report("rollback"))
    # The victim started once, the brokers still flagged rolled once, those roll 2 had done not at all.
    expected = {b: 1 if b == host or b in left else 0 for b in BROKERS}
    assert {b: counts.get(b, 0) for b in BROKERS} == expected, (counts, before)
    rolled_back_for_good()


# Last: nothing rolls back a finalized cluster, so no case can follow this one in the same sandbox.
def test_the_active_controller_killed_blocks_finalization_naming_it() -> None:
    at_dual_write()
    leader = active_controller()
    kill_kafka(leader)
    try:
        refused = run_until("migrate.yml", "-e", "zk2kraft_finalize=true")
        assert_halt(refused, leader, "is not running", within=400)
        assert set(broker_states().values()) == {"kraft"}
    finally:
        start_kafka(leader)
    again = run_until("migrate.yml", "-e", "zk2kraft_finalize=true", timeout=900)
    assert again.rc == 0, again.tail()
    counts = restarts(newest_report())
    # Finalization restarts each controller once and no broker.
    assert counts == {"broker1": 0, "broker2": 0, "broker3": 0, "ctrl1": 1, "ctrl2": 1, "ctrl3": 1}, counts
    assert_verified("kraft")
