# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Controller-side check of every run option and inventory variable; never contacts a host."""

import contextlib
import gc

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.template import Templar

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.booleans import is_false
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inputs import check_inputs, inputs_outcome
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inventory import (
    HostVariables,
    host_name_template,
)
from ansible_collections.zk2kraft.migration.plugins.modules.check_inputs import ARGUMENT_SPEC


def validated_params(args, spec):
    """A controller-side action's arguments checked against its module's spec (one place for both actions)."""
    validated = ArgumentSpecValidator(spec).validate(args)
    if validated.error_messages:
        raise AnsibleActionFail("; ".join(validated.error_messages))
    return validated.validated_parameters


@contextlib.contextmanager
def collection_paused():
    """Python's cyclic garbage collector off for a block that builds a large model of the inventory: the
    hundreds of thousands of small objects all live until the result is returned, and each collection rescans
    the whole growing heap (a third of the plan's time at 5000 brokers) and frees nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
        if params["defer_to_plan"] and is_false(_TemplatedVars(task_vars, self._templar).get("zk2kraft_validate_live")):
            # The plan checks them on the variables it gathers anyway: gathered once instead of twice.
            result.update(changed=False, violations=[], error_count=0,
                          msg="left to the plan: this run contacts no host before it")
            return result
        outcome = checked_inputs(task_vars, self._templar, self._loader, params["broker_group"],
                                 params["controller_group"])
        result["changed"] = False
        result["violations"] = outcome["violations"]
        result["error_count"] = outcome["error_count"]
        if outcome["warnings"]:
            result["warnings"] = outcome["warnings"]
        if outcome["error_count"]:
            result["failed"] = True
        result["msg"] = outcome["msg"]
        return result


def checked_inputs(task_vars, templar, loader, broker_group, controller_group, host_vars=None):
    """inputs_outcome of the run options and the inventory (``host_vars``: the inventory's variables when the
    caller already has them)."""
    groups = task_vars.get("groups", {})
    try:
        return inputs_outcome(check_inputs(
            list(groups.get(broker_group) or ()), list(groups.get(controller_group) or ()),
            inventory_variables(task_vars, loader) if host_vars is None else host_vars,
            _TemplatedVars(task_vars, templar)))
    except KraftError as exc:
        raise AnsibleActionFail(f"the inputs cannot be checked: {exc}") from exc


class _TemplatedVars:
    """The play's variables on the Ansible controller, templated on access like hostvars."""

    def __init__(self, task_vars, templar):
        self._vars = task_vars
        self._templar = templar

    def get(self, key, default=None):
        if key not in self._vars:
            return default
        return self._templar.template(self._vars[key])

    def keys(self):
        return self._vars.keys()


def inventory_variables(task_vars, loader):
    """``host -> variables`` for the whole inventory, as ``hostvars[host]`` gives them, but each host's
    variables gathered once (``hostvars[host]`` merges them again on every access) and only values that
    hold Jinja templated, under that host's variables like ``hostvars`` does."""
    hostvars = task_vars.get("hostvars", {})
    raw_get = getattr(hostvars, "raw_get", None)
    if raw_get is None:  # not Ansible's HostVars: a plain mapping of host -> variables
        return lambda host: hostvars[host]
    return HostVariables(raw_get, _host_templater(loader))


def _host_templater(loader):
    """``template(host, variables, key)``: one variable of one host, templated as ``hostvars`` would."""
    if not hasattr(Templar, "evaluate_expression"):
        # ansible-core before 2.19: HostVarsVars itself, built on the variables already read.
        from ansible.vars.hostvars import HostVarsVars

        def template_before_2_19(host, variables, key):
            return HostVarsVars(variables, loader=loader)[key]
        return template_before_2_19

    from ansible.template import is_trusted_as_template

    templar = Templar(loader=loader)

    def template(host, variables, key):
        value = variables[key]
        # Only a trusted value is a template to Ansible; text around the host's name needs no Jinja.
        if is_trusted_as_template(value):
            found = host_name_template(value, variables)
            if found is not None:
                return found
        templar.available_variables = variables
        return templar.template(value)
    return template
