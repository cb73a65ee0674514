# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Kafka releases and metadata versions."""

from __future__ import annotations

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError, ProbeUsageError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import (
    MetadataVersion,
    Release,
    has_known_migration_races,
    migration_is_early_access,
    parse_metadata_version,
    parse_version,
    supports_migration,
)


@pytest.mark.parametrize("text,expected", [
    pytest.param("3.9.0", Release(3, 9, 0), id="full"),
    pytest.param("3.7", Release(3, 7, 0), id="no-patch"),
    pytest.param(" 3.8.1 ", Release(3, 8, 1), id="blanks"),
])
def test_release_parse(text: str, expected: Release) -> None:
    assert Release.parse(text) == expected
    assert str(Release.parse(text)) == f"{expected.major}.{expected.minor}.{expected.patch}"


@pytest.mark.parametrize("text", ["", "3", "3.9.0.1", "v3.9.0", "3.9-IV0", "latest"])
def test_release_parse_rejects(text: str) -> None:
    with pytest.raises(ModelError, match="is not a Kafka release"):
        Release.parse(text)


@pytest.mark.parametrize("text,expected", [
    pytest.param("3.9", MetadataVersion(3, 9, 0), id="bare-3.9"),
    pytest.param("3.7", MetadataVersion(3, 7, 4), id="bare-3.7-is-latest-iv"),
    pytest.param("3.6", MetadataVersion(3, 6, 2), id="bare-3.6"),
    pytest.param("3.7-IV2", MetadataVersion(3, 7, 2), id="explicit-iv"),
    pytest.param("3.6.1", MetadataVersion(3, 6, 2), id="patch-form"),
    pytest.param("2.8", MetadataVersion(2, 8, 0), id="old-line"),
])
def test_metadata_version_parse(text: str, expected: MetadataVersion) -> None:
    assert MetadataVersion.parse(text) == expected


@pytest.mark.parametrize("text", ["", "IV2", "3.7-IV", "3.x", "three"])
def test_metadata_version_rejects(text: str) -> None:
    with pytest.raises(ModelError, match="is not a metadata version"):
        MetadataVersion.parse(text)


@pytest.mark.parametrize("text,expected", [(None, None), ("bad", None), ("3.9", MetadataVersion(3, 9, 0))])
def test_parse_metadata_version_lenient(text: str | None, expected: MetadataVersion | None) -> None:
    assert parse_metadata_version(text) == expected


def test_ordering_and_equality() -> None:
    assert MetadataVersion.parse("3.9") == MetadataVersion.parse("3.9-IV0")
    assert MetadataVersion.parse("3.7-IV1") < MetadataVersion.parse("3.7-IV2") < MetadataVersion.parse("3.7")
    assert MetadataVersion.parse("3.6") < MetadataVersion.parse("3.7-IV0")
    assert str(MetadataVersion.parse("3.7")) == "3.7-IV4"
    assert Release(3, 7, 1) > Release(3, 7, 0) and Release(3, 10, 0) > Release(3, 9, 9)


@pytest.mark.parametrize("release,supported,early,races", [
    pytest.param("3.3.2", False, True, False, id="3.3.2"),
    pytest.param("3.4.1", True, True, False, id="3.4.1"),
    pytest.param("3.6.1", True, True, True, id="3.6.1"),
    pytest.param("3.6.2", True, True, False, id="3.6.2"),
    pytest.param("3.7.0", True, False, True, id="3.7.0"),
    pytest.param("3.7.1", True, False, False, id="3.7.1"),
    pytest.param("3.8.0", True, False, True, id="3.8.0"),
    pytest.param("3.8.1", True, False, False, id="3.8.1"),
    pytest.param("3.9.0", True, False, False, id="3.9.0"),
    pytest.param("4.0.0", False, False, False, id="4.0.0"),
])
def test_release_predicates(release: str, supported: bool, early: bool, races: bool) -> None:
    parsed = Release.parse(release)
    assert (supports_migration(parsed), migration_is_early_access(parsed), has_known_migration_races(parsed)) == (
        supported, early, races)


# A probe's release: a bad one is a usage error.


@pytest.mark.parametrize("text,expected", [("3.9.0", (3, 9)), ("3.7", (3, 7)), ("3.4.1", (3, 4))])
def test_parse_version(text: str, expected: tuple[int, int]) -> None:
    assert parse_version(text).line == expected


def test_parse_version_rejects_garbage() -> None:
    with pytest.raises(ProbeUsageError):
        parse_version("latest")
