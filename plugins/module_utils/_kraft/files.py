# -*- coding: utf-8 -*-
# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Safe file replacement with timestamped backups that keep mode and owner."""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile
import time
from typing import Callable, Optional


def read_text(path: str) -> Optional[str]:
    """The file's text (Latin-1, as Java reads .properties), or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("latin-1")
    except FileNotFoundError:
        return None


def backup(path: str, clock: Callable[[], float] = time.time) -> str:
    """Copy ``path`` to ``path.<UTC timestamp>.bak`` with the original mode, owner and times."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock()))
    target = "%s.%s.bak" % (path, stamp)
    counter = 1
    while os.path.exists(target):
        # Two changes within one second still get distinct backups.
        target = "%s.%s-%d.bak" % (path, stamp, counter)
        counter += 1
    info = os.stat(path)
    # Create it private first: the original may hold secrets and a copy must never be wider.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
        shutil.copyfileobj(src, out)
    try:
        os.chown(target, info.st_uid, info.st_gid)
    except PermissionError:
        pass
    os.chmod(target, info.st_mode & 0o7777)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    return target


def write_atomic(path: str, text: str, mode: Optional[int] = None, uid: Optional[int] = None,
                 gid: Optional[int] = None) -> None:
    """Replace ``path`` in one rename; keep the old file's mode and owner unless told otherwise."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        info = os.stat(path)
        mode = info.st_mode & 0o7777 if mode is None else mode
        uid = info.st_uid if uid is None else uid
        gid = info.st_gid if gid is None else gid
    except FileNotFoundError:
        mode = 0o640 if mode is None else mode
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("latin-1"))
            out.flush()
            os.fsync(out.fileno())
        if uid is not None or gid is not None:
            os.chown(tmp, -1 if uid is None else uid, -1 if gid is None else gid)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
