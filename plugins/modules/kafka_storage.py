#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: kafka_storage
short_description: Format a KRaft controller's storage with the ZooKeeper cluster's id
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Reads the C(meta.properties) of every directory C(kafka-storage.sh format) would write (C(log.dirs) and
    C(metadata.log.dir) of O(config)).
  - Directories already formatted with O(cluster_id) (and the config's C(node.id)) are left alone; a
    directory formatted for another cluster or node fails the task naming the directory and both ids.
  - Otherwise runs C(kafka-storage.sh format -t CLUSTER_ID -c CONFIG) (with C(--ignore-formatted) when only
    some directories are formatted) and checks that every directory is formatted afterwards.
  - Refuses a ZooKeeper-mode configuration (no C(process.roles)), as C(kafka-storage.sh) would.
  - Runs on the Kafka host and needs nothing beyond the Python standard library there.
extends_documentation_fragment:
  - zk2kraft.migration.attributes
options:
  kafka_home:
    description: Where the Kafka distribution is installed.
    type: path
    default: /opt/kafka
  config:
    description: The controller's properties file.
    type: path
    required: true
  cluster_id:
    description: The cluster id to format with; for a migration, the id in ZooKeeper's C(/cluster/id).
    type: str
    required: true
  release_version:
    description: Passed as C(--release-version) (the initial metadata.version), for example V(3.9).
    type: str
attributes:
  check_mode:
    support: full
    details: Reports which directories would be formatted without running the tool.
  diff_mode:
    support: full
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Format the controller's metadata directory with the ZooKeeper cluster id
  zk2kraft.migration.kafka_storage:
    config: /etc/kafka/controller.properties
    cluster_id: "{{ zk.cluster_id }}"
    release_version: "3.9"
"""

RETURN = r"""
formatted:
  description: The directories formatted before this task, with their C(meta.properties).
  returned: always
  type: dict
  sample: {"/var/lib/kafka/meta": {"version": 1, "cluster_id": "MkU3OEVBNTcwNTJENDM2Qk", "node_id": 3000,
           "directory_id": "J8aAPcfLQt2bqs1JT_rMgQ"}}
unformatted:
  description: The directories that were (or, in check mode, would be) formatted.
  returned: always
  type: list
  elements: str
  sample: ["/var/lib/kafka/meta"]
cmd:
  description: The command that was (or would be) run; empty when nothing needed formatting.
  returned: always
  type: list
  elements: str
  sample: ["/opt/kafka/bin/kafka-storage.sh", "format", "--cluster-id=MkU3OEVBNTcwNTJENDM2Qk", "-c",
           "/etc/kafka/controller.properties"]
stdout:
  description: Output of the format command.
  returned: when the command ran
  type: str
  sample: Formatting metadata directory /var/lib/kafka/meta with metadata.version 3.9-IV0.
stderr:
  description: Error output of the format command.
  returned: when the command ran
  type: str
rc:
  description: Exit status of the format command.
  returned: when the command ran
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import loads
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.storage import (
    StorageError,
    plan_storage,
    storage_format_argv,
)


def _state_text(plan, new_cluster_id=None):
    """One line per directory; with new_cluster_id, as it will be after formatting."""
    lines = [f"{d}: cluster.id={m.cluster_id} node.id={m.node_id}" for d, m in sorted(plan.formatted.items())]
    for directory in plan.unformatted:
        lines.append(f"{directory}: cluster.id={new_cluster_id}" if new_cluster_id
                     else f"{directory}: not formatted")
    return "\n".join(lines) + "\n"


def main():
    module = AnsibleModule(
        argument_spec=dict(
            kafka_home=dict(type="path", default="/opt/kafka"),
            config=dict(type="path", required=True),
            cluster_id=dict(type="str", required=True),
            release_version=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        with open(p["config"], encoding="utf-8") as handle:
            config = loads(handle.read())
        plan = plan_storage(config, p["cluster_id"])
    except (KraftError, OSError, ValueError) as exc:
        module.fail_json(msg="{}: {}".format(p["config"], exc))
    result = dict(
        changed=plan.needs_format,
        formatted={d: m.as_dict() for d, m in sorted(plan.formatted.items())},
        unformatted=list(plan.unformatted),
        cmd=[],
    )
    if plan.needs_format:
        result["cmd"] = storage_format_argv(p["kafka_home"], p["config"], p["cluster_id"], p["release_version"],
                                            plan.ignore_formatted)
        if not module.check_mode:
            rc, out, err = module.run_command(result["cmd"])
            result.update(stdout=out, stderr=err, rc=rc)
            if rc != 0:
                module.fail_json(msg=f"kafka-storage.sh format failed (rc {rc}): {(err or out).strip()}", **result)
            try:
                after = plan_storage(config, p["cluster_id"])
            except StorageError as exc:
                module.fail_json(msg="{}: {}".format(p["config"], exc), **result)
            if after.needs_format:
                module.fail_json(msg="kafka-storage.sh format left {} unformatted".format(", ".join(after.unformatted)),
                                 **result)
    if module._diff:
        result["diff"] = dict(before=_state_text(plan), after=_state_text(plan, p["cluster_id"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
