# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The scenario lanes (tests/run_scenarios.py): every case gets a result, a case a lane cannot run fails the run."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

# tests/run_scenarios.py is a script beside the test trees, not a package module.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
rs = importlib.import_module("run_scenarios")


def test_a_long_case_gets_a_short_distinct_log_name() -> None:
    ids = "+".join(f"tests/faults/test_faults.py::test_case_number_{i}_with_a_long_descriptive_name" for i in range(4))
    one, other = rs.log_name("pytest:" + ids), rs.log_name("pytest:" + ids + "x")
    assert len(one.encode()) <= 255 and one.endswith(".log") and one != other
    assert rs.log_name("remigrate:3.9.2") == "remigrate_3.9.2.log"


def test_a_case_whose_log_cannot_be_written_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(rs, "LANES_DIR", tmp_path)
    (tmp_path / "logs").write_text("a file where the logs directory should be")
    case = rs.Case("pytest:tests/x.py", (sys.executable, "-c", "pass"), ())
    runner = rs.Runner([case, rs.Case("pytest:tests/y.py", (sys.executable, "-c", "pass"), ())], lanes=1)
    # The lane takes its own (here: never created) sandbox down at the end, never the default one.
    monkeypatch.setattr(runner, "lane_env", lambda lane: dict(os.environ, SANDBOX_NET="127.0.99",
                                                              SANDBOX_STATE_DIR=str(tmp_path / "state")))
    assert runner.run() == 1
    out = capsys.readouterr().out
    assert "failed: pytest:tests/x.py pytest:tests/y.py" in out


def test_a_case_that_runs_and_passes_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rs, "LANES_DIR", tmp_path)
    runner = rs.Runner([rs.Case("pytest:tests/x.py", (sys.executable, "-c", "print('ok')"), ())], lanes=1)
    # The lane takes its own (here: never created) sandbox down at the end, never the default one.
    monkeypatch.setattr(runner, "lane_env", lambda lane: dict(os.environ, SANDBOX_NET="127.0.99",
                                                              SANDBOX_STATE_DIR=str(tmp_path / "state")))
    assert runner.run() == 0
    assert (tmp_path / "logs" / "pytest_tests_x.py.log").read_text() == "ok\n"


def test_a_failed_case_leaves_a_digest_of_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rs, "LANES_DIR", tmp_path)
    script = "print('PLAY RECAP'); print('fatal: [broker2]: FAILED! => {\"msg\": \"broker2 is not running\"}'); " \
             "print('destroy'); raise SystemExit(2)"
    runner = rs.Runner([rs.Case("pytest:tests/x.py", (sys.executable, "-c", script), ())], lanes=1)
    monkeypatch.setattr(runner, "lane_env", lambda lane: dict(os.environ, SANDBOX_NET="127.0.99",
                                                              SANDBOX_STATE_DIR=str(tmp_path / "state")))
    assert runner.run() == 1
    digest = (tmp_path / "failures.txt").read_text().splitlines()
    assert digest[0].startswith("pytest:tests/x.py (log ")
    assert digest[1:] == ['    | fatal: [broker2]: FAILED! => {"msg": "broker2 is not running"}']


def test_the_digest_falls_back_to_the_logs_last_lines() -> None:
    assert rs.failure_digest([f"line {i}" for i in range(20)], limit=3) == ["line 17", "line 18", "line 19"]
