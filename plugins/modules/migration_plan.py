#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: migration_plan
short_description: Plan a ZooKeeper to KRaft migration and check every rule before anything changes
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Builds the cluster model from the inventory (or from an explicit O(cluster) spec), renders every
    node's server.properties for every phase, and checks every configuration and cluster rule.
  - Runs on the Ansible controller and contacts no Kafka host. Without O(cluster), an action plugin
    reads the C(zk2kraft_*) variables of the hosts in O(broker_group) and O(controller_group).
  - Fails when any error-level violation exists, unless O(fail_on_error=false).
extends_documentation_fragment:
  - zk2kraft.migration.attributes
options:
  cluster:
    description:
      - An explicit cluster spec (the shape of the returned RV(cluster_spec)). When omitted, it is built
        from the inventory variables documented in the collection README.
    type: dict
  broker_group:
    description: Inventory group of the ZooKeeper-mode brokers.
    type: str
    default: kafka_brokers
  controller_group:
    description: Inventory group of the KRaft controllers to provision.
    type: str
    default: kafka_controllers
  config_dir:
    description:
      - Local directory holding copies of the nodes' current files, named C(<inventory_hostname>.properties).
      - A directory that is missing, unreadable, a file or a dangling link, and a file in it that cannot be read
        or is not text, are errors; a broker without a file there is a warning (it is planned from the inventory).
    type: path
  config_dir_key:
    description:
      - The name O(config_dir) is known by to the operator, used in the messages about it
        (for example V(zk2kraft_validate_config_dir)).
    type: str
    default: config_dir
    version_added: 0.1.0
  current_configs:
    description:
      - Current server.properties texts by host name; wins over O(config_dir) and the hosts'
        C(zk2kraft_current_properties) variable.
    type: dict
    default: {}
  phases:
    description: Phases and rollback targets to render.
    type: list
    elements: str
    default: [zookeeper, controllers, migration, dual_write, kraft]
  hosts:
    description: Render only these hosts (every rule is still checked on the whole cluster).
    type: list
    elements: str
  fail_on_error:
    description: Fail when an error-level violation exists.
    type: bool
    default: true
  report_only:
    description:
      - Return only what a dry run prints and judges (RV(report_text), RV(violations), RV(violations_by_host),
        RV(error_count) and RV(warning_count)), with the same values; not the per-host RV(plan), the RV(report) lines,
        the resolved RV(cluster_spec) or the secrets.
      - On a cluster of thousands of nodes the plan and the lines are hundreds of thousands of small values, which
        Ansible copies several times on their way to a registered variable.
    type: bool
    default: false
    version_added: 0.1.0
  check_inputs:
    description:
      - First judge the run options and the inventory variables as M(zk2kraft.migration.check_inputs) does, on
        the inventory variables gathered once for both (on thousands of hosts, gathering them is most of a separate
        check's time). Bad inputs give no plan; RV(report_text) is then the check's message and RV(violations)
        its errors.
      - For a run that contacts no host before its plan; a playbook that reads the hosts first runs
        M(zk2kraft.migration.check_inputs) before that.
    type: bool
    default: false
    version_added: 0.1.0
  accept_drift:
    description:
      - Managed keys an operator edited since the collection last wrote a host's file
        (RV(zk2kraft.migration.kafka_node_info#module:drift) of the hosts' C(zk2kraft_node)) are errors, because
        the run would overwrite the edits. V(true) makes them warnings; the run then writes its own values.
      - The world-readable check (a file holding secrets that every user can read) is a warning either way.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Plan the migration from the inventory and stop on any violation
  zk2kraft.migration.migration_plan:
    config_dir: "{{ playbook_dir }}/current-configs"
  register: cluster_plan
"""

RETURN = r"""
cluster_spec:
  description:
    - The resolved cluster spec, secret values removed; pass it to M(zk2kraft.migration.kafka_properties).
    - Every value is explicit (derived ones included), so each host renders its file alone. The keys the
      collection's playbooks read are listed here; the others mirror the cluster-wide inventory variables.
  returned: when the model could be built, unless O(report_only)
  type: dict
  contains:
    kafka_version:
      description: The Kafka release the cluster runs.
      type: str
      sample: 3.9.0
    metadata_version:
      description: The controllers' metadata.version.
      type: str
      sample: 3.9-IV0
    zookeeper_connect:
      description: The ZooKeeper connect string, chroot included.
      type: str
      sample: zk1:2181,zk2:2181,zk3:2181/kafka
    controller_port:
      description: The controllers' listener port.
      type: int
      sample: 9093
    bootstrap_controllers:
      description: The controllers as C(host:port,...), for C(--bootstrap-controller).
      type: str
      sample: c1:9093,c2:9093,c3:9093
    controllers:
      description:
        - One entry per controller (C(name), C(node_id), C(address), C(metadata_log_dir), C(config_file), ...).
        - C(jolokia_url) is the base URL of the node's Jolokia agent, built from C(zk2kraft_jolokia_port) and the
          C(jolokia_tls) of C(zk2kraft_kafka_client) (C(https) then); null when no Jolokia port is set.
        - C(log_dir) is Kafka's LOG_DIR on the node (C(zk2kraft_log_dir), default C(/var/log/kafka)).
      type: list
      elements: dict
    brokers:
      description:
        - One entry per broker (C(name), C(node_id), C(address), C(listeners), C(log_dirs), C(config_file), ...).
        - C(bootstrap_server) is the broker's inter-broker listener as C(host:port), what the Kafka tools are run against.
        - C(jolokia_url) and C(log_dir) as for RV(cluster_spec.controllers).
      type: list
      elements: dict
cluster_secrets:
  description: Secret-looking property values split out of RV(cluster_spec); pass them as O(zk2kraft.migration.kafka_properties#module:secret_properties).
  returned: when the model could be built, unless O(report_only)
  type: dict
zookeeper_jaas:
  description:
    - The JAAS file (a C(Client) section with C(DigestLoginModule)) the controllers log in to ZooKeeper with while
      they run in migration mode, built from C(zk2kraft_zookeeper_client) when it sets C(zookeeper_auth=sasl_digest).
    - Holds a password; register the result with C(no_log).
  returned: when the model could be built and ZooKeeper SASL credentials are given, unless O(report_only)
  type: str
plan:
  description: Per host, per phase, the keys that change from the current (or inventory-derived) file.
  returned: unless O(report_only)
  type: dict
violations:
  description: Every violation, with host, key, message, fix, severity and phase.
  returned: always
  type: list
  elements: dict
violations_by_host:
  description: The violations grouped by host.
  returned: always
  type: dict
report:
  description: A readable plan and violation list, one line per element.
  returned: unless O(report_only)
  type: list
  elements: str
report_text:
  description: The lines of RV(report) as one text (joined with newlines), to print the whole plan as one value.
  returned: always
  type: str
  version_added: 0.1.0
error_count:
  description: Number of error-level violations.
  returned: always
  type: int
warning_count:
  description: Number of warnings.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inputs import current_files
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import ALL_TARGETS
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import plan_result

ARGUMENT_SPEC = dict(
    cluster=dict(type="dict"),
    broker_group=dict(type="str", default="kafka_brokers"),
    controller_group=dict(type="str", default="kafka_controllers"),
    config_dir=dict(type="path"),
    config_dir_key=dict(type="str", default="config_dir", no_log=False),
    current_configs=dict(type="dict", default={}),
    phases=dict(type="list", elements="str", default=["zookeeper", "controllers", "migration", "dual_write", "kraft"]),
    hosts=dict(type="list", elements="str"),
    fail_on_error=dict(type="bool", default=True),
    accept_drift=dict(type="bool", default=False),
    report_only=dict(type="bool", default=False),
    check_inputs=dict(type="bool", default=False),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    if not params["cluster"]:
        module.fail_json(msg="cluster is required when the module runs without its action plugin")
    bad = [p for p in params["phases"] if p not in ALL_TARGETS]
    if bad:
        module.fail_json(msg="unknown phase(s) {}; choose from {}".format(", ".join(bad), ", ".join(ALL_TARGETS)))
    spec = params["cluster"]
    texts, problems = current_files(spec, {}, params["config_dir"], params["config_dir_key"])
    texts.update(params["current_configs"])
    result = plan_result(spec, texts, params["phases"], params["hosts"], problems, report_only=params["report_only"])
    if result["error_count"] and params["fail_on_error"]:
        module.fail_json(msg=f"the cluster cannot be migrated as described: {result['error_count']} error(s)", **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
