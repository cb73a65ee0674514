# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The progress callback with fake plays, tasks, hosts and results: lines per step, batches, time left."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.callback import progress
from ansible_collections.zk2kraft.migration.plugins.callback.progress import CallbackModule, batch_count, step_of

BROKERS = ["broker1", "broker2", "broker3"]


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def tick(self, seconds: float) -> None:
        self.t += seconds


class Display:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def display(self, msg: str, color: str | None = None, **_: Any) -> None:
        self.lines.append(msg)


class Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_name(self) -> str:
        return self.name


class Inventory:
    """Restricted to the current batch, as ansible-playbook does for a serial play."""

    def __init__(self, hosts: list[str]) -> None:
        self.hosts = hosts
        self.batch = hosts

    def get_hosts(self, pattern: Any, ignore_restrictions: bool = False) -> list[Named]:
        return [Named(h) for h in (self.hosts if ignore_restrictions else self.batch)]


class VariableManager:
    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory


class Play(Named):
    def __init__(self, name: str, inventory: Inventory, serial: list[Any]) -> None:
        super().__init__(name)
        self.hosts = "kafka_brokers"
        self.serial = serial
        self.manager = VariableManager(inventory)

    def get_variable_manager(self) -> VariableManager:
        return self.manager


class Result:
    def __init__(self, host: str, task: str) -> None:
        self._host = Named(host)
        self._task = Named(task)


@pytest.fixture
def callback() -> Any:
    cb = CallbackModule()
    cb._display = Display()
    clock = Clock()
    cb.progress.now = clock
    cb.clock = clock
    return cb


def roll_broker(cb: Any, host: str, waits: list[str], wait_seconds: float = 10.0) -> None:
    """The brokers role's tasks for one host, as the runner reports them (role-prefixed names)."""
    for task in ["Validating arguments against arg spec 'main'", "Render the broker's server.properties for migration",
                 "Read which brokers ZooKeeper lists, for the guard", "Restart the broker"] + waits:
        name = "zk2kraft.migration.brokers : " + task
        cb.v2_runner_on_start(Named(host), Named(name))
        cb.clock.tick(wait_seconds if task.startswith("Wait") else 1.0)
        cb.v2_runner_on_ok(Result(host, name))
    cb.v2_runner_on_ok(Result(host, "zk2kraft.migration.brokers : Keep the timings for the report"))


# Waits the role ran as tasks of their own; a role's other "Wait for/until" tasks read the same way.
PHASE2 = ["Wait for the broker to register in ZooKeeper", "Wait for the broker to register with the KRaft controllers",
          "Wait until no partition is under-replicated"]


def test_a_serial_roll_prints_batch_host_wait_elapsed_and_time_left(callback: Any) -> None:
    inventory = Inventory(BROKERS)
    play = Play("Phase 2: roll the brokers into migration mode, one at a time", inventory, [1])
    for host in BROKERS:
        inventory.batch = [host]
        callback.v2_playbook_on_play_start(play)
        roll_broker(callback, host, PHASE2)
        callback.clock.tick(2.0)           # Ansible's own overhead before the next batch
    callback.v2_playbook_on_play_start(Play("Wait for the metadata copy (MIGRATION)", Inventory(["c1"]), []))
    lines = callback._display.lines
    # Per broker: the restart, three waits, done; then the roll's summary.
    assert len(lines) == 3 * 5 + 1
    first = lines[:5]
    assert first[0] == ("[Phase 2] batch 1/3 broker1: restarting once the cluster can take it, then waiting until it is back"
                        " | 0:00 on this host, 0:03 in this roll | time left known after the first batch")
    assert first[1].startswith("[Phase 2] batch 1/3 broker1: waiting for registration in ZooKeeper | 0:01 on this host")
    assert "waiting for the broker to register with the KRaft controllers | 0:11 on this host" in first[2]
    assert "waiting for no partition is under-replicated | 0:21 on this host" in first[3]
    assert first[4].startswith("[Phase 2] batch 1/3 broker1: done | 0:31 on this host")
    # A batch takes 36 s (4 tasks of 1 s, 3 waits of 10 s, 2 s between batches): after one, 2 x 36 s left.
    assert lines[5] == ("[Phase 2] batch 2/3 broker2: restarting once the cluster can take it, then waiting until it is back"
                        " | 0:00 on this host, 0:39 in this roll | about 1:09 left")
    assert lines[-2].startswith("[Phase 2] batch 3/3 broker3: done") and lines[-2].endswith("about 0:00 left")
    assert lines[-1] == "[Phase 2] roll done: 3 of 3 host(s) restarted in 1:48, 0:36 per batch on average"


