from __future__ import annotations

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.report import roll_gaps, summarize


def entry(host, phase, stopped, healthy, restarted=True, **waits):
    return dict(host=host, phase=phase, stopped_at=stopped, healthy_at=healthy, restarted=restarted, **waits)


def test_gaps_follow_stop_order_within_a_roll():
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
def test_brokers_that_were_not_restarted_make_no_gap(skipped):
    timings = [entry("b1", "migration", 10.0, 12.0), skipped, entry("b2", "migration", 13.0, 14.0)]
    assert [g["seconds"] for g in roll_gaps(timings)] == [1.0]


def test_summary_counts_restarts_waits_and_durations():
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


def test_empty_run_says_nothing_was_done():
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
def test_phases_are_reported_in_migration_order(collected, expected):
    timings = [entry("h%d" % i, phase, 10.0 * i, 10.0 * i + 5) for i, phase in enumerate(collected)]
    summary = summarize(timings, "zookeeper", "kraft", 0.0, 100.0)
    assert summary["phase_order"] == expected
    assert list(summary["phases"]) == expected
    phase_lines = [line.split()[1] for line in summary["lines"] if line.startswith("  phase ")]
    assert phase_lines == expected


def test_gaps_are_listed_in_migration_order():
    timings = [entry("b1", "dual_write", 40.0, 45.0), entry("b2", "dual_write", 46.0, 50.0),
               entry("b1", "migration", 10.0, 19.5), entry("b2", "migration", 20.0, 25.0)]
    assert [g["phase"] for g in roll_gaps(timings)] == ["migration", "dual_write"]
