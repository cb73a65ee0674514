# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Controller-side half of migration_plan: reads the inventory, never contacts a Kafka host."""


from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.zk2kraft.migration.plugins.action.check_inputs import (
    checked_inputs,
    collection_paused,
    inventory_variables,
    validated_params,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inputs import (
    current_files,
    observed_violations,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inventory import (
    live_file_states,
    spec_from_inventory,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_ids import file_ids_disagree, file_value, id_evidence
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import ALL_TARGETS
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import plan_result
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_session import (
    session,
    settings_from_params,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_znodes import read_brokers
from ansible_collections.zk2kraft.migration.plugins.modules.migration_plan import ARGUMENT_SPEC


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        with collection_paused():
            return self._run(tmp, task_vars)

    def _run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        params = validated_params(self._task.args, ARGUMENT_SPEC)
        bad = [p for p in params["phases"] if p not in ALL_TARGETS]
        if bad:
            raise AnsibleActionFail("unknown phase(s) {}; choose from {}".format(", ".join(bad), ", ".join(ALL_TARGETS)))

        groups = task_vars.get("groups", {})
        texts = {}
        states = {}
        observed = []
        evidence = None
        warnings = []
        if params["cluster"]:
            spec = params["cluster"]
        else:
            host_vars = inventory_variables(task_vars, self._loader)
            if params["check_inputs"]:
                # The inventory's variables gathered once for both checks (on thousands of hosts that is
                # most of a separate check_inputs task's time).
                inputs = checked_inputs(task_vars, self._templar, self._loader, params["broker_group"],
                                        params["controller_group"], host_vars)
                warnings = inputs["warnings"]
                if inputs["error_count"]:
                    return self._bad_inputs(result, inputs, params["fail_on_error"])
            for group in (params["broker_group"], params["controller_group"]):
                if not groups.get(group):
                    raise AnsibleActionFail(
                        "inventory group '{}' is empty or missing: list the {} there (or set broker_group/"
                        "controller_group)".format(group, "brokers" if group == params["broker_group"] else "controllers"))
            spec, texts = spec_from_inventory(
                groups[params["broker_group"]], groups[params["controller_group"]], host_vars, task_vars)
            hosts = list(dict.fromkeys(
                h for g in (params["broker_group"], params["controller_group"]) for h in groups[g]))
            states = live_file_states(list(texts) + hosts, host_vars)
            # Read on the hosts this run: managed keys edited since the last run, world-readable secrets.
            observed = observed_violations(hosts, host_vars, texts, params["accept_drift"])
            evidence = self._id_evidence(spec, texts, hosts, host_vars, task_vars)
        local_texts, problems = current_files(spec, states, params["config_dir"], params["config_dir_key"])
        problems.extend(observed)
        texts.update(local_texts)
        texts.update(params["current_configs"])

        result.update(plan_result(spec, texts, params["phases"], params["hosts"], problems, evidence,
                                  report_only=params["report_only"]))
        result["changed"] = False
        if warnings:
            result["warnings"] = warnings
        if result["error_count"] and params["fail_on_error"]:
            result["failed"] = True
            result["msg"] = f"the cluster cannot be migrated as described: {result['error_count']} error(s); see violations_by_host"
        return result

    @staticmethod
    def _bad_inputs(result, inputs, fail_on_error):
        """The result when the inputs are bad: no plan; the report is the input check's message."""
        by_host = {}
        for violation in inputs["violations"]:
            by_host.setdefault(violation["host"], []).append(violation)
        result.update({
            "changed": False,
            "violations": inputs["violations"],
            "violations_by_host": by_host,
            "error_count": inputs["error_count"],
            "warning_count": len(inputs["violations"]) - inputs["error_count"],
            "report_text": inputs["msg"],
        })
        if inputs["warnings"]:
            result["warnings"] = inputs["warnings"]
        if fail_on_error:
            result["failed"] = True
            result["msg"] = inputs["msg"]
        return result

    def _id_evidence(self, spec, texts, hosts, host_vars, task_vars):
        """What each broker's storage and ZooKeeper say about its id, when the hosts were read this run;
        ZooKeeper is asked only when a file's id disagrees with the inventory, and a failure to ask is no error."""
        observed = {}
        for host in hosts:
            node = host_vars(host).get("zk2kraft_node")
            if isinstance(node, Mapping):
                observed[host] = node
        if not observed:
            return None
        registrations = None
        disagree = file_ids_disagree(spec, texts)
        connect = spec.get("zookeeper_connect") or (
            file_value(texts[disagree[0]], "zookeeper.connect") if disagree else None)
        if disagree and connect:
            client = self._templar.template(task_vars.get("zk2kraft_zookeeper_client") or {})
            params = dict(client if isinstance(client, Mapping) else {})
            params["zookeeper_connect"] = connect
            params["zookeeper_timeout"] = min(float(params.get("zookeeper_timeout") or 5), 5.0)
            try:
                with session(settings_from_params(params)) as zk:
                    registrations = {i: r.as_dict() for i, r in read_brokers(zk).items()}
            except Exception:  # the plan goes on without it; preflight reports an unreachable ZooKeeper
                registrations = None
        return id_evidence(spec, observed, registrations)
