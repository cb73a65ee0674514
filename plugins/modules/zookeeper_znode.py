#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: zookeeper_znode
short_description: Remove the migration's leftovers, C(/controller) and C(/migration), from ZooKeeper
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Deletes C(/controller) or C(/migration) when rolling a migration back to ZooKeeper mode. The KRaft
    controllers never delete them, and a stale C(/migration) makes the next migration skip the metadata copy.
  - C(/controller) held by a live ZooKeeper-mode broker (ephemeral, C(kraftControllerEpoch) -1) is cluster
    state, not a leftover. With O(only_if=kraft_owned) it is left alone; with O(only_if=always) deleting it
    needs O(force) (it makes the brokers elect a new controller).
  - The delete is conditional on the znode version that was read, so a znode rewritten in between is never
    removed blindly.
  - Deleting a KRaft-owned C(/controller) also raises C(/controller_epoch) to the KRaft controller's epoch when it
    is lower, in the same transaction. The KRaft controller stamped the partition states it wrote with its epoch,
    and a ZooKeeper controller with a lower epoch would refuse to move their leaders or change their ISR.
  - Runs where kazoo is installed, normally the Ansible controller (delegate the task to V(localhost)).
extends_documentation_fragment:
  - zk2kraft.migration.zookeeper
  - zk2kraft.migration.attributes
options:
  path:
    description: The znode, relative to the chroot of O(zookeeper_connect).
    type: str
    required: true
    choices: [/controller, /migration]
  state:
    description: Only V(absent) is supported.
    type: str
    default: absent
    choices: [absent]
  only_if:
    description:
      - V(kraft_owned) deletes C(/controller) only when a KRaft controller wrote it (persistent, or
        C(kraftControllerEpoch) >= 0, or its C(brokerid) is in O(kraft_controller_ids)). It does not restrict
        C(/migration), which only KRaft controllers write.
      - V(always) deletes whatever is there, subject to O(force).
    type: str
    default: kraft_owned
    choices: [always, kraft_owned]
  force:
    description: With O(only_if=always), also delete a C(/controller) held by a ZooKeeper-mode broker.
    type: bool
    default: false
  kraft_controller_ids:
    description: Node ids of the KRaft controllers.
    type: list
    elements: int
    default: []
attributes:
  check_mode:
    support: full
    details: Reports what would be deleted and returns its content without deleting.
  diff_mode:
    support: full
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Roll back - remove the controllers' claim on ZooKeeper
  zk2kraft.migration.zookeeper_znode:
    zookeeper_connect: "127.0.1.2:2181/kafka"
    path: /controller
    kraft_controller_ids: [3000, 3001, 3002]
  delegate_to: localhost
  run_once: true

- name: Roll back - remove the migration state
  zk2kraft.migration.zookeeper_znode:
    zookeeper_connect: "127.0.1.2:2181/kafka"
    path: /migration
  delegate_to: localhost
  run_once: true
  register: removed
"""

RETURN = r"""
existed:
  description: Whether the znode existed when it was read.
  returned: always
  type: bool
  sample: true
deleted:
  description: Whether the znode was (or, in check mode, would be) deleted.
  returned: always
  type: bool
  sample: true
reason:
  description: Why the znode was or was not deleted.
  returned: always
  type: str
  sample: held by KRaft controller 3000 (kraftControllerEpoch 5, persistent)
old_value:
  description: The znode's raw content before; null when it did not exist.
  returned: always
  type: str
  sample: '{"version":2,"brokerid":3000,"timestamp":"1700000000000","kraftControllerEpoch":5}'
old:
  description: The parsed content before; null when it did not exist.
  returned: always
  type: dict
  sample: {"brokerid": 3000, "kraft_controller_epoch": 5, "ephemeral": false, "is_zk_broker": false}
controller_epoch_raised_to:
  description:
    - The value C(/controller_epoch) was (or, in check mode, would be) raised to, in the same transaction as the delete
      of a KRaft-owned C(/controller); null when it already exceeded the KRaft controller's epoch.
    - The KRaft controller stamps the partition states it writes with its own epoch; a ZooKeeper controller with a
      lower epoch refuses to elect leaders or change the ISR of those partitions.
  returned: always
  type: int
  sample: 7
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper import (
    DELETABLE_PATHS,
    ONLY_IF_CHOICES,
    execute_delete,
    plan_delete,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_session import (
    HAS_KAZOO,
    KAZOO_IMPORT_ERROR,
    ZK_ARGUMENT_SPEC,
    session,
    settings_from_params,
)


def main():
    argument_spec = dict(ZK_ARGUMENT_SPEC)
    argument_spec.update(
        path=dict(type="str", required=True, choices=list(DELETABLE_PATHS)),
        state=dict(type="str", default="absent", choices=["absent"]),
        only_if=dict(type="str", default="kraft_owned", choices=list(ONLY_IF_CHOICES)),
        force=dict(type="bool", default=False),
        kraft_controller_ids=dict(type="list", elements="int", default=[]),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_KAZOO:
        module.fail_json(msg=missing_required_lib("kazoo"), exception=KAZOO_IMPORT_ERROR)
    params = module.params
    try:
        with session(settings_from_params(params)) as client:
            plan = plan_delete(client, params["path"], only_if=params["only_if"], force=params["force"],
                               kraft_controller_ids=params["kraft_controller_ids"])
            result = dict(existed=plan.exists, deleted=plan.delete, reason=plan.reason,
                          old_value=plan.old_value, old=plan.old, controller_epoch_raised_to=plan.raise_epoch_to)
            if plan.refused:
                module.fail_json(msg="{}: {}".format(params["path"], plan.reason), **result)
            if plan.delete and not module.check_mode:
                # False when the znode vanished meanwhile: nothing changed then.
                result["deleted"] = execute_delete(client, plan)
    except KraftError as exc:
        module.fail_json(msg="ZooKeeper {} {}: {}".format(params["zookeeper_connect"], params["path"], exc))
    if module._diff and result["deleted"]:
        result["diff"] = dict(before=(plan.old_value or "") + "\n", after="",
                              before_header=params["path"], after_header="{} (absent)".format(params["path"]))
        if plan.raise_epoch_to is not None:
            result["diff"] = [result["diff"], dict(before=f"{plan.epoch_before}\n", after=f"{plan.raise_epoch_to}\n",
                                                   before_header="/controller_epoch", after_header="/controller_epoch")]
    module.exit_json(changed=result["deleted"], **result)


if __name__ == "__main__":
    main()
