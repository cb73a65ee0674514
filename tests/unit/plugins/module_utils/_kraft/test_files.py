# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Atomic writes and backups that keep mode, content and times."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.files import backup, read_text, write_atomic

NOON = 1767268800.0  # 2026-01-01T12:00:00Z


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_read_text_latin1_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "a.properties"
    assert read_text(str(path)) is None
    path.write_bytes(b"name=caf\xe9\n")
    assert read_text(str(path)) == "name=caf\u00e9\n"


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644])
def test_backup_keeps_mode_content_and_times(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "server.properties"
    path.write_bytes(b"ssl.keystore.password=s3cret\n")
    os.chmod(path, mode)
    os.utime(path, (NOON - 60, NOON - 60))
    target = backup(str(path), clock=lambda: NOON)
    assert target == str(path) + ".20260101T120000Z.bak"
    assert Path(target).read_bytes() == b"ssl.keystore.password=s3cret\n"
    assert _mode(Path(target)) == mode
    assert os.stat(target).st_mtime == NOON - 60
    assert os.stat(target).st_uid == os.stat(path).st_uid


def test_backups_in_the_same_second_do_not_collide(tmp_path: Path) -> None:
    path = tmp_path / "server.properties"
    path.write_text("a=1\n")
    first = backup(str(path), clock=lambda: NOON)
    path.write_text("a=2\n")
    second = backup(str(path), clock=lambda: NOON)
    third = backup(str(path), clock=lambda: NOON)
    assert (first, second, third) == tuple(str(path) + s for s in (
        ".20260101T120000Z.bak", ".20260101T120000Z-1.bak", ".20260101T120000Z-2.bak"))
    assert Path(first).read_text() == "a=1\n" and Path(second).read_text() == "a=2\n"


def test_write_atomic_keeps_existing_mode(tmp_path: Path) -> None:
    path = tmp_path / "server.properties"
    path.write_text("old\n")
    os.chmod(path, 0o600)
    write_atomic(str(path), "new=\u00e9\n")
    assert path.read_bytes() == b"new=\xe9\n"
    assert _mode(path) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["server.properties"]  # no temporary file left


@pytest.mark.parametrize("mode,expected", [(None, 0o640), (0o600, 0o600)])
def test_write_atomic_new_file_mode(tmp_path: Path, mode: int, expected: int) -> None:
    path = tmp_path / "new.properties"
    write_atomic(str(path), "a=1\n", mode=mode)
    assert path.read_text() == "a=1\n" and _mode(path) == expected


def test_write_atomic_failure_leaves_original(tmp_path: Path) -> None:
    path = tmp_path / "server.properties"
    path.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(str(path), "snowman=\u2603\n")   # not Latin-1: refused before the rename
    assert path.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["server.properties"]


def test_read_text_drops_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "server.properties"
    path.write_bytes(b"\xef\xbb\xbfbroker.id=1\n")
    assert read_text(str(path)) == "broker.id=1\n"   # not a key named "\xef\xbb\xbfbroker.id"
