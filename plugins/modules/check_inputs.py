#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: check_inputs
short_description: Refuse bad run options and inventory variables before any host is contacted
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Runs on the Ansible controller as the first task of every playbook of the collection and contacts no host.
  - Judges every run option (V(zk2kraft_stop_after), V(zk2kraft_finalize), V(zk2kraft_finalize_min_soak_seconds),
    V(zk2kraft_verify_phase), V(zk2kraft_validate_config_dir), V(zk2kraft_accept_drift), ...), every C(zk2kraft_*) inventory variable the
    inventory gives (ids, ports, listeners, protocols, SASL mechanisms, process roles, the ZooKeeper chroot,
    duplicate controllers, wildcard binds), that cluster-wide variables have one value on every host, and the
    local copies of the current files.
  - Fails with every error, each naming the host, the variable, what is wrong and the allowed values.
  - Values a host's own server.properties may still give (a missing id, listeners, log dirs) are judged later,
    by M(zk2kraft.migration.migration_plan), once the files are read.
  - Variables close to a known name (a likely typo) are reported as warnings.
extends_documentation_fragment:
  - zk2kraft.migration.attributes
options:
  broker_group:
    description: Inventory group of the ZooKeeper-mode brokers.
    type: str
    default: kafka_brokers
  controller_group:
    description: Inventory group of the KRaft controllers to provision.
    type: str
    default: kafka_controllers
  defer_to_plan:
    description:
      - >-
        Leave the whole check to M(zk2kraft.migration.migration_plan) with its
        O(zk2kraft.migration.migration_plan#module:check_inputs) option when the run contacts no host before its
        plan, that is unless C(zk2kraft_validate_live) is true (C(validate.yml)). The plan gathers the inventory's
        variables anyway, and on thousands of hosts gathering them is most of this check's time.
      - A C(zk2kraft_validate_live) that is neither true nor false is checked here, and refused.
    type: bool
    default: false
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
notes:
  - The checks run in the action plugin, which reads the inventory; the module itself only documents them.
"""

EXAMPLES = r"""
- name: Check the run options and the inventory before contacting any host
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Refuse bad input
      zk2kraft.migration.check_inputs:
"""

RETURN = r"""
violations:
  description: Every error and warning, with host, key, message, fix and severity.
  returned: always
  type: list
  elements: dict
error_count:
  description: Number of errors.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

ARGUMENT_SPEC = dict(
    broker_group=dict(type="str", default="kafka_brokers"),
    controller_group=dict(type="str", default="kafka_controllers"),
    defer_to_plan=dict(type="bool", default=False),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="check_inputs reads the inventory and runs only through its action plugin, on localhost")


if __name__ == "__main__":
    main()
