#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: migration_report
short_description: Summarize a migration run and write it as JSON
version_added: 0.1.0
author: zk2kraft.migration contributors (@zk2kraft)
description:
  - Turns the timings the roles collected into a human summary (phase reached, restarts and waits per
    host, time per phase, gap between a broker being healthy and the next one being stopped) and writes
    the same data as JSON.
  - The report is a record on the Ansible controller, not a change to the cluster, so it never reports
    C(changed).
extends_documentation_fragment:
  - zk2kraft.migration.attributes
options:
  timings:
    description: Entries collected by the roles (C(zk2kraft_timings) of every host).
    type: list
    elements: dict
    default: []
  phase_before:
    description: The phase detected at the start of the run.
    type: str
    required: true
  phase_after:
    description: The phase reached at the end of the run.
    type: str
    required: true
  started_at:
    description: UNIX time the run started.
    type: float
  path:
    description: Where to write the JSON report; its directory is created.
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
- name: Summarize
  zk2kraft.migration.migration_report:
    timings: "{{ zk2kraft_timings | default([]) }}"
    phase_before: zookeeper
    phase_after: kraft
    path: /tmp/report.json
"""

RETURN = r"""
lines:
  description: The human summary, one line per element.
  returned: always
  type: list
  elements: str
roll_gaps:
  description: Per roll, seconds between a broker being healthy and the next broker being stopped.
  returned: always
  type: list
  elements: dict
path:
  description: The JSON file written.
  returned: when O(path) is set
  type: str
"""

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report import summarize


def main():
    module = AnsibleModule(
        argument_spec=dict(
            timings=dict(type="list", elements="dict", default=[]),
            phase_before=dict(type="str", required=True),
            phase_after=dict(type="str", required=True),
            started_at=dict(type="float"),
            path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    summary = summarize(p["timings"], p["phase_before"], p["phase_after"], p["started_at"], time.time())
    if p["path"]:
        os.makedirs(os.path.dirname(p["path"]) or ".", exist_ok=True)
        with open(p["path"], "w") as handle:
            json.dump(summary, handle, indent=2, sort_keys=True)
        summary["path"] = p["path"]
    module.exit_json(changed=False, **summary)


if __name__ == "__main__":
    main()
