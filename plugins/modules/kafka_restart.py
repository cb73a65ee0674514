#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: kafka_restart
short_description: Restart a Kafka node for a roll, once the roll guard says the cluster can take it
version_added: 0.2.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - One step of a roll on the Kafka host, in one module call instead of four tasks (each an SSH round trip
    before every stop).
  - Reads the node's service and config (as M(zk2kraft.migration.kafka_node_info)), and restarts the service
    when O(config_changed), when the running process is older than its config (an interrupted run), or when
    it is not running.
  - Before stopping a running node it runs the check of M(zk2kraft.migration.roll_guard) (the same options),
    and fails with its refusal, the node untouched, when the cluster cannot take the stop.
  - With O(remove_metadata_log), stops the service, removes the node's C(__cluster_metadata-0) KRaft log
    from its metadata log dir, then starts it (a rollback on Kafka before 3.8, which keeps a stale log).
  - Restarts with C(systemctl) (a controlled shutdown through the unit's stop command). Just before, it sets the
    config file's modification time to now, so the node a roll was restarting holds the newest file of the roll
    (how a re-run after an interruption finds it).
  - With O(wait), a broker's roll ends in the same call, once the broker is healthy again (restarted or not), that is
    registered where its mode registers and no partition under-replicated (see O(wait)). A wait fails within
    seconds when the broker's process is gone, and at O(wait_timeout) otherwise, naming what it saw last.
  - With O(handover), a restarted broker's call ends once it is registered, and the next broker's guard (which
    waits for no partition under-replicated before its stop) waits out the replicas' catch-up, so the next call's
    start on its host overlaps that wait instead of following it.
extends_documentation_fragment:
  - zk2kraft.migration.attributes
  - zk2kraft.migration.jolokia
  - zk2kraft.migration.roll_guard
options:
  path:
    description: The node's C(server.properties).
    type: path
    default: /etc/kafka/server.properties
  service:
    description: Name of the node's systemd service.
    type: str
    default: kafka
  config_changed:
    description: The roll just changed the node's config (its render task's C(changed)).
    type: bool
    default: false
  remove_metadata_log:
    description: Stop, remove the stale C(__cluster_metadata-0) KRaft log, then start, instead of a restart.
    type: bool
    default: false
  zookeeper_on_controller:
    description:
      - ZooKeeper takes client settings (TLS, SASL) that only the Ansible controller has, so the guard must not
        speak to it from this host.
      - So the caller reads C(/brokers/ids) on the controller (M(zk2kraft.migration.zookeeper_facts)) and passes
        O(zookeeper_broker_ids), or O(zookeeper_error) when that read failed; without either, a restart that needs
        the guard fails before anything is stopped.
    type: bool
    default: false
  guard:
    description:
      - Run the roll guard before stopping a running node. V(false) when the play ran M(zk2kraft.migration.roll_guard)
        on every node of a batch of several just before (a rack), since each node's own check would see its batch mates
        already stopped, and wait for them instead of stopping with them.
    type: bool
    default: true
  wait:
    description:
      - After the restart (or none), wait on this host, as M(zk2kraft.migration.kafka_wait) would, for what a broker
        rolled to O(target) must show, in order. V(migration) and V(rollback_hybrid) - registered in ZooKeeper
        (C(broker_registered_zookeeper)) and with the KRaft controllers (C(broker_registered_kraft)); V(dual_write)
        - with the KRaft controllers; V(rollback_zookeeper) - in ZooKeeper. Then no partition under-replicated
        cluster-wide (C(under_replicated_zero), through O(bootstrap_server) or the brokers' agents).
      - With O(zookeeper_on_controller) the ZooKeeper registration is left to the caller (RV(zookeeper_wait_wanted)).
      - Only for a broker's roll (O(target) V(migration), V(dual_write), V(rollback_hybrid) or V(rollback_zookeeper)).
    type: bool
    default: false
  handover:
    description:
      - With O(wait) and a restart, wait only for the broker's registration, and leave the wait for no partition
        under-replicated (C(under_replicated_zero)) to the guard of the next broker's stop (RV(handed_over)).
      - For every batch of a roll but its last; the next batch's guard then takes O(wait_timeout) more to see the
        replicas caught up. A call without a restart still waits for both.
    type: bool
    default: false
  wait_timeout:
    description: Seconds each wait of O(wait) may take before the module fails.
    type: float
    default: 300
  broker_id:
    description: The broker's id, for O(wait); defaults to the id of O(node) in O(brokers).
    type: int
  log_dir:
    description: Kafka's log directory on this host (C(LOG_DIR), where C(server.log) is), for O(wait).
    type: path
    default: /var/log/kafka
  bootstrap_controller:
    description: The controllers' C(host:port) list, for O(wait) (the quorum tool's fallback).
    type: str
  bootstrap_server:
    description:
      - Brokers' C(host:port) list for the under-replicated check of O(wait), the other brokers first so a broker
        that did not come back cannot hang it.
    type: str
