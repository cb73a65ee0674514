# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""What the migration changes in ZooKeeper and waits for there (private helper; runs on the Ansible
controller): the rollback deletes of ``/controller`` and ``/migration``, planned from one read and
conditional on the znode version read, and the conditions the wait module polls for.

The other ZooKeeper parts: zookeeper_syntax.py (the connect string and JAAS text), zookeeper_session.py
(the kazoo session with TLS / SASL and the modules' connection options), zookeeper_znodes.py (the
znodes as typed records) and zookeeper_snapshot.py (topics, configs and ACLs to carry over).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ZkChangedError, ZooKeeperError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_session import BadVersionError, NoNodeError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_znodes import (
    BROKER_IDS_PATH,
    CONTROLLER_EPOCH_PATH,
    CONTROLLER_PATH,
    MIGRATION_PATH,
    child_names,
    get_znode,
    parse_controller,
    parse_migration,
    read_controller,
    read_controller_epoch_and_version,
    read_migration,
)

# Only the znodes a rollback must remove may be deleted through this library.
DELETABLE_PATHS = (CONTROLLER_PATH, MIGRATION_PATH)
ONLY_IF_CHOICES = ("always", "kraft_owned")


# --------------------------------------------------------------------------- deletes


@dataclass(frozen=True)
class DeletePlan:
    path: str
    exists: bool
    delete: bool
    reason: str
    old_value: str | None
    old: dict[str, Any] | None
    znode_version: int | None
    # True when the caller asked for something unsafe and did not force it.
    refused: bool = False
    # /controller_epoch raised to this (from the value and version read) in the same transaction as the delete.
    raise_epoch_to: int | None = None
    epoch_before: int | None = None
    epoch_version: int | None = None


def plan_delete(
    client: Any,
    path: str,
    only_if: str = "always",
    force: bool = False,
    kraft_controller_ids: Sequence[int] = (),
) -> DeletePlan:
    """Decide whether ``path`` may be deleted, from one read.

    ``/controller`` held by a ZooKeeper-mode broker (ephemeral, no KRaft epoch)
    is live cluster state, not a migration leftover: with ``only_if=kraft_owned``
    it is left alone (not an error, so a re-run after a broker won the election
    is a no-op); with ``only_if=always`` it is refused unless ``force``.
    """
    if path not in DELETABLE_PATHS:
        raise ZooKeeperError("refusing to manage {}: only {} may be deleted".format(path, ", ".join(DELETABLE_PATHS)))
    if only_if not in ONLY_IF_CHOICES:
        raise ZooKeeperError(f"unknown only_if {only_if!r}")
    got = get_znode(client, path)
    if got is None:
        return DeletePlan(path, False, False, f"{path} does not exist", None, None, None)
    data, stat = got
    text = data.decode("utf-8", "replace")
    version = int(getattr(stat, "version", -1))
    if path == MIGRATION_PATH:
        migration = parse_migration(data, stat)
        return DeletePlan(path, True, True, f"migration state of KRaft controller {migration.kraft_controller_id}",
                          text, migration.as_dict(), version)
    controller = parse_controller(data, stat)
    old = controller.as_dict()
    if controller.kraft_owned(kraft_controller_ids):
        reason = "held by KRaft controller {} (kraftControllerEpoch {}, {})".format(
            controller.broker_id, controller.kraft_controller_epoch, "ephemeral" if controller.ephemeral else "persistent")
        epoch, epoch_version = read_controller_epoch_and_version(client)
        raise_to = epoch_raise(epoch, controller.kraft_controller_epoch)
        if raise_to is not None:
            reason += (f"; {CONTROLLER_EPOCH_PATH} raised from {epoch} to {raise_to} so the ZooKeeper controller "
                       "elected next outranks the KRaft controller's writes")
        return DeletePlan(path, True, True, reason, text, old, version, raise_epoch_to=raise_to, epoch_before=epoch,
                          epoch_version=epoch_version)
    held = f"held by ZooKeeper-mode broker {controller.broker_id} (ephemeral, kraftControllerEpoch {controller.kraft_controller_epoch})"
    if only_if == "kraft_owned":
        return DeletePlan(path, True, False, held + "; not KRaft-owned, left alone", text, old, version)
    if force:
        return DeletePlan(path, True, True, held + "; deleting because forced (triggers a controller election)",
                          text, old, version)
    return DeletePlan(path, True, False, held + "; refusing to delete it without force", text, old, version,
                      refused=True)


