# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

from collections.abc import Iterator

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.waiting import wait_for


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_returns_at_once_when_condition_holds() -> None:
    t = FakeTime()
    result = wait_for(lambda: 5, lambda v: v == 5, timeout=10, interval=0.25, clock=t.clock, sleep=t.sleep)
    assert (result.ok, result.attempts, result.last, result.elapsed) == (True, 1, 5, 0.0)
    assert t.sleeps == []


def test_polls_until_condition_holds() -> None:
    t = FakeTime()
    values = iter([0, 1, 2, 3])
    result = wait_for(lambda: next(values), lambda v: v >= 3, timeout=10, interval=0.5, clock=t.clock, sleep=t.sleep)
    assert result.ok and result.attempts == 4 and result.last == 3
    assert t.sleeps == [0.5, 0.5, 0.5]
    assert result.elapsed == pytest.approx(1.5)


def test_times_out_with_last_observation_and_a_final_attempt_at_the_deadline() -> None:
    t = FakeTime()
    counter = iter(range(100))
    result = wait_for(lambda: next(counter), lambda v: False, timeout=1.0, interval=0.4, clock=t.clock, sleep=t.sleep)
    assert not result.ok
    # 0.0, 0.4, 0.8, then the last sleep is clipped to the 0.2 left: a final probe at 1.0.
    assert t.sleeps == pytest.approx([0.4, 0.4, 0.2])
    assert result.attempts == 4 and result.last == 3
    assert result.elapsed == pytest.approx(1.0)


def test_zero_timeout_probes_once() -> None:
    t = FakeTime()
    result = wait_for(lambda: 1, lambda v: False, timeout=0, interval=1, clock=t.clock, sleep=t.sleep)
    assert (result.ok, result.attempts, t.sleeps) == (False, 1, [])


def test_retryable_errors_count_as_attempts_and_are_reported() -> None:
    t = FakeTime()
    outcomes: Iterator[int | OSError] = iter([OSError("refused"), OSError("refused"), 7])

    def probe() -> int:
        value = next(outcomes)
        if isinstance(value, Exception):
            raise value
        return value

    result = wait_for(probe, lambda v: v == 7, timeout=5, interval=1, clock=t.clock, sleep=t.sleep, retry_on=(OSError,))
    assert result.ok and result.attempts == 3 and result.last_error is None


def test_timeout_after_errors_keeps_the_error_text() -> None:
    t = FakeTime()

    def probe() -> int:
        raise OSError("connection refused")

    result = wait_for(probe, lambda v: True, timeout=1, interval=0.5, clock=t.clock, sleep=t.sleep, retry_on=(OSError,))
    assert not result.ok and result.last is None
    assert result.last_error == "OSError: connection refused"


def test_other_errors_propagate() -> None:
    t = FakeTime()

    def probe() -> int:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        wait_for(probe, lambda v: True, timeout=1, interval=0.5, clock=t.clock, sleep=t.sleep, retry_on=(OSError,))


@pytest.mark.parametrize("timeout,interval", [(-1, 1), (1, 0), (1, -0.5)])
def test_rejects_bad_arguments(timeout: float, interval: float) -> None:
    with pytest.raises(ValueError):
        wait_for(lambda: 1, lambda v: True, timeout=timeout, interval=interval)
