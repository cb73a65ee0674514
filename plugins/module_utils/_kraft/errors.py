# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Exceptions of the private helper library; modules turn them into failures."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class KraftError(Exception):
    """Base class of every error the helper library raises."""


class ModelError(KraftError):
    """The inventory or a configuration cannot be turned into a cluster model."""


class ProbeError(KraftError):
    """An observation could not be made now (service down, tool failed); worth retrying."""


class ProbeUsageError(KraftError):
    """The probe was asked for something it cannot do; retrying will not help."""


class ZooKeeperError(KraftError):
    """Base error of the ZooKeeper parts (zookeeper*.py)."""


class ZkConnectError(ZooKeeperError):
    """The ZooKeeper ensemble could not be reached or refused the session."""


class ZkDataError(ZooKeeperError):
    """A znode holds content Kafka would not have written."""


class ZkChangedError(ZooKeeperError):
    """A znode changed between the read that planned an action and the action."""


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (host, key), what is wrong, and how to fix it."""

    host: str
    key: str
    message: str
    fix: str
    severity: str = ERROR
    phase: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.host}: {self.key}" if self.key else self.host
        if self.phase:
            where += f" (phase {self.phase})"
        return f"{self.severity.upper()} [{where}] {self.message}. Fix: {self.fix}"


class ViolationsFound(KraftError):
    """Raised when error-level violations forbid an action."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__(
            "; ".join(str(v) for v in violations if v.severity == ERROR)
        )

    @property
    def violations_as_dicts(self) -> list[dict[str, str | None]]:
        return [v.as_dict() for v in self.violations]
