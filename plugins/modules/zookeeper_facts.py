#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: zookeeper_facts
short_description: Read what a ZooKeeper-to-KRaft migration needs from the ZooKeeper ensemble
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Reads the cluster id (C(/cluster/id)), the live ZooKeeper-mode brokers (C(/brokers/ids)), every broker id
    that holds a partition replica (C(/brokers/topics)), C(/controller), C(/controller_epoch) and C(/migration).
  - Broker ids that hold replicas but are not registered are returned as RV(dead_assignment_broker_ids),
    because they block a migration forever.
  - With O(gather_metadata), also returns a snapshot of topics, entity configs and ACLs to compare before and
    after the migration (SCRAM credentials and password-like values are fingerprinted, never returned).
  - Runs where kazoo is installed, normally the Ansible controller (delegate the task to V(localhost)).
extends_documentation_fragment:
  - zk2kraft.migration.zookeeper
  - zk2kraft.migration.attributes
options:
  gather_metadata:
    description: Also return the RV(metadata) snapshot (reads every topic, config and ACL znode).
    type: bool
    default: false
  gather_partition_states:
    description:
      - Also return RV(partition_states), every partition's replicas and in-sync replicas (one state znode per
        partition, read pipelined). A parallel roll's safety check needs them.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Read the migration state from ZooKeeper
  zk2kraft.migration.zookeeper_facts:
    zookeeper_connect: "127.0.1.2:2181/kafka"
  delegate_to: localhost
  run_once: true
  register: zk

- name: Stop when a dead broker still holds replicas
  ansible.builtin.assert:
    that: zk.dead_assignment_broker_ids | length == 0
    fail_msg: "Brokers {{ zk.dead_assignment_broker_ids }} hold replicas but are down"

- name: Snapshot topics, configs and ACLs over TLS with SASL
  zk2kraft.migration.zookeeper_facts:
    zookeeper_connect: "zk1.example.com:2182,zk2.example.com:2182"
    zookeeper_tls: true
    zookeeper_tls_ca: /etc/kafka/zk-ca.pem
    zookeeper_auth: sasl_digest
    zookeeper_username: kafka
    zookeeper_password: "{{ vault_zk_password }}"
    gather_metadata: true
  delegate_to: localhost
  register: before
"""

RETURN = r"""
cluster_id:
  description: The id in C(/cluster/id); null before any broker started.
  returned: success
  type: str
  sample: MkU3OEVBNTcwNTJENDM2Qk
broker_ids:
  description: Ids of the live ZooKeeper-mode brokers.
  returned: success
  type: list
  elements: int
  sample: [1, 2, 3]
brokers:
  description: Registration JSON of each live broker, keyed by id.
  returned: success
  type: dict
  sample: {"1": {"host": "127.0.1.11", "port": 9092, "endpoints": ["INTERNAL://127.0.1.11:9092"], "version": 5}}
assignment_broker_ids:
  description: Every broker id found in a partition assignment.
  returned: success
  type: list
  elements: int
  sample: [1, 2, 3]
dead_assignment_broker_ids:
  description: Broker ids in partition assignments without a live registration.
  returned: success
  type: list
  elements: int
  sample: []
controller:
  description:
    - The parsed C(/controller); null when absent. C(ephemeral) is false and C(kraft_controller_epoch) >= 0
      once a KRaft controller took over.
  returned: success
  type: dict
  sample: {"brokerid": 3000, "kraft_controller_epoch": 5, "ephemeral": false, "timestamp": "1700000000000",
           "znode_version": 0, "is_zk_broker": false}
  contains:
    brokerid:
      description: The id of the controller (a ZooKeeper broker, or a KRaft controller's node id).
      type: int
    kraft_controller_epoch:
      description: The KRaft controller epoch; -1 while a ZooKeeper broker is the controller.
      type: int
    ephemeral:
      description: Whether the znode is ephemeral (a ZooKeeper broker's session holds it).
      type: bool
    timestamp:
      description: When the controller took over, in milliseconds, as written in the znode.
      type: str
    znode_version:
      description: The znode's data version.
      type: int
    is_zk_broker:
      description: Whether a ZooKeeper-mode broker holds it (ephemeral, no KRaft epoch).
      type: bool
controller_epoch:
  description: The integer in C(/controller_epoch); null when absent.
  returned: success
  type: int
  sample: 7
migration:
  description: The parsed C(/migration); null when absent.
  returned: success
  type: dict
  sample: {"version": 0, "kraft_controller_id": 3000, "kraft_controller_epoch": 5, "kraft_metadata_offset": 42,
           "kraft_metadata_epoch": 5, "znode_version": 3, "initial_copy_done": true}
  contains:
    version:
      description: The znode's format version.
      type: int
    kraft_controller_id:
      description: The KRaft controller that last wrote it; -1 before any did.
      type: int
    kraft_controller_epoch:
      description: That controller's epoch.
      type: int
    kraft_metadata_offset:
      description: The metadata log offset last mirrored into ZooKeeper.
      type: int
    kraft_metadata_epoch:
      description: The metadata log epoch at that offset.
      type: int
    znode_version:
      description: The znode's data version.
      type: int
    initial_copy_done:
      description: Whether the controllers copied ZooKeeper's metadata into KRaft (RV(migration.kraft_metadata_offset) > 0).
      type: bool
partition_states:
  description: Every partition's C(topic), C(partition), C(replicas) and C(isr) (empty when it has no state znode).
  returned: when O(gather_partition_states=true)
  type: list
  elements: dict
  sample: [{"topic": "orders", "partition": 0, "replicas": [1, 2, 3], "isr": [1, 2, 3]}]
metadata:
  description: Topics (assignments and ids), entity configs and ACLs.
  returned: when O(gather_metadata=true)
  type: dict
  sample: {"topics": {"orders": {"topic_id": "AAAAAAAAAAAAAAAAAAAAAA", "partitions": {"0": [1, 2, 3]}}},
           "configs": {"topics/orders": {"retention.ms": "1000"}},
           "acls": {"LITERAL:Topic:orders": [{"principal": "User:alice", "permissionType": "Allow",
                                              "operation": "Read", "host": "*"}]}}
  contains:
    topics:
      description: By topic name, C(topic_id) and C(partitions) (replica ids by partition).
      type: dict
    configs:
      description: By C(<entity type>/<name>), the entity's config overrides.
      type: dict
    acls:
      description: By C(<pattern type>:<resource type>:<name>), the resource's ACL entries.
      type: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_session import (
    HAS_KAZOO,
    KAZOO_IMPORT_ERROR,
    ZK_ARGUMENT_SPEC,
    session,
    settings_from_params,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_snapshot import read_metadata_snapshot
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_znodes import (
    read_partition_states,
    read_state,
    read_topics,
)


def main():
    argument_spec = dict(ZK_ARGUMENT_SPEC)
    argument_spec.update(gather_metadata=dict(type="bool", default=False),
                         gather_partition_states=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_KAZOO:
        module.fail_json(msg=missing_required_lib("kazoo"), exception=KAZOO_IMPORT_ERROR)
    try:
        settings = settings_from_params(module.params)
        with session(settings) as client:
            result = read_state(client).as_dict()
            snapshot = read_metadata_snapshot(client) if module.params["gather_metadata"] else None
            if snapshot is not None:
                result["metadata"] = snapshot.as_dict()
            if module.params["gather_partition_states"]:
                topics = snapshot.topics if snapshot is not None else read_topics(client)
                result["partition_states"] = read_partition_states(client, topics)
    except KraftError as exc:
        module.fail_json(msg="ZooKeeper {}: {}".format(module.params["zookeeper_connect"], exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
