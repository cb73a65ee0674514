#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: kafka_wait
short_description: Wait on a Kafka host until a migration condition holds
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Polls one condition every O(interval) seconds until it holds or O(timeout) passes, then fails naming what
    was expected and what was seen last.
  - Reads metrics through Jolokia when O(jolokia_url) is set and otherwise falls back to the Kafka tools
    (C(kafka-metadata-quorum.sh), C(kafka-topics.sh)) or to O(log_file).
  - Each tool run is limited to the time left, so a hung tool cannot overrun O(timeout).
  - Runs on the Kafka host and needs nothing beyond the Python standard library there.
extends_documentation_fragment:
  - zk2kraft.migration.attributes
  - zk2kraft.migration.jolokia
options:
  condition:
    description:
      - V(quorum_leader) - the metadata quorum has a leader (quorum tool).
      - V(broker_registered_kraft) - the broker O(broker_id), running on this host, logged in its own
        C(server.log) (under O(log_dir)) that the KRaft controller accepted its registration, since its current
        JVM started. A rejection that no retry cures (C(UNSUPPORTED_VERSION), C(INVALID_REGISTRATION),
        C(INCONSISTENT_CLUSTER_ID)) fails at once, quoting the broker's log line; a node whose process is gone
        fails within seconds. The quorum's observers are no proof of registration, since a node fetches
        before it registers and stays listed for 5 minutes after it stopped.
      - V(broker_registered_zookeeper) - the broker O(broker_id), running on this host (its process found by
        O(config_file)), is listed in ZooKeeper's C(/brokers/ids) under the chroot of O(zookeeper_connect), read from
        this host without client settings (for ZooKeeper with TLS or SASL use M(zk2kraft.migration.zookeeper_wait)
        on the Ansible controller). A node whose process is gone fails within seconds.
      - V(under_replicated_zero) - no under-replicated partition, cluster-wide. When every broker of O(brokers)
        has a C(jolokia_url), the sum of their C(UnderReplicatedPartitions) metrics (each broker counts the
        partitions it leads), with no JVM start per poll; else C(kafka-topics.sh) through O(bootstrap_server) (also
        when an agent stops answering); without either, the local broker's metric at O(jolokia_url), which only
        counts partitions that broker leads.
      - V(migration_state) - C(ZkMigrationState) equals O(expected), decoded for O(kafka_version) (3.4 numbers
        the states differently). Without Jolokia it is read from the active controller's C(server.log) (the
        migration driver) and C(controller.log) (the controller's activation), in O(log_dir), rolled files
        included; run it on the active controller.
      - V(migrating_zk_broker_count) - C(MigratingZkBrokerCount) equals O(expected). Needs O(jolokia_url);
        without Jolokia use M(zk2kraft.migration.zookeeper_wait) with C(condition=zk_broker_count).
      - V(service_log) - a line matching O(pattern) appears in O(log_file) after byte O(log_offset).
    type: str
    required: true
    choices: [quorum_leader, broker_registered_kraft, broker_registered_zookeeper, under_replicated_zero, migration_state,
              migrating_zk_broker_count, service_log]
  expected:
    description:
      - For O(condition=migration_state), one of V(NONE), V(PRE_MIGRATION), V(MIGRATION), V(POST_MIGRATION), V(ZK).
      - For O(condition=migrating_zk_broker_count), the count.
    type: str
  broker_id:
    description: Broker id for O(condition=broker_registered_kraft) and O(condition=broker_registered_zookeeper).
    type: int
  pattern:
    description: Python regular expression for O(condition=service_log).
    type: str
  kafka_home:
    description: Where the Kafka distribution is installed.
    type: path
    default: /opt/kafka
  kafka_version:
    description: Kafka release of the node, for tool flags and metric decoding.
    type: str
    default: 3.9.0
  bootstrap_controller:
    description: A controller's C(host:port), for the quorum tool on Kafka 3.7 and later.
    type: str
  bootstrap_server:
    description: A broker's C(host:port), for the topics tool and for the quorum tool before Kafka 3.7.
    type: str
  command_config:
    description: Client properties file passed to the tools as C(--command-config) (TLS/SASL clients).
    type: path
  broker_properties:
    description:
      - Client settings for the brokers' listener O(bootstrap_server) (C(security.protocol), SASL, TLS).
      - Written to a private (0600) file for each tool run and removed afterwards; never logged.
      - Usually set once for every Kafka module with C(module_defaults) and the action group
        C(group/zk2kraft.migration.kafka_tools).
    type: dict
  controller_properties:
    description:
      - Client settings for the controllers' listener O(bootstrap_controller); handled like O(broker_properties).
    type: dict
  log_dir:
    description: Kafka's log directory on this host (C(LOG_DIR)), where C(server.log) and C(controller.log) live.
    type: path
  config_file:
    description:
      - The node's C(server.properties), to find its running process (O(condition=broker_registered_kraft),
        O(condition=broker_registered_zookeeper)).
      - With O(condition=quorum_leader), the node asked is this host's own, and the wait fails within seconds
        once its process is gone, instead of running to O(timeout).
    type: path
  jolokia_url:
    description: Base URL of the node's Jolokia agent, for example V(http://127.0.1.21:8778/jolokia).
    type: str
  brokers:
    description:
      - Every broker, as in the plan's C(cluster_spec.brokers); for O(condition=under_replicated_zero), their
        C(jolokia_url) entries, used when every broker has one.
    type: list
    elements: dict
    default: []
  zookeeper_connect:
    description: ZooKeeper's connect string with its chroot, for O(condition=broker_registered_zookeeper).
    type: str
  log_file:
    description: A log file for O(condition=service_log) (and, without O(log_dir), the C(server.log)); rotation is followed.
    type: path
  log_offset:
    description: Byte offset in O(log_file) to start reading from (for example its size before a restart).
    type: int
    default: 0
  timeout:
    description: Seconds to wait before failing.
    type: float
    default: 300
  interval:
    description: Seconds between two observations.
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
- name: Wait for the controllers to elect a leader
  zk2kraft.migration.kafka_wait:
    condition: quorum_leader
    bootstrap_controller: "{{ ansible_host }}:9093"
    timeout: 120

