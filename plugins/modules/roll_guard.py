#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: roll_guard
short_description: Refuse to stop a Kafka node unless the rest of the cluster can take it
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Runs on the Kafka host about to be stopped, just before a roll stops it, and checks everything a safe
    stop needs, all in one observation so that a refusal lists every problem.
  - ZooKeeper serves a session and answers C(/brokers/ids), when the roll's O(target) still uses ZooKeeper
    (every target before finalization).
  - The metadata quorum has a leader and lists every controller of O(controllers) as a voter; every voter's
    port answers; no voter lags the leader by more than O(max_voter_lag) records (every target but
    V(rollback_zookeeper), when the controllers are gone).
  - Every other broker of O(brokers) answers on its listener and is registered, in ZooKeeper or with the
    KRaft controllers.
  - No partition is under-replicated (C(kafka-topics.sh) bootstrapped through the other, live brokers).
  - Waits up to O(timeout) for a passing state (a restart just before may still settle), but refuses within
    O(grace) seconds when a node or ZooKeeper does not answer at all, naming it.
  - Without O(zookeeper_broker_ids), the ZooKeeper check speaks ZooKeeper's protocol over a plain connection
    without authentication; a ZooKeeper that requires TLS or SASL needs O(zookeeper_broker_ids), as the
    collection's roles pass it.
  - When every node it checks has a C(jolokia_url) (the plan's node entries carry one where the inventory
    sets C(zk2kraft_jolokia_port)), the guard reads the quorum, the brokers' registration and the
    under-replicated partitions from the nodes' Jolokia agents (C(raft-metrics), C(BrokerState),
    C(UnderReplicatedPartitions)) instead of starting the two Kafka tools, each a JVM start on the host; the
    C(jolokia_*) options (module_defaults from C(zk2kraft_kafka_client)) give the agents' login and TLS.
    An agent that does not answer while its node does sends the guard back to the tools.
extends_documentation_fragment:
  - zk2kraft.migration.attributes
  - zk2kraft.migration.jolokia
  - zk2kraft.migration.roll_guard
attributes:
  check_mode:
    support: full
    details: Read-only; checks the same in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Refuse to stop this broker unless the cluster can take it
  zk2kraft.migration.roll_guard:
    node: "{{ inventory_hostname }}"
    target: migration
    brokers: "{{ plan.cluster_spec.brokers }}"
    controllers: "{{ plan.cluster_spec.controllers }}"
    controller_port: "{{ plan.cluster_spec.controller_port }}"
    zookeeper_connect: "{{ plan.cluster_spec.zookeeper_connect }}"
"""

RETURN = r"""
elapsed:
  description: Seconds spent checking.
  returned: always
  type: float
  sample: 1.4
cleared_at:
  description:
    - UNIX time of the observation that found the stop safe; null when refused. After a hand-over (the broker
      restarted before this one left its under-replicated wait to this check), the moment that broker was healthy.
  returned: always
  type: float
  sample: 1796296549.118
observed:
  description:
    - The last observation, C(problems) (empty when safe), C(down) (nodes not answering), C(checked), and
      C(source), V(jolokia) or V(kafka_tools); C(fallback) says why the agents' metrics could not be used.
  returned: always
  type: dict
  sample: {"problems": [], "down": [], "checked": ["zookeeper", "quorum", "brokers", "under_replicated"], "source": "jolokia"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import JOLOKIA_ARGUMENT_SPEC
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.roll_guard import GUARD_ARGUMENT_SPEC
from ansible_collections.zk2kraft.migration.plugins.module_utils.roll_guard_run import run_roll_guard


def main():
    module = AnsibleModule(argument_spec=dict(**GUARD_ARGUMENT_SPEC, **JOLOKIA_ARGUMENT_SPEC), supports_check_mode=True)
    result, refusal = run_roll_guard(module)
    if refusal:
        module.fail_json(msg=refusal, changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
