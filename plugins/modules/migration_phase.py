#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


DOCUMENTATION = r"""
---
module: migration_phase
short_description: Work out the migration phase from what the nodes and ZooKeeper show
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Takes each node's config state (as returned by M(zk2kraft.migration.kafka_node_info)) and the
    controllers' migration state, and returns the last phase fully reached and the phase under way.
  - Fails, naming which hosts are in which state, when the hosts disagree in a way no forward or
    rollback roll explains, unless O(fail_on_ambiguous=false).
extends_documentation_fragment:
  - zk2kraft.migration.attributes
options:
  brokers:
    description: Config state of every broker, by host name.
    type: dict
    required: true
  controllers:
    description: Config state of every controller, by host name.
    type: dict
    required: true
  migration_state:
    description: The controllers' ZkMigrationState name, when known.
    type: str
    choices: [NONE, MIGRATION, PRE_MIGRATION, POST_MIGRATION, ZK]
  broker_nodes:
    description:
      - What M(zk2kraft.migration.kafka_node_info) returned for every broker, by host name (C(running),
        C(restart_pending), C(config_mtime), C(config_exists) are read).
      - A broker whose process does not run its file yet (stopped, or started before the file was written)
        has not finished its roll, so the phase its file names is not reached yet.
      - With O(purpose=migrate), a stopped broker is resumed when it is the one the last run was rolling
        (RV(resume_host)); any other stopped broker fails the module, naming it.
      - With O(purpose=rollback), likewise, the stopped broker with the newest file of all brokers, in the state
        a rollback roll writes, is the one the last rollback was rolling (RV(rollback.resume_host)); any other
        stopped broker fails the module, naming it.
    type: dict
    default: {}
  controller_nodes:
    description:
      - What M(zk2kraft.migration.kafka_node_info) returned for every controller, by host name (C(running),
        C(config_mtime) are read).
      - With O(purpose=migrate), a provisioned controller that is stopped fails the module, naming it, unless
        phase 1 is still under way or it is the controller the last run's finalization roll was restarting.
    type: dict
    default: {}
  fail_on_ambiguous:
    description: Fail when the phase cannot be told without guessing.
    type: bool
    default: true
  purpose:
    description:
      - V(migrate) detects the phase for a forward run and returns RV(forward), the whole run planned from it
        and O(run_options); it fails before any change when the run must not start.
      - V(rollback) also returns RV(rollback), the steps a rollback still has to take, and fails when the
        migration was finalized, a host is in a state no rollback starts from, or a broker is stopped that
        is not the one the last rollback left down mid-roll.
      - V(finalize) is the finalization guard after the broker rolls, on fresh node states. It returns
        RV(finalize) and fails, with every reason, when a broker is not KRaft yet or the soak time has not
        passed. Its other conditions are the waits that follow it.
    type: str
    default: migrate
    choices: [migrate, rollback, finalize]
  run_options:
    description:
      - What the operator asked of this run, for O(purpose=migrate) and O(purpose=finalize).
      - C(stop_after) (controllers, migration, dual_write), C(finalize) (bool), C(finalize_min_soak_seconds),
        C(roll_strategy) (serial, rack) and C(roll_batch) (brokers per batch); unset or empty means the default.
      - A parallel roll (C(roll_strategy=rack), or C(roll_batch) above 1) is planned only when every batch keeps each
        partition at its C(min.insync.replicas) in-sync replicas outside the batch, every broker carries a rack
        (for C(rack)) and no partition is under-replicated; otherwise the module fails naming the partitions.
    type: dict
    default: {}
  cluster_spec:
    description:
      - The resolved cluster spec (M(zk2kraft.migration.migration_plan)'s C(cluster_spec)); a parallel roll reads its
        brokers' C(name), C(node_id), C(rack) and C(min_insync_replicas).
    type: dict
    default: {}
  zookeeper:
    description:
      - What M(zk2kraft.migration.zookeeper_facts) returned with C(gather_partition_states) and C(gather_metadata); a
        parallel roll reads C(partition_states) and the topics' C(min.insync.replicas) in C(metadata.configs).
    type: dict
    default: {}
  active_controller:
    description:
      - For O(purpose=finalize), the host of the quorum leader (it is finalized last).
      - For O(purpose=rollback), the broker that is the ZooKeeper controller once the KRaft controllers are
        gone (roll 2 restarts it last, so the controller moves only once).
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Detect the phase
  zk2kraft.migration.migration_phase:
    brokers: {b1: zk, b2: zk_migrating}
    controllers: {c1: controller_migrating}
"""

