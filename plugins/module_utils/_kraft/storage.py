# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Kafka's storage directories: ``meta.properties`` and what ``kafka-storage.sh format`` must do
(stdlib only; runs on the managed Kafka hosts)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import KraftError, ProbeError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.files import read_text
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.kafka_config import configured_log_dirs
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import loads as parse_properties


class StorageError(KraftError):
    """A metadata directory is in a state that formatting must not touch."""


# --------------------------------------------------------------------------- meta.properties

@dataclass(frozen=True)
class MetaProperties:
    version: int
    cluster_id: str | None
    node_id: int | None
    directory_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "cluster_id": self.cluster_id, "node_id": self.node_id,
                "directory_id": self.directory_id}


def parse_meta_properties(text: str, source: str = "meta.properties") -> MetaProperties:
    """v0 (ZooKeeper broker: ``broker.id``) or v1 (KRaft-formatted: ``node.id``)."""
    return _meta_from_keys(parse_properties(text), source)


def _meta_from_keys(props: Mapping[str, str], source: str) -> MetaProperties:
    try:
        version = int(props["version"])
    except (KeyError, ValueError) as exc:
        raise ProbeError(f"{source} has no valid version") from exc
    if version not in (0, 1):
        raise ProbeError(f"{source} has unsupported version {version}")
    id_key = "broker.id" if version == 0 else "node.id"
    raw_id = props.get(id_key)
    try:
        node_id = int(raw_id) if raw_id is not None else None
    except ValueError as exc:
        raise ProbeError(f"{source} has a non-integer {id_key}: {raw_id!r}") from exc
    if version == 1 and node_id is None:
        raise ProbeError(f"{source} (version 1) lacks node.id")
    return MetaProperties(version, props.get("cluster.id"), node_id, props.get("directory.id"))


def read_meta_keys(directory: str) -> dict[str, str] | None:
    """Every key of a directory's meta.properties as written (Latin-1, as Java reads it); None when it has none."""
    path = os.path.join(directory, "meta.properties")
    try:
        text = read_text(path)
    except OSError as exc:
        raise ProbeError(f"cannot read {path}: {exc}") from exc
    return parse_properties(text) if text is not None else None


def read_meta_properties(directory: str) -> MetaProperties | None:
    keys = read_meta_keys(directory)
    return _meta_from_keys(keys, os.path.join(directory, "meta.properties")) if keys is not None else None


# --------------------------------------------------------------------------- storage format


def storage_directories(config: Mapping[str, str]) -> list[str]:
    """Every directory ``kafka-storage.sh format`` writes: the log dirs and the metadata dir."""
    data_dirs = configured_log_dirs(config)
    metadata_dir = (config.get("metadata.log.dir") or "").strip() or (data_dirs[0] if data_dirs else "")
    if not metadata_dir:
        raise StorageError("the configuration sets none of log.dirs, log.dir, metadata.log.dir")
    dirs: list[str] = []
    for directory in data_dirs + [metadata_dir]:
        if directory not in dirs:
            dirs.append(directory)
    return dirs


@dataclass(frozen=True)
class StoragePlan:
    formatted: Mapping[str, MetaProperties]
    unformatted: tuple[str, ...]

    @property
    def needs_format(self) -> bool:
        return bool(self.unformatted)

    @property
    def ignore_formatted(self) -> bool:
        # Without --ignore-formatted, format refuses as soon as one directory is formatted.
        return bool(self.formatted) and bool(self.unformatted)


def plan_storage(
    config: Mapping[str, str],
    cluster_id: str,
    read: Callable[[str], MetaProperties | None] = read_meta_properties,
) -> StoragePlan:
    """Which directories still need formatting for ``cluster_id``; refuse on conflicts."""
    if not config.get("process.roles", "").strip():
        raise StorageError("the configuration has no process.roles: it is a ZooKeeper-mode configuration, "
                           "which kafka-storage.sh refuses to format")
    node_id_text = config.get("node.id")
    node_id = int(node_id_text) if node_id_text is not None and node_id_text.strip().lstrip("-").isdigit() else None
    formatted: dict[str, MetaProperties] = {}
    unformatted: list[str] = []
    for directory in storage_directories(config):
        meta = read(directory)
        if meta is None:
            unformatted.append(directory)
            continue
        if meta.cluster_id != cluster_id:
            raise StorageError(f"{directory} is formatted for cluster id {meta.cluster_id}, expected {cluster_id}; wipe it only if it belongs to "
                               "no live cluster")
        if node_id is not None and meta.node_id is not None and meta.node_id != node_id:
            raise StorageError(f"{directory} is formatted for node id {meta.node_id}, but the configuration has node.id={node_id}")
        formatted[directory] = meta
    return StoragePlan(formatted, tuple(unformatted))


def storage_format_argv(kafka_home: str, config_path: str, cluster_id: str, release_version: str | None,
                        ignore_formatted: bool) -> list[str]:
    # One word: a ZooKeeper cluster's id may start with "-" (Kafka's ZooKeeper mode draws it from any UUID), and
    # "-t <id>" then reads as an option: "argument --cluster-id/-t: expected one argument".
    argv = [os.path.join(kafka_home, "bin", "kafka-storage.sh"), "format", f"--cluster-id={cluster_id}",
            "-c", config_path]
    if release_version:
        argv += ["-r", release_version]
    if ignore_formatted:
        argv.append("-g")
    return argv