- name: Wait for the active controller to reach MIGRATION (Jolokia, else server.log)
  zk2kraft.migration.kafka_wait:
    condition: migration_state
    expected: MIGRATION
    kafka_version: 3.9.0
    jolokia_url: "{{ kafka_jolokia_url | default(omit) }}"
    log_dir: /var/log/kafka

- name: Wait until the restarted broker started and replication caught up
  zk2kraft.migration.kafka_wait:
    condition: under_replicated_zero
    bootstrap_server: "{{ ansible_host }}:9092"
    timeout: 900
"""

RETURN = r"""
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 3.2
attempts:
  description: Number of observations made.
  returned: always
  type: int
  sample: 5
observed:
  description: The last observation; C(source) says where it came from (jolokia, quorum_tool, topics_tool, server_log).
  returned: always
  type: dict
  sample: {"source": "jolokia", "value": 1, "state": "MIGRATION"}
log_offset:
  description: Byte offset in O(log_file) up to which complete lines were read; pass it to a later wait.
  returned: when O(log_file) is read
  type: int
  sample: 81234
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.client_config import client_config_file
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import JOLOKIA_ARGUMENT_SPEC
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.probes import KAFKA_CONDITIONS, KafkaCondition, KafkaTarget
from ansible_collections.zk2kraft.migration.plugins.module_utils.jolokia_fetch import jolokia_access
from ansible_collections.zk2kraft.migration.plugins.module_utils.kafka_wait_run import broker_jolokia_urls, wait_condition


def main():
    module = AnsibleModule(
        argument_spec=dict(
            condition=dict(type="str", required=True, choices=list(KAFKA_CONDITIONS)),
            expected=dict(type="str"),
            broker_id=dict(type="int"),
            pattern=dict(type="str"),
            kafka_home=dict(type="path", default="/opt/kafka"),
            kafka_version=dict(type="str", default="3.9.0"),
            bootstrap_controller=dict(type="str"),
            bootstrap_server=dict(type="str"),
            command_config=dict(type="path"),
            broker_properties=dict(type="dict", no_log=True),
            controller_properties=dict(type="dict", no_log=True),
            log_dir=dict(type="path"),
            config_file=dict(type="path"),
            jolokia_url=dict(type="str"),
            brokers=dict(type="list", elements="dict", default=[]),
            zookeeper_connect=dict(type="str"),
            log_file=dict(type="path"),
            log_offset=dict(type="int", default=0),
            timeout=dict(type="float", default=300.0),
            interval=dict(type="float", default=0.25),
            **JOLOKIA_ARGUMENT_SPEC,
        ),
        supports_check_mode=True,
        required_if=[
            ("condition", "broker_registered_kraft", ["broker_id"]),
            ("condition", "broker_registered_zookeeper", ["broker_id", "zookeeper_connect"]),
            ("condition", "migration_state", ["expected"]),
            ("condition", "migrating_zk_broker_count", ["expected"]),
            ("condition", "service_log", ["pattern", "log_file"]),
        ],
    )
    p = module.params
    expected = p["expected"]
    if p["condition"] == "migrating_zk_broker_count":
        try:
            expected = int(expected)
        except ValueError:
            module.fail_json(msg=f"expected must be a count for migrating_zk_broker_count, got {expected!r}")
    access = jolokia_access(module)
    try:
        with client_config_file(p["broker_properties"]) as broker_config, \
                client_config_file(p["controller_properties"]) as controller_config:
            target = KafkaTarget(p["kafka_home"], p["kafka_version"], p["bootstrap_controller"], p["bootstrap_server"],
                                 access.url(p["jolokia_url"]) if p["jolokia_url"] else None, p["log_file"], p["log_offset"],
                                 p["command_config"], log_dir=p["log_dir"], config_file=p["config_file"],
                                 broker_command_config=broker_config, controller_command_config=controller_config,
                                 broker_jolokia_urls=broker_jolokia_urls(p["brokers"], access),
                                 zookeeper_connect=p["zookeeper_connect"])
            condition = KafkaCondition(p["condition"], expected, p["broker_id"], p["pattern"])
            result, failure = wait_condition(access, target, condition, p["timeout"], p["interval"])
    except (KraftError, ValueError) as exc:
        module.fail_json(msg="{}: {}".format(p["condition"], exc))
    if failure:
        module.fail_json(msg=failure, changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
