from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report import roll_batches, roll_gaps, summarize


def entry(host: str, phase: str, stopped: float | None, healthy: float, restarted: bool = True, **waits: Any) -> dict[str, Any]:
    return dict(host=host, phase=phase, stopped_at=stopped, healthy_at=healthy, restarted=restarted, **waits)


def test_gaps_follow_stop_order_within_a_roll() -> None:
    timings = [
        entry("b2", "migration", 20.0, 25.0),
        entry("b1", "migration", 10.0, 19.5),
        entry("b3", "migration", 25.4, 30.0),
        entry("b1", "dual_write", 40.0, 45.0),
        entry("b2", "dual_write", 46.0, 50.0),
    ]
    gaps = roll_gaps(timings)
    assert [(g["phase"], g["after"], g["before"], g["seconds"]) for g in gaps] == [
        ("migration", "b1", "b2", 0.5),
        ("migration", "b2", "b3", 0.4),
        ("dual_write", "b1", "b2", 1.0),
    ]


@pytest.mark.parametrize("skipped", [
    entry("b9", "migration", None, 99.0, restarted=True),
    entry("b9", "migration", 15.0, 16.0, restarted=False),
], ids=["no-stop-time", "not-restarted"])
def test_brokers_that_were_not_restarted_make_no_gap(skipped: dict[str, Any]) -> None:
    timings = [entry("b1", "migration", 10.0, 12.0), skipped, entry("b2", "migration", 13.0, 14.0)]
    assert [g["seconds"] for g in roll_gaps(timings)] == [1.0]


def test_summary_counts_restarts_waits_and_durations() -> None:
    timings = [
        entry("b1", "migration", 10.0, 19.0, zk_registration_wait=2.0, under_replicated_wait=1.5),
        entry("b2", "migration", 19.5, 30.0, kraft_registration_wait="0.5"),
        entry("b3", "migration", None, 31.0, restarted=False),
    ]
    summary = summarize(timings, "zookeeper", "migration", started_at=0.0, finished_at=40.0)
    phase = summary["phases"]["migration"]
    assert phase["restarts"] == 2
    assert phase["wait_seconds"] == 4.0
    assert phase["duration_seconds"] == 20.0
    assert summary["hosts"]["b3"]["restarts"] == 0
    assert summary["total_seconds"] == 40.0
    assert summary["lines"][0] == "Migration report: phase zookeeper -> migration in 40.0 s"
    assert any("healthy -> next stop gaps: 0.50" in line for line in summary["lines"])


def test_empty_run_says_nothing_was_done() -> None:
    summary = summarize([], "kraft", "kraft", None, 5.0)
    assert summary["total_seconds"] is None
    assert summary["roll_gaps"] == []
    assert summary["lines"][-1].strip().startswith("nothing to do")


# The report role collects the controllers' timings (phases controllers and kraft) before the
# brokers' (migration, dual_write); the report must still read in the order the run went through.
@pytest.mark.parametrize("collected, expected", [
    (["controllers", "kraft", "migration", "dual_write"], ["controllers", "migration", "dual_write", "kraft"]),
    (["kraft", "dual_write"], ["dual_write", "kraft"]),
    (["rollback_zookeeper", "rollback_hybrid"], ["rollback_hybrid", "rollback_zookeeper"]),
    (["surprise", "migration", "controllers"], ["controllers", "migration", "surprise"]),
], ids=["full-migration", "finalize-only", "rollback", "unknown-last"])
def test_phases_are_reported_in_migration_order(collected: list[str], expected: list[str]) -> None:
    timings = [entry(f"h{i}", phase, 10.0 * i, 10.0 * i + 5) for i, phase in enumerate(collected)]
    summary = summarize(timings, "zookeeper", "kraft", 0.0, 100.0)
    assert summary["phase_order"] == expected
    assert list(summary["phases"]) == expected
    phase_lines = [line.split()[1] for line in summary["lines"] if line.startswith("  phase ")]
    assert phase_lines == expected


