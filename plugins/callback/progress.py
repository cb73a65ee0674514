# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
name: progress
type: aggregate
short_description: One compact progress line per broker step during the rolling restarts
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - During the rolls of C(zk2kraft.migration.migrate) and C(zk2kraft.migration.rollback) (the plays whose
    names begin with C(Phase N) or C(Rollback roll N) and a colon), prints one line when a host restarts, when it starts to wait
    (and for what), and when it is done, with the phase, the batch k/n, the host, what it waits for, the time on
    this host and in this roll, and an estimate of the time left from the average time per batch so far.
  - It adds to the normal output and does not replace it. Enable it with
    C(ANSIBLE_CALLBACKS_ENABLED=zk2kraft.migration.progress) or with C(callbacks_enabled) in the
    C([defaults]) section of C(ansible.cfg).
  - A wait whose condition skips it (for example the ZooKeeper registration in phase 3) still gets its line,
    because Ansible announces a task before it evaluates its condition.
requirements:
  - Enabled in the callbacks_enabled setting.
"""

import re
import time

from ansible.plugins.callback import CallbackBase

# Plays that roll hosts: their name up to the colon is the label ("Phase 2", "Rollback roll 1").
ROLL_PLAY = re.compile(r"^\s*((?:Phase|Rollback roll)\s+\d+)\s*:")
# Task names (without the role prefix) that restart a node, and what the line says.
RESTARTS = {
    # The broker's restart call first waits until the cluster can take the stop (the batch before caught up), then
    # until the broker is back (registered; the roll's last also until no partition is under-replicated).
    "Restart the broker": "restarting once the cluster can take it, then waiting until it is back",
    "Start the controller, or restart it on a new config": "restarting",
}
# Waits whose names read badly after "waiting for"; other "Wait for/until ..." tasks use their own words.
WAITS = {
    "Wait for the broker to register in ZooKeeper": "registration in ZooKeeper",
    "Wait for this controller to see a quorum leader": "a quorum leader",
}
WAIT_PREFIX = re.compile(r"^Wait (?:for|until) (.+)$")
# The last task of a host's roll in the brokers and controllers roles.
DONE = "Keep the timings for the report"


def task_title(name):
    """A task's own name, without the ``role : `` prefix Ansible puts before a role's tasks."""
    return (name or "").rsplit(" : ", 1)[-1].strip()


def step_of(name):
    """What a task does in a roll, as the progress line says it; None for tasks it does not report."""
    title = task_title(name)
    if title in RESTARTS:
        return RESTARTS[title]
    if title in WAITS:
        return "waiting for " + WAITS[title]
    match = WAIT_PREFIX.match(title)
    return "waiting for " + match.group(1) if match else None


def batch_count(total, serial):
    """How many batches ``total`` hosts make under a play's ``serial`` (ints or "N%"), as ansible-playbook cuts them."""
    sizes = []
    for value in serial or []:
        text = str(value).strip()
        try:
            size = int(int(text[:-1]) * total / 100.0) if text.endswith("%") else int(text)
        except ValueError:
            size = 0
        sizes.append(max(size, 1) if text.endswith("%") else size)
    if not sizes or sizes[0] <= 0 or total <= 0:
        return 1 if total > 0 else 0
    count, left, index = 0, total, 0
    while left > 0:
        size = sizes[min(index, len(sizes) - 1)]
        if size <= 0:
            return count + 1
        left -= size
        count += 1
        index += 1
    return count


