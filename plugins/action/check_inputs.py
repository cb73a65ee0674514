# -*- coding: utf-8 -*-
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Controller-side check of every run option and inventory variable; never contacts a host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ERROR, WARNING, KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inputs import check_inputs, failure_lines
from ansible_collections.zk2kraft.migration.plugins.modules.check_inputs import ARGUMENT_SPEC


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(self._task.args)
        if validated.error_messages:
            raise AnsibleActionFail("; ".join(validated.error_messages))
        params = validated.validated_parameters
        hostvars = task_vars.get("hostvars", {})
        groups = task_vars.get("groups", {})
        play_vars = _TemplatedVars(task_vars, self._templar)
        try:
            violations = check_inputs(
                list(groups.get(params["broker_group"]) or ()), list(groups.get(params["controller_group"]) or ()),
                lambda host: hostvars[host], play_vars)
        except KraftError as exc:
            raise AnsibleActionFail("the inputs cannot be checked: %s" % exc)
        errors = [v for v in violations if v.severity == ERROR]
        result["changed"] = False
        result["violations"] = [v.as_dict() for v in violations]
        result["error_count"] = len(errors)
        warnings = ["%s | %s | %s. Fix: %s" % (v.host, v.key, v.message, v.fix)
                    for v in violations if v.severity == WARNING]
        if warnings:
            result["warnings"] = warnings
        if errors:
            result["failed"] = True
            result["msg"] = "%d error(s) in the run options and the inventory; no host was contacted:\n%s" % (
                len(errors), "\n".join(failure_lines(errors)))
        else:
            result["msg"] = "run options and inventory variables are valid"
        return result


class _TemplatedVars(object):
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
