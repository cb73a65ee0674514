"""Fixtures for the sandbox's own tests: one sandbox per test module, always taken down."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SANDBOX_DIR = Path(__file__).resolve().parent.parent / "sandbox"
sys.path.insert(0, str(SANDBOX_DIR))
from lib import STATE_DIR  # noqa: E402

# Bind targets a sandbox may have to create on the machine; down must leave them as found.
MACHINE_PATHS = ("/etc/kafka", "/var/lib/kafka", "/opt/kafka", "/opt/jolokia", "/run/systemd/system")


def run_sandbox(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(SANDBOX_DIR / "sandbox.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(f"sandbox.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


@pytest.fixture(scope="module")
def machine_before() -> dict[str, bool]:
    """Which machine paths existed before the sandbox came up."""
    return {path: os.path.lexists(path) for path in MACHINE_PATHS}


@pytest.fixture(scope="module")
def sandbox(machine_before: dict[str, bool]) -> Iterator[subprocess.CompletedProcess[str]]:
    if os.geteuid() != 0:
        pytest.skip("the sandbox needs root")
    state_dir = STATE_DIR
    if state_dir.exists():
        pytest.fail(f"a sandbox is already up ({state_dir}); run 'sandbox.py down' first")
    try:
        yield run_sandbox("up")
    finally:
        run_sandbox("down", check=False)
