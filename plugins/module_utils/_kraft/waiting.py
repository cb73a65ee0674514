# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Poll a condition until it holds or a deadline passes (private helper).

Clock and sleep are injected so that tests can drive time without sleeping.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class WaitResult(Generic[T]):
    """Outcome of a wait: ``last`` is the newest observation (None if every probe raised)."""

    ok: bool
    elapsed: float
    attempts: int
    last: T | None
    last_error: str | None = None


def wait_for(
    probe: Callable[[], T],
    done: Callable[[T], bool],
    timeout: float,
    interval: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    retry_on: tuple[type[BaseException], ...] = (),
) -> WaitResult[T]:
    """Call ``probe`` until ``done(observation)`` is true or ``timeout`` seconds passed.

    The probe always runs at least once, and once more at the deadline, so a
    condition that becomes true just before the deadline is still seen.
    Exceptions listed in ``retry_on`` count as a failed attempt (the service
    may simply not be up yet); any other exception propagates.
    """
    if timeout < 0:
        raise ValueError("timeout must not be negative")
    if interval <= 0:
        raise ValueError("interval must be positive")
    start = clock()
    attempts = 0
    last: T | None = None
    last_error: str | None = None
    while True:
        attempts += 1
        try:
            observation = probe()
        except retry_on as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        else:
            last = observation
            last_error = None
            if done(observation):
                return WaitResult(True, clock() - start, attempts, last, None)
        elapsed = clock() - start
        remaining = timeout - elapsed
        if remaining <= 0:
            return WaitResult(False, elapsed, attempts, last, last_error)
        sleep(min(interval, remaining))
