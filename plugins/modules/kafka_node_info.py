#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
state:
  description: One of absent, zk, zk_migrating, kraft_broker, controller_migrating, controller_kraft, combined, unknown.
  returned: always
  type: str
node_id:
  description: node.id or broker.id from the file.
  returned: always
  type: int
running:
  description: Whether the service has a live main process.
  returned: always
  type: bool
restart_pending:
  description: Whether the config file changed after the running process started.
  returned: always
  type: bool
meta_properties:
  description: meta.properties contents by directory.
  returned: always
  type: dict
differences:
  description: Keys whose values differ from O(compare_with) (C(key), C(value), C(other)).
  returned: when O(compare_with) is given
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_info import compare_files, gather
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import masked_value


def main_pid(module, service):
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        return None
    rc, out, dummy = module.run_command([systemctl, "show", "-p", "MainPID", service])
    if rc != 0:
        return None
    value = out.strip().partition("=")[2]
    return int(value) if value.isdigit() and int(value) > 0 else None


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
