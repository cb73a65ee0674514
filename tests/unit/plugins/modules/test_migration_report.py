# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The migration_report module through main(): phases in migration order, JSON written where asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.modules import migration_report


def run(args: dict[str, Any], capsys: Any) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        migration_report.main()
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def timing(host: str, phase: str, stopped: float) -> dict[str, Any]:
    return {"host": host, "phase": phase, "restarted": True, "stopped_at": stopped, "healthy_at": stopped + 5}


def test_phases_print_in_migration_order_and_the_json_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # As the report role collects them: every controller timing first, then every broker timing.
    timings = [timing("c1", "controllers", 10.0), timing("c1", "kraft", 90.0),
               timing("b1", "migration", 30.0), timing("b1", "dual_write", 60.0)]
    path = tmp_path / "reports" / "migration-1.json"
    out = run({"timings": timings, "phase_before": "zookeeper", "phase_after": "kraft", "started_at": 0.0,
               "path": str(path)}, capsys)
    assert out["changed"] is False and "failed" not in out
    printed = [line.split()[1] for line in out["lines"] if line.startswith("  phase ")]
    assert printed == ["controllers", "migration", "dual_write", "kraft"] == out["phase_order"]
    written = json.loads(path.read_text())
    assert written["phase_order"] == printed and written["lines"] == out["lines"]
    assert out["path"] == str(path)


def test_check_mode_still_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rollback-1.json"
    out = run({"phase_before": "dual_write", "phase_after": "zookeeper", "path": str(path),
               "_ansible_check_mode": True}, capsys)
    assert path.exists() and out["changed"] is False
    assert out["lines"][-1].strip().startswith("nothing to do")


def test_the_html_page_is_written_beside_the_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "migration-2.json"
    out = run({"timings": [timing("b1", "migration", 30.0), timing("b2", "migration", 36.0)], "phase_before": "zookeeper",
               "phase_after": "migration", "started_at": 0.0, "path": str(path),
               "configs": {"brokers": {"b1": [{"key": "sasl.jaas.config", "old": None, "new": "password=hunter2"}]}}},
              capsys)
    page = (tmp_path / "migration-2.html").read_text()
    assert out["html_path"] == str(tmp_path / "migration-2.html")
    assert page.count('class="restart"') == 2 and "hunter2" not in page and "hunter2" not in path.read_text()


def test_html_can_be_turned_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run({"phase_before": "kraft", "phase_after": "kraft", "path": str(tmp_path / "r.json"), "html": False}, capsys)
    assert "html_path" not in out and not (tmp_path / "r.html").exists()
