# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The roll guard as the modules run it (roll_guard, kafka_restart): their parameters in, the wait's outcome out."""

from __future__ import annotations

import time

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.client_config import client_config_file
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.roll_guard import (
    RollGuard,
    check_before_stop,
    guard_spec_from_params,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils.jolokia_fetch import jolokia_access, mbean_reader


def run_roll_guard(module):
    """Checks until the stop is safe or the timeout: (the result's elapsed and observed, the refusal or None).

    Fails the module on bad Jolokia access options and when the guard refuses early (a node is down).
    """
    p = module.params
    access = jolokia_access(module)
    timeout = p["timeout"] + p["catch_up_timeout"]
    deadline = time.monotonic() + timeout
    try:
        with client_config_file(p["broker_properties"]) as broker_config, \
                client_config_file(p["controller_properties"]) as controller_config:
            spec = guard_spec_from_params(p, access.url, broker_config, controller_config)
            guard = RollGuard(spec, call_timeout=lambda: max(5.0, deadline - time.monotonic()), grace=p["grace"],
                              read_mbean=mbean_reader(access))
            waited, refusal = check_before_stop(guard, timeout, p["interval"])
    except KraftError as exc:
        module.fail_json(msg=str(exc))
    # When the passing observation began: after a hand-over (kafka_restart's handover), when the broker restarted
    # before this one was seen healthy again, its stop-to-healthy's end in the report.
    cleared = None if refusal else guard.observed_at
    return dict(elapsed=round(waited.elapsed, 3), observed=waited.last, cleared_at=cleared), refusal
