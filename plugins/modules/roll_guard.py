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
options:
  node:
    description: Inventory name of the node about to be stopped (skipped among O(brokers), named in messages).
    type: str
    required: true
  target:
    description: The roll's target phase, which says whether ZooKeeper and the quorum take part.
    type: str
    required: true
    choices: [controllers, migration, dual_write, kraft, rollback_hybrid, rollback_zookeeper]
  brokers:
    description:
      - Every broker, as in the plan's C(cluster_spec.brokers) (C(name), C(node_id), C(bootstrap_server), and
        C(jolokia_url) where the broker runs a Jolokia agent).
    type: list
    elements: dict
    default: []
  controllers:
    description:
      - Every KRaft controller, as in the plan's C(cluster_spec.controllers) (C(name), C(node_id), C(address), and
        C(jolokia_url) where the controller runs a Jolokia agent).
    type: list
    elements: dict
    default: []
  controller_port:
    description: The controllers' listener port.
    type: int
    default: 9093
  zookeeper_connect:
    description: Kafka's C(zookeeper.connect) (servers and chroot).
    type: str
  zookeeper_broker_ids:
    description:
      - The broker ids registered under C(/brokers/ids), as read on the Ansible controller
        (RV(zk2kraft.migration.zookeeper_facts#module:broker_ids)), which speaks ZooKeeper with TLS and SASL.
      - When given (or O(zookeeper_error)), the guard does not connect to ZooKeeper itself.
    type: list
    elements: int
  zookeeper_error:
    description: Why that read on the Ansible controller failed; the guard then refuses, naming ZooKeeper.
    type: str
  kafka_home:
    description: Where the Kafka distribution is installed on this host.
    type: path
    default: /opt/kafka
  kafka_version:
    description: Kafka release, for the quorum tool's flags.
    type: str
    default: 3.9.0
  max_voter_lag:
    description: How many records a voter may lag the quorum leader.
    type: int
    default: 1000
  broker_properties:
    description: Client settings for the brokers' listener (see M(zk2kraft.migration.kafka_wait)); never logged.
    type: dict
  controller_properties:
    description: Client settings for the controllers' listener; never logged.
    type: dict
  timeout:
    description: Seconds to wait for a passing state before refusing.
    type: float
    default: 60
  grace:
    description: Seconds a node (or ZooKeeper) may not answer at all before the guard refuses.
    type: float
    default: 10
  interval:
    description: Seconds between two observations.
    type: float
    default: 1
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
observed:
  description:
    - The last observation, C(problems) (empty when safe), C(down) (nodes not answering), C(checked), and
      C(source), V(jolokia) or V(kafka_tools); C(fallback) says why the agents' metrics could not be used.
  returned: always
  type: dict
  sample: {"problems": [], "down": [], "checked": ["zookeeper", "quorum", "brokers", "under_replicated"], "source": "jolokia"}
"""

import functools
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.client_config import client_config_file
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError, ProbeError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import JOLOKIA_ARGUMENT_SPEC, JolokiaAccess, jolokia_read_mbean
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.roll_guard import (
    GUARD_TARGETS,
    GuardSpec,
    Peer,
    RollGuard,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.waiting import wait_for
from ansible_collections.zk2kraft.migration.plugins.module_utils.jolokia_fetch import fetch


def peers(items, endpoint, what, access):
    found = []
    for item in items:
        try:
            url = item.get("jolokia_url")
            found.append(Peer(str(item["name"]), int(item["node_id"]), endpoint(item), access.url(url) if url else None))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProbeError(f"{what} entry {item!r} lacks name, node_id or address ({exc})") from exc
    return tuple(found)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            node=dict(type="str", required=True),
            target=dict(type="str", required=True, choices=list(GUARD_TARGETS)),
            brokers=dict(type="list", elements="dict", default=[]),
            controllers=dict(type="list", elements="dict", default=[]),
            controller_port=dict(type="int", default=9093),
            zookeeper_connect=dict(type="str"),
            zookeeper_broker_ids=dict(type="list", elements="int"),
            zookeeper_error=dict(type="str"),
            kafka_home=dict(type="path", default="/opt/kafka"),
            kafka_version=dict(type="str", default="3.9.0"),
            max_voter_lag=dict(type="int", default=1000),
            broker_properties=dict(type="dict", no_log=True),
            controller_properties=dict(type="dict", no_log=True),
            timeout=dict(type="float", default=60.0),
            grace=dict(type="float", default=10.0),
            interval=dict(type="float", default=1.0),
            **JOLOKIA_ARGUMENT_SPEC,
        ),
        supports_check_mode=True,
    )
    p = module.params
    access = JolokiaAccess.from_params(p)
    if access.problems():
        module.fail_json(msg="; ".join(access.problems()))
    deadline = time.monotonic() + p["timeout"]
    try:
        with client_config_file(p["broker_properties"]) as broker_config, \
                client_config_file(p["controller_properties"]) as controller_config:
            spec = GuardSpec(
                node=p["node"], target=p["target"],
                brokers=peers(p["brokers"], lambda b: b["bootstrap_server"], "brokers", access),
                voters=peers(p["controllers"], lambda c: f"{c['address']}:{p['controller_port']}",
                             "controllers", access),
                zookeeper_connect=p["zookeeper_connect"], kafka_home=p["kafka_home"],
                zookeeper_broker_ids=tuple(p["zookeeper_broker_ids"]) if p["zookeeper_broker_ids"] is not None else None,
                zookeeper_error=p["zookeeper_error"],
                kafka_version=p["kafka_version"], max_voter_lag=p["max_voter_lag"],
                broker_command_config=broker_config, controller_command_config=controller_config)
            guard = RollGuard(spec, call_timeout=lambda: max(5.0, deadline - time.monotonic()), grace=p["grace"],
                              read_mbean=functools.partial(jolokia_read_mbean, fetch=functools.partial(fetch, access=access)))
            waited = wait_for(guard.observe, guard.met, timeout=p["timeout"], interval=p["interval"],
                              retry_on=(ProbeError,))
    except KraftError as exc:
        module.fail_json(msg=str(exc))
    result = dict(changed=False, elapsed=round(waited.elapsed, 3), observed=waited.last)
    if not waited.ok:
        problems = (waited.last or {}).get("problems") or [waited.last_error or "no observation"]
        module.fail_json(msg=f"{guard.refusal(problems)} (still so after {waited.elapsed:.0f}s)", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