def test_gaps_are_listed_in_migration_order() -> None:
    timings = [entry("b1", "dual_write", 40.0, 45.0), entry("b2", "dual_write", 46.0, 50.0),
               entry("b1", "migration", 10.0, 19.5), entry("b2", "migration", 20.0, 25.0)]
    assert [g["phase"] for g in roll_gaps(timings)] == ["migration", "dual_write"]


def test_each_host_keeps_its_restart_intervals_for_the_timeline() -> None:
    timings = [entry("b1", "migration", 10.0, 19.0, zk_registration_wait=2.0, under_replicated_wait=1.5),
               entry("b1", "dual_write", 40.0, 45.0, kraft_registration_wait=3.0),
               dict(host="c1", phase="kraft", step="quorum leader", seconds=4.5, restarted=True)]
    summary = summarize(timings, "zookeeper", "kraft", 0.0, 50.0)
    assert summary["hosts"]["b1"]["timeline"] == [
        {"phase": "migration", "restarted": True, "stopped_at": 10.0, "healthy_at": 19.0,
         "zk_registration_wait": 2.0, "under_replicated_wait": 1.5},
        {"phase": "dual_write", "restarted": True, "stopped_at": 40.0, "healthy_at": 45.0, "kraft_registration_wait": 3.0},
    ]
    assert summary["hosts"]["c1"]["timeline"] == [
        {"phase": "kraft", "restarted": True, "stopped_at": None, "healthy_at": None, "seconds": 4.5, "step": "quorum leader"}]
    assert (summary["started_at"], summary["finished_at"]) == (0.0, 50.0)


def test_config_changes_are_kept_per_host_with_secrets_masked() -> None:
    configs = {
        "brokers": {"b1": [{"key": "process.roles", "old": None, "new": "broker"},
                           {"key": "listener.name.x.plain.sasl.jaas.config", "old": None, "new": "password=\"s3cr3t\";"}],
                    "b2": [], "c1": []},
        "controllers": {"c1": {"changed": True, "path": "/etc/kafka/server.properties", "state_before": "controller_migrating",
                               "state_after": "controller_kraft",
                               "changes": [{"key": "zookeeper.connect", "old": "zk:2181", "new": None},
                                           {"key": "ssl.key.password", "old": "", "new": "k3y"}]}},
    }
    summary = summarize([entry("b1", "migration", 1.0, 2.0)], "zookeeper", "kraft", 0.0, 5.0, configs)
    assert "s3cr3t" not in repr(summary) and "k3y" not in repr(summary)
    assert summary["config_changes"] == [
        {"host": "c1", "role": "controllers", "path": "/etc/kafka/server.properties",
         "state_before": "controller_migrating", "state_after": "controller_kraft",
         "changes": [{"key": "zookeeper.connect", "old": "zk:2181", "new": None},
                     {"key": "ssl.key.password", "old": "", "new": "********"}]},
        {"host": "b1", "role": "brokers", "changes": [
            {"key": "process.roles", "old": None, "new": "broker"},
            {"key": "listener.name.x.plain.sasl.jaas.config", "old": None, "new": "********"}]},
    ]
    assert "  config changes: 4 key(s) on b1, c1" in summary["lines"]


