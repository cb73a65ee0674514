# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The rollback deletes and the wait conditions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ZkChangedError, ZooKeeperError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper import (
    ZkCondition,
    condition_met,
    epoch_raise,
    execute_delete,
    observe_condition,
    plan_delete,
)
from ansible_collections.zk2kraft.migration.tests.unit.plugins.module_utils._kraft.test_zookeeper_znodes import (
    FakeZk,
    cluster,
    kraft_controller,
    migration_json,
    zk_controller,
)

# ------------------------------------------------------------------ deletes


def test_plan_delete_refuses_other_paths() -> None:
    with pytest.raises(ZooKeeperError, match="only /controller, /migration"):
        plan_delete(cluster(), "/brokers/ids/1")


def test_plan_delete_absent_znode() -> None:
    plan = plan_delete(FakeZk(), "/migration")
    assert (plan.exists, plan.delete, plan.refused) == (False, False, False)


@pytest.mark.parametrize("ephemeral,content,only_if,force,kraft_ids,delete,refused", [
    # KRaft takeover: persistent with an epoch -> deleted under either guard.
    (False, kraft_controller(), "kraft_owned", False, (), True, False),
    (False, kraft_controller(), "always", False, (), True, False),
    # Persistent even without epoch (written by a controller, never by a ZK broker).
    (False, zk_controller(3000), "kraft_owned", False, (), True, False),
    # Ephemeral but the id belongs to a KRaft controller.
    (True, zk_controller(3001), "kraft_owned", False, (3000, 3001), True, False),
    # A live ZK-mode controller: left alone, refused, or deleted only when forced.
    (True, zk_controller(1), "kraft_owned", False, (3000,), False, False),
    (True, zk_controller(1), "kraft_owned", True, (3000,), False, False),
    (True, zk_controller(1), "always", False, (3000,), False, True),
    (True, zk_controller(1), "always", True, (3000,), True, False),
])
def test_plan_delete_controller(ephemeral: bool, content: dict[str, Any], only_if: str, force: bool,
                                kraft_ids: tuple[int, ...], delete: bool, refused: bool) -> None:
    fake = cluster()
    fake.put("/controller", content, ephemeral=ephemeral, version=4)
    plan = plan_delete(fake, "/controller", only_if=only_if, force=force, kraft_controller_ids=kraft_ids)
    assert (plan.exists, plan.delete, plan.refused) == (True, delete, refused)
    assert plan.old is not None and plan.old["brokerid"] == content["brokerid"]
    assert plan.old_value == json.dumps(content) and plan.znode_version == 4
    assert execute_delete(fake, plan) is delete
    assert ("/controller" in fake.nodes) is (not delete)
    if delete:
        assert fake.deleted == [("/controller", 4)]


def test_plan_delete_migration() -> None:
    fake = cluster(**{"/migration": migration_json(42)})
    plan = plan_delete(fake, "/migration", only_if="kraft_owned")
    assert plan.delete and plan.old is not None and plan.old["kraft_metadata_offset"] == 42
    assert execute_delete(fake, plan) and "/migration" not in fake.nodes
    # Second run: nothing left to do.
    assert not plan_delete(fake, "/migration").delete


def test_execute_delete_refuses_a_znode_rewritten_meanwhile() -> None:
    fake = cluster()
    fake.put("/controller", kraft_controller(), version=1)
    plan = plan_delete(fake, "/controller")
    fake.put("/controller", kraft_controller(3001, 6), version=2)
    with pytest.raises(ZkChangedError):
        execute_delete(fake, plan)
    assert "/controller" in fake.nodes


def test_execute_delete_of_a_vanished_znode_is_no_change() -> None:
    fake = cluster()
    fake.put("/controller", kraft_controller(), version=1)
    plan = plan_delete(fake, "/controller")
    del fake.nodes["/controller"]
    assert execute_delete(fake, plan) is False


