# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""What a Kafka server configuration says, read the same way by every rule (stdlib only).

The planner, the invariants and the modules on the Kafka hosts all ask these questions of a
``server.properties``; each answer has one reading here so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping

MIGRATION_FLAG = "zookeeper.metadata.migration.enable"


def migration_enabled(config: Mapping[str, str]) -> bool:
    """Kafka reads the flag as a boolean: only ``true`` (any case, spaces around) turns it on."""
    return config.get(MIGRATION_FLAG, "").strip().lower() == "true"


def configured_log_dirs(config: Mapping[str, str]) -> list[str]:
    """The data directories: ``log.dirs``, else ``log.dir`` (Kafka's fallback), split on commas."""
    raw = config.get("log.dirs") or config.get("log.dir") or ""
    return [d.strip() for d in raw.split(",") if d.strip()]