def test_phase_3_and_controller_finalization_are_recognised(callback: Any) -> None:
    inventory = Inventory(["c1", "c2"])
    play = Play("Phase 4: finalize, one controller at a time, the active one last", inventory, [1])
    inventory.batch = ["c2"]
    callback.v2_playbook_on_play_start(play)
    for task in ["Start the controller, or restart it on a new config", "Wait for this controller to see a quorum leader"]:
        callback.v2_runner_on_start(Named("c2"), Named("zk2kraft.migration.controllers : " + task))
    callback.v2_playbook_on_stats(None)
    assert [line.split(": ", 1)[1].split(" |")[0] for line in callback._display.lines] == [
        "restarting", "waiting for a quorum leader"]
    assert callback._display.lines[0].startswith("[Phase 4] batch 1/2 c2:")


@pytest.mark.parametrize("name", [
    "Preflight on the brokers", "Phase 4 guard: refuse an unsafe finalization", "Wait for the metadata copy (MIGRATION)",
])
def test_other_plays_print_nothing(callback: Any, name: str) -> None:
    callback.v2_playbook_on_play_start(Play(name, Inventory(BROKERS), []))
    callback.v2_runner_on_start(Named("broker1"), Named("Wait until no partition is under-replicated"))
    callback.v2_playbook_on_stats(None)
    assert callback._display.lines == []


def test_skipped_brokers_count_as_done_but_not_in_the_average(callback: Any) -> None:
    inventory = Inventory(BROKERS)
    play = Play("Rollback roll 2: brokers to plain ZooKeeper mode", inventory, [1])
    inventory.batch = ["broker1"]
    callback.v2_playbook_on_play_start(play)
    callback.clock.tick(1.0)                     # include_role skipped: no task of the role runs
    inventory.batch = ["broker2"]
    callback.v2_playbook_on_play_start(play)
    roll_broker(callback, "broker2", PHASE2[:1])
    callback.clock.tick(1.0)
    inventory.batch = ["broker3"]
    callback.v2_playbook_on_play_start(play)
    callback.v2_runner_on_start(Named("broker3"), Named("brokers : Restart the broker"))
    assert callback._display.lines[-1].startswith("[Rollback roll 2] batch 3/3 broker3: restarting")
    assert callback._display.lines[-1].endswith("about 0:15 left")   # one 15 s batch so far; this one just began
    callback.v2_playbook_on_stats(None)
    assert callback._display.lines[-1].startswith("[Rollback roll 2] roll done: 1 of 3 host(s) restarted")


def test_batches_of_two_show_hosts_done(callback: Any) -> None:
    hosts = ["b1", "b2", "b3", "b4"]
    inventory = Inventory(hosts)
    play = Play("Phase 3: roll the brokers to KRaft", inventory, [2])
    inventory.batch = hosts[:2]
    callback.v2_playbook_on_play_start(play)
    callback.v2_runner_on_start(Named("b1"), Named("Restart the broker"))
    assert callback._display.lines[-1].startswith("[Phase 3] batch 1/2 (0/4 hosts done) b1: restarting")


def test_an_inventory_the_callback_cannot_read_still_prints(callback: Any) -> None:
    class Opaque(Named):
        hosts = "x"
        serial: list[Any] = []

        def get_variable_manager(self) -> Any:
            raise AttributeError("no inventory")

    callback.v2_playbook_on_play_start(Opaque("Phase 2: roll"))
    callback.v2_runner_on_start(Named("b1"), Named("Restart the broker"))
    assert callback._display.lines[-1].startswith("[Phase 2] batch 1/? b1: restarting")


@pytest.mark.parametrize("total,serial,expected", [
    (6, [1], 6), (6, [], 1), (6, [2], 3), (5, [2], 3), (6, ["50%"], 2), (6, [1, 2], 4), (6, ["10%"], 6),
    (0, [1], 0), (3, [0], 1),
])
def test_batch_count_matches_ansible_playbook(total: int, serial: list[Any], expected: int) -> None:
    assert batch_count(total, serial) == expected


@pytest.mark.parametrize("name,expected", [
    ("zk2kraft.migration.brokers : Restart the broker", "restarting once the cluster can take it, then waiting until it is back"),
    ("brokers : Wait for the broker to register in ZooKeeper", "waiting for registration in ZooKeeper"),
    ("Wait until the controllers completed the migration (POST_MIGRATION)",
     "waiting for the controllers completed the migration (POST_MIGRATION)"),
    ("brokers : Keep the timings for the report", None),
    ("Read the service's state", None),
])
def test_steps(name: str, expected: str | None) -> None:
    assert step_of(name) == expected


def test_the_callback_needs_enabling_and_keeps_stdout() -> None:
    assert CallbackModule.CALLBACK_NEEDS_ENABLED is True
    assert CallbackModule.CALLBACK_TYPE == "aggregate"
    assert CallbackModule.CALLBACK_NAME == "zk2kraft.migration.progress"
    assert "ANSIBLE_CALLBACKS_ENABLED=zk2kraft.migration.progress" in progress.DOCUMENTATION
