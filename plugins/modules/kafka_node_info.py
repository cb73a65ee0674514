#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: kafka_node_info
short_description: Report what a Kafka host's config, storage and service say about the node
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Reads the node's server.properties and classifies it (ZooKeeper broker, migrating ZooKeeper broker,
    KRaft broker, controller with or without the migration flag, not provisioned).
  - Reads C(meta.properties) of its log and metadata directories.
  - Asks the service manager for the service's main PID and reports whether the running process is
    older than the config file (a restart is pending), so an interrupted run can finish the job.
  - Read-only.
extends_documentation_fragment:
  - zk2kraft.migration.attributes
options:
  path:
    description: The node's properties file.
    type: path
    default: /etc/kafka/server.properties
  service:
    description: The systemd service running the node.
    type: str
    default: kafka
  compare_with:
    description:
      - Another properties file (e.g. the backup taken before the migration) to compare O(path) with;
        the keys whose values differ are returned in RV(differences), secret values masked.
    type: path
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Find out where this node stands
  zk2kraft.migration.kafka_node_info:
  register: zk2kraft_node
"""

RETURN = r"""
config_exists:
  description: Whether O(path) exists; when it does not, RV(state) is C(absent) (a controller not provisioned yet).
  returned: always
  type: bool
  sample: true
state:
  description: One of absent, zk, zk_migrating, kraft_broker, controller_migrating, controller_kraft, combined, unknown.
  returned: always
  type: str
  sample: zk_migrating
node_id:
  description: node.id or broker.id from the file; null when neither is there or it is not a number.
  returned: always
  type: int
  sample: 1
process_roles:
  description: The file's C(process.roles) (C(broker), C(controller)); null for a ZooKeeper-mode broker.
  returned: always
  type: str
  sample: controller
migration_enabled:
  description: Whether the file sets C(zookeeper.metadata.migration.enable=true).
  returned: always
  type: bool
  sample: true
log_dirs:
  description: The file's C(log.dirs) (or C(log.dir)), split on commas; empty when neither is set.
  returned: always
  type: list
  elements: str
  sample: ["/var/lib/kafka/data"]
metadata_dir:
  description: The file's C(metadata.log.dir), else the first of RV(log_dirs); null when there is neither.
  returned: always
  type: str
  sample: /var/lib/kafka/metadata
meta_properties:
  description: C(meta.properties) contents by directory (log and metadata directories that have one).
  returned: always
  type: dict
  sample: {"/var/lib/kafka/metadata": {"version": "1", "cluster.id": "MkU3OEVBNTcwNTJENDM2Qk", "node.id": "3000"}}
running:
  description: Whether the service has a live main process.
  returned: always
  type: bool
  sample: true
pid:
  description: The service's main process id; null when it is not running.
  returned: always
  type: int
  sample: 4242
process_started:
  description: UNIX time the main process started (from C(/proc)); null when it is not running.
  returned: always
  type: float
  sample: 1700000000.25
config_mtime:
  description: UNIX time O(path) was last modified; null when it does not exist.
  returned: always
  type: float
  sample: 1700000100.5
restart_pending:
  description: Whether the config file changed after the running process started.
  returned: always
  type: bool
  sample: false
zookeeper_sasl:
  description:
    - Why the running node logs in to ZooKeeper with SASL (the JAAS file named by C(-Djava.security.auth.login.config)
      in its command line or C(KAFKA_OPTS) has a C(Client) section); null when it does not or is not running.
    - The plan then requires SASL credentials in C(zk2kraft_zookeeper_client).
  returned: always
  type: str
  sample: its JAAS file /etc/kafka/kafka_jaas.conf has a Client section
config_mode:
  description: The mode of O(path) in octal; null when it does not exist.
  returned: always
  type: str
  sample: "0640"
drift:
  description:
    - Keys M(zk2kraft.migration.kafka_properties) manages whose value in O(path) is not what it last wrote there
      (C(key), C(written), C(found); null means absent), from its record beside the file; secret values masked.
    - Empty when the file was never written by the collection.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "zookeeper.connect", "written": "zk1:2181/kafka", "found": "zk9:2181/kafka"}]
written_target:
  description:
    - The phase M(zk2kraft.migration.kafka_properties) last rendered O(path) for (for example V(rollback_zookeeper)),
      from its record beside the file; null when the collection never wrote the file or did not record it.
  returned: always
  type: str
  sample: rollback_zookeeper
differences:
  description: Keys whose values differ from O(compare_with) (C(key), C(value), C(other)), secret values masked.
  returned: when O(compare_with) is given
  type: list
  elements: dict
  sample: [{"key": "process.roles", "value": "broker", "other": null}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_info import compare_files, gather
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import masked_value
from ansible_collections.zk2kraft.migration.plugins.module_utils.service import main_pid


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/kafka/server.properties"),
            service=dict(type="str", default="kafka"),
            compare_with=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    info = gather(module.params["path"], main_pid(module, module.params["service"]))
    result = dict(changed=False, **info.as_dict())
    if module.params["compare_with"]:
        result["differences"] = [
            {"key": d["key"], "value": masked_value(d["key"], d["value"]), "other": masked_value(d["key"], d["other"])}
            for d in compare_files(module.params["path"], module.params["compare_with"])
        ]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
