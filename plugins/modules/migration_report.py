#!/usr/bin/python
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


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
  - Beside the JSON it writes the same report as one self-contained HTML page (same name, C(.html)) with the
    verdicts, a per-host timeline (SVG) of every stop, start and wait with the phase rolls as bands, the traffic
    figures when the report has them, the waits and the config changes (secret values masked). No script
    and no external asset, so it can be attached to a change ticket.
  - The report is a record on the Ansible controller, not a change to the cluster, so it never reports
    C(changed).
extends_documentation_fragment:
  - zk2kraft.migration.attributes
options:
  timings:
    description: Entries collected by the roles (C(controllers_timings) and C(brokers_timings) of every host).
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
  configs:
    description:
      - Per role (C(controllers), C(brokers)), per host, the C(changes) that
        M(zk2kraft.migration.kafka_properties) returned (or its whole result); they go into the report with
        every secret value masked (again).
    type: dict
    default: {}
  path:
    description: Where to write the JSON report; its directory is created.
    type: path
  html:
    description:
      - Also write the report as HTML beside the JSON (O(path) with C(.html) in place of C(.json)).
      - To render it again after the JSON gained a section (the sandbox's traffic figures), run
        C(python tests/render_report.py REPORT.json) in a checkout of the collection.
    type: bool
    default: true
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
    timings: "{{ hostvars['b1'].brokers_timings | default([]) }}"
    phase_before: zookeeper
    phase_after: kraft
    path: /tmp/report.json
    configs:
      brokers: {b1: "{{ hostvars['b1'].brokers_config.changes }}"}
"""

RETURN = r"""
lines:
  description: The human summary, one line per element; phases in migration order.
  returned: always
  type: list
  elements: str
  sample: ["Migration report: phase zookeeper -> dual_write in 412.0 s",
           "  phase controllers         restarts 3   waits    12.0 s  roll 20.1 s"]
phase_before:
  description: O(phase_before).
  returned: always
  type: str
  sample: zookeeper
phase_after:
  description: O(phase_after).
  returned: always
  type: str
  sample: dual_write
total_seconds:
  description: Seconds from O(started_at) to the report; null without O(started_at).
  returned: always
  type: float
  sample: 412.0
phase_order:
  description: The phases of RV(phases) in migration order (zookeeper, controllers, migration, dual_write, kraft,
    rollback_hybrid, rollback_zookeeper; other names last).
  returned: always
  type: list
  elements: str
  sample: ["controllers", "migration", "dual_write"]
phases:
  description: Per phase, C(restarts), C(wait_seconds), C(first_stop) and C(last_healthy) (UNIX times) and,
    when both are known, C(duration_seconds).
  returned: always
  type: dict
  sample: {"migration": {"restarts": 6, "wait_seconds": 40.5, "first_stop": 1700000000.0,
           "last_healthy": 1700000120.0, "duration_seconds": 120.0}}
hosts:
  description: Per host, C(restarts), C(waits) (per phase, seconds waited in total and per wait) and
    C(timeline) (per phase, C(restarted), C(stopped_at), C(healthy_at) as UNIX times, and each wait in seconds).
  returned: always
  type: dict
  sample: {"b1": {"restarts": 2, "waits": [{"phase": "migration", "seconds": 6.5, "zk_registration_wait": 6.5}],
           "timeline": [{"phase": "migration", "restarted": true, "stopped_at": 1700000000.0,
                         "healthy_at": 1700000012.5, "zk_registration_wait": 6.5}]}}
started_at:
  description: O(started_at).
  returned: always
  type: float
  sample: 1700000000.0
finished_at:
  description: UNIX time of the report.
  returned: always
  type: float
  sample: 1700000412.0
config_changes:
  description: The config changes of the run per host (C(host), C(role) or C(phase), C(path), C(state_before),
    C(state_after), C(backup_file), C(changes) as C(key), C(old), C(new)), secret values masked.
  returned: always
  type: list
  elements: dict
  sample: [{"host": "b1", "role": "brokers", "path": "/etc/kafka/server.properties", "state_before": "zk_migrating",
            "state_after": "kraft_broker", "changes": [{"key": "process.roles", "old": null, "new": "broker"}]}]
roll_gaps:
  description: Per roll, seconds between a broker being healthy and the next broker being stopped
    (C(phase), C(after), C(before), C(seconds)).
  returned: always
  type: list
  elements: dict
  sample: [{"phase": "migration", "after": "b1", "before": "b2", "seconds": 1.9}]
path:
  description: The JSON file written.
  returned: when O(path) is set
  type: str
  sample: /home/ops/kafka-prod/reports/migration-20261121T100000Z.json
html_path:
  description: The HTML page written beside the JSON.
  returned: when O(path) is set and O(html) is true
  type: str
  sample: /home/ops/kafka-prod/reports/migration-20261121T100000Z.html
"""

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report import summarize
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report_html import html_path, render


def main():
    module = AnsibleModule(
        argument_spec=dict(
            timings=dict(type="list", elements="dict", default=[]),
            phase_before=dict(type="str", required=True),
            phase_after=dict(type="str", required=True),
            started_at=dict(type="float"),
            configs=dict(type="dict", default={}),
            path=dict(type="path"),
            html=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    summary = summarize(p["timings"], p["phase_before"], p["phase_after"], p["started_at"], time.time(), p["configs"])
    if p["path"]:
        os.makedirs(os.path.dirname(p["path"]) or ".", exist_ok=True)
        with open(p["path"], "w") as handle:
            json.dump(summary, handle, indent=2, sort_keys=True)
        if p["html"]:
            page = html_path(p["path"])
            with open(page, "w", encoding="utf-8") as handle:
                handle.write(render(summary))
            summary["html_path"] = page
        summary["path"] = p["path"]
    module.exit_json(changed=False, **summary)


if __name__ == "__main__":
    main()
