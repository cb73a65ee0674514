# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""What one Kafka host shows about itself: its config's mode, its storage, and its process.

A run that was interrupted after writing a file but before the restart leaves a
process older than its config; ``restart_pending`` is how a re-run finds that out.
"""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass, field
from typing import Any

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.drift import (
    find_drift,
    read_record,
    state_path,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.files import read_text
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_config import configured_log_dirs, migration_enabled
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import classify_config
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.procfs import process_start_time
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import PropertiesDocument
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.storage import read_meta_keys
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_syntax import (
    JAAS_CLIENT_SECTION,
    jaas_sections,
)


@dataclass
class NodeInfo:
    config_exists: bool
    state: str
    node_id: int | None
    process_roles: str | None
    migration_enabled: bool
    log_dirs: list[str] = field(default_factory=list)
    metadata_dir: str | None = None
    meta_properties: dict[str, dict[str, str]] = field(default_factory=dict)
    running: bool = False
    pid: int | None = None
    process_started: float | None = None
    config_mtime: float | None = None
    restart_pending: bool = False
    # Why the running JVM authenticates to ZooKeeper with SASL (its JAAS file's Client section), or None.
    zookeeper_sasl: str | None = None
    config_mode: str | None = None
    # Managed keys edited since the collection last wrote the file (key, written, found; secrets masked).
    drift: list[dict[str, str | None]] = field(default_factory=list)
    # The phase the collection last rendered the file for (its record beside the file), or None.
    written_target: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _system_properties(pid: int, proc: str) -> dict[str, str]:
    """The -D options of a JVM: from its command line, else from KAFKA_OPTS in its environment (what
    kafka-run-class.sh passes to java; a JVM started through another wrapper may show only that)."""
    words: list[str] = []
    for name, split in (("cmdline", "\0"), ("environ", "\0")):
        try:
            with open(os.path.join(proc, str(pid), name), "rb") as handle:
                items = handle.read().decode("utf-8", "replace").split(split)
        except OSError:
            continue
        if name == "environ":
            items = [i[len("KAFKA_OPTS="):] for i in items if i.startswith("KAFKA_OPTS=")]
            items = [w for i in items for w in i.split()]
        words.extend(items)
    found: dict[str, str] = {}
    for word in words:
        if word.startswith("-D") and "=" in word:
            key, dummy, value = word[2:].partition("=")
            found.setdefault(key, value)
    return found


def zookeeper_sasl(pid: int, proc: str = "/proc") -> str | None:
    """Why the JVM ``pid`` logs in to ZooKeeper with SASL, or None: ZooKeeper's client does whenever the JAAS
    file of ``java.security.auth.login.config`` has its login section (``Client``) and SASL is not switched off."""
    props = _system_properties(pid, proc)
    path = props.get("java.security.auth.login.config")
    if not path or props.get("zookeeper.sasl.client", "true").strip().lower() == "false":
        return None
    section = props.get("zookeeper.sasl.clientconfig") or JAAS_CLIENT_SECTION
    text = read_text(path)
    if text is None or section not in jaas_sections(text):
        return None
    return f"its JAAS file {path} has a {section} section"


def gather(config_path: str, pid: int | None) -> NodeInfo:
    text = read_text(config_path)
    props = PropertiesDocument.parse(text).to_dict() if text is not None else {}
    raw_id = props.get("node.id", props.get("broker.id"))
    data_dirs = configured_log_dirs(props)
    metadata_dir = props.get("metadata.log.dir") or (data_dirs[0] if data_dirs else None)
    info = NodeInfo(
        config_exists=text is not None,
        state=classify_config(props if text is not None else None),
        node_id=int(raw_id) if raw_id is not None and raw_id.strip().lstrip("-").isdigit() else None,
        process_roles=props.get("process.roles"),
        migration_enabled=migration_enabled(props),
        log_dirs=data_dirs,
        metadata_dir=metadata_dir,
    )
    for directory in sorted(set(data_dirs + ([metadata_dir] if metadata_dir else []))):
        meta = read_meta_keys(directory)
        if meta is not None:
            info.meta_properties[directory] = meta
    if text is not None:
        config_stat = os.stat(config_path)
        info.config_mtime = config_stat.st_mtime
        info.config_mode = f"{stat.S_IMODE(config_stat.st_mode):04o}"
        written, info.written_target = read_record(state_path(config_path))
        info.drift = [d.as_dict() for d in find_drift(written, props)]
    if pid:
        started = process_start_time(pid)
        if started is not None:
            info.running = True
            info.pid = pid
            info.process_started = started
            info.restart_pending = info.config_mtime is not None and info.config_mtime > started
            info.zookeeper_sasl = zookeeper_sasl(pid)
    return info


def compare_files(path: str, other: str) -> list[dict[str, str | None]]:
    """Keys whose values differ between two properties files (comments and order do not count)."""
    mine = PropertiesDocument.parse(read_text(path) or "").to_dict()
    theirs = PropertiesDocument.parse(read_text(other) or "").to_dict()
    return [
        {"key": key, "value": mine.get(key), "other": theirs.get(key)}
        for key in sorted(set(mine) | set(theirs))
        if mine.get(key) != theirs.get(key)
    ]
