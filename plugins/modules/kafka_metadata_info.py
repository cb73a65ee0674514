#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: kafka_metadata_info
short_description: Read the topics, topic configs and ACLs a Kafka cluster serves
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Runs C(kafka-topics.sh --describe), C(kafka-configs.sh --entity-type topics --describe) and
    C(kafka-acls.sh --list) against O(bootstrap_server) and returns the metadata in the shape of
    M(zk2kraft.migration.zookeeper_facts)' C(metadata), so the two can be compared after a migration.
  - When O(compare_with) is given, returns the differences and fails when there are any.
  - Read-only.
extends_documentation_fragment:
  - zk2kraft.migration.attributes
  - zk2kraft.migration.jolokia
options:
  bootstrap_server:
    description: A broker listener, C(host:port).
    type: str
    required: true
  kafka_home:
    description: Where the Kafka distribution (its bin/ tools) lives.
    type: path
    default: /opt/kafka
  command_config:
    description: Client properties file for the tools (security settings).
    type: path
  broker_properties:
    description:
      - Client settings for O(bootstrap_server) (C(security.protocol), SASL, TLS), written to a private (0600)
        file for the tool runs and removed afterwards; never logged. Overrides O(command_config).
      - Usually set with C(module_defaults) for the action group C(group/zk2kraft.migration.kafka_tools).
    type: dict
  controller_properties:
    description: Accepted so that one C(module_defaults) entry serves every Kafka module; not used here.
    type: dict
  compare_with:
    description: A metadata snapshot taken from ZooKeeper before the migration.
    type: dict
  allow_additions:
    description:
      - Topics, configs and ACLs created since the snapshot (for example while soaking in dual-write)
        are reported but do not fail the comparison; anything removed or changed does.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Check that the KRaft cluster serves what ZooKeeper held
  zk2kraft.migration.kafka_metadata_info:
    bootstrap_server: broker1:9092
    compare_with: "{{ metadata_before }}"
"""

RETURN = r"""
metadata:
  description:
    - Topics (ids, partition assignments), topic configs and ACLs, normalized to the shape of
      RV(zk2kraft.migration.zookeeper_facts#module:metadata), so the two compare directly.
  returned: always
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
      description: By C(topics/<name>), the topic's config overrides.
      type: dict
    acls:
      description: By C(<pattern type>:<resource type>:<name>), the resource's ACL entries.
      type: dict
differences:
  description: What differs from O(compare_with), one line each; an addition ends in C(added).
  returned: when O(compare_with) is given
  type: list
  elements: str
  sample: ["topics payments: added"]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.client_config import client_config_file
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import JOLOKIA_ARGUMENT_SPEC
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.metadata import (
    normalize,
    parse_acls,
    parse_topic_configs,
    parse_topics_describe,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_snapshot import diff_snapshots


def run_tool(module, tool, args, command_config):
    params = module.params
    argv = [os.path.join(params["kafka_home"], "bin", tool), "--bootstrap-server", params["bootstrap_server"]]
    if command_config:
        argv += ["--command-config", command_config]
    rc, out, err = module.run_command(argv + args)
    if rc != 0:
        module.fail_json(msg=f"{tool} failed (rc={rc}): {err.strip() or out.strip()}", cmd=argv + args)
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            bootstrap_server=dict(type="str", required=True),
            kafka_home=dict(type="path", default="/opt/kafka"),
            command_config=dict(type="path"),
            broker_properties=dict(type="dict", no_log=True),
            controller_properties=dict(type="dict", no_log=True),
            compare_with=dict(type="dict"),
            allow_additions=dict(type="bool", default=True),
            # Accepted so that one module_defaults entry (zk2kraft_kafka_client) serves every Kafka module.
            **JOLOKIA_ARGUMENT_SPEC,
        ),
        supports_check_mode=True,
    )
    with client_config_file(module.params["broker_properties"]) as written:
        config = written or module.params["command_config"]
        metadata = normalize({
            "topics": parse_topics_describe(run_tool(module, "kafka-topics.sh", ["--describe"], config)),
            "configs": parse_topic_configs(run_tool(module, "kafka-configs.sh",
                                                    ["--entity-type", "topics", "--describe"], config)),
            "acls": parse_acls(run_tool(module, "kafka-acls.sh", ["--list"], config)),
        })
    result = dict(changed=False, metadata=metadata)
    if module.params["compare_with"] is not None:
        differences = diff_snapshots(normalize(module.params["compare_with"]), metadata)
        result["differences"] = differences
        lost = [d for d in differences if not (module.params["allow_additions"] and d.endswith(": added"))]
        if lost:
            module.fail_json(msg="the cluster does not serve the metadata ZooKeeper held: {}".format("; ".join(lost)),
                             **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
