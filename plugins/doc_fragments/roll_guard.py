# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


class ModuleDocFragment:
    # The options of the check before a stop (roll_guard, and kafka_restart which runs it); the argument
    # spec they document is GUARD_ARGUMENT_SPEC in module_utils/_kraft/roll_guard.py.
    DOCUMENTATION = r"""
options:
  node:
    description: Inventory name of the node about to be stopped (skipped among O(brokers), named in messages).
    type: str
    required: true
  batch:
    description:
      - The nodes about to stop together with O(node), itself included (a rack). One check covers them all, since every
        node must answer and be registered before any stops; the refusal names them.
    type: list
    elements: str
    default: []
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
  catch_up_timeout:
    description:
      - Seconds the guard waits beyond O(timeout) when the batch restarted before this one handed its wait for the
        replicas' catch-up over to this check (M(zk2kraft.migration.kafka_restart)'s O(zk2kraft.migration.kafka_restart#module:handover)).
    type: float
    default: 0
  grace:
    description: Seconds a node (or ZooKeeper) may not answer at all before the guard refuses.
    type: float
    default: 10
  interval:
    description: Seconds between two observations.
    type: float
    default: 1
"""
