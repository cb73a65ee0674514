# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The readings of a server.properties that several rules share."""

from __future__ import annotations

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_config import (
    configured_log_dirs,
    migration_enabled,
)


@pytest.mark.parametrize("value,enabled", [
    (None, False), ("true", True), (" TRUE ", True), ("false", False), ("", False), ("yes", False), ("1", False),
])
def test_migration_enabled_only_for_true(value: str | None, enabled: bool) -> None:
    config = {} if value is None else {"zookeeper.metadata.migration.enable": value}
    assert migration_enabled(config) is enabled


@pytest.mark.parametrize("config,dirs", [
    ({}, []),
    ({"log.dirs": "/a, /b,,"}, ["/a", "/b"]),
    ({"log.dir": "/c"}, ["/c"]),
    # An empty log.dirs falls back to log.dir, as Kafka does.
    ({"log.dirs": "", "log.dir": "/c"}, ["/c"]),
    ({"log.dirs": "/a", "log.dir": "/c"}, ["/a"]),
])
def test_configured_log_dirs(config: dict[str, str], dirs: list[str]) -> None:
    assert configured_log_dirs(config) == dirs