def execute_delete(client: Any, plan: DeletePlan) -> bool:
    """Delete as planned; True if this call removed the znode.

    The delete is conditional on the znode version that was read, so a znode
    rewritten meanwhile (e.g. a new controller took over) is never removed blindly.
    """
    if not plan.delete:
        return False
    version = plan.znode_version if plan.znode_version is not None else -1
    if plan.raise_epoch_to is None:
        try:
            client.delete(plan.path, version=version)
        except NoNodeError:
            return False
        except BadVersionError as exc:
            raise ZkChangedError(f"{plan.path} changed after it was read; run again to re-evaluate") from exc
        return True
    # One transaction: no ZooKeeper broker can be elected between the two writes with the old epoch.
    transaction = client.transaction()
    transaction.set_data(CONTROLLER_EPOCH_PATH, str(plan.raise_epoch_to).encode(),
                         version=plan.epoch_version if plan.epoch_version is not None else -1)
    transaction.delete(plan.path, version=version)
    failed = [r for r in transaction.commit() if isinstance(r, Exception)]
    if failed:
        raise ZkChangedError("{} or {} changed after they were read ({}); run again to re-evaluate".format(
            CONTROLLER_EPOCH_PATH, plan.path, ", ".join(type(r).__name__ for r in failed)))
    return True


def epoch_raise(zk_epoch: int | None, kraft_epoch: int) -> int | None:
    """The ``/controller_epoch`` a rollback must write before a ZooKeeper broker is elected, or None.

    In dual-write the KRaft controller stamps every partition state it writes with its own KRaft
    epoch (at most the kraftControllerEpoch it registered in ``/controller``). A ZooKeeper controller
    takes ``/controller_epoch`` + 1 and refuses to touch a partition state stamped with a higher
    epoch ("written by another controller"): no leader election and no ISR change for those
    partitions, so controlled shutdowns fail and leaders cannot move (KAFKA-20488). Raising the
    epoch to the KRaft epoch makes the next ZooKeeper controller's epoch higher than every stamp.
    """
    # No /controller_epoch: no KRaft controller ever registered (registration needs one), nothing stamped.
    if zk_epoch is None or kraft_epoch < 0 or zk_epoch >= kraft_epoch:
        return None
    return kraft_epoch


# --------------------------------------------------------------------------- wait conditions

ZK_CONDITIONS = (
    "brokers_registered",
    "zk_broker_count",
    "controller_is_zk_broker",
    "controller_is_kraft",
    "migration_absent",
    "migration_copied",
)


@dataclass(frozen=True)
class ZkCondition:
    name: str
    broker_ids: tuple[int, ...] = ()
    count: int | None = None
    kraft_controller_ids: tuple[int, ...] = ()

    def validate(self) -> None:
        if self.name not in ZK_CONDITIONS:
            raise ZooKeeperError(f"unknown condition {self.name!r}")
        if self.name == "brokers_registered" and not self.broker_ids:
            raise ZooKeeperError("brokers_registered needs broker_ids")
        if self.name == "zk_broker_count" and (self.count is None or self.count < 0):
            raise ZooKeeperError("zk_broker_count needs a count >= 0")

    def describe(self) -> str:
        if self.name == "brokers_registered":
            return f"ZooKeeper-mode brokers {list(self.broker_ids)} registered under {BROKER_IDS_PATH}"
        if self.name == "zk_broker_count":
            return f"exactly {self.count} broker(s) registered under {BROKER_IDS_PATH}"
        if self.name == "controller_is_zk_broker":
            return f"{CONTROLLER_PATH} held by a ZooKeeper-mode broker"
        if self.name == "controller_is_kraft":
            return "{} held by a KRaft controller{}".format(
                CONTROLLER_PATH, f" among {list(self.kraft_controller_ids)}" if self.kraft_controller_ids else "")
        if self.name == "migration_absent":
            return f"{MIGRATION_PATH} absent"
        return f"{MIGRATION_PATH} showing the initial metadata copy (kraft_metadata_offset > 0)"


def observe_condition(client: Any, condition: ZkCondition) -> dict[str, Any]:
    """Read only the znodes the condition depends on."""
    if condition.name in ("brokers_registered", "zk_broker_count"):
        return {"broker_ids": sorted(int(c) for c in child_names(client, BROKER_IDS_PATH) if c.isdigit())}
    if condition.name in ("controller_is_zk_broker", "controller_is_kraft"):
        controller = read_controller(client)
        return {"controller": controller.as_dict() if controller else None}
    migration = read_migration(client)
    return {"migration": migration.as_dict() if migration else None}


def condition_met(condition: ZkCondition, observation: Mapping[str, Any]) -> bool:
    name = condition.name
    if name == "brokers_registered":
        return set(condition.broker_ids) <= set(observation["broker_ids"])
    if name == "zk_broker_count":
        return len(observation["broker_ids"]) == condition.count
    if name in ("controller_is_zk_broker", "controller_is_kraft"):
        controller = observation["controller"]
        if controller is None:
            return False
        if name == "controller_is_zk_broker":
            return bool(controller["is_zk_broker"])
        kraft = (not controller["ephemeral"]) and controller["kraft_controller_epoch"] >= 0
        return kraft and (not condition.kraft_controller_ids or controller["brokerid"] in condition.kraft_controller_ids)
    migration = observation["migration"]
    if name == "migration_absent":
        return migration is None
    return migration is not None and bool(migration["initial_copy_done"])
