# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The migration_phase module through main(): forward detection, ambiguity, rollback plans and refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.modules import migration_phase

CONTROLLERS = {"c1": "controller_migrating", "c2": "controller_migrating", "c3": "controller_migrating"}


def _run(args: dict[str, Any], capsys: Any) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        migration_phase.main()
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_a_half_rolled_migration_is_detected_as_under_way(capsys):
    out = _run({"brokers": {"b1": "zk_migrating", "b2": "zk"}, "controllers": CONTROLLERS}, capsys)
    assert not out.get("failed")
    assert (out["phase"], out["in_progress"], out["changed"]) == ("controllers", "migration", False)


def test_disagreeing_hosts_fail_with_their_states(capsys):
    out = _run({"brokers": {"b1": "kraft_broker"}, "controllers": {"c1": "absent"}}, capsys)
    assert out["failed"] and "b1" in out["msg"] and "no controller is provisioned" in out["msg"]


def test_the_rollback_plan_is_returned(capsys):
    out = _run({"brokers": {"b1": "kraft_broker", "b2": "zk_migrating"}, "controllers": CONTROLLERS,
                "purpose": "rollback"}, capsys)
    assert not out.get("failed")
    assert out["rollback"] == {"from_phase": "dual_write", "hybrid_roll": ["b1"], "deprovision": ["c1", "c2", "c3"],
                               "final_roll": ["b1", "b2"], "nothing_to_do": False}


def test_a_rollback_after_finalization_is_refused(capsys):
    out = _run({"brokers": {"b1": "kraft_broker"}, "controllers": {"c1": "controller_kraft"},
                "purpose": "rollback"}, capsys)
    assert out["failed"] and out["msg"].startswith("Rollback refused: the migration was finalized")