@pytest.mark.parametrize("zk_epoch,kraft_epoch,raised", [
    (7, 5, None),       # the ZooKeeper epoch already outranks every KRaft stamp
    (5, 5, None),       # equal: the next ZooKeeper controller takes 6 > 5
    (4, 5, 5),          # the next takes 5, enough (a stamp must not exceed it); raised all the same, one to spare
    (3, 9, 9),
    (None, 9, None),    # no /controller_epoch: no KRaft controller ever registered
    (3, -1, None),      # not a KRaft registration
])
def test_the_controller_epoch_is_raised_to_the_kraft_epoch_when_lower(zk_epoch: int | None, kraft_epoch: int,
                                                                      raised: int | None) -> None:
    assert epoch_raise(zk_epoch, kraft_epoch) == raised


def test_deleting_the_kraft_controller_raises_the_controller_epoch_in_the_same_transaction() -> None:
    # KAFKA-20488: partition states stamped with KRaft epoch 9, ZooKeeper epoch 7: the next ZooKeeper
    # controller (epoch 8) would refuse to move their leaders.
    fake = cluster()
    fake.put("/controller", kraft_controller(3000, 9), version=3)
    plan = plan_delete(fake, "/controller")
    assert (plan.raise_epoch_to, plan.epoch_before) == (9, 7) and "raised from 7 to 9" in plan.reason
    assert execute_delete(fake, plan)
    assert "/controller" not in fake.nodes and fake.nodes["/controller_epoch"][0] == b"9"
    # A re-run finds nothing to do.
    assert not plan_delete(fake, "/controller").delete


def test_the_epoch_raise_and_delete_fail_together_when_either_changed() -> None:
    fake = cluster()
    fake.put("/controller", kraft_controller(3000, 9), version=3)
    plan = plan_delete(fake, "/controller")
    fake.put("/controller_epoch", "8", version=1)     # a controller registered meanwhile
    with pytest.raises(ZkChangedError, match="/controller_epoch or /controller changed"):
        execute_delete(fake, plan)
    assert "/controller" in fake.nodes and fake.nodes["/controller_epoch"][0] == b"8"


# ------------------------------------------------------------------ conditions


def kraft_cluster() -> FakeZk:
    fake = cluster(**{"/migration": migration_json(42)})
    fake.put("/controller", kraft_controller(3000))
    return fake


@pytest.mark.parametrize("condition,zk_factory,met", [
    (ZkCondition("brokers_registered", broker_ids=(1, 2)), cluster, True),
    (ZkCondition("brokers_registered", broker_ids=(1, 4)), cluster, False),
    (ZkCondition("zk_broker_count", count=3), cluster, True),
    (ZkCondition("zk_broker_count", count=0), cluster, False),
    (ZkCondition("zk_broker_count", count=0), FakeZk, True),
    (ZkCondition("controller_is_zk_broker"), cluster, True),
    (ZkCondition("controller_is_zk_broker"), kraft_cluster, False),
    (ZkCondition("controller_is_zk_broker"), FakeZk, False),
    (ZkCondition("controller_is_kraft"), kraft_cluster, True),
    (ZkCondition("controller_is_kraft", kraft_controller_ids=(3000, 3001)), kraft_cluster, True),
    (ZkCondition("controller_is_kraft", kraft_controller_ids=(3001,)), kraft_cluster, False),
    (ZkCondition("controller_is_kraft"), cluster, False),
    (ZkCondition("migration_absent"), cluster, True),
    (ZkCondition("migration_absent"), kraft_cluster, False),
    (ZkCondition("migration_copied"), kraft_cluster, True),
    (ZkCondition("migration_copied"), cluster, False),
])
def test_conditions(condition: ZkCondition, zk_factory: Any, met: bool) -> None:
    condition.validate()
    observation = observe_condition(zk_factory(), condition)
    json.dumps(observation)
    assert condition_met(condition, observation) is met
    assert condition.describe()


def test_migration_copied_false_while_offset_is_unset() -> None:
    condition = ZkCondition("migration_copied")
    fake = cluster(**{"/migration": migration_json(-1)})
    assert not condition_met(condition, observe_condition(fake, condition))


@pytest.mark.parametrize("condition", [ZkCondition("nope"), ZkCondition("brokers_registered"),
                                       ZkCondition("zk_broker_count"), ZkCondition("zk_broker_count", count=-1)])
def test_condition_validation(condition: ZkCondition) -> None:
    with pytest.raises(ZooKeeperError):
        condition.validate()