attributes:
  check_mode:
    support: full
    details: Reports whether it would restart, and restarts nothing.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: A node already running its current config is left alone.
"""

EXAMPLES = r"""
- name: Restart the broker
  zk2kraft.migration.kafka_restart:
    path: /etc/kafka/server.properties
    service: kafka
    config_changed: "{{ rendered is changed }}"
    node: "{{ inventory_hostname }}"
    target: migration
    brokers: "{{ plan.cluster_spec.brokers }}"
    controllers: "{{ plan.cluster_spec.controllers }}"
    controller_port: "{{ plan.cluster_spec.controller_port }}"
    zookeeper_connect: "{{ plan.cluster_spec.zookeeper_connect }}"
"""

RETURN = r"""
restarted:
  description: Whether the node was (or, in check mode, would be) restarted.
  returned: always
  type: bool
  sample: true
was_running:
  description: Whether the node ran before (a node that did not was started, without the guard).
  returned: always
  type: bool
  sample: true
stopped_at:
  description: UNIX time of the stop (after the guard passed); null without a restart.
  returned: always
  type: float
  sample: 1796296540.911
zookeeper_wait_wanted:
  description: With O(wait) and O(zookeeper_on_controller), the broker's ZooKeeper registration is still to be waited for on the controller.
  returned: always
  type: bool
  sample: false
waits:
  description: With O(wait), each wait's C(elapsed) seconds, C(attempts) and last observation, by condition.
  returned: when O(wait) and not in check mode
  type: dict
  sample: {"broker_registered_kraft": {"elapsed": 0.8, "attempts": 4, "observed": {"registered": true}}}
healthy_at:
  description: With O(wait), UNIX time the last wait passed; null when the call handed the last one over (RV(handed_over)).
  returned: when O(wait) and not in check mode
  type: float
  sample: 1796296549.118
registered_at:
  description: With O(handover), UNIX time the broker was registered and the call handed its last wait over.
  returned: when handed over
  type: float
  sample: 1796296546.52
handed_over:
  description: The broker was restarted and registered, and its wait for no partition under-replicated is the next guard's (O(handover)).
  returned: always
  type: bool
  sample: false
