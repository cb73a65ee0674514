# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""What the collection last wrote to a node's file, and the operator's edits since (drift).

``kafka_properties`` keeps, beside the file, a small state file (mode 0600) with the value it wrote
for every key it manages (``None``: it removed the key); secret values are kept only as a SHA-256
digest. ``kafka_node_info`` compares the file with it on the next run, and the plan refuses before
any change when a managed key was edited since, unless the run accepts it (``zk2kraft_accept_drift``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    WARNING,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import MASK, is_secret_key

STATE_VERSION = 1
_DIGEST = "sha256:"
ACCEPT_OPTION = "zk2kraft_accept_drift"


def state_path(config_path: str) -> str:
    """``/etc/kafka/.server.properties.zk2kraft`` for ``/etc/kafka/server.properties``."""
    directory, name = os.path.split(os.path.abspath(config_path))
    return os.path.join(directory, f".{name}.zk2kraft")


def _digest(value: str) -> str:
    return _DIGEST + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def recorded(key: str, value: str | None) -> str | None:
    """How a written value is kept: as is, or as a digest for a secret key."""
    if value is None or not is_secret_key(key) or not value:
        return value
    return _digest(value)


def record(managed: Mapping[str, str | None]) -> dict[str, str | None]:
    return {key: recorded(key, value) for key, value in managed.items()}


def _load(path: str) -> Any:
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def read_record(path: str) -> tuple[dict[str, str | None] | None, str | None]:
    """The recorded keys (None when there is no usable state: never written, or unreadable) and the phase
    the file was last rendered for (``rollback_zookeeper`` ...; None when not recorded), in one read."""
    data = _load(path)
    keys = data.get("keys") if isinstance(data, dict) else None
    target = data.get("target") if isinstance(data, dict) else None
    return ({str(k): (v if isinstance(v, str) else None) for k, v in keys.items()} if isinstance(keys, dict) else None,
            target if isinstance(target, str) else None)


def read_state(path: str) -> dict[str, str | None] | None:
    """The recorded keys; None when there is no usable state (never written, or unreadable)."""
    return read_record(path)[0]


def read_target(path: str) -> str | None:
    """The phase the file was last rendered for; None when not recorded."""
    return read_record(path)[1]


def write_state(path: str, managed: Mapping[str, str | None], uid: int | None = None,
                gid: int | None = None, target: str | None = None) -> None:
    """Replace the state file in one rename; created 0600 (it may hold digests of secrets)."""
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".zk2kraft-state.", dir=directory)
    content: dict[str, Any] = {"version": STATE_VERSION, "keys": record(managed)}
    if target is not None:
        content["target"] = target
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(content, out, indent=1, sort_keys=True)
            out.write("\n")
        os.chmod(tmp, 0o600)
        if uid is not None or gid is not None:
            try:
                os.chown(tmp, -1 if uid is None else uid, -1 if gid is None else gid)
            except PermissionError:
                pass
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def remove_state(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@dataclass(frozen=True)
class Drift:
    key: str
    written: str | None  # None: the collection removed the key
    found: str | None  # None: the key is not in the file now

    def as_dict(self) -> dict[str, str | None]:
        """Secret values masked (the state holds only their digest anyway)."""
        def shown(value: str | None) -> str | None:
            return MASK if value and is_secret_key(self.key) else value
        return {"key": self.key, "written": shown(self.written), "found": shown(self.found)}


def find_drift(state: Mapping[str, str | None] | None, current: Mapping[str, str]) -> list[Drift]:
    """Managed keys whose value in the file is not what the collection wrote last."""
    out: list[Drift] = []
    for key, written in sorted((state or {}).items()):
        found = current.get(key)
        if recorded(key, found) != written:
            out.append(Drift(key, written, found))
    return out


def _shown(value: str | None) -> str:
    return "(absent)" if value is None else f"'{value}'"


def drift_violations(host: str, path: str, drift: Sequence[Mapping[str, Any]], accepted: bool) -> list[Violation]:
    """One violation per edited key (values as ``kafka_node_info`` returns them, secrets masked)."""
    out: list[Violation] = []
    for item in drift:
        key = str(item.get("key"))
        message = (f"{key} was edited since zk2kraft.migration last wrote it in {path}: "
                   f"written {_shown(item.get('written'))}, found {_shown(item.get('found'))}")
        if accepted:
            out.append(Violation(host, key, message + f"; accepted with {ACCEPT_OPTION}, this run writes its own value",
                                 "put the value into the inventory if it must stay", WARNING))
        else:
            out.append(Violation(host, key, message + "; the run would overwrite the edit", (
                "restore the written value, or put the value into the inventory (zk2kraft_* variables) if it "
                f"must stay, or accept that this run overwrites it with -e {ACCEPT_OPTION}=true"), ERROR))
    return out
