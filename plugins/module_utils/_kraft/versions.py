# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Kafka release and metadata-version arithmetic (private helper library)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError, ProbeUsageError

# Latest feature level of each 3.x metadata version: an IBP of "3.7" means "3.7-IV4".
LATEST_IV = {
    (3, 0): 1, (3, 1): 0, (3, 2): 0, (3, 3): 3, (3, 4): 0, (3, 5): 2,
    (3, 6): 2, (3, 7): 4, (3, 8): 0, (3, 9): 0,
}

# Patch releases with known controller-failover races during migration (facts §5).
RACE_FIXED_IN = {(3, 6): (3, 6, 2), (3, 7): (3, 7, 1), (3, 8): (3, 8, 1)}

_RELEASE_RE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")
_MV_RE = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)?(?:-IV(\d+))?$")


@dataclass(frozen=True, order=True)
class Release:
    """A Kafka release such as 3.9.0."""

    major: int
    minor: int
    patch: int = 0

    @classmethod
    def parse(cls, text: str) -> Release:
        match = _RELEASE_RE.match(str(text).strip())
        if not match:
            raise ModelError(f"'{text}' is not a Kafka release (expected MAJOR.MINOR.PATCH, e.g. 3.9.0)")
        return cls(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def line(self) -> tuple[int, int]:
        return (self.major, self.minor)


def parse_version(text: str) -> Release:
    """A release a probe was given: a bad one is a usage error, which no retry cures."""
    try:
        return Release.parse(text)
    except ModelError as exc:
        raise ProbeUsageError(str(exc)) from exc


@dataclass(frozen=True, order=True)
class MetadataVersion:
    """An inter.broker.protocol.version / metadata.version such as 3.7-IV2.

    Kafka resolves a bare "3.7" to the latest feature level of that release, so
    "3.9" and "3.9-IV0" compare equal.
    """

    major: int
    minor: int
    iv: int

    @classmethod
    def parse(cls, text: str) -> MetadataVersion:
        match = _MV_RE.match(str(text).strip())
        if not match:
            raise ModelError(
                f"'{text}' is not a metadata version (expected e.g. 3.9 or 3.7-IV2)"
            )
        major, minor = int(match.group(1)), int(match.group(2))
        if match.group(3) is not None:
            iv = int(match.group(3))
        else:
            iv = LATEST_IV.get((major, minor), 0)
        return cls(major, minor, iv)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}-IV{self.iv}"


def parse_metadata_version(text: str | None) -> MetadataVersion | None:
    """Parse, returning None for an unparseable or missing value."""
    if text is None:
        return None
    try:
        return MetadataVersion.parse(text)
    except ModelError:
        return None


MV_3_4 = MetadataVersion(3, 4, 0)
MV_3_6_IV1 = MetadataVersion(3, 6, 1)
MV_3_7_IV2 = MetadataVersion(3, 7, 2)


def supports_migration(release: Release) -> bool:
    """ZooKeeper migration exists on 3.4 to 3.9 only."""
    return release.major == 3 and release.minor >= 4


def migration_is_early_access(release: Release) -> bool:
    return release.major == 3 and release.minor < 7


def has_known_migration_races(release: Release) -> bool:
    fixed = RACE_FIXED_IN.get(release.line)
    return fixed is not None and (release.major, release.minor, release.patch) < fixed
