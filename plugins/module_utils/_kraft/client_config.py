# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Client settings for the Kafka tools (``--command-config``), which default to PLAINTEXT.

The settings carry secrets (keystore passwords, JAAS configs), so they live on disk only for
the duration of the calls that need them: a 0600 file, removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import dumps


@contextlib.contextmanager
def client_config_file(properties: Mapping[str, str] | None) -> Iterator[str | None]:
    """Path of a private properties file holding ``properties``; None when there are none."""
    if not properties:
        yield None
        return
    fd, path = tempfile.mkstemp(prefix="zk2kraft-client-", suffix=".properties")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dumps({str(k): str(v) for k, v in properties.items()}))
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
