"""Rack-parallel rolls on the 12-broker, 3-rack topology (brokerN carries rack r((N-1) mod 3 + 1)).

- A fixed batch that would take partitions offline is refused before any change, naming them.
- With zk2kraft_roll_strategy=rack the brokers of one rack restart together, one rack at a time, in
  both broker rolls, and the cluster verifies in dual-write afterwards.

Runs on the Kafka node emulator (its replica assignment is rack-aware, like Kafka's), or on real
Kafka with SANDBOX_KAFKA=real.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from conftest import run_sandbox
from lib import exec_on_host, read_host_file  # noqa: E402
from playbook_runs import STATE_DIR, newest_report, run_playbook  # noqa: E402

CONFIG = "/etc/kafka/server.properties"
BROKERS = [f"broker{i}" for i in range(1, 13)]
RACK_OF = {b: f"r{(i - 1) % 3 + 1}" for i, b in enumerate(BROKERS, 1)}


@pytest.fixture(scope="module")
def bench_sandbox() -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("the sandbox needs root")
    if STATE_DIR.exists():
        pytest.fail(f"a sandbox is already up ({STATE_DIR}); run 'sandbox.py down' first")
    try:
        run_sandbox("up", "--topology", "bench", timeout=900)
        yield
    finally:
        run_sandbox("down", check=False)


def broker_files() -> dict[str, str]:
    return {b: read_host_file(b, CONFIG) for b in BROKERS}


def test_a_batch_that_would_take_partitions_offline_is_refused_before_any_change(bench_sandbox: None) -> None:
    before = broker_files()
    run = run_playbook("migrate.yml", "-e", "zk2kraft_roll_batch=12")
    out = " ".join((run.stdout + run.stderr).split())
    assert run.returncode != 0, out[-3000:]
    assert "Refusing to start: parallel roll refused: rolling broker1, broker2," in out, out[-3000:]
    assert "together: would go offline: " in out and "orders-0, orders-1," in out, out[-3000:]
    assert broker_files() == before
    # Not even the controllers were provisioned.
    assert exec_on_host("ctrl1", ["test", "-e", CONFIG], check=False).returncode != 0


def test_a_rack_roll_restarts_one_rack_at_a_time(bench_sandbox: None) -> None:
    run = run_playbook("migrate.yml", "-e", "zk2kraft_roll_strategy=rack", timeout=1800)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert "This run: controllers, migration, dual_write; it ends in dual_write." in " ".join(run.stdout.split())

    racks = [sorted(b for b in BROKERS if RACK_OF[b] == rack) for rack in ("r1", "r2", "r3")]
    report = newest_report()
    for phase in ("migration", "dual_write"):
        info = report["phases"][phase]
        assert [sorted(batch) for batch in info["batches"]] == racks, (phase, info["batches"])
        assert info["restarts"] == 12
    assert len(report["roll_gaps"]) == 4   # between the three racks of each roll

    verify = run_playbook("verify.yml", "-e", "zk2kraft_verify_phase=dual_write")
    assert verify.returncode == 0, verify.stdout[-4000:] + verify.stderr[-2000:]
