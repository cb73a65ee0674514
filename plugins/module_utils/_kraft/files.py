# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Safe file replacement with timestamped backups that keep mode and owner."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    WARNING,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import (
    PropertiesDocument,
    PropertiesError,
    binary_reason,
    is_secret_key,
    strip_bom,
)

CONTROLLER_HOST = "localhost"


def read_text(path: str) -> str | None:
    """The file's text (Latin-1, as Java reads .properties, a UTF-8 BOM removed), or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return strip_bom(handle.read().decode("latin-1"))
    except FileNotFoundError:
        return None


def backup(path: str, clock: Callable[[], float] = time.time) -> str:
    """Copy ``path`` to ``path.<UTC timestamp>.bak`` with the original mode, owner and times."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock()))
    target = f"{path}.{stamp}.bak"
    counter = 1
    while os.path.exists(target):
        # Two changes within one second still get distinct backups.
        target = f"{path}.{stamp}-{counter}.bak"
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


_BACKUP_NAME = re.compile(r"\.(\d{8}T\d{6}Z)(?:-(\d+))?\.bak$")


def backups(path: str) -> list[str]:
    """The backups ``backup`` made of ``path``, newest first."""
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    found = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        if not name.startswith(base + "."):
            continue
        match = _BACKUP_NAME.fullmatch(name[len(base):])
        if match:
            found.append(((match.group(1), int(match.group(2) or 0)), os.path.join(directory, name)))
    return [name for dummy, name in sorted(found, reverse=True)]


def write_atomic(path: str, text: str, mode: int | None = None, uid: int | None = None,
                 gid: int | None = None) -> None:
    """Replace ``path`` in one rename; keep the old file's mode and owner unless told otherwise."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        info = os.stat(path)
        mode = info.st_mode & 0o7777 if mode is None else mode
        uid = info.st_uid if uid is None else uid
        gid = info.st_gid if gid is None else gid
    except FileNotFoundError:
        mode = 0o640 if mode is None else mode
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=directory)
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


def _why_unusable_dir(path: str) -> str | None:
    if os.path.islink(path) and not os.path.exists(path):
        return f"is a symbolic link to {os.readlink(path)}, which does not exist"
    if not os.path.exists(path):
        return "does not exist"
    if not os.path.isdir(path):
        return "is a file, not a directory"
    try:
        os.listdir(path)
    except OSError as exc:
        return "cannot be read ({})".format((exc.strerror or "permission denied").lower())
    return None


def check_config_dir(config_dir: str, key: str = "config_dir") -> list[Violation]:
    """The directory of current files on the Ansible controller must be a readable directory."""
    reason = _why_unusable_dir(config_dir)
    if reason is None:
        return []
    return [Violation(CONTROLLER_HOST, key, f"the directory of current files {config_dir} {reason}",
                      f"point {key} at a readable directory holding <inventory_hostname>.properties files")]


def read_properties_file(path: str) -> tuple[str | None, str | None]:
    """(text, None) for a readable text file (BOM removed), (None, why) otherwise; (None, None) when absent."""
    if os.path.islink(path) and not os.path.exists(path):
        return None, f"is a symbolic link to {os.readlink(path)}, which does not exist"
    if not os.path.exists(path):
        return None, None
    if os.path.isdir(path):
        return None, "is a directory, not a file"
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return None, "cannot be read ({})".format((exc.strerror or "permission denied").lower())
    text = strip_bom(data.decode("latin-1"))
    reason = binary_reason(text)
    if reason:
        return None, f"is not a text properties file: {reason}"
    return text, None


def read_config_dir(
    config_dir: str, hosts: Sequence[str], brokers: Sequence[str] = (), key: str = "config_dir",
) -> tuple[dict[str, str], list[Violation]]:
    """Read ``<host>.properties`` for every host; every file that cannot be used is a violation."""
    problems = check_config_dir(config_dir, key)
    if problems:
        return {}, problems
    texts: dict[str, str] = {}
    for host in hosts:
        path = os.path.join(config_dir, f"{host}.properties")
        text, why = read_properties_file(path)
        if text is not None:
            texts[host] = text
        elif why is not None:
            problems.append(Violation(host, "server.properties", f"the current file {path} {why}",
                                      "replace it with a copy of the host's server.properties (plain text)"))
        elif host in brokers:
            problems.append(Violation(host, "server.properties", f"{key} has no copy {path}: it is planned from the inventory "
                                      "alone", "copy the broker's server.properties there", WARNING))
    return texts, problems


def check_live_file(host: str, is_broker: bool, path: str, state: Mapping[str, Any]) -> list[Violation]:
    """A file read on a host (``ansible.builtin.stat`` fields) that cannot be used for the plan."""
    fix = f"make {path} a readable server.properties on the host, or set zk2kraft_config_file to it"
    if not state.get("exists"):
        if state.get("islnk"):
            return [Violation(host, "server.properties", "{} is a symbolic link to {}, which does not exist".format(
                path, state.get("lnk_source") or "a missing file"), fix)]
        if is_broker:
            return [Violation(host, "server.properties", f"{path} does not exist on the broker", fix)]
        return []
    if state.get("isdir"):
        return [Violation(host, "server.properties", f"{path} is a directory, not a file", fix)]
    if not state.get("readable", True):
        return [Violation(host, "server.properties", f"{path} cannot be read by the connecting user",
                          "read it as a user that may (become: true), or " + fix)]
    return []


def world_readable(host: str, path: str, mode: Any, text: str | None) -> list[Violation]:
    """A warning when a file holding secrets can be read by every user of the host."""
    try:
        bits = int(str(mode), 8)
    except ValueError:
        return []
    if not bits & 0o004 or not text:
        return []
    try:
        items = list(PropertiesDocument.parse(text).items())
    except PropertiesError:
        return []  # the plan reports the malformed file itself
    secret_keys = sorted({key for key, value in items if value and is_secret_key(key)})
    if not secret_keys:
        return []
    shown = ", ".join(secret_keys[:3]) + (", ..." if len(secret_keys) > 3 else "")
    return [Violation(host, "server.properties", f"{path} holds secrets ({shown}) and is world-readable (mode {bits & 0o7777:04o})",
                      f"chmod 0640 {path} (readable by Kafka's group only), or 0600", WARNING)]
