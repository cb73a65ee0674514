# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Integration tests run ansible-playbook; the marker lets a quick run skip them (-m 'not integration')."""

from __future__ import annotations

from typing import Any


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "integration: runs ansible-playbook against an inventory (seconds per run)")
