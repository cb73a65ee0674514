# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""A Kafka condition waited for as the modules run it (kafka_wait, kafka_restart): the observer built from the
module's Jolokia access, the outcome as a result dict and a failure message."""

from __future__ import annotations

import functools
import json
import time

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ProbeError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import http_get, jolokia_read
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.probes import KafkaCondition, KafkaObserver, KafkaTarget
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.waiting import wait_for

# A tool is never given less than this, even right at the deadline, so its JVM can start.
MIN_CALL_SECONDS = 5.0


def broker_jolokia_urls(brokers, access):
    """Every broker's agent URL when each broker has one (the plan's C(jolokia_url)), else none."""
    urls = [b.get("jolokia_url") for b in brokers]
    return tuple(access.url(u) for u in urls) if urls and all(urls) else ()


def wait_condition(access, target: KafkaTarget, condition: KafkaCondition, timeout: float, interval: float):
    """Observe until ``condition`` holds or ``timeout``: (result with elapsed, attempts, observed, the failure or None).

    Raises KraftError or ValueError on a usage error (the caller names the condition in its failure).
    """
    deadline = time.monotonic() + timeout
    observer = KafkaObserver(
        target, condition,
        jolokia=functools.partial(jolokia_read, fetch=functools.partial(http_get, access=access)),
        call_timeout=lambda: max(MIN_CALL_SECONDS, deadline - time.monotonic()),
    )
    waited = wait_for(observer.observe, observer.met, timeout=timeout, interval=interval, retry_on=(ProbeError,))
    result = dict(elapsed=round(waited.elapsed, 3), attempts=waited.attempts, observed=waited.last)
    if observer.log_offset is not None:
        result["log_offset"] = observer.log_offset
    if waited.ok:
        return result, None
    seen = json.dumps(waited.last, sort_keys=True) if waited.last is not None else None
    if waited.last_error:
        seen = f"{seen} (last error: {waited.last_error})" if seen else waited.last_error
    return result, f"timed out after {waited.elapsed:.1f}s waiting for {condition.describe()}; last seen: {seen}"
