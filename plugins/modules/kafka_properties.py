#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: kafka_properties
short_description: Bring a Kafka node's server.properties to the state of a migration phase
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Renders the managed keys of one node for one migration phase (or rollback target) from the
    cluster spec returned by M(zk2kraft.migration.migration_plan), merges them onto the node's
    current file and writes the result.
  - Comments, blank lines, key order and keys the collection does not manage are kept; changing
    one key changes one line.
  - Refuses to write a file that Kafka would refuse to start with, listing every violation.
  - Values of secret-looking keys (passwords, JAAS configs, ...) are masked in diffs and results.
  - Before changing a file it keeps a timestamped backup with the original mode and owner.
  - A key the file lacks goes where the newest backup holding it had it (next to the same neighbours and
    comments), so a rollback puts C(broker.id), C(zookeeper.*) and the IBP back in their sections.
  - Records the value it wrote for every managed key in C(.<file name>.zk2kraft) beside the file (mode 0600,
    secret values as SHA-256 digests), so the next run can detect the operator's edits since
    (RV(zk2kraft.migration.kafka_node_info#module:drift)). Writing only that record does not count as a change.
extends_documentation_fragment:
  - zk2kraft.migration.attributes
options:
  path:
    description: The properties file to manage.
    type: path
    default: /etc/kafka/server.properties
  cluster:
    description:
      - The resolved cluster spec (C(cluster_spec) returned by M(zk2kraft.migration.migration_plan)).
    type: dict
    required: true
  secret_properties:
    description:
      - Secret-looking property values split out of O(cluster) (C(cluster_secrets) returned by
        M(zk2kraft.migration.migration_plan)), passed separately so they are never logged.
    type: dict
    default: {}
  node:
    description: The inventory name of the node in O(cluster).
    type: str
    required: true
  phase:
    description: The phase or rollback target to render.
    type: str
    required: true
    choices: [zookeeper, controllers, migration, dual_write, kraft, rollback_hybrid, rollback_zookeeper]
  state:
    description:
      - V(present) renders the file; V(absent) removes it (after a backup), for deprovisioned controllers.
    type: str
    default: present
    choices: [present, absent]
  backup:
    description: Keep a timestamped copy of the file before changing it.
    type: bool
    default: true
  mode:
    description: Mode of a newly created file (an existing file keeps its mode).
    type: str
    default: "0640"
  owner:
    description: Owner of a newly created file.
    type: str
  group:
    description: Group of a newly created file.
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
notes:
  - Runs on the Kafka host and needs nothing beyond the Python standard library there.
"""

EXAMPLES = r"""
- name: Put the broker into migration mode
  zk2kraft.migration.kafka_properties:
    cluster: "{{ hostvars['localhost'].cluster_plan.cluster_spec }}"  # migration_plan's result, registered on localhost
    secret_properties: "{{ hostvars['localhost'].cluster_plan.cluster_secrets }}"
    node: "{{ inventory_hostname }}"
    phase: migration
"""

RETURN = r"""
path:
  description: The properties file that was (or, in check mode, would be) written; O(path).
  returned: always
  type: str
  sample: /etc/kafka/server.properties
changes:
  description: The keys that changed, with secret values masked.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "zookeeper.metadata.migration.enable", "old": null, "new": "true"}]
backup_file:
  description: The backup made before the change (timestamped, with the original mode and owner).
  returned: when a backup was made
  type: str
  sample: /etc/kafka/server.properties.20261121T100000Z.bak
state_before:
  description: What the file said about the node before (zk, zk_migrating, kraft_broker, controller_migrating, ...).
  returned: always
  type: str
state_after:
  description: What the file says about the node after the change.
  returned: always
  type: str
"""

import grp
import os
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_config import (
    PHASE_CHOICES,
    apply_node_config,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/kafka/server.properties"),
            cluster=dict(type="dict", required=True),
            secret_properties=dict(type="dict", default={}, no_log=True),
            node=dict(type="str", required=True),
            phase=dict(type="str", required=True, choices=list(PHASE_CHOICES)),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            backup=dict(type="bool", default=True),
            mode=dict(type="str", default="0640"),
            owner=dict(type="str"),
            group=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    uid = pwd.getpwnam(params["owner"]).pw_uid if params["owner"] else None
    gid = grp.getgrnam(params["group"]).gr_gid if params["group"] else None
    try:
        result = apply_node_config(
            path=params["path"], spec=params["cluster"], secrets=params["secret_properties"],
            node_name=params["node"], target=params["phase"], state=params["state"],
            make_backup=params["backup"], check_mode=module.check_mode,
            mode=int(params["mode"], 8), uid=uid, gid=gid,
        )
    except KraftError as exc:
        module.fail_json(msg="{}: {}".format(params["path"], exc), violations=getattr(exc, "violations_as_dicts", []))
    except (OSError, ValueError) as exc:
        module.fail_json(msg="{}: {}".format(params["path"], exc))
    out = result.as_result()
    if module._diff:
        out["diff"] = result.diff(os.path.basename(params["path"]))
    module.exit_json(**out)


if __name__ == "__main__":
    main()
