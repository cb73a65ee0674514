"""The fault suite's sandbox: one per test module (like the sandbox tests), or the one already up
with FAULTS_REUSE_SANDBOX=1 (while developing)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SANDBOX_DIR = HERE.parent / "sandbox"
sys.path.insert(0, str(SANDBOX_DIR))
sys.path.insert(0, str(HERE.parent / "sandbox_tests"))
sys.path.insert(0, str(HERE))
from lib import STATE_DIR  # noqa: E402  (SANDBOX_STATE_DIR or tests/sandbox/.state)


def _sandbox(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SANDBOX_DIR / "sandbox.py"), *args], capture_output=True,
                          text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("the sandbox needs root")
    if os.environ.get("FAULTS_REUSE_SANDBOX") == "1" and STATE_DIR.exists():
        yield None
        return
    if STATE_DIR.exists():
        pytest.fail(f"a sandbox is already up ({STATE_DIR}); run 'sandbox.py down' first")
    try:
        up = _sandbox("up")
        if up.returncode != 0:
            pytest.fail("sandbox.py up failed:\n" + up.stdout + up.stderr)
        yield None
    finally:
        _sandbox("down")
