#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: zookeeper_wait
short_description: Wait until ZooKeeper shows a migration condition
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Polls the znodes a condition depends on, over one ZooKeeper session, every O(interval) seconds until the
    condition holds or O(timeout) passes, then fails naming what was expected and what was seen last.
  - Runs where kazoo is installed, normally the Ansible controller (delegate the task to V(localhost)).
extends_documentation_fragment:
  - zk2kraft.migration.zookeeper
  - zk2kraft.migration.attributes
options:
  condition:
    description:
      - V(brokers_registered) - every id in O(broker_ids) is registered under C(/brokers/ids).
      - V(zk_broker_count) - exactly O(count) ZooKeeper-mode brokers are registered (V(0) once every broker
        runs in KRaft mode; works without Jolokia, unlike the C(MigratingZkBrokerCount) metric).
      - V(controller_is_zk_broker) - C(/controller) is held by a ZooKeeper-mode broker (after a rollback).
      - V(controller_is_kraft) - a KRaft controller took C(/controller) over (persistent,
        C(kraftControllerEpoch) >= 0, and among O(kraft_controller_ids) when given).
      - V(migration_absent) - C(/migration) does not exist.
      - V(migration_copied) - C(/migration) records the initial metadata copy (C(kraft_metadata_offset) > 0).
    type: str
    required: true
    choices: [brokers_registered, zk_broker_count, controller_is_zk_broker, controller_is_kraft,
              migration_absent, migration_copied]
  broker_ids:
    description: Broker ids for O(condition=brokers_registered).
    type: list
    elements: int
    default: []
  count:
    description: Broker count for O(condition=zk_broker_count).
    type: int
  kraft_controller_ids:
    description: Node ids of the KRaft controllers, for O(condition=controller_is_kraft).
    type: list
    elements: int
    default: []
  timeout:
    description: Seconds to wait before failing.
    type: float
    default: 300
  interval:
    description: Seconds between two reads.
    type: float
    default: 0.25
attributes:
  check_mode:
    support: full
    details: Read-only; waits the same in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Wait for the KRaft controllers to take over /controller
  zk2kraft.migration.zookeeper_wait:
    zookeeper_connect: "127.0.1.2:2181/kafka"
    condition: controller_is_kraft
    kraft_controller_ids: [3000, 3001, 3002]
    timeout: 600
  delegate_to: localhost
  run_once: true

- name: Wait until no ZooKeeper-mode broker is left
  zk2kraft.migration.zookeeper_wait:
    zookeeper_connect: "127.0.1.2:2181/kafka"
    condition: zk_broker_count
    count: 0
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 1.75
attempts:
  description: Number of reads.
  returned: always
  type: int
  sample: 8
observed:
  description: The last observation (the znodes the condition depends on).
  returned: always
  type: dict
  sample: {"controller": {"brokerid": 3000, "kraft_controller_epoch": 5, "ephemeral": false}}
"""

import json

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.waiting import wait_for
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper import (
    ZK_CONDITIONS,
    ZkCondition,
    condition_met,
    observe_condition,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_session import (
    HAS_KAZOO,
    KAZOO_IMPORT_ERROR,
    ZK_ARGUMENT_SPEC,
    KazooException,
    session,
    settings_from_params,
)


def main():
    argument_spec = dict(ZK_ARGUMENT_SPEC)
    argument_spec.update(
        condition=dict(type="str", required=True, choices=list(ZK_CONDITIONS)),
        broker_ids=dict(type="list", elements="int", default=[]),
        count=dict(type="int"),
        kraft_controller_ids=dict(type="list", elements="int", default=[]),
        timeout=dict(type="float", default=300.0),
        interval=dict(type="float", default=0.25),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("condition", "brokers_registered", ["broker_ids"]), ("condition", "zk_broker_count", ["count"])],
    )
    if not HAS_KAZOO:
        module.fail_json(msg=missing_required_lib("kazoo"), exception=KAZOO_IMPORT_ERROR)
    params = module.params
    condition = ZkCondition(params["condition"], tuple(params["broker_ids"]), params["count"],
                            tuple(params["kraft_controller_ids"]))
    try:
        condition.validate()
        with session(settings_from_params(params)) as client:
            # A lost connection is retried: kazoo reconnects within the session timeout.
            waited = wait_for(lambda: observe_condition(client, condition), lambda obs: condition_met(condition, obs),
                              timeout=params["timeout"], interval=params["interval"], retry_on=(KazooException,))
    except (KraftError, ValueError) as exc:
        module.fail_json(msg="ZooKeeper {}: {}".format(params["zookeeper_connect"], exc))
    result = dict(changed=False, elapsed=round(waited.elapsed, 3), attempts=waited.attempts, observed=waited.last)
    if not waited.ok:
        seen = json.dumps(waited.last, sort_keys=True) if waited.last is not None else waited.last_error
        module.fail_json(msg=f"timed out after {waited.elapsed:.1f}s waiting for {condition.describe()}; last seen: {seen}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