def clock(seconds):
    whole = int(round(max(seconds, 0)))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class RollProgress:
    """The state of the current roll and the lines to print; no Ansible objects, so it tests alone."""

    def __init__(self, emit, now=time.monotonic):
        self.emit = emit
        self.now = now
        self.roll = None

    # --- events -----------------------------------------------------------------------------
    def play_start(self, name, batch_hosts, total_hosts, batches):
        """A play starts, or the next batch of the same serial play."""
        match = ROLL_PLAY.match(name or "")
        roll = self.roll
        if roll is not None and roll["name"] == name and match:
            self._close_batch()
            roll["batch"] += 1
            roll["batch_started"] = self.now()
            roll["batch_hosts"] = list(batch_hosts)
            roll["host_started"] = {}
            return
        self.finish()
        if match:
            self.roll = {"name": name, "label": match.group(1), "started": self.now(), "batch": 1,
                         "batches": batches, "total": total_hosts, "batch_started": self.now(),
                         "batch_hosts": list(batch_hosts), "host_started": {}, "worked": False,
                         "durations": [], "done": 0, "rolled": 0}

    def step(self, host, task_name):
        """A task starts on ``host``; print a line when it is a restart or a wait of a roll."""
        roll = self.roll
        what = step_of(task_name)
        if roll is None or what is None:
            return
        started = roll["host_started"].setdefault(host, self.now())
        self.emit(self._line(host, what, self.now() - started))

    def step_done(self, host, task_name, skipped=False):
        """A task ended on ``host``; restarts and waits that ran mark the batch as real work."""
        roll = self.roll
        if roll is None:
            return
        if not skipped and step_of(task_name) is not None:
            roll["worked"] = True
        if task_title(task_name) == DONE and not skipped:
            started = roll["host_started"].get(host, roll["batch_started"])
            roll["worked"] = True
            self.emit(self._line(host, "done", self.now() - started))

    def finish(self):
        """The roll's play ended (another play starts, or the playbook ends): one summary line."""
        roll = self.roll
        if roll is None:
            return
        self._close_batch()
        if roll["durations"]:
            self.emit("[{}] roll done: {} of {} host(s) restarted in {}, {} per batch on average".format(
                roll["label"], roll["rolled"], roll["total"] or roll["done"], clock(self.now() - roll["started"]),
                clock(sum(roll["durations"]) / len(roll["durations"]))))
        self.roll = None

    # --- helpers ------------------------------------------------------------------------------
    def _close_batch(self):
        roll = self.roll
        if roll["worked"]:
            roll["durations"].append(self.now() - roll["batch_started"])
            roll["rolled"] += len(roll["batch_hosts"])
        roll["done"] += len(roll["batch_hosts"])
        roll["worked"] = False

    def remaining(self, batch_done=False):
        """Seconds left in this roll from the average batch so far, or None before the first batch is done."""
        roll = self.roll
        if roll is None or not roll["durations"]:
            return None
        average = sum(roll["durations"]) / len(roll["durations"])
        in_batch = 0.0 if batch_done else max(average - (self.now() - roll["batch_started"]), 0.0)
        return in_batch + average * max(roll["batches"] - roll["batch"], 0)

    def _line(self, host, what, on_host):
        roll = self.roll
        left = self.remaining(batch_done=what == "done" and len(roll["batch_hosts"]) <= 1)
        hosts = f" ({roll['done']}/{roll['total']} hosts done)" if roll["total"] != roll["batches"] else ""
        return "[{}] batch {}/{}{} {}: {} | {} on this host, {} in this roll | {}".format(
            roll["label"], roll["batch"], roll["batches"] or "?", hosts, host, what, clock(on_host),
            clock(self.now() - roll["started"]),
            f"about {clock(left)} left" if left is not None else "time left known after the first batch")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "zk2kraft.migration.progress"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.progress = RollProgress(self._emit)

    def _emit(self, line):
        self._display.display(line, color="cyan")

    @staticmethod
    def _hosts(play):
        """(hosts of this batch, every host of the play, number of batches); empty when unknown."""
        try:
            inventory = play.get_variable_manager()._inventory
            batch = [h.name for h in inventory.get_hosts(play.hosts)]
            every = [h.name for h in inventory.get_hosts(play.hosts, ignore_restrictions=True)]
        except Exception:  # pylint: disable=broad-except
            return [], 0, 0
        return batch, len(every), batch_count(len(every), getattr(play, "serial", None))

    def v2_playbook_on_play_start(self, play):
        batch, total, batches = self._hosts(play)
        self.progress.play_start(play.get_name().strip(), batch, total, batches)

    def v2_runner_on_start(self, host, task):
        self.progress.step(host.get_name(), task.get_name())

    def v2_runner_on_ok(self, result):
        self.progress.step_done(result._host.get_name(), result._task.get_name())

    def v2_runner_on_skipped(self, result):
        self.progress.step_done(result._host.get_name(), result._task.get_name(), skipped=True)

    def v2_playbook_on_stats(self, stats):
        self.progress.finish()