RETURN = r"""
phase:
  description: The last phase fully reached (zookeeper, controllers, migration, dual_write, kraft).
  returned: always
  type: str
in_progress:
  description: The phase whose roll is under way, or null.
  returned: always
  type: str
problems:
  description: Why the phase is ambiguous.
  returned: always
  type: list
  elements: str
brokers:
  description: The broker states the detection used (O(brokers)), by host.
  returned: always
  type: dict
  sample: {"b1": "kraft_broker", "b2": "zk_migrating"}
controllers:
  description: The controller states the detection used (O(controllers)), by host.
  returned: always
  type: dict
  sample: {"c1": "controller_migrating"}
pending:
  description: Brokers whose process does not run their server.properties yet (from O(broker_nodes)).
  returned: always
  type: list
  elements: str
  sample: ["b3"]
resume_host:
  description: The stopped broker the last run was rolling, which this run starts and waits for; null if none.
  returned: always
  type: str
  sample: b3
forward:
  description:
    - The forward run, for O(purpose=migrate) (C(plan_forward) in the helper library). A playbook reads only
      C(steps.<step>.runs), C(.hosts), C(.batches) and C(.wait_after), C(detected), and C(phase_after).
  returned: when O(purpose=migrate)
  type: dict
  contains:
    detected:
      description: C(phase), C(in_progress), C(problems), C(fresh_start) (plain ZooKeeper mode, nothing under way)
        and C(brokers_untouched) (no broker rolled yet).
      type: dict
    steps:
      description:
        - By step (controllers, migration, dual_write, kraft), C(runs), C(reason), C(batches) (ordered lists of hosts
          restarted together), C(hosts), C(pending) and C(wait_after) (the migration state or condition awaited after it,
          or null).
      type: dict
    run_steps:
      description: The steps this run takes, in order.
      type: list
      elements: str
    finalize:
      description: The finalization verdict so far (C(allowed) null while some checks await the guard), with its checks.
      type: dict
    phase_after:
      description: The phase the cluster reaches when the run succeeds.
      type: str
      sample: dual_write
    refusal:
      description: Why the run must not start (the module then fails), or null.
      type: str
finalize:
  description: The finalization guard's verdict, for O(purpose=finalize).
  returned: when O(purpose=finalize)
  type: dict
  contains:
    allowed:
      description: False when refused; null while conditions observed by the waits after it are pending.
      type: bool
    reasons:
      description: Why finalization is refused.
      type: list
      elements: str
    checks:
      description: Every condition (C(name), C(ok), C(detail)).
      type: list
      elements: dict
    resuming:
      description: Whether a controller already runs without the migration flag (a finalization under way).
      type: bool
    controller_order:
      description: The controllers in finalization order, the active controller last.
      type: list
      elements: str
      sample: ["c2", "c3", "c1"]
rollback:
  description: What a rollback has left to do, from the phase the cluster is in.
  returned: when O(purpose=rollback)
  type: dict
  contains:
    from_phase:
      description: The phase the rollback starts from.
      type: str
      sample: dual_write
    hybrid_roll:
      description: KRaft brokers to roll back to ZooKeeper mode with the migration flag kept (roll 1).
      type: list
      elements: str
      sample: ["b1"]
    deprovision:
      description: Controllers to stop, disable and wipe.
      type: list
      elements: str
      sample: ["c1", "c2", "c3"]
    final_roll:
      description: Brokers to roll to plain ZooKeeper mode (roll 2), the O(active_controller) last.
      type: list
      elements: str
      sample: ["b1", "b2"]
    nothing_to_do:
      description: Whether the cluster already is in plain ZooKeeper mode.
      type: bool
      sample: false
    resume_host:
      description: The stopped broker the last rollback was rolling, which this run starts first and waits for; null if none.
      type: str
      sample: b2
    resume_target:
      description: The rollback target whose roll RV(rollback.resume_host) finishes (V(rollback_hybrid) or V(rollback_zookeeper)).
      type: str
      sample: rollback_hybrid
    resume_removes_metadata_log:
      description: Whether that roll removes the broker's stale KRaft metadata log (V(rollback_zookeeper) before Kafka 3.7.1).
      type: bool
      sample: false
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.forward import (
    FinalizeFacts,
    ForwardOptions,
    finalize_verdict,
    plan_forward,
    topology_from,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import (
    detect_phase,
    judge_dead_brokers,
    judge_dead_controllers,
    judge_rollback_dead_brokers,
    pending_brokers,
    plan_rollback,
    removes_metadata_log,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            brokers=dict(type="dict", required=True),
            controllers=dict(type="dict", required=True),
            migration_state=dict(type="str", choices=["NONE", "MIGRATION", "PRE_MIGRATION", "POST_MIGRATION", "ZK"]),
            broker_nodes=dict(type="dict", default={}),
            controller_nodes=dict(type="dict", default={}),
            fail_on_ambiguous=dict(type="bool", default=True),
            purpose=dict(type="str", default="migrate", choices=["migrate", "rollback", "finalize"]),
            run_options=dict(type="dict", default={}),
            cluster_spec=dict(type="dict", default={}),
            zookeeper=dict(type="dict", default={}),
            active_controller=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        options = ForwardOptions.from_vars(check_mode=module.check_mode, **params["run_options"])
    except (ModelError, TypeError) as exc:
        module.fail_json(msg=f"run_options: {exc}")
    if params["purpose"] == "finalize":
        finalize(module, options)
    migrate = params["purpose"] == "migrate"
    pending = pending_brokers(params["broker_nodes"])
    # A rollback plans from the files: its rolls restart a pending broker anyway.
    detection = detect_phase(params["brokers"], params["controllers"], params["migration_state"],
                             pending if migrate else ())
    result = dict(changed=False, phase=detection.phase, in_progress=detection.in_progress,
                  problems=detection.problems, brokers=detection.brokers, controllers=detection.controllers,
                  pending=pending, resume_host=None)
    if params["purpose"] == "rollback":
        rollback(module, result)
    dead = judge_dead_brokers(params["broker_nodes"], detection)
    result["resume_host"] = dead.resume
    if dead.refusal:
        module.fail_json(msg=f"Refusing to start: {dead.refusal}", **result)
    dead_voters = judge_dead_controllers(params["controller_nodes"], detection)
    if dead_voters:
        module.fail_json(msg=f"Refusing to start: {dead_voters}", **result)
    if detection.problems and params["fail_on_ambiguous"]:
        module.fail_json(msg="the hosts disagree about the migration phase; fix or roll back by hand: {}".format("; ".join(detection.problems)), **result)
    try:
        topology = None
        if options.parallel and params["zookeeper"].get("partition_states") is not None:
            topology = topology_from(params["cluster_spec"].get("brokers") or [], params["zookeeper"]["partition_states"],
                                     (params["zookeeper"].get("metadata") or {}).get("configs"))
        plan = plan_forward(params["brokers"], params["controllers"], params["migration_state"], options, topology,
                            FinalizeFacts(now=time.time(), broker_config_mtimes=config_mtimes(params["broker_nodes"])),
                            pending=pending, resume_host=dead.resume)
    except ModelError as exc:
        module.fail_json(msg=f"Refusing to start: {exc}", **result)
    result["forward"] = plan.as_dict()
    if plan.refusal:
        module.fail_json(msg=f"Refusing to start: {plan.refusal}", **result)
    module.exit_json(**result)


def rollback(module, result):
    """The rollback's steps, and the broker a killed rollback left down (started first); refuses any other stopped broker."""
    params = module.params
    plan = plan_rollback(params["brokers"], params["controllers"], params["active_controller"])
    dead = judge_rollback_dead_brokers(params["broker_nodes"], params["brokers"], plan)
    try:
        remove_log = removes_metadata_log(dead.resume_target, params["cluster_spec"].get("kafka_version") or "3.9.0")
    except ModelError as exc:
        module.fail_json(msg=f"cluster_spec: {exc}", **result)
    result["resume_host"] = dead.resume
    result["rollback"] = dict(from_phase=plan.from_phase, hybrid_roll=plan.hybrid_roll,
                              deprovision=plan.deprovision, final_roll=plan.final_roll,
                              nothing_to_do=plan.nothing_to_do, resume_host=dead.resume,
                              resume_target=dead.resume_target, resume_removes_metadata_log=remove_log)
    if plan.refusal:
        module.fail_json(msg=f"Rollback refused: {plan.refusal}.", **result)
    if dead.refusal:
        module.fail_json(msg=f"Rollback refused: {dead.refusal}", **result)
    module.exit_json(**result)


def config_mtimes(nodes):
    """Each broker's server.properties time, or None unless every broker's is known."""
    mtimes = {h: (n or {}).get("config_mtime") for h, n in nodes.items()}
    return mtimes if mtimes and all(t is not None for t in mtimes.values()) else None


def finalize(module, options):
    """The guard on fresh states: every broker on KRaft, the soak passed, the active controller last."""
    params = module.params
    facts = FinalizeFacts(now=time.time(), broker_config_mtimes=config_mtimes(params["broker_nodes"]),
                          active_controller=params["active_controller"])
    try:
        verdict = finalize_verdict(params["brokers"], params["controllers"], params["migration_state"],
                                   options.finalize_min_soak_seconds, facts)
    except ModelError as exc:
        module.fail_json(msg=f"Finalization guard: {exc}")
    result = dict(changed=False, finalize=verdict.as_dict())
    if verdict.refusal:
        module.fail_json(msg=verdict.refusal, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