cleared_at:
  description:
    - UNIX time this call first saw the cluster healthy, before its stop (the guard's passing observation) or,
      without a restart, when its waits passed; null when neither ran (no guard, or a restart without O(wait)).
    - After the previous broker's hand-over, the moment that broker was healthy again.
  returned: always
  type: float
  sample: 1796296549.118
guard:
  description: The guard's last observation (see M(zk2kraft.migration.roll_guard)), and its C(elapsed) seconds.
  returned: when the guard ran
  type: dict
  sample: {"elapsed": 0.33, "observed": {"problems": [], "down": [], "source": "jolokia"}}
info:
  description: What the node showed before (M(zk2kraft.migration.kafka_node_info)'s fields).
  returned: always
  type: dict
"""

import os
import shutil
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.client_config import client_config_file
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import JOLOKIA_ARGUMENT_SPEC
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_info import gather
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.probes import KafkaCondition, KafkaTarget, restart_waits
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.roll_guard import GUARD_ARGUMENT_SPEC, zookeeper_read_wanted
from ansible_collections.zk2kraft.migration.plugins.module_utils.jolokia_fetch import jolokia_access
from ansible_collections.zk2kraft.migration.plugins.module_utils.kafka_wait_run import broker_jolokia_urls, wait_condition
from ansible_collections.zk2kraft.migration.plugins.module_utils.roll_guard_run import run_roll_guard
from ansible_collections.zk2kraft.migration.plugins.module_utils.service import main_pid

# Kafka before 3.8 keeps this KRaft log after a rollback; a later migration would read it.
METADATA_LOG = "__cluster_metadata-0"
# Seconds between two observations of a wait after the restart (as kafka_wait's default).
WAIT_INTERVAL = 0.25


def systemctl(module, *args):
    command = module.get_bin_path("systemctl", required=True)
    rc, out, err = module.run_command([command] + list(args))
    if rc != 0:
        module.fail_json(msg="systemctl {} failed ({}): {}".format(" ".join(args), rc, (err or out).strip()))
    return out


def broker_id(params):
    if params["broker_id"] is not None:
        return params["broker_id"]
    for entry in params["brokers"]:
        if isinstance(entry, dict) and entry.get("name") == params["node"] and entry.get("node_id") is not None:
            return int(entry["node_id"])
    return None


def wait_healthy(module, result, handover=False):
    """The waits of O(wait), in order, each failing the module with what it saw last; then the time they passed.

    With ``handover`` the wait for no under-replicated partition is left to the next stop's guard."""
    p = module.params
    result["waits"] = waits = {}
    try:
        conditions, result["zookeeper_wait_wanted"] = restart_waits(p["target"], not p["zookeeper_on_controller"],
                                                                    handover)
        node_id = broker_id(p)
        if node_id is None:
            raise KraftError("give broker_id, or list {} with its node_id in brokers".format(p["node"]))
    except KraftError as exc:
        module.fail_json(msg=f"wait: {exc}", **result)
    access = jolokia_access(module)
    with client_config_file(p["broker_properties"]) as broker_config:
        target = KafkaTarget(p["kafka_home"], p["kafka_version"], p["bootstrap_controller"], p["bootstrap_server"],
                             log_dir=p["log_dir"], config_file=p["path"], broker_command_config=broker_config,
                             broker_jolokia_urls=broker_jolokia_urls(p["brokers"], access),
                             zookeeper_connect=p["zookeeper_connect"])
        for name in conditions:
            try:
                waits[name], failure = wait_condition(access, target, KafkaCondition(name, broker_id=node_id),
                                                      p["wait_timeout"], WAIT_INTERVAL)
            except (KraftError, ValueError) as exc:
                module.fail_json(msg=f"{name}: {exc}", **result)
            if failure:
                module.fail_json(msg=failure, **result)
    if handover:
        result.update(handed_over=True, healthy_at=None, registered_at=time.time())
    else:
        result["healthy_at"] = time.time()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/kafka/server.properties"),
            service=dict(type="str", default="kafka"),
            config_changed=dict(type="bool", default=False),
            remove_metadata_log=dict(type="bool", default=False),
            zookeeper_on_controller=dict(type="bool", default=False),
            guard=dict(type="bool", default=True),
            wait=dict(type="bool", default=False),
            handover=dict(type="bool", default=False),
            wait_timeout=dict(type="float", default=300.0),
            broker_id=dict(type="int"),
            log_dir=dict(type="path", default="/var/log/kafka"),
            bootstrap_controller=dict(type="str"),
            bootstrap_server=dict(type="str"),
            **GUARD_ARGUMENT_SPEC,
            **JOLOKIA_ARGUMENT_SPEC,
        ),
        supports_check_mode=True,
    )
    p = module.params
    info = gather(p["path"], main_pid(module, p["service"]))
    restart = p["config_changed"] or info.restart_pending or not info.running
    result = dict(changed=restart, restarted=restart, was_running=info.running, stopped_at=None,
                  zookeeper_wait_wanted=False, handed_over=False, cleared_at=None, info=info.as_dict())
    if not restart or module.check_mode:
        if p["wait"] and not module.check_mode:
            wait_healthy(module, result)
            result["cleared_at"] = result["healthy_at"]
        module.exit_json(**result)
    if info.running and p["guard"] and zookeeper_read_wanted(p):
        result.update(changed=False, restarted=False)
        module.fail_json(msg="the roll guard needs ZooKeeper's broker list, which this host cannot read (zookeeper_on_controller): "
                             "pass zookeeper_broker_ids read on the controller (zk2kraft.migration.zookeeper_facts), or "
                             "zookeeper_error when that read failed", **result)
    if info.running and p["guard"]:
        result["guard"], refusal = run_roll_guard(module)
        result["cleared_at"] = result["guard"].get("cleared_at")
        if refusal:
            result.update(changed=False, restarted=False)
            module.fail_json(msg=refusal, **result)
    # From here the node is down: the report's downtime starts at this stamp, after the guard.
    result["stopped_at"] = time.time()
    # Its file becomes the newest of the roll: a re-run after an interruption here knows which node this run
    # was restarting, even when the roll wrote every node's file before its first restart.
    if info.config_exists:
        os.utime(p["path"])
    if p["remove_metadata_log"]:
        systemctl(module, "stop", p["service"])
        stale = os.path.join(info.metadata_dir, METADATA_LOG) if info.metadata_dir else None
        if stale and os.path.lexists(stale):
            if os.path.isdir(stale) and not os.path.islink(stale):
                shutil.rmtree(stale)
            else:
                os.remove(stale)
            result["removed"] = stale
        systemctl(module, "start", p["service"])
    else:
        systemctl(module, "restart" if info.running else "start", p["service"])
    if p["wait"]:
        wait_healthy(module, result, handover=p["handover"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