def test_a_rack_roll_is_reported_as_batches_with_the_gaps_between_them() -> None:
    def entry(host: str, stopped: float, healthy: float) -> dict[str, Any]:
        return {"host": host, "phase": "dual_write", "restarted": True, "stopped_at": stopped, "healthy_at": healthy}
    timings = [entry("b1", 10.0, 20.0), entry("b4", 10.2, 21.0), entry("b2", 21.5, 30.0), entry("b5", 21.6, 29.0),
               entry("b3", 30.4, 40.0)]
    batches = roll_batches(timings)["dual_write"]
    assert [[e["host"] for e in b] for b in batches] == [["b1", "b4"], ["b2", "b5"], ["b3"]]
    assert roll_gaps(timings) == [
        {"phase": "dual_write", "after": "b4", "before": "b2", "seconds": 0.5},
        {"phase": "dual_write", "after": "b2", "before": "b3", "seconds": 0.4},
    ]
    summary = summarize(timings, "migration", "dual_write", 0.0, 50.0)
    assert summary["phases"]["dual_write"]["batches"] == [["b1", "b4"], ["b2", "b5"], ["b3"]]
    # 30 s of roll, of which 29.1 s the batches were down (11 + 8.5 + 9.6): 0.9 s of automation over 5 brokers.
    assert summary["phases"]["dual_write"]["automation_seconds_per_broker"] == 0.18
    assert "  roll 30.0 s, automation 0.18 s per broker" in summary["lines"][1]


def test_batches_the_play_named_hold_even_when_a_broker_was_healthy_before_its_batch_mate_stopped() -> None:
    # A rack's brokers restart in one task, each call on its own host: a slow one may stop after a fast one
    # is already healthy. The play's batch, not the overlap, says which brokers restarted together.
    def entry(host: str, stopped: float, healthy: float, batch: list[str]) -> dict[str, Any]:
        return {"host": host, "phase": "migration", "restarted": True, "stopped_at": stopped, "healthy_at": healthy,
                "batch": batch}
    rack1, rack2 = ["b1", "b3"], ["b2", "b4"]
    timings = [entry("b1", 10.0, 14.0, rack1), entry("b3", 14.5, 18.0, rack1),
               entry("b2", 18.6, 22.0, rack2), entry("b4", 18.7, 23.0, rack2)]
    assert [[e["host"] for e in b] for b in roll_batches(timings)["migration"]] == [["b1", "b3"], ["b2", "b4"]]
    assert roll_gaps(timings) == [{"phase": "migration", "after": "b3", "before": "b2", "seconds": 0.6}]


def test_a_handed_over_restart_is_healthy_when_the_next_batchs_guard_saw_it() -> None:
    # b1 and b3 (a rack) handed their catch-up wait to b2's batch guard, which passed at 21.0 (b4's at 21.2); b2's
    # batch, the roll's last, waited for itself. b5, restarted in another phase, is not the rack's witness.
    def entry(host: str, stopped: float | None, healthy: float | None, batch: list[str], cleared: float | None,
              phase: str = "dual_write") -> dict[str, Any]:
        return {"host": host, "phase": phase, "restarted": stopped is not None, "stopped_at": stopped,
                "healthy_at": healthy, "batch": batch, "cleared_at": cleared, "handed_over": healthy is None}
    rack1, rack2 = ["b1", "b3"], ["b2", "b4"]
    timings = [dict(entry("b1", 10.0, None, rack1, 9.9), registered_at=18.5), entry("b3", 10.1, None, rack1, 9.95),
               entry("b2", 21.3, 25.0, rack2, 21.0), entry("b4", 21.4, 26.0, rack2, 21.2),
               entry("b5", 40.0, None, ["b5"], 15.0, phase="migration")]
    summary = summarize(timings, "migration", "dual_write", 0.0, 50.0)
    assert summary["roll_gaps"] == [{"phase": "dual_write", "after": "b1", "before": "b2", "seconds": 0.3}]
    timeline = {h: summary["hosts"][h]["timeline"][0] for h in ("b1", "b3", "b2", "b5")}
    assert timeline["b1"]["healthy_at"] == timeline["b3"]["healthy_at"] == 21.0 and timeline["b1"]["handed_over"]
    assert timeline["b2"]["healthy_at"] == 25.0 and "handed_over" not in timeline["b2"]
    assert timeline["b5"]["healthy_at"] is None   # no later call of its roll saw it (an interrupted run)
    # b1's catch-up, from its registration to the guard's observation, is its wait for the replicas.
    assert summary["hosts"]["b1"]["waits"] == [{"phase": "dual_write", "seconds": 2.5, "under_replicated_wait": 2.5}]
